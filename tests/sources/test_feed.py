"""The RTDS stream and the trade feed against the fake Polymarket over real sockets."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY

from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Trade, TradeSource, from_unix, now_utc
from scanner_core.ports import FeedStatus
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.feed import Deduper, TradeFeed
from scanner_core.sources.http import HttpClient
from scanner_core.sources.ratelimit import limits_from_settings
from scanner_core.sources.rtds import RtdsStream
from tests.fakes.polymarket import ConnFault, FakePolymarket, fresh_trades, sample_trade_rows

START_TS = 1_790_000_000


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Harness:
    """A feed on fast settings, its consumer task and what it received."""

    def __init__(
        self, pm: FakePolymarket, session: aiohttp.ClientSession, settings: Settings, **feed_args: Any
    ) -> None:
        self.pm = pm
        self.states: list[tuple[State, str]] = []
        self.health = HealthRegistry(lambda: datetime.now(UTC))
        self.backoffs: list[float] = []
        http = HttpClient(
            session,
            limits_from_settings(settings),
            max_retries=feed_args.pop("max_retries", 2),
            backoff_base=0.01,
            backoff_max=0.05,
        )
        self.data_api = DataApiClient(http, pm.data_api_url)
        self.rtds = RtdsStream(
            session,
            pm.rtds_url,
            ping_seconds=feed_args.pop("ping_seconds", 0.1),
            stall_seconds=feed_args.pop("stall_seconds", 0.4),
            backoff_min=feed_args.pop("backoff_min", 0.01),
            backoff_max=feed_args.pop("backoff_max", 0.04),
            down_after=feed_args.pop("down_after", 10),
            sleep=self._sleep,
            rng=random.Random(3),
            on_state=lambda state, detail: self.states.append((state, detail)),
            health=self.health,
        )
        args: dict[str, Any] = {"page_size": 200, "max_pages": 50, "gap_wait_seconds": 0.2, "dedup_window": 20_000}
        args.update(feed_args)
        self.feed = TradeFeed(self.rtds, self.data_api, retry_min_seconds=0.05, retry_max_seconds=0.2, **args)
        self.received: list[Trade] = []
        self._consumer: asyncio.Task[None] | None = None

    async def _sleep(self, seconds: float) -> None:
        self.backoffs.append(seconds)
        await asyncio.sleep(seconds)

    async def start(self, since: datetime | None = None, consume: bool = True) -> None:
        await self.feed.start(since)
        if consume:
            self.consume()
        await self.pm.wait_until(lambda: self.pm.rtds_subscriptions >= 1)

    def consume(self) -> None:
        async def run() -> None:
            async for trade in self.feed:
                self.received.append(trade)

        self._consumer = asyncio.create_task(run())

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        await self.pm.wait_until(lambda: len(self.received) >= count, timeout)
        await asyncio.sleep(0.3)  # anything extra (a duplicate) would arrive now

    async def stop(self) -> None:
        await self.feed.stop()
        if self._consumer is not None:
            self._consumer.cancel()
            await asyncio.gather(self._consumer, return_exceptions=True)


@pytest.fixture
async def harness_factory(pm: FakePolymarket, session: aiohttp.ClientSession, settings: Settings):  # type: ignore[no-untyped-def]
    made: list[Harness] = []

    def build(**feed_args: Any) -> Harness:
        harness = Harness(pm, session, settings, **feed_args)
        made.append(harness)
        return harness

    yield build
    for harness in made:
        await harness.stop()


def keys(rows: list[dict[str, Any]]) -> list[str]:
    from scanner_core.normalise import trade_from_row

    return [trade_from_row(row, not_after=now_utc()).dedup_key for row in rows]


async def test_5000_trades_20_drops_3_stalls_each_exactly_once(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 5000, start_ts=START_TS, per_second=40)
    plan = [ConnFault("silent" if i in (4, 11, 18) else "drop", after_frames=80 + (i * 37) % 60) for i in range(23)]
    pm.faults.rtds_plan.extend(plan)
    harness = harness_factory()
    await harness.start()

    published = 0
    for round_number, fault in enumerate(plan):
        chunk = rows[published : published + fault.after_frames + 60]
        published += await pm.publish_trades(chunk)
        # the connection died (or went silent) after `after_frames`; the rest of the chunk went
        # out while the client was away: wait for it to come back before the next round
        await pm.wait_until(lambda n=round_number: pm.rtds_subscriptions >= n + 2, timeout=5)
    published += await pm.publish_trades(rows[published:])
    assert published == 5000

    await harness.wait_for(5000)
    got = [t.dedup_key for t in harness.received]
    assert len(got) == 5000 and set(got) == set(keys(rows))
    assert pm.faults_applied["rtds_drop"] == 20 and pm.faults_applied["rtds_silent"] == 3
    counts = harness.feed.counts
    assert counts["live"] + counts["backfill"] == 5000
    # every trade the fake never wrote to a socket (sent while the client was away) came from /trades
    missed = [t for t in harness.received if t.tx_hash not in pm.rtds_delivered]
    assert len(missed) >= 3 * 60 and all(t.source is TradeSource.BACKFILL for t in missed)
    assert counts["backfills"] >= 23 and counts["duplicates"] > 0
    assert harness.feed.reconnects >= 23
    assert harness.feed.last_trade_at == from_unix(rows[-1]["timestamp"])
    # backfill asks for maker and taker rows, as RTDS sends both
    backfills = [dict(q) for route, q in pm.request_log if route == "data:/trades"]
    assert backfills and all(q["takerOnly"] == "false" and "filterType" not in q for q in backfills)
    assert harness.health.get("rtds").state is State.OK  # type: ignore[union-attr]


async def test_malformed_and_string_typed_frames(pm: FakePolymarket, harness_factory: Callable[..., Harness]) -> None:
    pm.clear_trades()
    pm.faults.rtds_malformed_every = 10
    pm.faults.numbers_as_strings = True
    rows = fresh_trades(sample_trade_rows(), 300, start_ts=START_TS, per_second=5)
    harness = harness_factory()
    await harness.start()
    before = metric("scanner_frames_malformed_total", source="rtds")
    pm.push_rtds_raw("")  # keepalive
    pm.push_rtds_raw('{"message":"hello","statusCode":400}')
    await pm.publish_trades(rows)
    await harness.wait_for(300)
    assert [t.dedup_key for t in harness.received] == keys(rows)  # string numbers: same keys, same order
    assert all(t.wallet == t.wallet.lower() and isinstance(t.size, Decimal) for t in harness.received)
    assert metric("scanner_frames_malformed_total", source="rtds") == before + 30
    assert harness.feed.connected


async def test_pings_keep_the_connection_and_silence_is_a_stall(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    pm.faults.rtds_plan.append(ConnFault("silent", after_frames=1))
    harness = harness_factory(ping_seconds=0.05, stall_seconds=0.3)
    stalls_before = metric("scanner_websocket_reconnects_total", stream="rtds", reason="stall")
    await harness.start()
    await pm.publish_trades(fresh_trades(sample_trade_rows(), 1, start_ts=START_TS))
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 2, timeout=3)
    assert metric("scanner_websocket_reconnects_total", stream="rtds", reason="stall") == stalls_before + 1
    pings_before = pm.pings["rtds"]
    await asyncio.sleep(0.5)  # a healthy connection: PONGs keep it alive past stall_seconds
    assert pm.pings["rtds"] >= pings_before + 5
    assert pm.rtds_subscriptions == 2 and harness.feed.connected


async def test_down_after_10_failed_attempts_then_keeps_trying_slowly(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.faults.rtds_plan.extend(ConnFault("refuse") for _ in range(13))
    harness = harness_factory(backoff_min=0.001, backoff_max=0.02)
    await harness.feed.start()
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 1, timeout=5)
    states = [state for state, _ in harness.states]
    assert states[0] is State.STARTING
    assert State.DOWN in states and states[-1] is State.OK
    down_at = states.index(State.DOWN)
    assert "10 failed attempts" in harness.states[down_at][1]
    # exponential from backoff_min, doubling per failure, then the slow rate once down
    for failures, delay in enumerate(harness.backoffs[:13], start=1):
        ceiling = 0.02 if failures >= 10 else min(0.02, 0.001 * 2 ** (failures - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert pm.faults_applied["rtds_refuse"] == 13
    assert harness.health.get("rtds").state is State.OK  # type: ignore[union-attr]


async def test_slow_consumer_slows_the_reader_and_loses_nothing(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 400, start_ts=START_TS, per_second=20)
    harness = harness_factory(queue_size=10, stall_seconds=5.0)
    await harness.start(consume=False)
    blocked_before = metric("scanner_feed_backpressure_seconds_total")
    await pm.publish_trades(rows)
    await asyncio.sleep(0.3)
    assert harness.feed.queue_depth == 10  # full: the reader waits instead of buffering without bound
    harness.consume()
    await harness.wait_for(400)
    assert [t.dedup_key for t in harness.received] == keys(rows)
    assert harness.feed.blocked_seconds > 0.2
    assert metric("scanner_feed_backpressure_seconds_total") > blocked_before + 0.2


async def test_start_since_backfills_what_happened_while_the_process_was_down(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 600, start_ts=START_TS, per_second=10)
    pm.add_trades(rows[:500])  # history: 10 trades a second for 50 s
    harness = harness_factory(page_size=100)
    since = from_unix(START_TS + 30)  # the newest trade the database had
    await harness.start(since=since)
    await pm.publish_trades(rows[500:])
    expected = [r for r in rows if r["timestamp"] >= START_TS + 30 - 2]  # boundary minus the overlap
    await harness.wait_for(len(expected))
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(expected))
    backfilled = [t for t in harness.received if t.source is TradeSource.BACKFILL]
    assert [t.timestamp for t in backfilled] == sorted(t.timestamp for t in backfilled)  # oldest first
    assert len(backfilled) >= 200


async def test_a_failed_backfill_is_retried_and_still_loses_nothing(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 300, start_ts=START_TS, per_second=10)
    pm.faults.rtds_plan.append(ConnFault("drop", after_frames=100))
    harness = harness_factory(max_retries=0)
    await harness.start()
    await pm.publish_trades(rows[:150])
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 2)
    pm.faults.fail("data:/trades", status=503, times=3)
    await pm.publish_trades(rows[150:])
    await harness.wait_for(300)
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(rows))
    assert harness.feed.counts["backfill_failures"] == 3


async def test_backfill_uses_the_cash_floor_when_set(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    harness = harness_factory(filter_usd=Decimal(50))
    rows = fresh_trades(sample_trade_rows(), 20, start_ts=START_TS)
    await harness.start(since=from_unix(START_TS))
    await pm.publish_trades(rows)
    await pm.wait_until(lambda: pm.requests["data:/trades"] >= 1)
    query = dict(pm.request_log[-1][1])
    assert query["filterType"] == "CASH" and query["filterAmount"] == "50"


def test_feed_satisfies_feed_status(pm: FakePolymarket, session: aiohttp.ClientSession, settings: Settings) -> None:
    harness = Harness(pm, session, settings)
    status: FeedStatus = harness.feed
    assert status.connected is False and status.last_trade_at is None and status.reconnects == 0


def test_deduper_forgets_oldest_first() -> None:
    dedup = Deduper(3)
    assert [dedup.add(k) for k in "abca"] == [True, True, True, False]
    assert dedup.add("d") and "a" not in dedup and len(dedup) == 3
    assert dedup.add("a")


async def test_the_newest_stored_trade_is_where_a_restart_resumes(db: str) -> None:
    from db.repositories import Repositories
    from scanner_core.normalise import trade_from_row

    trades = Repositories().trades
    assert await trades.newest_trade_time() is None
    rows = fresh_trades(sample_trade_rows(), 5, start_ts=START_TS, per_second=1)
    await trades.save_trades([trade_from_row(r, not_after=now_utc()) for r in rows])
    assert await trades.newest_trade_time() == from_unix(START_TS + 4)
