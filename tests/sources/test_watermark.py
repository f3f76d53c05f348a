"""The feed watermark over the real TradeFeed (fake RTDS on loopback), the real pipeline and the
real feed_state table: it never passes a trade the pipeline has not handled, nor an open gap."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from db.repositories import Repositories
from scanner_core.bus import AlertBus
from scanner_core.config import Settings
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Trade, from_unix, now_utc
from scanner_core.pipeline import Pipeline, StoredEnricher
from scanner_core.scoring import ScoringParams
from scanner_core.watermark import FeedWatermark
from tests.fakes.polymarket import FakePolymarket, fresh_trades, sample_trade_rows
from tests.sources.feed_harness import Harness

SMALL, BIG = 8, 1  # fixture rows: a $17 fill (below the floor) and a $19.2k one (stored)


def rows_at(template: int, count: int, start: int, salt: str) -> list[dict[str, Any]]:
    return fresh_trades([sample_trade_rows()[template]], count, start_ts=start, per_second=1, salt=salt)


async def test_the_watermark_waits_for_the_pipeline_and_for_gaps(
    db: str, pm: FakePolymarket, harness_factory: Callable[..., Harness], make_settings: Callable[..., Settings]
) -> None:
    pm.clear_trades()
    settings = make_settings(min_trade_usd=1000)
    repos = Repositories()
    harness = harness_factory(max_retries=0)
    feed = harness.feed
    watermark = FeedWatermark(repos.feed_state, feed, clock=now_utc, overlap_seconds=60)
    feed.on_emit = watermark.taken

    async def stored(trades: list[Trade]) -> None:
        watermark.handled(trades)

    pipeline = Pipeline(
        repos=repos,
        enricher=StoredEnricher(repos),
        bus=AlertBus(),
        detector_params=DetectorParams.from_settings(settings),
        scoring_params=ScoringParams.from_settings(settings),
        clock=now_utc,
        flush_seconds=3600,  # nothing is stored until the test says so
        batch_size=10_000,
        on_trades_stored=stored,
        on_trade_not_stored=watermark.handled_one,
    )
    start = int(datetime.now(UTC).timestamp()) - 3600
    rows = rows_at(SMALL, 5, start, "a") + rows_at(BIG, 5, start + 5, "b") + rows_at(SMALL, 5, start + 10, "c")
    await feed.start()
    running = asyncio.create_task(pipeline.run(feed))
    try:
        await pm.wait_until(lambda: pm.rtds_subscriptions >= 1)
        assert await watermark.save() is False  # nothing seen yet: nothing to keep
        await pm.publish_trades(rows)
        await pm.wait_until(lambda: pipeline.stats.received == 15)

        # the small fills are handled, the big ones wait in the batch: the watermark stops at them
        assert watermark.value() == from_unix(start + 5) and watermark.in_flight == 5
        assert await watermark.save() and await repos.feed_state.load_watermark("feed") == from_unix(start + 5)
        await pipeline.flush()
        assert watermark.value() == from_unix(start + 14) and watermark.in_flight == 0
        assert await watermark.save() and await repos.feed_state.load_watermark("feed") == from_unix(start + 14)

        # a reconnect whose backfill fails: the gap holds the watermark while live trades go on
        pm.faults.fail("data:/trades", status=404, times=1000)  # 4xx: no circuit breaker in the way
        connections = pm.rtds_connections
        assert await harness.rtds.request_reconnect("test")
        await pm.wait_until(lambda: pm.rtds_connections > connections and pm.rtds_subscriptions >= 2)
        later = rows_at(SMALL, 5, start + 20, "d")
        await pm.publish_trades(later)
        await pm.wait_until(lambda: pipeline.stats.received == 20 and feed.counts["backfill_failures"] >= 1)
        value = watermark.value()
        assert value is not None and value <= from_unix(start + 14)  # not past the gap (minus its overlap)
        assert await watermark.save() is False
        assert await repos.feed_state.load_watermark("feed") == from_unix(start + 14)

        pm.faults.clear()  # the backfill goes through on its next try: the watermark moves on
        await pm.wait_until(lambda: feed.unseen_from is None and feed.counts["backfills"] >= 1)
        await pm.wait_until(lambda: watermark.value() == from_unix(start + 24))
        assert await watermark.save() and await repos.feed_state.load_watermark("feed") == from_unix(start + 24)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


class MemoryStore:
    def __init__(self) -> None:
        self.values: dict[str, datetime] = {}

    async def load_watermark(self, name: str) -> datetime | None:
        return self.values.get(name)

    async def save_watermark(self, name: str, value: datetime, now: datetime) -> None:
        self.values[name] = value


class Position:
    def __init__(self) -> None:
        self.last_trade_at: datetime | None = None
        self.unseen_from: datetime | None = None


def trade_at(when: datetime, salt: str) -> Trade:
    from scanner_core.normalise import trade_from_row

    row = fresh_trades(sample_trade_rows(), 1, start_ts=int(when.timestamp()), salt=salt)[0]
    return trade_from_row(row, not_after=now_utc())


async def test_start_point_moves_forward_only_and_never_past_now() -> None:
    store, position = MemoryStore(), Position()
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    watermark = FeedWatermark(store, position, clock=lambda: now, overlap_seconds=60)
    assert await watermark.restore() is None
    assert watermark.start_point(fallback=None) is None
    newest_stored = now - timedelta(hours=1)  # a database from before watermarks
    assert watermark.start_point(fallback=newest_stored) == newest_stored - timedelta(seconds=60)

    early, late = trade_at(now - timedelta(minutes=5), "x"), trade_at(now - timedelta(minutes=1), "y")
    for trade in (early, late):
        watermark.taken(trade)
    position.last_trade_at = late.timestamp
    assert watermark.value() == early.timestamp
    watermark.handled([early])
    assert await watermark.save() and store.values["feed"] == late.timestamp  # `late` in flight
    watermark.handled_one(late)
    assert watermark.value() == late.timestamp  # nothing in flight: the newest trade seen

    # a fill dated tomorrow moves the watermark no further than now
    future = trade_at(now + timedelta(days=1), "z")
    watermark.taken(future)
    watermark.handled_one(future)
    position.last_trade_at = future.timestamp
    assert watermark.value() == now

    # backwards (an older trade in flight again) is never saved; a new process starts from the saved one
    watermark.taken(early)
    assert watermark.value() == early.timestamp and await watermark.save() is False
    again = FeedWatermark(store, Position(), clock=lambda: now, overlap_seconds=60)
    assert await again.restore() == late.timestamp
    assert again.start_point(fallback=newest_stored) == late.timestamp - timedelta(seconds=60)


async def test_feed_state_round_trip(db: str) -> None:
    from db.models import FeedStateRow

    states = Repositories().feed_state
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert await states.load_watermark("feed") is None
    await states.save_watermark("feed", now - timedelta(seconds=30), now)
    await states.save_watermark("feed", now - timedelta(seconds=10, microseconds=5), now)
    assert await states.load_watermark("feed") == now - timedelta(seconds=10, microseconds=5)
    assert await FeedStateRow.all().count() == 1
    await FeedStateRow.filter(name="feed").update(value="not a time")
    assert await states.load_watermark("feed") is None  # unreadable: as if never saved
