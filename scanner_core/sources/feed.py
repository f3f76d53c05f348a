"""The trade feed: one async stream of normalised Trades that loses nothing and repeats nothing.

Live trades come from RTDS activity, types `trades` and `orders_matched` (a taker fill comes on
both: the dedup key makes it one Trade). After every reconnect or stall there is a gap: the
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

Watchdogs (a task while started), because RTDS goes deaf without closing the socket:
* no activity of any type for `silence_seconds` (PONGs still answered, #35): reconnect, which
  backfills like any reconnect;
* one type silent for `type_silence_seconds` while another flows (`trades`, March 2026): logged,
  counted in scanner_rtds_silences_total{type}, shown as `problem` (the feed is degraded on
  /health); the type is resubscribed, then the connection renewed at growing intervals, and
  every interval /trades fills what the silent type carried (maker rows come on `trades` only);
* optionally a reconnect every `reconnect_every_seconds` (0: off), backfilled the same way.
Time the reader spends waiting on the consumer (a full queue) or on a backfill is not silence.

`on_emit` sees every trade the feed hands on (the feed watermark tracks them until the pipeline
has handled them), and `unseen_from` says from when trades may still be missing (an open gap).

Every frame is decoded against the trade schema (normalise.py; its time bound is this feed's
clock plus POLYSCAN_TRADE_MAX_FUTURE_SECONDS): refused items are counted, logged and quarantined,
the frame's good trades still go on, and nothing a frame holds can drop the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from scanner_core import normalise
from scanner_core.alerter import format_duration
from scanner_core.config import FeedSettings
from scanner_core.logs import get_logger
from scanner_core.metrics import (
    FEED_BLOCKED_SECONDS,
    FEED_DUPLICATES,
    FEED_LAG,
    FEED_QUEUE_DEPTH,
    FEED_TRADES,
    RTDS_SILENCES,
)
from scanner_core.models import Trade, TradeSource, now_utc
from scanner_core.quarantine import QuarantineSink
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.errors import MalformedLog, SourceError
from scanner_core.sources.horizon import TradeHorizon
from scanner_core.sources.rtds import RtdsStream

log = get_logger("sources.feed")
# A silent type's trades are fetched from a little before it was last heard: frames arrive a few
# seconds after their fills, so the last frame's time is later than the last fill it carried.
SILENCE_BACKFILL_MARGIN = timedelta(seconds=10)
MAX_RECONNECT_SPACING = 64  # a type silent for days: renew the connection at most every 64 intervals
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


@dataclass(slots=True)
class _Silence:
    """One activity type silent while another flows: since when, and what was done about it."""

    last_heard: float  # monotonic: its last frame (or the feed's first connection)
    covered: float  # monotonic: up to when /trades has been asked for what it carried
    actions: int = 0  # resubscribes and reconnects so far
    next_reconnect: int = 2  # the action that renews the connection next (2, 4, 8, ...)
    next_at: float = 0.0


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
        silence_seconds: float = 30.0,
        type_silence_seconds: float = 60.0,
        reconnect_every_seconds: float = 0.0,
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
        self._backfilling: datetime | None = None  # boundary of the backfill in progress
        self._task: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self.counts = {"live": 0, "backfill": 0, "duplicates": 0, "backfills": 0, "backfill_failures": 0}
        self.blocked_seconds = 0.0
        self.silence_seconds = silence_seconds
        self.type_silence_seconds = type_silence_seconds
        self.reconnect_every_seconds = reconnect_every_seconds
        self._heard: dict[str, float] = {}  # activity type -> monotonic time of its last frame
        self._silences: dict[str, _Silence] = {}
        self._first_connected: float | None = None
        self._connected_at: float | None = None
        self._busy = 0  # > 0 while the reader waits on a backfill, not on the socket
        self._resumed_at = 0.0  # when the reader last came back from such a wait
        self.on_emit: Callable[[Trade], None] | None = None

    @classmethod
    def from_settings(
        cls, settings: FeedSettings, rtds: RtdsStream, data_api: DataApiClient, quarantine: QuarantineSink | None = None
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
            silence_seconds=s.rtds_silence_seconds,
            type_silence_seconds=s.rtds_type_silence_seconds,
            reconnect_every_seconds=s.rtds_reconnect_every_seconds,
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

    @property
    def problem(self) -> str | None:
        """What makes the feed degraded while it still delivers (an activity type gone silent)."""
        if not self._silences:
            return None
        now = self._monotonic()
        parts = []
        for kind, silence in sorted(self._silences.items()):
            flowing = self._flowing(now, besides=kind)
            others = (
                f"{' and '.join(flowing)} {'flows' if len(flowing) == 1 else 'flow'}" if flowing else "nothing flows"
            )
            done = "resubscribed" if silence.actions < 2 else "resubscribed and reconnected"
            parts.append(
                f"activity/{kind} silent for {format_duration(now - silence.last_heard)} while {others} "
                f"({done}; its trades come from the Data API meanwhile)"
            )
        return "; ".join(parts)

    @property
    def unseen_from(self) -> datetime | None:
        """From when trades may be missing: an open gap or a backfill in progress (minus the
        overlap it re-fetches); None when everything up to the newest trade has been seen."""
        bounds = [b for b in (self._gap, self._backfilling) if b is not None]
        return min(bounds) - timedelta(seconds=self.overlap_seconds) if bounds else None

    # --- lifecycle ---

    async def start(self, since: datetime | None = None) -> None:
        """Start reading. `since` (the saved feed watermark minus its overlap) makes the first
        connection backfill from there, so a restart loses nothing either."""
        if self._task is not None:
            return
        if since is not None:
            self._newest = since
        self._task = asyncio.create_task(self.rtds.listen(self.handle_frame, self._on_connected), name="rtds-feed")
        self._task.add_done_callback(_log_unexpected_end)
        self._watchdog = asyncio.create_task(self._watch(), name="rtds-watchdog")
        self._watchdog.add_done_callback(_log_unexpected_end)

    async def stop(self) -> None:
        for task in (self._watchdog, self._task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._watchdog = None

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
        now = self._monotonic()
        self._connected_at = now
        if self._first_connected is None:
            self._first_connected = now
        if self._newest is None:
            return  # nothing seen yet: nothing to fill
        self._open_gap(self._newest, now + self.gap_wait_seconds)

    def _open_gap(self, boundary: datetime, due: float) -> None:
        if self._gap is None:
            self._gap, self._gap_due = boundary, due
        else:
            self._gap, self._gap_due = min(self._gap, boundary), min(self._gap_due, due)

    async def handle_frame(self, text: str) -> None:
        """Decode one RTDS frame, fill any open gap first, then queue its new trades."""
        frame = self.decode(text)
        if frame.types:
            heard = self._monotonic()
            for kind in frame.types:
                self._heard[kind] = heard
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
        if self.on_emit is not None:
            self.on_emit(trade)
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

    def _resume(self) -> None:
        self._busy -= 1
        self._resumed_at = self._monotonic()

    async def _backfill(self) -> None:
        boundary = self._gap
        if boundary is None:
            return
        self._gap = None
        self._backfilling = boundary  # until its trades are handed on, they are not "seen"
        try:
            self._busy += 1
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
            finally:
                self._resume()
            self._gap_failures = 0
            self.counts["backfills"] += 1
            emitted = 0
            for trade in trades:
                emitted += await self.emit(trade)
        finally:
            self._backfilling = None
        log.info(
            "backfilled",
            since=boundary.isoformat(),
            fetched=len(trades),
            new=emitted,
            complete=complete,
        )

    # --- watchdogs ---

    def _tick(self) -> float:
        spans = [self.silence_seconds, self.type_silence_seconds]
        if self.reconnect_every_seconds > 0:
            spans.append(self.reconnect_every_seconds)
        return min(5.0, max(0.02, min(spans) / 5))

    async def _watch(self) -> None:
        tick = self._tick()
        while True:
            await asyncio.sleep(tick)
            try:
                await self.check_stream()
            except Exception:  # the watchdog must outlive any one failure
                log.exception("feed_watchdog_failed")

    def _flowing(self, now: float, besides: str) -> list[str]:
        """The other activity types heard within the last `type_silence_seconds`."""
        return [
            kind
            for kind in self.rtds.trade_types
            if kind != besides and now - self._heard.get(kind, -math.inf) <= self.type_silence_seconds
        ]

    async def check_stream(self) -> None:
        """One look at the open connection: renew it when due or deaf; handle per-type silences."""
        now = self._monotonic()
        connected_at = self._connected_at
        if self._busy or self._queue.full():  # waiting on a backfill or the consumer, not the socket:
            self._resumed_at = now  # silence proves nothing now, and counts only from here
            return
        if not self.rtds.connected or connected_at is None:
            return
        if self.reconnect_every_seconds > 0 and now - connected_at >= self.reconnect_every_seconds:
            log.info("rtds_scheduled_reconnect", after_seconds=round(now - connected_at, 1))
            await self.rtds.request_reconnect("scheduled")
            return
        types = self.rtds.trade_types
        listening_since = max(connected_at, self._resumed_at)
        last_heard = max([self._heard.get(kind, -math.inf) for kind in types] + [listening_since])
        if types and now - last_heard > self.silence_seconds:
            RTDS_SILENCES.labels(type="all").inc()
            log.warning("rtds_silent", silent_seconds=round(now - last_heard, 1), types=list(types))
            await self.rtds.request_reconnect("silent")
            return
        for kind in types:
            await self._check_type(kind, now)

    async def _check_type(self, kind: str, now: float) -> None:
        heard = self._heard.get(kind)
        silence = self._silences.get(kind)
        if silence is not None:
            if heard is not None and heard > silence.last_heard:
                del self._silences[kind]
                log.info("rtds_type_recovered", type=kind, silent_seconds=round(heard - silence.last_heard, 1))
            elif now >= silence.next_at:
                await self._act_on_silence(kind, silence, now)
            return
        assert self._first_connected is not None  # set by the first _on_connected
        last = heard if heard is not None else self._first_connected
        if now - max(last, self._resumed_at) <= self.type_silence_seconds:
            return
        flowing = self._flowing(now, besides=kind)
        if not flowing:
            return  # nothing flows at all: the whole-stream watchdog's case
        silence = _Silence(last_heard=last, covered=last)
        self._silences[kind] = silence
        RTDS_SILENCES.labels(type=kind).inc()
        log.warning("rtds_type_silent", type=kind, silent_seconds=round(now - last, 1), flowing=flowing)
        await self._act_on_silence(kind, silence, now)

    async def _act_on_silence(self, kind: str, silence: _Silence, now: float) -> None:
        """Fetch what the silent type carried since last time, then resubscribe it (first) or
        renew the connection (at growing intervals, as a type can stay silent for days)."""
        # on the trades' own timeline (what /trades filters on): the newest trade minus the time since
        newest = self._newest or self._clock()
        since = newest - timedelta(seconds=now - silence.covered) - SILENCE_BACKFILL_MARGIN
        self._open_gap(since, now)  # filled before the next frame's trades, like any gap
        silence.covered = now
        silence.actions += 1
        silence.next_at = now + self.type_silence_seconds
        if silence.actions == 1:
            sent = await self.rtds.resubscribe([kind])
            log.info("rtds_resubscribed", type=kind, sent=sent)
        elif silence.actions >= silence.next_reconnect:
            silence.next_reconnect = min(silence.next_reconnect * 2, silence.actions + MAX_RECONNECT_SPACING)
            await self.rtds.request_reconnect("type_silent")

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
