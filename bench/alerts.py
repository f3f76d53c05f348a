"""Alert latency bench: from a trade entering the pipeline to the fake Telegram server receiving it.

    .venv/bin/python bench/alerts.py                          # 1,000 alerts, 100 per second
    .venv/bin/python bench/alerts.py --rate 20                # a busy but realistic pace
    .venv/bin/python bench/alerts.py --rate 0                 # as fast as they can be stored
    .venv/bin/python bench/alerts.py --telegram-rate 25       # with Telegram's real budget
    .venv/bin/python bench/alerts.py --postgres postgres://postgres@127.0.0.1:5432/postgres

What runs is the real thing, in one process and one event loop: the outbox Dispatcher (bus
consumer, routing, deliveries rows, the Telegram sender with its token bucket), the real
python-telegram-bot `Bot` (built like the production Application) and a real database (a fresh
SQLite file by default; with --postgres, a scratch database created on that server and dropped
afterwards). FakeTelegram (tests/fakes/telegram.py) answers on loopback from a child process
(`FakeTelegramProcess`), so its own work is not counted, as Telegram's servers are not in ours.
One Telegram chat is subscribed; every alert goes to it.

By default the clock starts when a trade enters the pipeline (`pipeline_injector`: rolling state,
filters, enrichment from a warm cache, detectors, scoring, alert persistence, the bus, then the
outbox); `--from bus` starts it when the stored alert is published instead.

The start point is pluggable. `measure(inject, fake, n)` takes an `Inject`: an async callable
`inject(n)` that makes n alerts enter the system and returns {marker: start time}, where a marker
is a string the delivered message contains (here the trade's transaction hash: every alert card
links it on Polygonscan) and the start time is `loop.time()` (time.monotonic(), the clock the
fake stamps each request with, shared by all processes). `bus_injector` starts the clock when
the stored alert is published on the AlertBus. To measure from "a trade entering the pipeline",
pass an injector that hands trades to the pipeline and returns the tx hashes of those expected
to alert with the time each was handed over; `measure()` stays as it is.

Deliberate waits (the token bucket pacing sends to telegram_rate_per_second, and 429 pauses) are
reported separately; with the default --telegram-rate of 1000/s there are none to exclude.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram.ext import Application  # noqa: E402

from bot.delivery import DeliveryConfig, Dispatcher  # noqa: E402
from bot.notifiers import TelegramNotifier  # noqa: E402
from bot.scanner import build_scanner  # noqa: E402
from db import setup as db_setup  # noqa: E402
from db.repositories import Repositories  # noqa: E402
from scanner_core.bus import AlertBus  # noqa: E402
from scanner_core.config import Settings  # noqa: E402
from scanner_core.models import (  # noqa: E402
    Alert,
    AlertKind,
    DestinationKind,
    Market,
    MarketSnapshot,
    Platform,
    Severity,
    Side,
    Signal,
    SignalKind,
    Subscription,
    SubscriptionFilters,
    Trade,
    TradeSource,
    WalletProfile,
    WalletSnapshot,
    frozen_map,
    now_utc,
)
from tests.fakes.telegram import FakeTelegram  # noqa: E402

CHAT = 4242
TOKEN = "777:BENCH"
Inject = Callable[[int], Awaitable[dict[str, float]]]
TX_RE = re.compile(r"polygonscan\.com/tx/(0x[0-9a-f]{64})")


_START = {"pipeline": "trade enters the pipeline", "bus": "AlertBus publish"}


@dataclass(frozen=True)
class Result:
    alerts: int
    received: int
    median_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    deliberate_wait_s: float
    publish_rate: float
    telegram_rate: float
    database: str

    start_at: str = "pipeline"

    def table(self) -> str:
        return "\n".join(
            [
                f"alert latency, {_START[self.start_at]} -> fake Telegram receives sendMessage ({self.database})",
                f"  alerts        {self.received}/{self.alerts}"
                f" (published at {self.publish_rate or 'burst'}/s, Telegram budget {self.telegram_rate:g}/s)",
                f"  median        {self.median_ms:8.2f} ms",
                f"  p95           {self.p95_ms:8.2f} ms",
                f"  p99           {self.p99_ms:8.2f} ms   (target < 100 ms)",
                f"  max           {self.max_ms:8.2f} ms",
                f"  mean          {self.mean_ms:8.2f} ms",
                f"  deliberate rate-limit waits: {self.deliberate_wait_s:.3f} s in total",
            ]
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class FakeTelegramProcess:
    """FakeTelegram in a child process, so the server's own work does not slow the process under
    test (Telegram's servers are not in ours either). Both processes stamp times with
    time.monotonic() (CLOCK_MONOTONIC, shared by every process on the machine)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.port = 0
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_fake_telegram, args=(child, token), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _recv(self) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    async def start(self) -> None:
        self._process.start()
        self.port = int(await self._recv())

    async def arrivals(self, n: int, wait_seconds: float) -> dict[str, float]:
        """marker -> time the fake received it, once it received n alert messages."""
        self._conn.send(("collect", n, wait_seconds))
        result: dict[str, float] = await self._recv()
        return result

    async def stop(self) -> None:
        self._conn.send(("stop", 0, 0.0))
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, 10)


def _serve_fake_telegram(conn: Any, token: str) -> None:
    asyncio.run(_fake_telegram_main(conn, token))


async def _fake_telegram_main(conn: Any, token: str) -> None:
    loop = asyncio.get_running_loop()
    async with FakeTelegram(token=token) as fake:
        conn.send(fake.port)
        while True:
            command, n, wait_seconds = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                return
            wanted = int(n)

            def enough(wanted: int = wanted) -> bool:
                return sum(1 for c in fake.calls("sendMessage") if c.error_code is None) >= wanted

            await fake.wait_until(enough, wait_seconds, f"{wanted} alerts")
            ok = [c for c in fake.calls("sendMessage") if c.error_code is None]
            arrivals: dict[str, float] = {}
            for call in ok:
                match = TX_RE.search(str(call.params.get("text", "")))
                if match:
                    arrivals.setdefault(match.group(1), call.at)
            conn.send(arrivals)


async def measure(inject: Inject, fake: FakeTelegramProcess, n: int, *, wait_seconds: float = 300.0) -> list[float]:
    """Latencies in seconds: start time (from `inject`) to the moment the fake received the message."""
    starts = await inject(n)
    received = await fake.arrivals(len(starts), wait_seconds)
    missing = set(starts) - set(received)
    if missing:
        raise RuntimeError(f"{len(missing)} alerts never arrived")
    return [received[marker] - start for marker, start in starts.items()]


def make_alert(i: int, at: datetime) -> Alert:
    """A realistic whale alert (a real market and wallet; a unique tx hash per alert)."""
    price = Decimal("0.42")
    usd = Decimal(20_000 + 97 * i)
    trade = Trade(
        tx_hash=f"0x{i + 1:064x}",
        wallet="0x510f4963b66b1b18505faab74b0bb943d1dda43c",
        condition_id="0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763",
        token_id="8501497159083948713316135768103773293754490207922884688769443031624417212426",
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=usd / price,
        price=price,
        usd=usd,
        timestamp=at,
        source=TradeSource.RTDS,
        title="Russia-Ukraine Ceasefire before GTA VI?",
        slug="russia-ukraine-ceasefire-before-gta-vi-554",
        event_slug="what-will-happen-before-gta-vi",
    )
    return Alert(
        dedup_key=f"bench-{i}-{at.timestamp()}",
        kind=AlertKind.TRADE,
        severity=Severity.HIGH,
        confidence=0.72,
        created_at=at,
        title="large trade",
        signals=(
            Signal(SignalKind.LARGE_TRADE, 0.8, f"${usd:,.0f}", frozen_map({"usd": usd, "tier": 1})),
            Signal(SignalKind.FRESH_WALLET, 0.6, "first trade 2 days ago", frozen_map({"age_days": 2.0})),
        ),
        trade=trade,
        market=MarketSnapshot(
            condition_id=trade.condition_id,
            question=trade.title,
            slug=trade.slug,
            category="politics",
            end_date=at + timedelta(days=30),
            liquidity=Decimal("57721"),
            volume_24h=Decimal("500000"),
        ),
        wallet=WalletSnapshot(address=trade.wallet, age_days=2.0, trade_count=3, username="PPMT"),
    )


def bus_injector(repos: Repositories, bus: AlertBus, rate: float) -> Inject:
    """Start the clock when the stored alert is published on the AlertBus, `rate` alerts per second
    (0: all at once)."""

    async def inject(n: int) -> dict[str, float]:
        loop = asyncio.get_running_loop()
        starts: dict[str, float] = {}
        begin = loop.time()
        for i in range(n):
            if rate:
                delay = begin + i / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            stored, _ = await repos.alerts.save_alert(make_alert(i, now_utc()))
            assert stored.trade is not None
            starts[stored.trade.tx_hash] = loop.time()
            bus.publish(stored)
        return starts

    return inject


class WarmEnricher:
    """Enrichment as a warm cache answers it: the market and the wallet profile of the trade."""

    def __init__(self, at: datetime) -> None:
        self.market = Market(
            condition_id="0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763",
            question="Russia-Ukraine Ceasefire before GTA VI?",
            slug="russia-ukraine-ceasefire-before-gta-vi-554",
            event_slug="what-will-happen-before-gta-vi",
            category="politics",
            end_date=at + timedelta(days=30),
            liquidity=Decimal("57721"),
            volume_24h=Decimal("500000"),
        )
        self.wallet = WalletProfile(
            address="0x510f4963b66b1b18505faab74b0bb943d1dda43c", first_seen=at - timedelta(days=2), trade_count=3
        )

    async def market_of(self, trade: Trade) -> Market | None:
        return self.market

    async def wallet_of(self, trade: Trade) -> WalletProfile | None:
        return self.wallet

    async def book_of(self, trade: Trade) -> None:
        return None


def pipeline_injector(repos: Repositories, bus: AlertBus, rate: float, settings: Settings, tasks: list) -> Inject:
    """Start the clock when a trade enters the pipeline (`rate` trades per second; each alerts):
    rolling state, filters, enrichment, detectors, scoring, alert persistence and the bus all run."""

    async def inject(n: int) -> dict[str, float]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Trade | None] = asyncio.Queue()
        enricher = WarmEnricher(now_utc())

        async def trades() -> AsyncIterator[Trade]:
            while (trade := await queue.get()) is not None:
                yield trade

        # the engine as `polyscan run` builds it, offline (no Polymarket), with warm lookups
        scanner = build_scanner(settings, repos=repos, bus=bus, offline=True)
        pipeline = scanner.pipeline(enricher=_EnricherAdapter(enricher))
        tasks.append(asyncio.create_task(pipeline.run(trades())))
        starts: dict[str, float] = {}
        begin = loop.time()
        for i in range(n):
            if rate:
                delay = begin + i / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            trade = make_alert(i, now_utc()).trade
            assert trade is not None
            starts[trade.tx_hash] = loop.time()
            queue.put_nowait(trade)
        queue.put_nowait(None)
        return starts

    return inject


class _EnricherAdapter:
    def __init__(self, warm: WarmEnricher) -> None:
        self.warm = warm

    async def market(self, trade: Trade) -> Market | None:
        return await self.warm.market_of(trade)

    async def wallet(self, trade: Trade) -> WalletProfile | None:
        return await self.warm.wallet_of(trade)

    async def book(self, trade: Trade) -> None:
        return await self.warm.book_of(trade)


async def run(n: int, rate: float, telegram_rate: float, database_url: str, start_at: str = "pipeline") -> Result:
    await db_setup.connect(database_url, 10)
    await db_setup.migrate(database_url)
    repos = Repositories()
    fake = FakeTelegramProcess(TOKEN)
    await fake.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=TOKEN,
        telegram_api_url=fake.base_url,
        telegram_file_url=fake.base_file_url,
        telegram_rate_per_second=telegram_rate,
    )
    # built like the production bot (bot/telegram_app.py), without handlers: only sending matters
    application = Application.builder().token(TOKEN).base_url(fake.base_url).base_file_url(fake.base_file_url).build()
    await application.initialize()
    await repos.subscriptions.save(
        Subscription(
            None, DestinationKind.TELEGRAM_CHAT, str(CHAT), filters=SubscriptionFilters(), max_per_hour=n * 10
        ),
        now_utc(),
    )
    bus = AlertBus()
    dispatcher = Dispatcher(
        repos,
        bus,
        [TelegramNotifier(lambda: application.bot)],
        config=DeliveryConfig.from_settings(settings, settings, digest_every=None),
        clock=now_utc,
    )
    await dispatcher.start()
    pipelines: list[asyncio.Task[Any]] = []
    inject = (
        pipeline_injector(repos, bus, rate, settings, pipelines)
        if start_at == "pipeline"
        else bus_injector(repos, bus, rate)
    )
    try:
        latencies = await measure(inject, fake, n)
    finally:
        for task in pipelines:
            task.cancel()
        await asyncio.gather(*pipelines, return_exceptions=True)
        await dispatcher.stop()
        await application.shutdown()
        await fake.stop()
        await db_setup.close()
    waited = dispatcher.senders[Platform.TELEGRAM].bucket.waited
    ms = [x * 1000 for x in latencies]
    return Result(
        alerts=n,
        received=len(ms),
        median_ms=statistics.median(ms),
        p95_ms=percentile(ms, 0.95),
        p99_ms=percentile(ms, 0.99),
        max_ms=max(ms),
        mean_ms=statistics.fmean(ms),
        deliberate_wait_s=waited,
        publish_rate=rate,
        telegram_rate=telegram_rate,
        database="postgresql" if database_url.startswith("postgres") else "sqlite",
        start_at=start_at,
    )


async def scratch_postgres(server_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="alerts published per second (0 = burst)")
    parser.add_argument("--telegram-rate", type=float, default=1000.0, help="the sender's token bucket, msg/s")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: run on a scratch database there")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--from",
        dest="start_at",
        choices=("pipeline", "bus"),
        default="pipeline",
        help="start the clock when the trade enters the pipeline (default) or when the alert is published",
    )
    args = parser.parse_args()
    if args.postgres:
        parts = urlsplit(args.postgres)
        name = f"polyscan_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(scratch_postgres(args.postgres, f'CREATE DATABASE "{name}"'))
        try:
            url = urlunsplit(parts._replace(path=f"/{name}"))
            result = asyncio.run(run(args.alerts, args.rate, args.telegram_rate, url, args.start_at))
        finally:
            asyncio.run(scratch_postgres(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(
                run(args.alerts, args.rate, args.telegram_rate, f"sqlite://{tmp}/bench-alerts.db", args.start_at)
            )
    print(json.dumps(asdict(result)) if args.json else result.table())


if __name__ == "__main__":
    main()
