"""Funding tracer bench: wallets traced per minute against a fake Polygon node that enforces a
provider's limits, with the real tracer, worker and database.

    .venv/bin/python bench/funding.py                                # 1,000 wallets, 25 requests/s, both providers
    .venv/bin/python bench/funding.py --provider strict --wallets 200
    .venv/bin/python bench/funding.py --rate 25 --workers 8 --json

The fake node (tests/fakes/polygon.py, on loopback, in this process) answers 429 beyond `--rate`
calls in any second, as a provider's per-second budget does, and the tracer's own budget is set
to the same rate (POLYSCAN_POLYGON_RATE_PER_SECOND). Two provider profiles:
  generous  any block range up to 10,000 results per answer and a `blockTimestamp` on each log
            (Alchemy-like); polyscan's range setting 2,000,000 blocks.
  strict    10,000 blocks per eth_getLogs and no `blockTimestamp` (block headers are fetched);
            polyscan's range setting 10,000.
Population (deterministic, --seed): wallets in sibling groups of 3-5 funded by one plain wallet
within hours, wallets funded by a listed exchange hot wallet or by the pUSD onramp, each funded
1-6 days before its first trade, plus unrelated transfers on the same tokens. Every wallet is
queued like an alerted wallet; the figure is wallets traced per minute of wall time, with the
calls per wallet, 429s, range errors, and whether the siblings found are exactly the groups.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from db import setup as db_setup  # noqa: E402
from db.repositories import Repositories  # noqa: E402
from scanner_core.config import Settings  # noqa: E402
from scanner_core.detectors.params import DetectorParams  # noqa: E402
from scanner_core.funding.known import shipped_book  # noqa: E402
from scanner_core.funding.service import FundingParams, FundingService  # noqa: E402
from scanner_core.funding.worker import FundingWorker  # noqa: E402
from scanner_core.models import Alert  # noqa: E402
from scanner_core.scoring import ScoringParams  # noqa: E402
from scanner_core.sources.polygon import PolygonRpc  # noqa: E402
from tests.fakes.polygon import PUSD, USDC_E, FakePolygon  # noqa: E402

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
EXCHANGE = "0xe7804c37c13166ff0b37f5ae0bb07a3aebb6e245"
ONRAMP = "0x93070a847efef7f70739046a929d47a521f5b8ee"
PROVIDERS = {
    "generous": {"fake": {"max_results": 10_000, "block_timestamps": True}, "range": 2_000_000},
    "strict": {"fake": {"max_block_range": 10_000}, "range": 10_000},
}


def address(rng: random.Random) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))


def populate(chain: FakePolygon, wallets: int, seed: int) -> tuple[list[tuple[str, datetime]], dict[str, set[str]]]:
    """(wallet, first trade) to trace, and each wallet's true siblings."""
    rng = random.Random(seed)
    todo: list[tuple[str, datetime]] = []
    groups: dict[str, set[str]] = {}
    while len(todo) < wallets:
        roll = rng.random()
        funded = NOW - timedelta(days=rng.uniform(1, 6))
        if roll < 0.7:  # a sibling group behind one plain funder
            funder = address(rng)
            members = [address(rng) for _ in range(rng.randint(3, 5))]
            for m in members:
                when = funded + timedelta(hours=rng.uniform(0, 12))
                chain.add_transfer(rng.choice((USDC_E, PUSD)), funder, m, rng.randint(1000, 20000), at=when)
                groups[m] = set(members) - {m}
                todo.append((m, min(NOW, when + timedelta(hours=rng.uniform(1, 24)))))
        else:
            m = address(rng)
            source, token = (EXCHANGE, USDC_E) if roll < 0.9 else (ONRAMP, PUSD)
            chain.add_transfer(token, source, m, rng.randint(500, 50000), at=funded)
            groups[m] = set()
            todo.append((m, min(NOW, funded + timedelta(hours=rng.uniform(1, 24)))))
    for _ in range(wallets * 2):  # unrelated traffic on the same tokens
        chain.add_transfer(
            USDC_E, address(rng), address(rng), rng.randint(1, 9999), at=NOW - timedelta(days=rng.uniform(0, 14))
        )
    return todo[:wallets], groups


async def run(args: argparse.Namespace, provider: str) -> dict[str, Any]:
    profile = PROVIDERS[provider]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{tmp}/bench.db"
        await db_setup.connect(url, 5)
        await db_setup.migrate(url)
        try:
            async with FakePolygon(head_time=NOW, rate_per_second=args.rate, **profile["fake"]) as chain:
                todo, groups = populate(chain, args.wallets, args.seed)
                settings = Settings(  # type: ignore[call-arg]
                    _env_file=None,
                    polygon_rpc_url=chain.url,
                    polygon_rate_per_second=args.rate,
                    polygon_max_block_range=profile["range"],
                    funding_workers=args.workers,
                    funding_queue_size=args.wallets + 10,
                )
                async with aiohttp.ClientSession() as session:
                    rpc = PolygonRpc.from_settings(settings, settings, session)
                    repos = Repositories()
                    service = FundingService(
                        rpc, repos.funding, shipped_book(), FundingParams.from_settings(settings), clock=lambda: NOW
                    )

                    async def publish(alert: Alert) -> None:
                        return None

                    worker = FundingWorker(
                        service,
                        publish=publish,
                        detector_params=DetectorParams.from_settings(settings),
                        scoring_params=ScoringParams.from_settings(settings),
                        clock=lambda: NOW,
                        queue_size=settings.funding_queue_size,
                        workers=settings.funding_workers,
                    )
                    for wallet, first in todo:
                        worker.submit(wallet, first_activity=first)
                    started = time.perf_counter()
                    await worker.start()
                    await worker.drain()
                    elapsed = time.perf_counter() - started
                    await worker.stop()
                    found = Counter[str]()
                    for wallet, _ in todo:
                        funding = await service.wallet_funding(wallet)
                        siblings = {s.wallet for s in funding.siblings} if funding else set()
                        found["exact" if siblings == groups[wallet] else "differ"] += 1
                        if not groups[wallet] and siblings:
                            found["false_links"] += 1
        finally:
            await db_setup.close()
    calls = sum(chain.requests.values())
    return {
        "provider": provider,
        "wallets": len(todo),
        "rate_per_second": args.rate,
        "workers": args.workers,
        "elapsed_seconds": round(elapsed, 1),
        "wallets_per_minute": round(len(todo) / elapsed * 60, 1),
        "calls": calls,
        "calls_per_wallet": round(calls / len(todo), 2),
        "calls_by_method": dict(chain.requests),
        "http_429": chain.rate_limited,
        "range_errors": chain.range_errors,
        "traces": dict(worker.stats),
        "siblings": dict(found),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=25, help="the provider's requests per second")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--provider", choices=[*PROVIDERS, "both"], default="both")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    providers = list(PROVIDERS) if args.provider == "both" else [args.provider]
    for provider in providers:
        result = asyncio.run(run(args, provider))
        if args.json:
            print(json.dumps(result))
            continue
        print(
            f"{result['provider']:>8}: {result['wallets']} wallets at {result['rate_per_second']} req/s in "
            f"{result['elapsed_seconds']} s = {result['wallets_per_minute']} wallets/min; "
            f"{result['calls_per_wallet']} calls/wallet {result['calls_by_method']}; 429s {result['http_429']}; "
            f"range errors {result['range_errors']}; traces {result['traces']}; siblings {result['siblings']}"
        )


if __name__ == "__main__":
    main()
