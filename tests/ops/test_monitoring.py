"""Monitoring pieces: the pure readiness decisions, metric snapshots on the real database, the
error counter on real loggers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from prometheus_client import REGISTRY

from db.repositories import Repositories
from scanner_core.health import ComponentHealth, State
from scanner_core.metrics import DELIVERY_BACKLOG, TRADES_RECEIVED
from scanner_core.monitoring import (
    ErrorCounter,
    MetricSnapshots,
    feed_health,
    latest_values,
    readiness_of,
    sqlite_file,
)
from tests.conftest import FakeClock

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("connected", "last_trade", "started", "state", "detail"),
    [
        (True, ago(5), ago(3600), State.OK, "connected, last trade 5s ago"),
        (True, ago(600), ago(3600), State.OK, "connected, last trade 10m 0s ago"),
        (True, ago(601), ago(3600), State.DOWN, "stalled: last trade 10m 1s ago (max 10m 0s)"),
        (False, ago(5), ago(3600), State.DOWN, "disconnected"),
        (True, None, ago(30), State.OK, "connected, waiting for the first trade"),
        (True, None, ago(7200), State.DOWN, "connected but no trade in 2h 0m (max 10m 0s)"),
    ],
)
def test_feed_health(
    connected: bool, last_trade: datetime | None, started: datetime, state: State, detail: str
) -> None:
    health = feed_health(connected, last_trade, now=NOW, watching_since=started, max_trade_age_seconds=600)
    assert (health.state, health.detail, health.last_success) == (state, detail, last_trade)


def test_readiness_needs_every_gate_usable_and_allows_degraded() -> None:
    def c(name: str, state: State) -> ComponentHealth:
        return ComponentHealth(name, state)

    ok = {"database": c("database", State.OK), "cache": c("cache", State.DEGRADED), "feed": c("feed", State.OK)}
    assert readiness_of(ok, ("database", "cache", "feed")) == []
    assert readiness_of({**ok, "telegram": c("telegram", State.DOWN)}, ("database", "cache", "feed")) == []
    assert readiness_of({**ok, "feed": c("feed", State.DOWN)}, ("database", "cache", "feed")) == ["feed"]
    assert readiness_of({"cache": ok["cache"]}, ("database", "cache")) == ["database"]
    assert readiness_of({**ok, "database": c("database", State.STARTING)}, ("database",)) == ["database"]


def test_sqlite_file_of_a_database_url() -> None:
    assert sqlite_file("sqlite://polyscan.db") == Path("polyscan.db")
    assert sqlite_file("sqlite:///var/lib/polyscan/polyscan.db") == Path("/var/lib/polyscan/polyscan.db")
    assert sqlite_file("sqlite://:memory:") is None
    assert sqlite_file("postgres://u:p@db:5432/polyscan") is None


# ---------------------------------------------------------------- snapshots (real database)


class Backlog:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    async def backlog(self) -> dict[str, int]:
        return dict(self.counts)


async def test_snapshots_are_written_and_the_latest_is_read_back(db: str, clock: FakeClock) -> None:
    repos = Repositories()
    snapshots = MetricSnapshots(repos.metrics, clock=clock, backlog=repos.deliveries)
    assert await snapshots.latest() == []
    TRADES_RECEIVED.inc(0)
    written = await snapshots.write()
    first = await snapshots.latest()
    assert written == len(first) > 10
    assert {s.timestamp for s in first} == {clock.now}
    names = {s.name for s in first}
    assert {"scanner_trades_received_total", "scanner_process_memory_bytes", "scanner_delivery_backlog"} <= names
    assert latest_values(first)["scanner_process_memory_bytes"] > 1_000_000
    backlog = {s.labels["platform"]: s.value for s in first if s.name == "scanner_delivery_backlog"}
    assert backlog["telegram"] == 0 and backlog["discord"] == 0  # the empty outbox, read for real

    received = REGISTRY.get_sample_value("scanner_trades_received_total") or 0.0
    TRADES_RECEIVED.inc(5)
    clock.advance(seconds=60)
    await snapshots.write()
    second = await snapshots.latest()
    assert {s.timestamp for s in second} == {clock.now}
    assert latest_values(second)["scanner_trades_received_total"] == received + 5
    history = await repos.metrics.series("scanner_trades_received_total", clock.now - timedelta(minutes=5))
    assert [s.value for s in history] == [received, received + 5]


async def test_the_backlog_gauge_follows_the_outbox(db: str, clock: FakeClock) -> None:
    source = Backlog({"telegram": 7, "discord": 2})
    snapshots = MetricSnapshots(Repositories().metrics, clock=clock, backlog=source)
    try:
        await snapshots.refresh_backlog()
        assert REGISTRY.get_sample_value("scanner_delivery_backlog", {"platform": "telegram"}) == 7
        source.counts = {"discord": 1}
        await snapshots.refresh_backlog()
        assert REGISTRY.get_sample_value("scanner_delivery_backlog", {"platform": "telegram"}) == 0
        assert REGISTRY.get_sample_value("scanner_delivery_backlog", {"platform": "discord"}) == 1
    finally:
        for platform in ("telegram", "discord"):
            DELIVERY_BACKLOG.labels(platform=platform).set(0)


# ---------------------------------------------------------------- error counter


def errors_of(component: str) -> float:
    return REGISTRY.get_sample_value("scanner_errors_total", {"component": component}) or 0.0


async def test_error_counter_counts_error_lines_per_component() -> None:
    root = logging.getLogger("ops_test_root")
    counter = ErrorCounter(root)
    library = logging.getLogger("ops_test_root.library")
    ours = structlog.wrap_logger(
        logging.getLogger("ops_test_root.ours"),
        processors=[structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.stdlib.BoundLogger,
    )
    before_lib, before_ours = errors_of("ops_test_root.library"), errors_of("ops_test_component")
    await counter.start()
    await counter.start()  # idempotent: one handler, one count per line
    try:
        library.error("connection reset")
        library.warning("slow")  # below ERROR: not counted
        ours.error("boom", component="ops_test_component")
        ours.critical("worse", component="ops_test_component")
    finally:
        await counter.stop()
    library.error("after stop")
    assert errors_of("ops_test_root.library") == before_lib + 1
    assert errors_of("ops_test_component") == before_ours + 2
