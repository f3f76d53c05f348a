"""The pipeline: feed -> filter -> enrich -> detect -> score -> persist -> publish.

The only place the stages are wired together. Stateful steps (rolling state, follow-ups, floor,
exclusions) run in feed order; each trade that may alert is then enriched concurrently (market,
wallet profile, book) while later trades keep flowing, and a bounded in-order window takes the
results, so output is deterministic and the lookups of many trades overlap. Detection works on
the frozen RollingView taken when the trade was observed: no later trade leaks into it.

Trades at or above POLYSCAN_MIN_TRADE_USD are stored in batches by a writer task; alerts are
stored (deduplicated by key) before they are published, so a replay or a restart never alerts
twice.

Failures stay where they happen (scanner_core/storage.py): a batch the database refuses for its
data is split until the bad rows stand alone, the good rows are stored (and alerts published)
and the bad ones go to the quarantine table; while the database is unavailable, trades and
alerts wait (bounded) and are retried with backoff, the writer shows DEGRADED in /health and the
admin chat hears once. A trade whose detection fails loses its own alert only.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from scanner_core import filters
from scanner_core.alerts import build_follow_up_alert, build_trade_alert
from scanner_core.bus import AlertBus
from scanner_core.context import FollowUpTracker, RollingView, ScanState, build_context
from scanner_core.detectors import run_detectors
from scanner_core.detectors.params import DetectorParams
from scanner_core.funding.models import FundingContext
from scanner_core.health import HealthRegistry
from scanner_core.logs import get_logger
from scanner_core.metrics import (
    ALERTS_GENERATED,
    QUEUE_DEPTH,
    ROWS_REJECTED,
    SIGNALS_FIRED,
    STAGE_LATENCY,
    STORE_DROPPED,
    TRADES_FILTERED,
    TRADES_RECEIVED,
    TRADES_STORED,
)
from scanner_core.models import Alert, Market, OrderBookSummary, Trade, WalletProfile
from scanner_core.quarantine import Quarantine
from scanner_core.scoring import ScoringParams, score
from scanner_core.storage import ALERT_WRITER, TRADE_WRITER, WriterHealth, write_isolated
from scanner_core.stores import CoreStores, RowRefused

log = get_logger("pipeline")
# a trade's wallet is judged by what it did before this trade (its "earlier trades", its age)
JUST_BEFORE = timedelta(microseconds=1)
EMIT_BATCH = 256  # alerts of up to this many enriched trades are stored in one round trip
MAX_PENDING_ALERTS = 10_000  # alerts kept for retry while the database is unavailable


class Enricher(Protocol):
    """What enrich needs: market, wallet profile and book as of a trade (None when unknown)."""

    async def market(self, trade: Trade) -> Market | None: ...

    async def wallet(self, trade: Trade) -> WalletProfile | None: ...

    async def book(self, trade: Trade) -> OrderBookSummary | None: ...


class FundingEnricher(Protocol):
    """The wallet's on-chain funding, siblings and their bets as of a trade, from what was
    already traced (never a chain call on this path); None when nothing is known."""

    async def funding(self, trade: Trade) -> FundingContext | None: ...


Enriched = tuple[Market | None, WalletProfile | None, OrderBookSummary | None, FundingContext | None]


@dataclass(slots=True)
class PipelineStats:
    received: int = 0
    stored: int = 0
    filtered: Counter[str] = field(default_factory=Counter)
    alerts_by_kind: Counter[str] = field(default_factory=Counter)
    alerts_by_severity: Counter[str] = field(default_factory=Counter)
    alerts_by_signal: Counter[str] = field(default_factory=Counter)
    wallet_alerts: Counter[str] = field(default_factory=Counter)
    wallet_volume: Counter[str] = field(default_factory=Counter)
    duplicate_alerts: int = 0
    enrich_errors: int = 0
    detect_errors: int = 0
    refused_trades: int = 0
    refused_alerts: int = 0


@dataclass(frozen=True, slots=True)
class _Pending:
    trade: Trade
    rolling: RollingView | None
    enriched: asyncio.Task[Enriched] | None


class Pipeline:
    def __init__(
        self,
        *,
        repos: CoreStores,
        enricher: Enricher,
        bus: AlertBus,
        detector_params: DetectorParams,
        scoring_params: ScoringParams,
        clock: Callable[[], datetime],
        replay: bool = False,
        window: int = 512,
        batch_size: int = 500,
        flush_seconds: float = 0.2,
        on_trades_stored: Callable[[list[Trade]], Awaitable[None]] | None = None,
        funding: FundingEnricher | None = None,
        on_trade_not_stored: Callable[[Trade], None] | None = None,
        quarantine: Quarantine | None = None,
        health: HealthRegistry | None = None,
        retry_max_seconds: float = 30.0,
        degraded_after_seconds: float = 30.0,
        max_pending_trades: int = 100_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repos = repos
        self.enricher = enricher
        self.funding = funding
        self.bus = bus
        self.dp = detector_params
        self.sp = scoring_params
        self.clock = clock
        self.replay = replay  # the clock is the trades' own time
        self.state = ScanState(detector_params)
        self.followups = FollowUpTracker(detector_params)
        self.stats = PipelineStats()
        self._window: asyncio.Queue[_Pending] = asyncio.Queue(maxsize=window)
        self._batch: list[Trade] = []
        self._batch_size = batch_size
        self._flush_seconds = flush_seconds
        self._flush_lock = asyncio.Lock()
        self._on_trades_stored = on_trades_stored
        self._on_trade_not_stored = on_trade_not_stored  # below the floor: handled, nothing to store
        self.drain_timeout = 10.0
        self.quarantine = quarantine
        self._max_pending_trades = max_pending_trades
        self._alerts_pending: list[Alert] = []
        self._alert_lock = asyncio.Lock()

        def writer(name: str) -> WriterHealth:
            return WriterHealth(
                name,
                health=health,
                retry_min_seconds=flush_seconds,
                retry_max_seconds=retry_max_seconds,
                degraded_after_seconds=degraded_after_seconds,
                monotonic=monotonic,
            )

        self.trade_writer = writer(TRADE_WRITER)
        self.alert_writer = writer(ALERT_WRITER)

    @property
    def pending_trades(self) -> int:
        """Trades waiting to be stored (more than a batch only while the database is unavailable)."""
        return len(self._batch)

    # ---------------------------------------------------------------- running

    async def run(self, trades: AsyncIterable[Trade]) -> PipelineStats:
        """Process every trade of `trades` (until it ends or the task is cancelled)."""
        emitter = asyncio.create_task(self._emit_loop(), name="pipeline-emit")
        flusher = asyncio.create_task(self._flush_loop(), name="pipeline-flush")
        try:
            async for trade in trades:
                await self._admit(trade)
            await self._window.join()
        finally:
            await self._stop_workers(emitter, flusher)
            # alerts of trades already admitted still go out, within a bound on shutdown
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drain_window(), self.drain_timeout)
            await self.flush(force=True)
            await self._publish([], force=True)
        return self.stats

    async def _stop_workers(self, *workers: asyncio.Task[None]) -> None:
        """Cancel the emitter and the flusher between writes, never inside one (a write cut short
        is stored but neither counted nor published); a write that hangs is waited for at most
        drain_timeout."""

        async def between_writes() -> None:
            async with self._flush_lock, self._alert_lock:
                for worker in workers:
                    worker.cancel()

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(between_writes(), self.drain_timeout)
        for worker in workers:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def _admit(self, trade: Trade) -> None:
        """The ordered, stateful steps for one trade; starts its enrichment if it may alert."""
        started = time.perf_counter()
        TRADES_RECEIVED.inc()
        self.stats.received += 1
        excluded = filters.excluded_market(trade, None, self.dp)
        rolling = None if excluded else self.state.observe(trade)
        reason = filters.below_floor(trade, rolling, self.dp)
        task = None
        if reason is None:
            await self._store(trade)
            reason = excluded or filters.extreme_price(trade, self.dp)
            if reason is None:
                task = asyncio.create_task(self._enrich(trade))
        elif self._on_trade_not_stored is not None:
            self._on_trade_not_stored(trade)
        if reason is not None:
            TRADES_FILTERED.labels(reason).inc()
            self.stats.filtered[reason] += 1
        STAGE_LATENCY.labels("admit").observe(time.perf_counter() - started)
        # every trade passes the in-order window: follow-ups are judged there, after the alerts of
        # all earlier trades, so a replay gives the same follow-ups however fast lookups answer
        await self._window.put(_Pending(trade, rolling, task))
        QUEUE_DEPTH.labels("enrich").set(self._window.qsize())

    async def _enrich(self, trade: Trade) -> Enriched:
        started = time.perf_counter()
        try:
            market, wallet, book, funding = await asyncio.gather(
                self.enricher.market(trade),
                self.enricher.wallet(trade),
                self.enricher.book(trade),
                self._funding(trade),
            )
        except Exception as exc:  # one trade's enrichment failing must not stop the stream
            self.stats.enrich_errors += 1
            log.warning("enrich_failed", wallet=trade.wallet, error=f"{type(exc).__name__}: {exc}"[:200])
            return None, None, None, None
        STAGE_LATENCY.labels("enrich").observe(time.perf_counter() - started)
        return market, wallet, book, funding

    async def _funding(self, trade: Trade) -> FundingContext | None:
        if self.funding is None:
            return None
        try:
            return await self.funding.funding(trade)
        except Exception as exc:  # funding is extra: its failure costs the trade nothing else
            log.warning("funding_enrich_failed", wallet=trade.wallet, error=f"{type(exc).__name__}: {exc}"[:200])
            return None

    async def _emit_loop(self) -> None:
        carry: _Pending | None = None
        while True:
            first = carry or await self._window.get()
            carry = None
            batch = [first]
            # take what is already enriched, in order; stop at the first lookup still running
            while len(batch) < EMIT_BATCH and not self._window.empty():
                nxt = self._window.get_nowait()
                if nxt.enriched is not None and not nxt.enriched.done():
                    carry = nxt
                    break
                batch.append(nxt)
            try:
                await self._emit(batch)
            except Exception:  # an emit failure (e.g. the database blipped) loses these alerts only
                log.exception("emit_failed", trades=len(batch))
            finally:
                for _ in batch:
                    self._window.task_done()
                QUEUE_DEPTH.labels("enrich").set(self._window.qsize())

    async def _drain_window(self) -> None:
        batch = []
        while not self._window.empty():
            batch.append(self._window.get_nowait())
        try:
            await self._emit(batch)
        finally:
            for _ in batch:
                self._window.task_done()

    async def _emit(self, batch: list[_Pending]) -> None:
        candidates: list[Alert] = []
        for pending in batch:
            try:
                candidates.extend(await self._judge(pending))
            except Exception:  # a bug on one trade loses that trade's alerts, never its neighbours'
                self.stats.detect_errors += 1
                log.exception("detect_failed", wallet=pending.trade.wallet, trade=pending.trade.dedup_key)
        if candidates:
            await self._publish(candidates)

    async def _judge(self, pending: _Pending) -> list[Alert]:
        """The follow-ups this trade completes, then its own alert (if it deserves one)."""
        trade = pending.trade
        found = [
            build_follow_up_alert(original, signal, self.dp, self.sp, created_at=self._now(trade))
            for original, signal in self.followups.observe(trade)
        ]
        alert = await self._evaluate(pending)
        if alert is not None:
            found.append(alert)
            self.followups.watch(alert)
        return found

    async def _evaluate(self, pending: _Pending) -> Alert | None:
        """Detect and score one enriched trade; the alert it deserves, if any (not yet stored)."""
        if pending.enriched is None:
            return None
        market, wallet, book, funding = await pending.enriched
        started = time.perf_counter()
        trade = pending.trade
        if filters.excluded_market(trade, market, self.dp):
            TRADES_FILTERED.labels(filters.EXCLUDED_MARKET).inc()
            self.stats.filtered[filters.EXCLUDED_MARKET] += 1
            return None
        mm = filters.market_maker(wallet, self.dp)
        if mm is not None:
            TRADES_FILTERED.labels(mm).inc()
            self.stats.filtered[mm] += 1
        price_before = book.mid if book is not None else None
        ctx = build_context(
            trade, pending.rolling, market=market, wallet=wallet, book=book, price_before=price_before, funding=funding
        )
        signals = run_detectors(trade, ctx, self.dp)
        STAGE_LATENCY.labels("detect").observe(time.perf_counter() - started)
        if not signals:
            return None
        for signal in signals:
            SIGNALS_FIRED.labels(signal.kind.value).inc()
        result = score(signals, self.sp)
        if not result.should_alert:
            return None
        return build_trade_alert(trade, ctx, result, signals, self.dp, created_at=self._now(trade))

    async def _publish(self, alerts: list[Alert], *, force: bool = False) -> None:
        """Store alerts in one round trip (repeats of stored keys are dropped), then publish the new.

        Alerts the database refuses go to the quarantine, one by one, and the others still go out;
        while the database is unavailable they wait (with the ones still waiting from before).
        """
        async with self._alert_lock:
            batch, self._alerts_pending = [*self._alerts_pending, *alerts], []
            if not batch:
                return
            if not (force or self.alert_writer.due()):
                self._keep_alerts(batch)
                return
            started = time.perf_counter()
            outcome = await write_isolated(batch, self.repos.alerts.save_alerts)
            STAGE_LATENCY.labels("persist_alert").observe(time.perf_counter() - started)
            fresh = [alert for stored in outcome.results for alert in stored]
            self.stats.duplicate_alerts += len(outcome.stored) - len(fresh)
            for alert, error in outcome.refused:
                self.stats.refused_alerts += 1
                self._refused(ALERT_WRITER, alert, error, alert.dedup_key)
            if outcome.error is not None:
                self._keep_alerts(outcome.unwritten)
                self.alert_writer.failed(outcome.error, len(self._alerts_pending), "alerts")
            else:
                self.alert_writer.succeeded()
        for stored in fresh:
            ALERTS_GENERATED.labels(stored.severity.value).inc()
            self.stats.alerts_by_kind[stored.kind.value] += 1
            self.stats.alerts_by_severity[stored.severity.value] += 1
            for kind in stored.signal_kinds:
                self.stats.alerts_by_signal[kind] += 1
            if stored.wallet_address:
                self.stats.wallet_alerts[stored.wallet_address] += 1
            self.bus.publish(stored)

    def _keep_alerts(self, alerts: list[Alert]) -> None:
        excess = len(alerts) - MAX_PENDING_ALERTS
        if excess > 0:
            STORE_DROPPED.labels("alert").inc(excess)
            log.error("alerts_dropped", dropped=excess, reason="database unavailable too long")
            alerts = alerts[excess:]
        self._alerts_pending = alerts

    def _refused(self, writer: str, item: Trade | Alert, error: RowRefused, key: str) -> None:
        """A row the database refused: counted, logged and kept in the quarantine."""
        ROWS_REJECTED.labels(source=writer, reason="db_refused").inc()
        log.warning(f"{writer}_row_refused", key=key, error=str(error)[:300])
        if self.quarantine is not None:
            self.quarantine.add(writer, "db_refused", str(error), item)

    def _now(self, trade: Trade) -> datetime:
        return trade.timestamp if self.replay else self.clock()

    # ---------------------------------------------------------------- persistence

    async def _store(self, trade: Trade) -> None:
        self._batch.append(trade)
        self.stats.wallet_volume[trade.wallet] += int(trade.usd)
        excess = len(self._batch) - self._max_pending_trades
        # the database has been unavailable for long: the oldest give way (never while a write of
        # the batch's head is under way: it removes what it wrote by position afterwards)
        if excess > 0 and not self._flush_lock.locked():
            excess += self._max_pending_trades // 10  # in bulk, not one at a time
            del self._batch[:excess]
            STORE_DROPPED.labels("trade").inc(excess)
            log.error("trades_dropped", dropped=excess, reason="database unavailable too long")
        if len(self._batch) >= self._batch_size:
            await self.flush()

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            try:
                await self.flush()
                if self._alerts_pending:
                    await self._publish([])
            except Exception:  # the writer must outlive any one failure
                log.exception("flush_failed")

    async def flush(self, *, force: bool = False) -> None:
        """Write the buffered trades (in batches of batch_size) and fold them into wallet stats;
        then the quarantine. While backing off after an outage, only `force` (shutdown) tries."""
        async with self._flush_lock:
            await self._write_trades(force)
            if self.quarantine is not None and not self.trade_writer.failing:
                await self.quarantine.flush()

    async def _write_trades(self, force: bool) -> None:
        while self._batch and (force or self.trade_writer.due()):
            chunk = self._batch[: self._batch_size]
            started = time.perf_counter()
            outcome = await write_isolated(chunk, self._save_trades)
            del self._batch[: len(chunk) - len(outcome.unwritten)]  # trades added meanwhile stay
            new = sum(outcome.results)
            TRADES_STORED.inc(new)
            self.stats.stored += new
            for trade, error in outcome.refused:
                self.stats.refused_trades += 1
                self._refused(TRADE_WRITER, trade, error, trade.dedup_key)
                if self._on_trade_not_stored is not None:  # quarantined: handled, the feed may move on
                    self._on_trade_not_stored(trade)
            if outcome.error is not None:
                self.trade_writer.failed(outcome.error, len(self._batch), "trades")
                return
            self.trade_writer.succeeded()
            STAGE_LATENCY.labels("persist_trades").observe(time.perf_counter() - started)
            if outcome.stored and self._on_trades_stored is not None:
                try:
                    await self._on_trades_stored(outcome.stored)
                except Exception:  # what follows storage (profiles, books) must not stop storing
                    log.exception("after_store_failed", trades=len(outcome.stored))

    async def _save_trades(self, trades: Sequence[Trade]) -> int:
        new = await self.repos.trades.save_trades(trades)
        await self.repos.wallets.update_stats(trades, self._now(trades[-1]))
        return new


class ServiceEnricher:
    """Enrichment through MarketService and WalletService (each cached and resilient)."""

    def __init__(
        self,
        markets: MarketLookupWithBook,
        wallets: WalletLookupAsOf,
        *,
        live_books: bool = True,
    ) -> None:
        self.markets = markets
        self.wallets = wallets
        self.live_books = live_books

    async def market(self, trade: Trade) -> Market | None:
        return await self.markets.get_market(trade.condition_id, as_of=trade.timestamp)

    async def wallet(self, trade: Trade) -> WalletProfile | None:
        return await self.wallets.profile_as_of(trade.wallet, trade.timestamp - JUST_BEFORE)

    async def book(self, trade: Trade) -> OrderBookSummary | None:
        # a book is today's state: only for a trade happening now
        if not self.live_books or self.markets.is_historical(trade.timestamp):
            return None
        return await self.markets.get_book(trade.token_id)


class StoredEnricher:
    """Enrichment without Polymarket (offline replays): what our database knows. Wallets are
    judged from their stored histories as of each trade (an offline WalletService); a wallet
    without one is unknown, never new."""

    def __init__(self, repos: CoreStores, wallets: WalletLookupAsOf | None = None) -> None:
        self.repos = repos
        self.wallets = wallets

    async def market(self, trade: Trade) -> Market | None:
        return await self.repos.markets.get(trade.condition_id)

    async def wallet(self, trade: Trade) -> WalletProfile | None:
        if self.wallets is None:
            return None
        return await self.wallets.profile_as_of(trade.wallet, trade.timestamp - JUST_BEFORE)

    async def book(self, trade: Trade) -> OrderBookSummary | None:
        return None


class MarketLookupWithBook(Protocol):
    def is_historical(self, as_of: datetime | None) -> bool: ...

    async def get_market(self, ref: str, *, as_of: datetime | None = None) -> Market | None: ...

    async def get_book(self, token_id: str) -> OrderBookSummary | None: ...


class WalletLookupAsOf(Protocol):
    """scanner_core.wallets.WalletService: the wallet as known at a moment (None: unknown)."""

    async def profile_as_of(self, address: str, moment: datetime) -> WalletProfile | None: ...
