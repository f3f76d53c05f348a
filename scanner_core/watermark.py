"""The feed watermark: the trade time up to which everything the feed handed on is durably handled.

A trade is taken when the feed hands it on (`taken`, the feed's `on_emit`) and handled when the
pipeline has stored it (`handled`, from `on_trades_stored`) or found it below the floor, with
nothing to store (`handled_one`, from `on_trade_not_stored`). The watermark is the oldest trade
time still in flight, else the newest trade seen; never later than where the feed may still miss
trades (an open gap: `unseen_from`), nor later than now. It is saved only when it moves forward.

At start the backfill begins `overlap_seconds` before the saved watermark, so trades that were
in the feed's queue or the pipeline's unflushed batch at a crash come back from the Data API even
when none was stored yet (the newest stored trade says nothing about them). Fills older than the
watermark that were still on their way (RTDS delivers a few seconds late, not in order) are what
the overlap is for. Replayed trades are harmless: trades and alerts are stored under dedup keys.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from scanner_core.logs import get_logger
from scanner_core.metrics import FEED_WATERMARK
from scanner_core.models import Trade

log = get_logger("watermark")
FEED = "feed"
# A trade in flight this long was lost inside the process (a pipeline failure mid-trade); holding
# the watermark for it longer would only make every later start backfill further back.
STALE_IN_FLIGHT_SECONDS = 3600.0


class WatermarkStore(Protocol):
    """Where the watermark is kept (db FeedStateRepository)."""

    async def load_watermark(self, name: str) -> datetime | None: ...

    async def save_watermark(self, name: str, value: datetime, now: datetime) -> None: ...


class FeedPosition(Protocol):
    """What the watermark needs to know of the feed (TradeFeed)."""

    @property
    def last_trade_at(self) -> datetime | None: ...

    @property
    def unseen_from(self) -> datetime | None: ...


@dataclass(slots=True)
class _InFlight:
    timestamp: datetime
    copies: int
    taken_at: float  # monotonic


class FeedWatermark:
    def __init__(
        self,
        store: WatermarkStore,
        feed: FeedPosition,
        *,
        clock: Callable[[], datetime],
        overlap_seconds: float,
        name: str = FEED,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._feed = feed
        self._clock = clock
        self._monotonic = monotonic
        self.overlap = timedelta(seconds=overlap_seconds)
        self.name = name
        self._in_flight: dict[str, _InFlight] = {}
        self.saved: datetime | None = None

    # --- the trades in flight ---

    def taken(self, trade: Trade) -> None:
        entry = self._in_flight.get(trade.dedup_key)
        if entry is None:
            self._in_flight[trade.dedup_key] = _InFlight(trade.timestamp, 1, self._monotonic())
        else:  # handed on again (a repeat older than the feed's dedup window)
            entry.copies += 1

    def handled(self, trades: Iterable[Trade]) -> None:
        for trade in trades:
            self.handled_one(trade)

    def handled_one(self, trade: Trade) -> None:
        entry = self._in_flight.get(trade.dedup_key)
        if entry is None:
            return
        entry.copies -= 1
        if entry.copies <= 0:
            del self._in_flight[trade.dedup_key]

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    # --- the value ---

    def value(self) -> datetime | None:
        """The watermark now (None before the first trade): every trade the feed handed on before
        it is handled, and the feed has seen everything before it."""
        oldest = self._oldest_in_flight()
        current = oldest if oldest is not None else self._feed.last_trade_at
        if current is None:
            return None
        unseen = self._feed.unseen_from
        if unseen is not None:
            current = min(current, unseen)
        return min(current, self._clock())

    def _oldest_in_flight(self) -> datetime | None:
        if not self._in_flight:
            return None
        stale_before = self._monotonic() - STALE_IN_FLIGHT_SECONDS
        stale = [key for key, entry in self._in_flight.items() if entry.taken_at < stale_before]
        for key in stale:
            del self._in_flight[key]
        if stale:
            log.warning("watermark_gave_up_on_trades", trades=len(stale), after_seconds=STALE_IN_FLIGHT_SECONDS)
        return min((entry.timestamp for entry in self._in_flight.values()), default=None)

    # --- persistence ---

    async def restore(self) -> datetime | None:
        """Load the saved watermark (None on a first start)."""
        self.saved = await self._store.load_watermark(self.name)
        if self.saved is not None:
            FEED_WATERMARK.set(self.saved.timestamp())
        return self.saved

    def start_point(self, fallback: datetime | None) -> datetime | None:
        """Where the start-up backfill begins: the saved watermark, else `fallback` (the newest
        stored trade, for a database from before watermarks), minus the overlap."""
        base = self.saved if self.saved is not None else fallback
        return base - self.overlap if base is not None else None

    async def save(self) -> bool:
        """Save the watermark if it moved forward; True when it did."""
        value = self.value()
        if value is None or (self.saved is not None and value <= self.saved):
            return False
        await self._store.save_watermark(self.name, value, self._clock())
        self.saved = value
        FEED_WATERMARK.set(value.timestamp())
        return True

    async def keep_saving(self, every_seconds: float) -> None:
        """Save every `every_seconds` until cancelled; a failed save (database away) is retried."""
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await self.save()
            except Exception as exc:  # the database may be away: the next round tries again
                log.warning("watermark_save_failed", error=f"{type(exc).__name__}: {exc}"[:200])
