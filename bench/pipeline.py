"""Pipeline throughput and memory: N trades through the full pipeline with warm caches.

    .venv/bin/python bench/pipeline.py [--trades 200000] [--backend sqlite|postgres|both]

Trades are the real recorded rows of tests/fixtures (the Dota 2 markets of 2026-01-08 and the
Data API samples) repeated with fresh tx hashes, spread over one hour. Enrichment is the real
MarketService and WalletService over the fake Polymarket; a first, untimed pass warms their
caches and stores the wallet histories, then a second pass of fresh trades (same wallets and
markets) is timed. Every stage
runs: rolling state, filters, enrichment, detectors, scoring, batched trade writes, wallet stats,
alert persistence and the alert bus. One backend per process (tortoise caches SQL per dialect).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
ROW_FILES = [
    FIXTURES / "replay" / "dota_2026-01-08_trades.json",
    FIXTURES / "polymarket" / "data_api" / "trades_market_takerOnly_false_maduro_2026-01-06_66rows.json",
    FIXTURES / "polymarket" / "data_api" / "trades_global_edulabrador_2026-07.json",
    FIXTURES / "polymarket" / "data_api" / "trades_market_btc5m_ra1nty_2026-03-22.json",
]


def real_rows() -> list[dict]:
    rows: list[dict] = []
    for path in ROW_FILES:
        rows.extend(json.loads(path.read_text()))
    return rows


def make_trades(count: int, start: datetime, salt: str) -> Iterator:
    """`count` Trades from the real rows, fresh tx hashes, timestamps spread over one hour; made
    one at a time, so the process's memory is the pipeline's, not a list of the whole stream."""
    from scanner_core import normalise
    from scanner_core.models import now_utc

    rows = real_rows()
    span = 3600
    for i in range(count):
        row = dict(rows[i % len(rows)])
        row["transactionHash"] = "0x" + hashlib.blake2b(f"{salt}:{i}".encode(), digest_size=32).hexdigest()
        row["timestamp"] = int(start.timestamp()) + (i * span) // count
        yield normalise.trade_from_row(row, not_after=now_utc())


async def run_backend(database_url: str, count: int, min_trade_usd: str) -> dict:
    from dataclasses import replace

    import aiohttp

    from bot.scanner import build_scanner
    from db import setup as db_setup
    from scanner_core.bus import AlertBus
    from scanner_core.config import PolymarketSettings, Settings
    from tests.fakes.polymarket import FakePolymarket

    await db_setup.connect(database_url, 10)
    await db_setup.migrate(database_url)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    proc = psutil.Process()
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        # the fake has no rate limits; warming must not wait on the production ones
        unlimited = {
            name: 10**9 for name in PolymarketSettings.model_fields if name.startswith("rate_") and "window" not in name
        }
        settings = Settings(
            _env_file=None,
            min_trade_usd=min_trade_usd,
            http_max_retries=0,
            cache_l1_max_items=50_000,
            **pm.settings_overrides(),
            **unlimited,
        )
        scanner = build_scanner(settings, session=session)  # the engine `polyscan replay` builds

        def pipeline():
            bus = AlertBus()
            return replace(scanner, bus=bus).pipeline(replay=True), bus

        async def stream(trades: Iterator, marks: dict) -> AsyncIterator:
            for i, trade in enumerate(trades):
                if i == count // 2:
                    marks["rss_half"] = proc.memory_info().rss
                yield trade

        warm = make_trades(min(count, 20_000), start, f"warm-{uuid.uuid4()}")
        p, _ = pipeline()
        t0 = time.perf_counter()
        await p.run(stream(warm, {}))
        warm_seconds = time.perf_counter() - t0

        trades = make_trades(count, start, f"timed-{uuid.uuid4()}")
        marks: dict = {}
        rss_before = proc.memory_info().rss
        p, _ = pipeline()
        t0 = time.perf_counter()
        stats = await p.run(stream(trades, marks))
        seconds = time.perf_counter() - t0
        rss_after = proc.memory_info().rss
        await scanner.close()
    await db_setup.close()
    return {
        "trades": count,
        "seconds": round(seconds, 2),
        "trades_per_second": round(count / seconds),
        "stored": stats.stored,
        "alerts": sum(stats.alerts_by_kind.values()),
        "filtered": dict(stats.filtered),
        "enrich_errors": stats.enrich_errors,
        "warm_seconds": round(warm_seconds, 2),
        "rss_mb_start": round(rss_before / 2**20, 1),
        "rss_mb_at_half": round(marks.get("rss_half", 0) / 2**20, 1),
        "rss_mb_end": round(rss_after / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def postgres_url() -> tuple[str, str]:
    import asyncpg

    admin = os.environ.get("POLYSCAN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"polyscan_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return admin, name


async def drop_database(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def child(backend: str, count: int, min_trade_usd: str) -> None:
    if backend == "postgres":
        admin, name = asyncio.run(postgres_url())
        url = admin.replace("postgresql://", "postgres://").rsplit("/", 1)[0] + f"/{name}"
        try:
            result = asyncio.run(run_backend(url, count, min_trade_usd))
        finally:
            asyncio.run(drop_database(admin, name))
    else:
        path = Path(f"/tmp/polyscan-bench-{uuid.uuid4().hex[:8]}.db")
        try:
            result = asyncio.run(run_backend(f"sqlite://{path}", count, min_trade_usd))
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(json.dumps({"backend": backend, **result}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=200_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--min-trade-usd", default="1000", help="the storage/alert floor (0: every trade)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.backend, args.trades, args.min_trade_usd)
        return
    print(
        f"{args.trades:,} trades: real recorded rows repeated with fresh tx hashes, through the full pipeline"
        f" (floor ${args.min_trade_usd})"
    )
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--backend",
                backend,
                "--trades",
                str(args.trades),
                "--min-trade-usd",
                args.min_trade_usd,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "POLYSCAN_LOG_LEVEL": "ERROR"},
        )
        if out.returncode != 0:
            print(f"{backend}: failed\n{out.stderr[-3000:]}")
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{backend:9s} {result['trades_per_second']:>7,} trades/s ({result['seconds']} s)  "
            f"peak RSS {result['peak_rss_mb']} MB  RSS at half {result['rss_mb_at_half']} MB -> end "
            f"{result['rss_mb_end']} MB  stored {result['stored']:,}  alerts {result['alerts']:,}"
        )
        print(f"          {json.dumps(result)}")


if __name__ == "__main__":
    main()
