"""Wallet scanner bench: wallets classified per minute and peak RSS for N wallets (default 5,000).

    .venv/bin/python bench/walletscan.py                 # both modes, each in its own process
    .venv/bin/python bench/walletscan.py --mode cached   # (a) histories already stored
    .venv/bin/python bench/walletscan.py --mode fetched --time-scale 1   # (b) at the real rate

(a) cached: a first pass stores every wallet's history (scanner_core.wallets) from an in-process
    Data API that generates the wallets' rows and runs them through the real normaliser; the
    measured second pass finds every history stored (the bench checks that it makes no API call)
    and runs the whole runner: history load, stages, batched upserts into the database.
(b) fetched: the real HttpClient + DataApiClient against the fake Polymarket (tests/fakes) in a
    separate process, which enforces Polymarket's documented per-endpoint limits as sliding
    windows (Data API /positions 150, /closed-positions 150, /trades 200, general 1000 per window)
    and holds (or, with --over-limit 429, answers 429 to) requests beyond them. `--time-scale S`
    shrinks the 10 s window to 10/S s with the same counts, i.e. S times the documented rate, to
    keep the run short; S=1 is the real thing.
    Share of the budget = requests served per endpoint / the most a sliding window permits in
    the run's elapsed time (limit x (floor(elapsed / window) + 1)).

The population is synthetic and deterministic (--seed): newcomers with too little history,
dormant wallets, market makers, net losers, generalists, martingale bettors, one-market lucky
winners, penny pickers and traders of varying skill; unredeemed losers sit in /positions as on
Polymarket. Peak RSS is the process's ru_maxrss (each mode runs in a fresh process).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from scanner_core import normalise  # noqa: E402
from scanner_core.models import Side, now_utc  # noqa: E402
from scanner_core.wallets.history import (  # noqa: E402
    ActivityRow,
    ResolvedPosition,
    WalletHistory,
    sort_resolved,
    sort_rows,
)
from tests.fakes.polymarket import FakePolymarket, SlidingWindowLimit, serve_forever  # noqa: E402
from tests.wallets.wire import activity_rows, closed_row, unredeemed_row  # noqa: E402

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINDOW = 10.0  # Polymarket's documented limits are per 10 s
LIMITS = {"data:/trades": 200, "data:/positions": 150, "data:/closed-positions": 150, "data:*": 1000}
CATEGORIES = ("sports", "politics", "crypto", "economics", "culture", "tech", "weather", "finance")
KINDS = {
    "newcomer": 0.28,
    "dormant": 0.10,
    "maker": 0.05,
    "loser": 0.15,
    "generalist": 0.05,
    "martingale": 0.05,
    "lucky": 0.05,
    "penny": 0.05,
    "trader": 0.22,
}
CENT = Decimal("0.01")


# ---------------------------------------------------------------- the synthetic population


def wallet_address(i: int) -> str:
    return f"0x{i:08x}{'b' * 32}"


def _market(i: int, k: int) -> str:
    # random-looking like real condition ids (a run of zeros would flatter the cache's compression)
    return "0x" + hashlib.blake2b(f"{i}:{k}".encode(), digest_size=32).hexdigest()


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _price(value: float) -> Decimal:
    return Decimal(str(round(min(max(value, 0.01), 0.99), 3)))


def generate(i: int, seed: int) -> tuple[WalletHistory, list[dict[str, Any]]]:
    """Wallet i: its history (bets incl. unredeemed ones, trades) and its open positions (rows)."""
    rng = random.Random(f"{seed}:{i}")
    kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
    n = {
        "newcomer": rng.randint(0, 9),
        "dormant": rng.randint(10, 80),
        "maker": rng.randint(30, 120),
        "loser": rng.randint(10, 200),
        "generalist": rng.randint(30, 150),
        "martingale": rng.randint(15, 120),
        "lucky": rng.randint(12, 60),
        "penny": rng.randint(20, 200),
        "trader": rng.randint(10, 300),
    }[kind]
    last = NOW - (timedelta(days=rng.uniform(35, 300)) if kind == "dormant" else timedelta(hours=rng.uniform(1, 200)))
    span = timedelta(days=rng.uniform(20, 365))
    main = rng.choice(CATEGORIES)
    main_share = rng.uniform(0.5, 0.9)
    edge = rng.uniform(-0.05, 0.12)
    base_stake = rng.uniform(20, 2000)
    stake = base_stake
    bets: list[ResolvedPosition] = []
    trades: list[ActivityRow] = []
    for k in range(n):
        resolved_at = last - span * ((n - 1 - k) / max(n - 1, 1))
        category = main if rng.random() < main_share else rng.choice(CATEGORIES)
        price = rng.uniform(0.3, 0.7)
        p_win = price
        cost = base_stake * rng.uniform(0.5, 1.5)
        if kind == "loser":
            p_win = price - rng.uniform(0.1, 0.25)
        elif kind == "generalist":
            category = rng.choice(CATEGORIES)
        elif kind == "martingale":
            price, p_win, cost = 0.5, 0.5, stake
        elif kind == "lucky":
            p_win = price - 0.05
            if k == n // 2:
                price, p_win, cost = 0.05, 1.0, base_stake * 20
        elif kind == "penny":
            price = rng.uniform(0.95, 0.99)
            p_win = 0.97
        elif kind == "trader":
            p_win = min(0.95, price + edge)
        won = rng.random() < p_win
        p, c = _price(price), _money(cost)
        if kind == "maker":
            pnl = _money(cost * 0.01) if won else _money(-cost * 0.008)
        else:
            pnl = (c / p - c).quantize(CENT) if won else -c
        redeemed = rng.random() > (0.1 if won else 0.5)
        market = _market(i, k)
        bets.append(ResolvedPosition(market, 0, p, c, pnl, resolved_at, category, redeemed))
        if kind == "maker" and rng.random() < 0.6:
            other = -pnl if won else _money(cost * 0.009)
            bets.append(ResolvedPosition(market, 1, _price(1 - price), c, other, resolved_at, category, True))
        if kind == "martingale":
            stake = base_stake if won else stake * 2
        for part in range(rng.randint(1, 3)):
            when = resolved_at - timedelta(hours=rng.uniform(2, 60) + part)
            trades.append(_trade(when, market, _money(cost / (part + 1)), p, Side.BUY, category))
        if rng.random() < 0.15:
            trades.append(_trade(resolved_at - timedelta(hours=1), market, _money(cost / 3), p, Side.SELL, category))
    history = WalletHistory(
        address=wallet_address(i),
        fetched_until=NOW,
        rows=sort_rows(trades)[-2000:],
        resolved=sort_resolved({(b.condition_id, b.outcome_index): b for b in bets}.values()),
    )
    open_rows = [_open_row(history.address, _market(i, 10_000 + k), rng) for k in range(rng.randint(0, 4))]
    return history, open_rows


def _trade(when: datetime, market: str, usd: Decimal, price: Decimal, side: Side, category: str) -> ActivityRow:
    key = hashlib.blake2b(f"{market}{when.timestamp()}{usd}{side}".encode(), digest_size=16).hexdigest()
    return ActivityRow(when, "TRADE", market, usd, key, 0, side, price, category)


def _open_row(wallet: str, market: str, rng: random.Random) -> dict[str, Any]:
    price = round(rng.uniform(0.2, 0.8), 3)
    shares = round(rng.uniform(10, 5000), 2)
    bet = ResolvedPosition(market, 0, _price(price), _money(price * shares), Decimal(0), NOW + timedelta(days=30))
    row = unredeemed_row(wallet, bet)
    row.update(curPrice=round(price + 0.05, 3), redeemable=False, currentValue=round((price + 0.05) * shares, 2))
    return row


def wire(i: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(closed-positions rows, positions rows, activity rows) of wallet i, as the Data API sends them."""
    history, open_rows = generate(i, seed)
    wallet = history.address
    closed = [closed_row(wallet, b) for b in history.resolved if b.redeemed]
    positions = [unredeemed_row(wallet, b) for b in history.resolved if not b.redeemed] + open_rows
    return closed, positions, activity_rows(history)


# ---------------------------------------------------------------- (a) an in-process Data API


class GeneratedDataApi:
    """The Data API calls the scanner makes, answered from the generator through the real
    normaliser (only to store the histories before the measured pass)."""

    def __init__(self, seed: int, index: dict[str, int]) -> None:
        self.seed = seed
        self.index = index
        self.calls = 0

    @lru_cache(maxsize=64)  # noqa: B019 - a bench object that lives for the whole run
    def _rows(self, wallet: str) -> tuple[list[Any], list[Any], list[dict[str, Any]]]:
        closed, positions, activity = wire(self.index[wallet], self.seed)
        closed.sort(key=lambda r: -int(r["timestamp"]))
        activity.sort(key=lambda r: -int(r["timestamp"]))
        return (
            [normalise.closed_position_from_row(r) for r in closed],
            [normalise.position_from_row(r) for r in positions],
            activity,
        )

    async def closed_positions(
        self, user: str, *, sort_by: Any = None, sort_direction: Any = None, limit: int = 50, offset: int = 0
    ) -> list[Any]:
        self.calls += 1
        return self._rows(user)[0][offset : offset + limit]

    async def positions(self, user: str, *, limit: int = 100, offset: int = 0) -> list[Any]:
        self.calls += 1
        return self._rows(user)[1][offset : offset + limit]

    async def traded(self, user: str) -> int:
        self.calls += 1
        closed, positions, _ = self._rows(user)
        return len({r.condition_id for r in closed} | {p.condition_id for p in positions})

    async def activity(
        self,
        user: str,
        *,
        start: Any = None,
        end: Any = None,
        sort_by: Any = None,
        sort_direction: Any = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Any]:
        self.calls += 1
        rows = self._rows(user)[2]  # newest first
        if end is not None:
            rows = [r for r in rows if r["timestamp"] <= end.timestamp()]
        if start is not None:
            rows = [r for r in rows if r["timestamp"] >= start.timestamp()]
        if sort_direction == "ASC":
            rows = rows[::-1]
        return [normalise.activity_from_row(r, not_after=now_utc()) for r in rows[offset : offset + limit]]

    async def leaderboard(self, **_: Any) -> list[Any]:
        return []


# ---------------------------------------------------------------- (b) a rate-limited fake Polymarket


class ManyWallets(FakePolymarket):
    """The fake Polymarket with the documented limits on, serving thousands of generated wallets."""

    def __init__(self, window: float, over_limit: str) -> None:
        super().__init__(seed=False)
        self.rate_limit = SlidingWindowLimit(dict(LIMITS), window=window, throttle=over_limit == "throttle")

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        if len(self.request_log) > 1000:
            self.request_log.clear()  # the bench reads counters, not the log
        return await FakePolymarket._middleware(self, request, handler)


async def serve_fake(wallets: int, seed: int, window: float, over_limit: str) -> None:
    fake = ManyWallets(window, over_limit)
    for i in range(wallets):
        closed, positions, activity = wire(i, seed)
        wallet = wallet_address(i)
        fake.set_closed_positions(wallet, closed)
        fake.set_positions(wallet, positions)
        fake.set_activity(wallet, activity)

    async def stats(_: web.Request) -> web.Response:
        limit = fake.rate_limit
        assert limit is not None
        return web.json_response({"served": fake.served, "rejected": limit.rejected, "throttled": limit.throttled})

    await serve_forever(fake, stats)


# ---------------------------------------------------------------- the scanner side


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(args: argparse.Namespace, **overrides: Any) -> Any:
    from scanner_core.config import Settings

    values: dict[str, Any] = {"database_url": args.database_url, "log_level": "WARNING"}
    if args.concurrency:
        values["walletscan_concurrency"] = args.concurrency
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _scanner(settings: Any, api: Any) -> tuple[Any, Any]:
    from db import setup as db_setup
    from db.repositories import Repositories
    from scanner_core.wallets import WalletService
    from scanner_core.wallets.classifier.runner import WalletScanRunner

    await db_setup.connect(settings.database_url, settings.db_pool_max)
    await db_setup.migrate(settings.database_url)
    repos = Repositories()
    source = WalletService.from_settings(settings, api, repos, lambda: NOW)

    async def store_alert(alert: Any) -> None:
        await repos.alerts.save_alert(alert)

    runner = WalletScanRunner.from_settings(
        settings, source, repos.classifications, seen=repos.trades, on_alert=store_alert, clock=lambda: NOW
    )
    return runner, repos


def _mix(summary: Any) -> dict[str, int]:
    return {f"{klass} stage {stage}": n for (klass, stage), n in sorted(summary.by_stage.items())}


async def run_cached(args: argparse.Namespace) -> dict[str, Any]:
    from db import setup as db_setup

    settings = _settings(args)
    addresses = [wallet_address(i) for i in range(args.wallets)]
    api = GeneratedDataApi(args.seed, {a: i for i, a in enumerate(addresses)})
    runner, repos = await _scanner(settings, api)
    try:
        warm = await runner.scan(addresses, max_wallets=args.wallets)
        calls_before = api.calls
        started = time.perf_counter()
        summary = await runner.scan(addresses, max_wallets=args.wallets)
        elapsed = time.perf_counter() - started
        return {
            "mode": "cached",
            "wallets": summary.classified,
            "failed": summary.failed,
            "seconds": round(elapsed, 3),
            "per_minute": round(summary.classified * 60 / elapsed),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "api_calls_in_measured_pass": api.calls - calls_before,
            "api_calls_in_warm_pass": calls_before,
            "histories_stored": len(await repos.wallet_histories.coverage(addresses)),
            "warm_pass_seconds": round(warm.elapsed_seconds, 2),
            "concurrency": settings.walletscan_concurrency,
            "mix": _mix(summary),
        }
    finally:
        await db_setup.close()


async def run_fetched(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    from db import setup as db_setup
    from scanner_core.sources.data_api import DataApiClient
    from scanner_core.sources.http import HttpClient

    window = WINDOW / args.time_scale
    child = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [
            sys.executable,
            __file__,
            "--serve-fake",
            "--wallets",
            str(args.wallets),
            "--seed",
            str(args.seed),
            "--window",
            str(window),
            "--over-limit",
            args.over_limit,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = await asyncio.to_thread(child.stdout.readline)
        _, fake_port, stats_port = line.split()
        settings = _settings(args, data_api_url=f"http://127.0.0.1:{fake_port}/data", rate_limit_window_seconds=window)
        async with aiohttp.ClientSession() as session:
            api = DataApiClient(HttpClient.from_settings(settings, session), settings.data_api_url)
            runner, _ = await _scanner(settings, api)
            try:
                started = time.perf_counter()
                summary = await runner.scan([wallet_address(i) for i in range(args.wallets)], max_wallets=args.wallets)
                elapsed = time.perf_counter() - started
                async with session.get(f"http://127.0.0.1:{stats_port}/stats") as response:
                    stats = await response.json()
            finally:
                await db_setup.close()
    finally:
        child.terminate()
        child.wait(timeout=10)
    allowed_windows = math.floor(elapsed / window) + 1
    budget = {}
    for key, limit in LIMITS.items():
        if key.endswith(":*"):
            used = sum(n for route, n in stats["served"].items() if route.startswith(key[:-1]))
        else:
            used = stats["served"].get(key, 0)
        budget[key] = {
            "limit_per_window": limit,
            "served": used,
            "share_of_max": round(used / (limit * allowed_windows), 4),
            "share_of_rate": round(used / (limit * elapsed / window), 4),
        }
    bottleneck = max(budget, key=lambda k: budget[k]["share_of_max"])
    return {
        "mode": "fetched",
        "wallets": summary.classified,
        "failed": summary.failed,
        "seconds": round(elapsed, 3),
        "per_minute": round(summary.classified * 60 / elapsed),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "window_seconds": window,
        "time_scale": args.time_scale,
        "requests": stats["served"],
        "rejected_429": stats["rejected"],
        "throttled": stats["throttled"],
        "over_limit": args.over_limit,
        "budget": budget,
        "bottleneck": bottleneck,
        "bottleneck_share": budget[bottleneck]["share_of_max"],
        "concurrency": settings.walletscan_concurrency,
        "mix": _mix(summary),
    }


# ---------------------------------------------------------------- report


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"walletscan bench: {args.wallets} synthetic wallets (seed {args.seed}), database {args.database_url}")
    print(f"population weights: {', '.join(f'{k} {v:.0%}' for k, v in KINDS.items())}")
    for r in results:
        print()
        if r["mode"] == "cached":
            print("(a) histories already stored")
            print(f"    {r['wallets']} wallets classified in {r['seconds']} s = {r['per_minute']:,} wallets/minute")
            print(
                f"    API calls during the measured pass: {r['api_calls_in_measured_pass']}"
                f" (warm pass: {r['api_calls_in_warm_pass']}); histories stored {r['histories_stored']}"
            )
            ok = r["per_minute"] >= 50_000
            print(f"    target >= 50,000/min: {'met' if ok else 'MISSED'}")
        else:
            print("(b) fetched from the fake Polymarket with the documented rate limits enforced")
            print(
                f"    limits: Data API /closed-positions 150, /positions 150, /trades 200, general 1000 requests"
                f" per window; window {r['window_seconds']:g} s (10 s / time-scale {r['time_scale']:g},"
                f" i.e. {r['time_scale']:g}x the documented rate)"
            )
            print(
                f"    {r['wallets']} wallets classified in {r['seconds']} s = {r['per_minute']:,} wallets/minute"
                f" ({r['failed']} failed)"
            )
            for key, b in r["budget"].items():
                print(
                    f"    {key:24} served {b['served']:6}  share of the budget {b['share_of_max']:.1%}"
                    f" (of the steady rate {b['share_of_rate']:.1%})"
                )
            print(
                f"    over the limit the fake {'throttles' if r['over_limit'] == 'throttle' else 'answers 429'}:"
                f" {sum(r['throttled'].values())} requests held,"
                f" {sum(r['rejected_429'].values())} answered 429"
            )
            ok = r["bottleneck_share"] >= 0.9
            print(
                f"    bottleneck {r['bottleneck']}: {r['bottleneck_share']:.1%} of the budget"
                f" -> target >= 90%: {'met' if ok else 'MISSED'}"
            )
        print(f"    peak RSS {r['peak_rss_mb']} MB -> target < 300 MB: {'met' if r['peak_rss_mb'] < 300 else 'MISSED'}")
        print(f"    verdicts: {r['mix']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--wallets", type=int, default=5000)
    parser.add_argument("--mode", choices=("cached", "fetched", "both"), default="both")
    parser.add_argument("--time-scale", type=float, default=4.0, help="(b): window = 10 s / this")
    parser.add_argument("--concurrency", type=int, default=0, help="default: POLYSCAN_WALLETSCAN_CONCURRENCY")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--over-limit", choices=("throttle", "429"), default="throttle", help="(b): the fake's answer")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true", help="print one JSON result (used between processes)")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--window", type=float, default=WINDOW, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        asyncio.run(serve_fake(args.wallets, args.seed, args.window, args.over_limit))
        return
    from scanner_core.logs import configure_logging

    configure_logging("WARNING", "console")  # before the scanner's modules bind their loggers
    with tempfile.TemporaryDirectory() as tmp:
        if not args.database_url:
            args.database_url = f"sqlite://{tmp}/walletscan-bench.db"
        if args.mode == "both":
            results = []
            for mode in ("cached", "fetched"):
                argv = [
                    sys.executable,
                    __file__,
                    "--mode",
                    mode,
                    "--json",
                    "--wallets",
                    str(args.wallets),
                    "--seed",
                    str(args.seed),
                    "--time-scale",
                    str(args.time_scale),
                    "--over-limit",
                    args.over_limit,
                    "--concurrency",
                    str(args.concurrency),
                    "--database-url",
                    f"sqlite://{tmp}/{mode}.db" if args.database_url.startswith("sqlite") else args.database_url,
                ]
                out = subprocess.run(argv, check=True, capture_output=True, text=True, env=os.environ.copy())
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            report(results, args)
            return
        result = asyncio.run(run_cached(args) if args.mode == "cached" else run_fetched(args))
        if args.json:
            print(json.dumps(result))
        else:
            report([result], args)


if __name__ == "__main__":
    main()
