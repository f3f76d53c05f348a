"""A database that is down is not a bad row (issue 10, "isolate failures").

The real pipeline writes to a real database of this run's backend, which then stops taking
writes: PostgreSQL through a TCP proxy that is cut, SQLite switched to read-only (PRAGMA
query_only: every write fails as on a full or read-only volume). The trades keep coming. Nothing
may be quarantined or lost: the writer keeps the trades and retries with backoff, /health turns
degraded, the admin chat hears once; when the database is back everything is written, /health
is ok again and the admin chat hears that it recovered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY
from tortoise import connections

from bot.web import WebServer
from db import setup as db_setup
from db.repositories import Repositories
from scanner_core.alerter import SystemAlerter, Thresholds
from scanner_core.bus import AlertBus
from scanner_core.detectors.params import DetectorParams
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Side, Trade, TradeSource
from scanner_core.monitoring import Monitor, sqlite_file
from scanner_core.pipeline import Pipeline, StoredEnricher
from scanner_core.quarantine import Quarantine
from scanner_core.scoring import ScoringParams
from tests.conftest import TABLES, FakeClock
from tests.ops.conftest import AdminChat, BreakableDatabase, get_json

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def trade(n: int) -> Trade:
    return Trade(
        tx_hash=f"0x{n:064x}",
        wallet=f"0x{n:040x}",
        condition_id="0x" + "5" * 64,
        token_id="6" * 77,
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal(50_000),
        price=Decimal("0.40"),
        timestamp=T0 + timedelta(seconds=n),
        source=TradeSource.RTDS,
    )


class Outage:
    """Takes the database's writes away and gives them back, per backend."""

    def __init__(self, database: BreakableDatabase) -> None:
        self.database = database
        self.sqlite = database.url.startswith("sqlite")

    async def start(self) -> None:
        if self.sqlite:
            await connections.get("default").execute_script("PRAGMA query_only = ON")
        else:
            await self.database.cut()

    async def end(self) -> None:
        if self.sqlite:
            await connections.get("default").execute_script("PRAGMA query_only = OFF")
        else:
            await self.database.restore()


@pytest.fixture
async def connected(breakable_db: BreakableDatabase) -> AsyncIterator[BreakableDatabase]:
    await db_setup.connect(breakable_db.url, 2)
    await db_setup.migrate(breakable_db.url)
    if not breakable_db.url.startswith("sqlite"):  # the session's PostgreSQL database: start empty
        await connections.get("default").execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
    try:
        yield breakable_db
    finally:
        await db_setup.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def until(predicate: Callable[[], bool | Awaitable[bool]], timeout: float = 20.0) -> None:
    """Wait for a positive signal (polled), or fail naming the wait."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def state_of(health: HealthRegistry, name: str) -> State | None:
    component = health.get(name)
    return component.state if component is not None else None


def rejected(source: str) -> float:
    return REGISTRY.get_sample_value("scanner_rows_rejected_total", {"source": source, "reason": "db_refused"}) or 0.0


async def test_an_outage_keeps_the_trades_degrades_health_alerts_once_and_recovers(
    connected: BreakableDatabase, make_settings: Any, http: aiohttp.ClientSession
) -> None:
    clock = FakeClock(T0 + timedelta(hours=1))
    health = HealthRegistry(clock)
    repos = Repositories()
    quarantine = Quarantine(repos.quarantine, clock=clock)
    settings = make_settings()
    bus = AlertBus()
    published = bus.subscribe("test")
    pipeline = Pipeline(
        repos=repos,
        enricher=StoredEnricher(repos),
        bus=bus,
        detector_params=DetectorParams.from_settings(settings),
        scoring_params=ScoringParams.from_settings(settings),
        clock=clock,
        batch_size=50,
        flush_seconds=0.02,
        quarantine=quarantine,
        health=health,
        retry_max_seconds=0.2,
        degraded_after_seconds=0.0,
    )
    incoming: asyncio.Queue[Trade | None] = asyncio.Queue()

    async def feed() -> AsyncIterator[Trade]:
        while (item := await incoming.get()) is not None:
            yield item

    chat = AdminChat()
    monitor = Monitor(
        health,
        db_ping=db_setup.ping,
        db_file=sqlite_file(connected.url),
        cache=None,
        feed=None,
        max_trade_age_seconds=600,
        started_at=clock.now,
        clock=clock,
        memory=lambda: 1,
    )
    alerter = SystemAlerter(Thresholds(), observe=monitor.observe, notifier=chat, clock=clock)
    web = WebServer(health, host="127.0.0.1", port=0, started_at=clock.now, clock=clock)
    await web.start()
    running = asyncio.create_task(pipeline.run(feed()))
    outage = Outage(connected)
    refused_before = rejected("trade_writer")
    try:
        for n in range(1, 4):
            incoming.put_nowait(trade(n))
        await until(lambda: pipeline.stats.stored == 3)
        await alerter.check()
        health_url = f"http://127.0.0.1:{web.bound_port}/health"
        assert (await get_json(http, health_url))[1]["components"]["trade_writer"]["state"] == "ok"

        await outage.start()
        for n in range(4, 40):
            incoming.put_nowait(trade(n))
        await until(lambda: state_of(health, "trade_writer") is State.DEGRADED)
        await until(lambda: state_of(health, "alert_writer") is State.DEGRADED)  # each $20k trade alerts
        writer = health.get("trade_writer")
        assert writer is not None and "kept for retry" in writer.detail
        summary = (await get_json(http, health_url))[1]
        assert summary["status"] == "degraded" and summary["components"]["trade_writer"]["state"] == "degraded"
        for _ in range(3):
            clock.advance(seconds=30)
            await alerter.check()
        # one admin message for the outage: the database's own when it does not answer (PostgreSQL
        # cut), the writers' when it answers but takes no writes (SQLite read-only)
        [outage_alert] = [text for text, _ in chat.messages]
        if outage.sqlite:
            assert outage_alert.startswith("Storage failing, the database answers but refuses writes: alert_writer")
            assert "trade_writer: cannot store trades for" in outage_alert and "kept for retry" in outage_alert
        else:
            assert outage_alert.startswith("Database unreachable")
        # an outage is not a bad row: nothing refused, nothing quarantined, nothing dropped
        assert rejected("trade_writer") == refused_before and quarantine.pending == 0
        assert pipeline.stats.refused_trades == 0 and pipeline.stats.stored == 3
        assert pipeline.stats.refused_alerts == 0 and published.queue.qsize() == 3

        await outage.end()
        await until(lambda: pipeline.stats.stored == 39)
        await until(lambda: state_of(health, "trade_writer") is State.OK)
        await until(lambda: state_of(health, "alert_writer") is State.OK)
        clock.advance(seconds=30)
        await alerter.check()
        [recovery] = [text for text, _ in chat.messages[1:]]
        assert recovery.startswith("Recovered: " + ("the database takes writes" if outage.sqlite else "the database"))
        assert (await get_json(http, health_url))[1]["components"]["trade_writer"]["state"] == "ok"
        stored = await repos.trades.market_trades("0x" + "5" * 64, limit=100)
        assert sorted(t.tx_hash for t in stored) == sorted(trade(n).tx_hash for n in range(1, 40))
        assert await repos.quarantine.count() == 0
        # the alerts held through the outage went out once it ended, each once
        await until(lambda: published.queue.qsize() == 39)
        alerts = [published.queue.get_nowait() for _ in range(39)]
        assert sorted(a.trade.tx_hash for a in alerts if a.trade) == sorted(trade(n).tx_hash for n in range(1, 40))
        assert await repos.alerts.count() == 39
    finally:
        incoming.put_nowait(None)
        await asyncio.wait_for(running, 30)
        await web.stop()


async def test_a_long_outage_keeps_the_newest_trades_within_the_bound(
    connected: BreakableDatabase, make_settings: Any
) -> None:
    repos = Repositories()
    settings = make_settings()
    pipeline = Pipeline(
        repos=repos,
        enricher=StoredEnricher(repos),
        bus=AlertBus(),
        detector_params=DetectorParams.from_settings(settings),
        scoring_params=ScoringParams.from_settings(settings),
        clock=FakeClock(T0 + timedelta(hours=1)),
        batch_size=10,
        flush_seconds=0.02,
        retry_max_seconds=0.1,
        max_pending_trades=100,
    )
    dropped = REGISTRY.get_sample_value("scanner_store_dropped_total", {"kind": "trade"}) or 0.0
    outage = Outage(connected)
    await outage.start()
    incoming: asyncio.Queue[Trade | None] = asyncio.Queue()

    async def feed() -> AsyncIterator[Trade]:
        while (item := await incoming.get()) is not None:
            yield item

    running = asyncio.create_task(pipeline.run(feed()))
    try:
        for n in range(1, 301):
            incoming.put_nowait(trade(n))
        await until(lambda: pipeline.stats.received == 300)
        assert pipeline.pending_trades <= 100 and pipeline.stats.stored == 0
        lost = (REGISTRY.get_sample_value("scanner_store_dropped_total", {"kind": "trade"}) or 0.0) - dropped
        assert lost == 300 - pipeline.pending_trades
        kept = pipeline.pending_trades
        await outage.end()
        await until(lambda: pipeline.stats.stored == kept)
        stored = await repos.trades.market_trades("0x" + "5" * 64, limit=500)
        assert sorted(t.tx_hash for t in stored) == sorted(trade(n).tx_hash for n in range(301 - kept, 301))
    finally:
        incoming.put_nowait(None)
        await asyncio.wait_for(running, 30)
