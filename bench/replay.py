"""Replay bench: past trades through `polyscan replay` on PostgreSQL, wallet histories cold, then warm.

    .venv/bin/python bench/replay.py [--trades 200000] [--days 5] [--generations 8] [--min-trade-usd 0]

The tape: the real fills of tests/fixtures/replay/ibalgo_2026-01-08_trades.json (2,254 fills of 686
wallets in 18 markets on one day, 12 of them crypto "Up or Down" markets that the default filters
exclude; see that folder's SOURCES.txt) repeated with fresh tx hashes and fresh times, spread evenly
over `--days` days ending a day ago, as JSON lines. A real day has far more wallets per trade than
one market day repeated, and new ones keep coming: each wallet of the day takes a fresh address
`--generations` times in the run, each at its own moment (the first keeps the real address), so
new wallets arrive all along.

The fake Polymarket (tests/fakes) runs in its own process and enforces the documented per-endpoint
limits as sliding windows (Data API general 1,000, /positions and /closed-positions 150, /trades
200; Gamma and CLOB theirs; per 10 s / `--time-scale`), answering 429 with Retry-After beyond them.
It knows every wallet's trades (its /activity) and, per wallet, the captured real wallet's closed
and open positions (tests/fixtures, repeated with the wallet's address).

`polyscan replay TAPE` runs twice in its own process, the real CLI path on a throwaway PostgreSQL
database: cold (no stored wallet history: each enriched wallet is fetched once, prefetched ahead
of the pipeline) and warm (every history stored: nothing fetched). For each run: trades/s, wallet
histories fetched, Data API calls per fetched wallet, the binding endpoint's share of its budget
over the time it was fetched from, 429s, and the run's peak RSS. With the default floor of $0 every
trade is stored and every trade not at a decided price (the filters' 0.95) is enriched.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TAPE_SOURCE = ROOT / "tests" / "fixtures" / "replay" / "ibalgo_2026-01-08_trades.json"
POSITIONS_WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"  # the captured wallet of tests/fixtures
WINDOW = 10.0
DAY = 86400


# ---------------------------------------------------------------- the tape


def fresh_wallet(wallet: str, generation: int) -> str:
    if generation == 0:
        return wallet
    return "0x" + hashlib.blake2b(f"{wallet}:{generation}".encode(), digest_size=20).hexdigest()


def write_tape(path: Path, count: int, days: float, generations: int) -> tuple[int, int]:
    """`count` real fills with fresh tx hashes and times over `days` days ending a day ago, oldest
    first, one Data API row per line, each wallet renamed `generations` times at its own moments.
    Returns (trades, wallets)."""
    rows = json.loads(TAPE_SOURCE.read_text())
    rows.sort(key=lambda r: r["timestamp"])
    end = int(time.time()) - DAY
    start = end - int(days * DAY)
    wallets: set[str] = set()
    with path.open("w") as out:
        for i in range(count):
            row = dict(rows[i % len(rows)])
            offset = int.from_bytes(hashlib.blake2b(row["proxyWallet"].encode(), digest_size=4).digest()) / 2**32
            row["proxyWallet"] = fresh_wallet(row["proxyWallet"], math.floor(i * generations / count + offset))
            row["transactionHash"] = "0x" + hashlib.blake2b(f"bench:{i}".encode(), digest_size=32).hexdigest()
            row["timestamp"] = start + (i * (end - start)) // count
            wallets.add(row["proxyWallet"])
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
    return count, len(wallets)


# ---------------------------------------------------------------- the fake Polymarket (its own process)


async def serve_fake(tape: Path, window: float) -> None:
    from aiohttp import web

    from scanner_core.config import Settings
    from scanner_core.sources.ratelimit import limits_from_settings
    from tests.fakes.polymarket import FakePolymarket, SlidingWindowLimit, serve_forever

    class Recording(FakePolymarket):
        """Counts the wallet calls and when each route was first and last served."""

        def __init__(self) -> None:
            super().__init__()
            self.by_user: Counter[str] = Counter()
            self.first: dict[str, float] = {}
            self.last: dict[str, float] = {}

        @web.middleware
        async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
            response = await FakePolymarket._middleware(self, request, handler)
            if response.status != 429:
                route = self.request_log[-1][0]
                now = time.monotonic()
                self.first.setdefault(route, now)
                self.last[route] = now
                user = request.query.get("user")
                if user:
                    self.by_user[user.lower()] += 1
            if len(self.request_log) > 1000:
                self.request_log.clear()  # the bench reads counters, not the log
            return response

        def reset(self) -> None:
            self.served.clear()
            assert self.rate_limit is not None
            self.rate_limit.rejected.clear()
            self.requests.clear()
            self.by_user.clear()
            self.first.clear()
            self.last.clear()

    fake = Recording()
    fake.activity_from_trades = True
    fake.rate_limit = SlidingWindowLimit(limits_from_settings(Settings(_env_file=None)), window=window)  # type: ignore[call-arg]
    wallets = set()
    with tape.open() as lines:
        batch = []
        for line in lines:
            row = json.loads(line)
            batch.append(row)
            wallets.add(row["proxyWallet"])
            if len(batch) >= 10_000:
                fake.add_trades(batch)
                batch = []
        fake.add_trades(batch)
    closed, current = fake.closed_positions[POSITIONS_WALLET], fake.positions[POSITIONS_WALLET]
    for wallet in wallets:
        fake.set_closed_positions(wallet, [{**r, "proxyWallet": wallet} for r in closed])
        fake.set_positions(wallet, [{**r, "proxyWallet": wallet} for r in current])

    async def stats(request: web.Request) -> web.Response:
        body = {
            "served": fake.served,
            "rate_limited": fake.rate_limit.rejected,
            "by_user": fake.by_user,
            "span": {r: fake.last[r] - fake.first[r] for r in fake.first},
        }
        response = web.json_response(body)  # serialised now, before a reset clears the counters
        if request.query.get("reset"):
            fake.reset()
        return response

    await serve_forever(fake, stats)


# ---------------------------------------------------------------- polyscan replay (its own process)


def child_replay(tape: str, profile: str | None) -> None:
    """`polyscan replay TAPE`, the real CLI; prints seconds and peak RSS as the last stderr line
    (with `profile`: under cProfile, the stats written to that file)."""
    import cProfile

    from bot.cli import main

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    code = 0
    try:
        if profiler is not None:
            profiler.enable()
        main(["replay", tape])
    except SystemExit as done:
        code = int(done.code or 0)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "seconds": seconds, "peak_rss_mb": rss}), file=sys.stderr, flush=True)


def run_replay(tape: Path, env: dict[str, str], log: Path, profile: str | None = None) -> dict[str, Any]:
    with log.open("w") as out:
        argv = [sys.executable, __file__, "--child-replay", str(tape)] + (["--profile", profile] if profile else [])
        done = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, text=True, env=env)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"polyscan replay failed:\n{done.stderr[-3000:]}")
    summary = log.read_text().splitlines()
    result["summary"] = [ln for ln in summary if not ln.startswith("20")]  # the lines after the alerts
    fetched = next(ln for ln in summary if ln.startswith("wallet histories fetched:"))
    result["fetched"] = int(fetched.split(":")[1])
    return result


async def fake_stats(port: int, reset: bool = False) -> dict[str, Any]:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{port}/stats" + ("?reset=1" if reset else "")
        async with session.get(url) as response:
            body: dict[str, Any] = await response.json()
            return body


def budget(stats: dict[str, Any], limits: dict[str, int], window: float) -> dict[str, dict[str, Any]]:
    """Per limited endpoint: requests served, and their share of what its sliding window permits
    over the time it was being fetched from (limit x (whole windows in that span + 1))."""
    out = {}
    for key, limit in limits.items():
        if key.endswith(":*"):
            api = key[:-1]
            served = sum(n for r, n in stats["served"].items() if r.startswith(api))
            spans = [s for r, s in stats["span"].items() if r.startswith(api)]
        else:
            served = stats["served"].get(key, 0)
            spans = [stats["span"][key]] if key in stats["span"] else []
        if not served:
            continue
        span = max(spans, default=0.0)
        out[key] = {
            "limit_per_window": limit,
            "served": served,
            "span_seconds": round(span, 2),
            "share_of_budget": round(served / (limit * (math.floor(span / window) + 1)), 4),
        }
    return out


async def pg_database(create: bool, name: str) -> str:
    import asyncpg

    admin = os.environ.get("POLYSCAN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    conn = await asyncpg.connect(admin)
    try:
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
        else:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    return admin.replace("postgresql://", "postgres://").rsplit("/", 1)[0] + f"/{name}"


def report_run(name: str, run: dict[str, Any], stats: dict[str, Any], limits: dict[str, int], window: float) -> None:
    trades = run["trades"]
    wallet_calls = list(stats["by_user"].values())
    print(f"{name}: {trades:,} trades in {run['seconds']:.1f} s = {trades / run['seconds']:,.0f} trades/s")
    print(f"    wallet histories fetched: {run['fetched']}; Data API calls with a wallet: {sum(wallet_calls)}")
    if wallet_calls:
        per = sum(wallet_calls) / len(wallet_calls)
        print(f"    API calls per fetched wallet: {per:.2f} on average, {max(wallet_calls)} at most")
    shares = budget(stats, limits, window)
    for key, b in shares.items():
        print(
            f"    {key:24} served {b['served']:6} over {b['span_seconds']:7.1f} s:"
            f" {b['share_of_budget']:.1%} of its budget ({b['limit_per_window']} per {window:g} s)"
        )
    wallet_keys = {k: v for k, v in shares.items() if k.startswith("data:")}
    if wallet_keys:
        binding = max(wallet_keys, key=lambda k: wallet_keys[k]["share_of_budget"])
        share = wallet_keys[binding]["share_of_budget"]
        print(f"    binding endpoint {binding}: {share:.1%} of its budget over its fetch phase (goal >= 80%)")
    rejected = sum(stats["rate_limited"].values())
    print(f"    answered 429: {rejected}; peak RSS {run['peak_rss_mb']:.0f} MB (goal < 300 MB)")
    print("    polyscan replay said: " + " | ".join(run["summary"][:3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trades", type=int, default=200_000)
    parser.add_argument("--days", type=float, default=5.0)
    parser.add_argument("--generations", type=int, default=8, help="times each wallet takes a fresh address")
    parser.add_argument("--min-trade-usd", default="0", help="the storage and alert floor (default $0: every trade)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="rate-limit window = 10 s / this")
    parser.add_argument("--serve-fake", metavar="TAPE", help=argparse.SUPPRESS)
    parser.add_argument("--window", type=float, default=WINDOW, help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="DIR", help="cProfile both runs: DIR/cold.prof and DIR/warm.prof")
    parser.add_argument("--child-replay", metavar="TAPE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        asyncio.run(serve_fake(Path(args.serve_fake), args.window))
        return
    if args.child_replay:
        child_replay(args.child_replay, args.profile)
        return

    from scanner_core.config import Settings
    from scanner_core.sources.ratelimit import limits_from_settings

    window = WINDOW / args.time_scale
    limits = limits_from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    db_name = f"polyscan_bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        tape = Path(tmp) / "tape.jsonl"
        trades, wallets = write_tape(tape, args.trades, args.days, args.generations)
        print(
            f"replay bench: {trades:,} past trades of {wallets:,} wallets over {args.days:g} days: the real fills of"
            f" {TAPE_SOURCE.relative_to(ROOT)} repeated with fresh tx hashes and times, each wallet taking a"
            f" fresh address {args.generations} times; floor ${args.min_trade_usd};"
            f" documented rate limits per {window:g} s; PostgreSQL (a throwaway database)"
        )
        fake = subprocess.Popen(
            [sys.executable, __file__, "--serve-fake", str(tape), "--window", str(window)],
            stdout=subprocess.PIPE,
            text=True,
        )
        database = asyncio.run(pg_database(True, db_name))
        try:
            assert fake.stdout is not None
            _, port, stats_port = fake.stdout.readline().split()
            base = f"http://127.0.0.1:{port}"
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("POLYSCAN_")},
                "POLYSCAN_DATABASE_URL": database,
                "POLYSCAN_GAMMA_URL": f"{base}/gamma",
                "POLYSCAN_DATA_API_URL": f"{base}/data",
                "POLYSCAN_CLOB_URL": f"{base}/clob",
                "POLYSCAN_MIN_TRADE_USD": args.min_trade_usd,
                "POLYSCAN_RATE_LIMIT_WINDOW_SECONDS": str(window),
                "POLYSCAN_LOG_LEVEL": "ERROR",
            }
            for name in ("cold", "warm"):
                profile = str(Path(args.profile) / f"{name}.prof") if args.profile else None
                run = run_replay(tape, env, Path(tmp) / f"{name}.log", profile)
                run["trades"] = trades
                stats = asyncio.run(fake_stats(int(stats_port), reset=True))
                report_run(name, run, stats, limits, window)
        finally:
            fake.terminate()
            fake.wait(timeout=10)
            asyncio.run(pg_database(False, db_name))


if __name__ == "__main__":
    main()
