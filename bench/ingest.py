"""`polyscan ingest` at Polymarket's documented rate limits: seconds, trades/s, API calls by route
and the share of the binding endpoint's budget used.

    .venv/bin/python bench/ingest.py [--markets 40] [--trades 25000] [--page-size 50]
                                     [--postgres postgres://postgres@127.0.0.1:5432/postgres]

The fake Polymarket runs on loopback with its rate limit on (SlidingWindowLimit: the documented
budgets per 10 s, answered with 429 and Retry-After when exceeded). It holds `--markets` closed
markets (one in eight a 50-50 split, the rest resolved) in events of five, built from the real
captured Gamma and /trades payloads with fresh ids (tests/fakes/history.py): `--trades` fills in
all, skewed across markets (the biggest market has about 20x the smallest), 30% of them maker
rows, spread over `--wallets` wallets, and price histories over market lives of 2 to 40 days (so
some take several /prices-history windows). The ingest is the real command path (bot/ingest.py
run_ingest: one HttpClient with its per-endpoint token buckets, `--concurrency` markets at once,
every page written with its checkpoint) on a fresh SQLite file, or a scratch PostgreSQL database
with --postgres. Wallet histories go to a recording stand-in (the wallets issue's bench measures
fetching them).

Why pages of 50 by default (production: POLYSCAN_INGEST_PAGE_SIZE=500): at 500 a page the default
set is about 90 /v2/trades calls, which fit in the first 10-second window of that route's budget
of 200, so the run would say nothing about using the budget. At 50 the same set makes about 540
calls, as a set ten times larger does at 500, and the run is paced by the budget.

Budget share of a route = calls / (limit x seconds / 10 s) over the whole run (the first window's
burst can push it above 100% on short runs), and the mean over every full 10-second window inside
the run of calls in it / limit (the steady-state figure).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest import run_ingest  # noqa: E402
from db import setup as db_setup  # noqa: E402
from db.models import PricePointRow, TradeRow  # noqa: E402
from scanner_core.backtest.selection import Selection  # noqa: E402
from scanner_core.config import Settings  # noqa: E402
from scanner_core.logs import configure_logging  # noqa: E402
from tests.fakes.history import HistoryBuilder  # noqa: E402
from tests.fakes.polymarket import DOCUMENTED_LIMITS, FakePolymarket, SlidingWindowLimit  # noqa: E402

WINDOW = 10.0


class RecordingHistories:
    def __init__(self) -> None:
        self.fetched: set[str] = set()

    async def ensure_histories(self, addresses: Iterable[str], *, until: datetime | None = None) -> int:
        new = set(addresses) - self.fetched
        self.fetched |= new
        return len(new)


def split_trades(total: int, markets: int, rng: random.Random) -> list[int]:
    weights = [1 / (1 + i * 0.5) for i in range(markets)]  # the first market ~20x the last of 40
    rng.shuffle(weights)
    scale = total / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    counts[0] += total - sum(counts)
    return counts


def build(pm: FakePolymarket, markets: int, trades: int, wallets: int) -> list[str]:
    rng = random.Random(11)
    history = HistoryBuilder(pm, seed=3, wallets=wallets)
    built = []
    base = datetime(2026, 7, 1, tzinfo=UTC)
    for i, count in enumerate(split_trades(trades, markets, rng)):
        span = timedelta(days=rng.choice([2, 5, 10, 40]))
        closed = base + timedelta(hours=7 * i)
        resolution = "split" if i % 8 == 7 else "resolved"
        built.append(
            history.market(
                trades=count,
                span=span,
                closed_at=closed,
                resolution=resolution,
                winner=i % 2,
                price_step=timedelta(minutes=30),
            )
        )
    slugs = []
    for start in range(0, len(built), 5):
        slug = f"bench-event-{start // 5}"
        history.event(slug, built[start : start + 5])
        slugs.append(slug)
    return slugs


def window_shares(times: list[float], limit: int) -> float | None:
    """Mean over every full window inside the run (one starting each second) of calls / limit."""
    if not times or times[-1] - times[0] < WINDOW:
        return None
    shares = []
    start = times[0]
    j = 0
    while start + WINDOW <= times[-1]:
        while times[j] < start:
            j += 1
        k = j
        while k < len(times) and times[k] < start + WINDOW:
            k += 1
        shares.append((k - j) / limit)
        start += 1.0
    return sum(shares) / len(shares)


def limit_of(limiter: SlidingWindowLimit, route: str) -> int:
    keys = [k for k in limiter.keys_for(route) if not k.endswith(":*")]
    return DOCUMENTED_LIMITS[keys[0]] if keys else DOCUMENTED_LIMITS[limiter.keys_for(route)[0]]


async def run(args: argparse.Namespace, database_url: str) -> None:
    configure_logging("WARNING", "console")
    await db_setup.connect(database_url, 10)
    await db_setup.migrate(database_url)
    try:
        async with FakePolymarket(seed=False) as pm:
            slugs = build(pm, args.markets, args.trades, args.wallets)
            total_trades = pm.trade_count
            total_points = sum(len(points) for points in pm.price_history.values())
            pm.rate_limit = SlidingWindowLimit(window=WINDOW)
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                **pm.settings_overrides(),
                database_url=database_url,
                ingest_page_size=args.page_size,
                ingest_concurrency=args.concurrency,
            )
            out = io.StringIO()
            started = time.monotonic()
            code = await run_ingest(
                settings, Selection(events=tuple(slugs)), wallets=RecordingHistories(), out=out, err=sys.stderr
            )
            seconds = time.monotonic() - started
            stored = await TradeRow.all().count()
            points = await PricePointRow.all().count()
            limiter = pm.rate_limit
            print(f"command: {' '.join(sys.argv)}")
            print(f"database: {'postgresql' if database_url.startswith('postgres') else 'sqlite'}; exit code {code}")
            print(f"polyscan ingest said: {out.getvalue().strip()}")
            print(
                f"set: {args.markets} markets in {len(slugs)} events, {total_trades:,} fills "
                f"({args.wallets:,} wallets), {total_points:,} price points; page size {args.page_size}, "
                f"concurrency {args.concurrency}"
            )
            complete = "all" if stored == total_trades else "MISSING SOME"
            print(f"stored: {stored:,} trades ({complete}), {points:,} price points")
            print(f"seconds: {seconds:.1f}; trades/s: {stored / seconds:,.0f}")
            print("API calls by route (limit per 10 s, share of the budget over the run, mean over full windows):")
            shares = {}
            for route, calls in sorted(pm.requests.items(), key=lambda kv: -kv[1]):
                limit = limit_of(limiter, route)
                share = calls / (limit * seconds / WINDOW)
                steady = window_shares(limiter.admitted.get(route, []), limit)
                shares[route] = (steady if steady is not None else share, share, steady)
                steady_text = f"{steady:.0%}" if steady is not None else "n/a (run shorter than a window)"
                print(
                    f"  {route:<28} {calls:>6} calls  limit {limit:>5}  run {share:>5.0%}  windows {steady_text}"
                    f"  429s {limiter.rejected.get(route, 0)}"
                )
            binding = max(shares, key=lambda r: shares[r][0])
            _, share, steady = shares[binding]
            steady_text = f"{steady:.0%}" if steady is not None else "n/a"
            print(f"binding endpoint: {binding}: {steady_text} of its budget in full windows, {share:.0%} over the run")
            print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        await db_setup.close()


async def scratch_postgres(server_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markets", type=int, default=40)
    parser.add_argument("--trades", type=int, default=25_000)
    parser.add_argument("--wallets", type=int, default=3000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: run on a scratch database there")
    args = parser.parse_args()
    if args.postgres:
        parts = urlsplit(args.postgres)
        name = f"polyscan_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(scratch_postgres(args.postgres, f'CREATE DATABASE "{name}"'))
        try:
            asyncio.run(run(args, urlunsplit(parts._replace(path=f"/{name}"))))
        finally:
            asyncio.run(scratch_postgres(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(run(args, f"sqlite://{folder}/bench.db"))


if __name__ == "__main__":
    main()
