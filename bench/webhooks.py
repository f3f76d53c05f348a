"""Webhook delivery bench: from a stored alert published on the bus to a receiver on loopback
accepting its signed JSON.

    .venv/bin/python bench/webhooks.py                   # 1,000 alerts to 1 webhook, generic JSON
    .venv/bin/python bench/webhooks.py --webhooks 5      # every alert to 5 webhooks
    .venv/bin/python bench/webhooks.py --format slack
    .venv/bin/python bench/webhooks.py --postgres postgres://postgres@127.0.0.1:5432/postgres

What runs is the real thing in one event loop: the outbox Dispatcher (routing, deliveries rows, the
webhook sender with its token bucket at 1,000/s), the WebhookNotifier (payload, HMAC signature,
aiohttp POST) and a real database (a fresh SQLite file; with --postgres a scratch database that is
dropped afterwards). The receiver (tests/fakes/receiver.py) answers 200 in the same process, so its
own work is counted too: the figures are an upper bound on polyscan's share.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from bot.delivery import DeliveryConfig, Dispatcher  # noqa: E402
from bot.webhooks import build_webhooks  # noqa: E402
from db import setup as db_setup  # noqa: E402
from db.repositories import Repositories  # noqa: E402
from scanner_core.bus import AlertBus  # noqa: E402
from scanner_core.commands import CommandService, UserRef  # noqa: E402
from scanner_core.config import Settings  # noqa: E402
from scanner_core.models import Platform, now_utc  # noqa: E402
from tests.bots.support import FakeClassifications, FakeMarkets, FakeWallets, trade_alert  # noqa: E402
from tests.fakes.receiver import FakeReceiver  # noqa: E402

ADMIN = UserRef(Platform.TELEGRAM, "1", "-1001", None, True)


async def run(n: int, webhooks: int, payload_format: str, database_url: str) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, webhook_key="bench-key-" * 4, webhook_allow_private_hosts=True, webhook_rate_per_second=1000
    )
    await db_setup.connect(database_url)
    await db_setup.migrate(database_url)
    repos = Repositories()
    service = CommandService(
        repos, FakeMarkets(), FakeWallets(), FakeClassifications(), settings, now_utc, started_at=now_utc()
    )
    bus = AlertBus()
    notifier = build_webhooks(settings, repos.webhooks, clock=now_utc, admin=None, health=None)
    config = DeliveryConfig.from_settings(settings, settings, digest_every=None, idle_poll=0.05)
    dispatcher = Dispatcher(repos, bus, [notifier], config=config, clock=now_utc)
    async with FakeReceiver() as receiver:
        for i in range(webhooks):
            options = f"format={payload_format} max_per_hour=1000"
            await service.webhook_add(ADMIN, receiver.url(f"/hook/{i}"), options)
        await notifier.start()
        await dispatcher.start()
        try:
            started: dict[int, float] = {}
            began = time.monotonic()
            for i in range(n):  # as the pipeline does: store, then publish
                alert, _ = await repos.alerts.save_alert(trade_alert(i + 1))
                assert alert.id is not None
                started[alert.id] = time.monotonic()
                bus.publish(alert)
            await receiver.wait_for(n * webhooks, timeout=600)
            elapsed = time.monotonic() - began
        finally:
            await dispatcher.stop()
            await notifier.stop()
    await db_setup.close()
    generic = payload_format == "generic"  # a Slack message carries no alert id to time it by
    latencies = sorted((r.at - started[r.json["alert"]["id"]]) * 1000 for r in receiver.accepted) if generic else []
    print(f"{n} alerts x {webhooks} webhook(s), {payload_format}, {database_url.split(':')[0]}")
    print(f"delivered {len(receiver.accepted)} payloads in {elapsed:.2f}s: {len(receiver.accepted) / elapsed:.0f}/s")
    if latencies:
        p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
        print(f"publish -> accepted latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms")


async def with_postgres(url: str, n: int, webhooks: int, payload_format: str) -> None:
    import asyncpg

    name = f"polyscan_bench_{uuid.uuid4().hex[:8]}"
    admin = url.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        await run(n, webhooks, payload_format, urlunsplit(urlsplit(url)._replace(path=f"/{name}")))
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="alerts")
    parser.add_argument("--webhooks", type=int, default=1)
    parser.add_argument("--format", choices=("generic", "slack"), default="generic")
    parser.add_argument("--postgres", metavar="URL", help="run on a scratch database of this PostgreSQL server")
    args = parser.parse_args()
    if args.postgres:
        asyncio.run(with_postgres(args.postgres, args.n, args.webhooks, args.format))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.n, args.webhooks, args.format, f"sqlite://{folder}/bench.db"))


if __name__ == "__main__":
    main()
