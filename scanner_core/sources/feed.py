"""The trade feed: one async stream of normalised Trades that loses nothing and repeats nothing.

Live trades come from RTDS activity/trades. After every reconnect or stall there is a gap: the
feed remembers the newest trade time it had seen and, as soon as the new connection delivers its
first trade (proof that the subscription is live, so everything older is already in the Data
API) or after `gap_wait_seconds` without one, fetches /trades from that time on (the boundary
second included, minus `overlap_seconds`), newest first with offset paging until it reaches
older rows, and emits those oldest first. takerOnly=false, because RTDS `trades` sends maker and
taker rows. A bounded set of dedup keys (tx hash, token, wallet, side, size, price) lets each
fill out exactly once, whichever path brought it first. A backfill that fails keeps the gap
open and is tried again with backoff while the live stream goes on.

The queue is bounded: when the consumer is slow, `put` waits, the RTDS reader stops reading and
the socket's buffers fill (scanner_feed_backpressure_seconds_total shows the time spent there).

Every frame is decoded against the trade schema (normalise.py; its time bound is this feed's
clock plus POLYSCAN_TRADE_MAX_FUTURE_SECONDS): refused items are counted, logged and quarantined,
the frame's good trades still go on, and nothing a frame holds can drop the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from decimal import Decimal

from scanner_core import normalise
from scanner_core.config import Settings
from scanner_core.logs import get_logger
from scanner_core.metrics import FEED_BLOCKED_SECONDS, FEED_DUPLICATES, FEED_LAG, FEED_QUEUE_DEPTH, FEED_TRADES
from scanner_core.models import Trade, TradeSource, now_utc
from scanner_core.quarantine import QuarantineSink
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.errors import MalformedLog, SourceError
from scanner_core.sources.horizon import TradeHorizon
from scanner_core.sources.rtds import RtdsStream

log = get_logger("sources.feed")
HORIZON_REFRESH_SECONDS = 1.0


def _log_unexpected_end(task: asyncio.Task[None]) -> None:
    # the reader only ends by cancellation; anything else is a bug that must not pass silently
    if not task.cancelled() and task.exception() is not None:
        log.error("feed_reader_died", error=repr(task.exception()))


class Deduper:
    """Remembers the last `window` keys (oldest forgotten first)."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._seen: OrderedDict[str, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, key: str) -> bool:
        return key in self._seen

    def add(self, key: str) -> bool:
        """True when `key` is new (and now remembered), False when already seen."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.window:
            self._seen.popitem(last=False)
        return True


class TradeFeed:
    """RTDS + Data API backfill -> one deduplicated, bounded stream of Trades (FeedStatus)."""

    name = "feed"

    def __init__(
        self,
        rtds: RtdsStream,
        data_api: DataApiClient,
        *,
        queue_size: int = 10_000,
        dedup_window: int = 200_000,
        page_size: int = 500,
        max_pages: int = 20,
        filter_usd: Decimal = Decimal(0),
        overlap_seconds: int = 2,
        gap_wait_seconds: float = 5.0,
        retry_min_seconds: float = 1.0,
        retry_max_seconds: float = 60.0,
        clock: Callable[[], datetime] = now_utc,
        monotonic: Callable[[], float] = time.monotonic,
        horizon: TradeHorizon | None = None,
        quarantine: QuarantineSink | None = None,
    ) -> None:
        self.rtds = rtds
        self.data_api = data_api
        self.page_size = page_size
        self.max_pages = max_pages
        self.filter_usd = filter_usd
        self.overlap_seconds = overlap_seconds
        self.gap_wait_seconds = gap_wait_seconds
        self.retry_min_seconds = retry_min_seconds
        self.retry_max_seconds = retry_max_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._queue: asyncio.Queue[Trade] = asyncio.Queue(maxsize=queue_size)
        self._dedup = Deduper(dedup_window)
        self._malformed = MalformedLog("rtds", monotonic=monotonic, quarantine=quarantine)
        self._horizon = horizon or TradeHorizon(clock)
        self._not_after = self._horizon()
        self._not_after_due = monotonic() + HORIZON_REFRESH_SECONDS
        self._newest: datetime | None = None
        self._gap: datetime | None = None  # newest trade time before an open gap
        self._gap_due = 0.0
        self._gap_failures = 0
        self._task: asyncio.Task[None] | None = None
        self.counts = {"live": 0, "backfill": 0, "duplicates": 0, "backfills": 0, "backfill_failures": 0}
        self.blocked_seconds = 0.0

    @classmethod
    def from_settings(
        cls, settings: Settings, rtds: RtdsStream, data_api: DataApiClient, quarantine: QuarantineSink | None = None
    ) -> TradeFeed:
        s = settings
        return cls(
            rtds,
            data_api,
            queue_size=s.feed_queue_size,
            dedup_window=s.feed_dedup_window,
            page_size=s.backfill_page_size,
            max_pages=s.backfill_max_pages,
            filter_usd=s.backfill_filter_usd,
            gap_wait_seconds=s.rtds_ping_seconds,
            retry_min_seconds=s.ws_backoff_min_seconds,
            retry_max_seconds=s.ws_backoff_max_seconds,
            horizon=TradeHorizon.from_settings(s),
            quarantine=quarantine,
        )

    # --- FeedStatus ---

    @property
    def connected(self) -> bool:
        return self.rtds.connected

    @property
    def last_trade_at(self) -> datetime | None:
        return self._newest

    @property
    def reconnects(self) -> int:
        return self.rtds.reconnects

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize()

    # --- lifecycle ---

    async def start(self, since: datetime | None = None) -> None:
        """Start reading. `since` (e.g. the newest stored trade) makes the first connection
        backfill from there, so a restart loses nothing either."""
        if self._task is not None:
            return
        if since is not None:
            self._newest = since
        self._task = asyncio.create_task(self.rtds.listen(self.handle_frame, self._on_connected), name="rtds-feed")
        self._task.add_done_callback(_log_unexpected_end)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- consuming ---

    async def get(self) -> Trade:
        trade = await self._queue.get()
        FEED_QUEUE_DEPTH.set(self._queue.qsize())
        return trade

    async def trades(self) -> AsyncIterator[Trade]:
        while True:
            yield await self.get()

    def __aiter__(self) -> AsyncIterator[Trade]:
        return self.trades()

    # --- the reader side ---

    async def _on_connected(self, reconnect: bool) -> None:
        if self._newest is None:
            return  # nothing seen yet: nothing to fill
        self._gap = self._newest if self._gap is None else min(self._gap, self._newest)
        self._gap_due = self._monotonic() + self.gap_wait_seconds

    async def handle_frame(self, text: str) -> None:
        """Decode one RTDS frame, fill any open gap first, then queue its new trades."""
        frame = self.decode(text)
        if frame.rejects:  # one count per frame, however many of its items were bad
            self._malformed.record_rejects(frame.rejects, text)
        if frame.kind == "server_message":
            log.warning("rtds_server_message", message=frame.message)
        if self._gap is not None and (frame.trades or self._monotonic() >= self._gap_due):
            await self._backfill()
        for trade in frame.trades:
            await self.emit(trade)

    def _latest_trade_time(self) -> datetime:
        """The schema's time bound, read from the clock at most once a second: frames come in
        thousands a second, and a second's lag inside a minutes-long allowance changes nothing."""
        now = self._monotonic()
        if now >= self._not_after_due:
            self._not_after = self._horizon()
            self._not_after_due = now + HORIZON_REFRESH_SECONDS
        return self._not_after

    def decode(self, text: str) -> normalise.RtdsFrame:
        """The frame decoded against the trade schema. The decoder does not raise; were it ever
        to, the frame is a malformed one (counted, kept) and the connection stays."""
        try:
            return normalise.decode_rtds(text, not_after=self._latest_trade_time())
        except Exception as exc:
            log.exception("rtds_decoder_failed")
            reject = normalise.Reject("decoder_error", f"decoder failed: {type(exc).__name__}: {exc}"[:300], text)
            return normalise.RtdsFrame("malformed", rejects=(reject,))

    async def emit(self, trade: Trade) -> bool:
        """Queue `trade` unless already seen; waits while the queue is full."""
        source = trade.source.value
        if not self._dedup.add(trade.dedup_key):
            self.counts["duplicates"] += 1
            FEED_DUPLICATES.labels(source=source).inc()
            return False
        if self._newest is None or trade.timestamp > self._newest:
            self._newest = trade.timestamp
        self.counts["backfill" if trade.source is TradeSource.BACKFILL else "live"] += 1
        FEED_TRADES.labels(source=source).inc()
        FEED_LAG.set(max(0.0, (self._clock() - trade.timestamp).total_seconds()))
        if self._queue.full():
            started = self._monotonic()
            await self._queue.put(trade)
            waited = self._monotonic() - started
            self.blocked_seconds += waited
            FEED_BLOCKED_SECONDS.inc(waited)
        else:
            self._queue.put_nowait(trade)
        FEED_QUEUE_DEPTH.set(self._queue.qsize())
        return True

    async def _backfill(self) -> None:
        boundary = self._gap
        if boundary is None:
            return
        self._gap = None
        try:
            trades, complete = await self.fetch_since(boundary)
        except SourceError as exc:
            self._gap = boundary if self._gap is None else min(self._gap, boundary)
            self._gap_failures += 1
            self.counts["backfill_failures"] += 1
            delay = min(self.retry_max_seconds, self.retry_min_seconds * 2 ** (self._gap_failures - 1))
            self._gap_due = self._monotonic() + delay
            log.warning("backfill_failed", since=boundary.isoformat(), error=str(exc)[:200], retry_in=delay)
            return
        self._gap_failures = 0
        self.counts["backfills"] += 1
        emitted = 0
        for trade in trades:
            emitted += await self.emit(trade)
        log.info(
            "backfilled",
            since=boundary.isoformat(),
            fetched=len(trades),
            new=emitted,
            complete=complete,
        )

    async def fetch_since(self, boundary: datetime) -> tuple[list[Trade], bool]:
        """Every /trades row at or after `boundary` (minus the overlap), oldest first, and
        whether paging reached older rows (False: capped by max_pages, some may be missing)."""
        start = boundary.replace(microsecond=0) - timedelta(seconds=self.overlap_seconds)
        filtered = self.filter_usd > 0
        collected: list[Trade] = []
        complete = False
        for page_number in range(self.max_pages):
            page = await self.data_api.trades(
                taker_only=False,
                limit=self.page_size,
                offset=page_number * self.page_size,
                start=start,
                source=TradeSource.BACKFILL,
                filter_type="CASH" if filtered else None,
                filter_amount=self.filter_usd if filtered else None,
            )
            older = False
            for trade in page.trades:
                if trade.timestamp < start:
                    older = True
                else:
                    collected.append(trade)
            if older or page.rows < self.page_size:
                complete = True
                break
        if not complete:
            log.warning("backfill_truncated", since=start.isoformat(), pages=self.max_pages, rows=len(collected))
        collected.reverse()  # pages come newest first
        collected.sort(key=lambda t: t.timestamp)  # stable: keeps the server's order within a second
        return collected, complete
