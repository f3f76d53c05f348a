"""The funding tracer as a background worker: cost control and follow-ups.

Only wallets that matter are traced: the wallet of every trade alert, the other wallets of a
cluster it names, and wallets someone follows. Requests wait in a bounded queue (a full queue drops
the request, counted and logged: tracing is worth less than a responsive scanner) and a few workers
trace them, a burst of wallets together, each trace cached for funding_trace_ttl_hours. The worker
is fed from the alert bus after alerts are stored and published, so it never delays enrichment or
delivery.

When a trace of an alerted trade's wallet finds siblings that bet the same way, and the alert did
not already say so, a follow-up alert is stored and published like every alert, under its own
dedup key ("linked:" + the fill), so it is never sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scanner_core.alerts import build_linked_alert
from scanner_core.bus import AlertBus, Subscription
from scanner_core.context import build_context
from scanner_core.detectors.linked_wallets import detect_linked_wallets
from scanner_core.detectors.params import DetectorParams
from scanner_core.funding.service import FundingService
from scanner_core.logs import get_logger
from scanner_core.metrics import ERRORS
from scanner_core.models import Alert, AlertKind, SignalKind, is_address
from scanner_core.scoring import ScoringParams

log = get_logger("funding.worker")
Publish = Callable[[Alert], Awaitable[object]]
BATCH_SIZE = 50  # queued wallets a worker traces together
FirstSeen = Callable[[str], Awaitable[datetime | None]]


@dataclass(frozen=True, slots=True)
class TraceRequest:
    wallet: str
    first_activity: datetime | None = None
    alert: Alert | None = None  # a trade alert to follow up when the trace links its wallet


def first_activity_of(alert: Alert) -> datetime | None:
    """The wallet's first Polymarket activity as its alert saw it (the trade time minus its age)."""
    if alert.trade is None or alert.wallet is None or alert.wallet.age_days is None:
        return None
    return alert.trade.timestamp - timedelta(days=alert.wallet.age_days)


def cluster_wallets(alert: Alert) -> list[str]:
    for sig in alert.signals:
        if sig.kind is SignalKind.CLUSTER:
            others = str(sig.evidence.get("others", ""))
            return [w for w in others.split(",") if is_address(w)]
    return []


class FundingWorker:
    def __init__(
        self,
        service: FundingService,
        *,
        publish: Publish,
        detector_params: DetectorParams,
        scoring_params: ScoringParams,
        clock: Callable[[], datetime],
        bus: AlertBus | None = None,
        queue_size: int = 1000,
        workers: int = 4,
        first_seen: FirstSeen | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.service = service
        self.publish = publish
        self.dp = detector_params
        self.sp = scoring_params
        self.clock = clock
        self.bus = bus
        self.first_seen = first_seen
        self.workers = workers
        self.batch_size = batch_size
        self.queue: asyncio.Queue[TraceRequest] = asyncio.Queue(maxsize=queue_size)
        self.stats: Counter[str] = Counter()
        self._pending: set[tuple[str, str]] = set()
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ feeding

    def submit(self, wallet: str, *, first_activity: datetime | None = None, alert: Alert | None = None) -> bool:
        """Queue a trace; False when it is queued already or the queue is full (counted)."""
        if not self.service.enabled or not is_address(wallet):
            return False
        key = (wallet.lower(), alert.dedup_key if alert is not None else "")
        if key in self._pending:
            self.stats["duplicate"] += 1
            return False
        try:
            self.queue.put_nowait(TraceRequest(wallet.lower(), first_activity, alert))
        except asyncio.QueueFull:
            self.stats["dropped"] += 1
            log.warning("funding_queue_full", wallet=wallet, queued=self.queue.qsize())
            return False
        self._pending.add(key)
        self.stats["queued"] += 1
        return True

    def follow(self, wallet: str) -> None:
        """A wallet someone follows (/follow)."""
        self.submit(wallet)

    def on_alert(self, alert: Alert) -> None:
        """A stored alert: trace its wallet (and a cluster's other wallets)."""
        if alert.kind is not AlertKind.TRADE or alert.trade is None:
            return
        trade = alert.trade
        linked = SignalKind.LINKED_WALLETS.value in alert.signal_kinds
        self.submit(trade.wallet, first_activity=first_activity_of(alert), alert=None if linked else alert)
        for other in cluster_wallets(alert):
            self.submit(other, first_activity=None)

    # ------------------------------------------------------------------ running

    async def start(self) -> None:
        if self.bus is not None:
            self._subscription = self.bus.subscribe("funding")
            self._tasks.append(asyncio.create_task(self._feed(self._subscription), name="funding-feed"))
        for i in range(self.workers):
            self._tasks.append(asyncio.create_task(self._work(), name=f"funding-{i}"))

    async def stop(self) -> None:
        if self._subscription is not None and self.bus is not None:
            self.bus.unsubscribe(self._subscription)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def drain(self) -> None:
        """Wait until every queued request is handled (benches and tests)."""
        await self.queue.join()

    async def _feed(self, subscription: Subscription) -> None:
        async for alert in subscription:
            self.on_alert(alert)

    async def _work(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.batch_size and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                await self.handle_many(batch)
            except asyncio.CancelledError:
                raise
            except Exception:  # a batch's trace failing must not stop the worker
                ERRORS.labels("funding").inc()
                self.stats["errors"] += len(batch)
                log.exception("funding_request_failed", wallets=[r.wallet for r in batch][:5])
            finally:
                for request in batch:
                    self._pending.discard((request.wallet, request.alert.dedup_key if request.alert else ""))
                    self.queue.task_done()

    async def handle_many(self, requests: list[TraceRequest]) -> list[Alert | None]:
        """Trace the requests' wallets together; the follow-up alert each published, if any."""
        anchors = []
        for request in requests:
            first = request.first_activity
            if first is None and self.first_seen is not None:
                first = await self.first_seen(request.wallet)
            anchors.append((request.wallet, first))
        results = await self.service.trace_many(anchors)
        out: list[Alert | None] = []
        for request, result in zip(requests, results, strict=True):
            self.stats[f"trace_{result.status}"] += 1
            if request.alert is None or result.status in ("failed", "off"):
                out.append(None)
                continue
            out.append(await self._follow_up(request.alert))
        return out

    async def _follow_up(self, alert: Alert) -> Alert | None:
        trade = alert.trade
        if trade is None:
            return None
        now = self.clock()
        funding = await self.service.context(trade, until=max(now, trade.timestamp))
        if funding is None:
            return None
        found = detect_linked_wallets(trade, build_context(trade, funding=funding), self.dp)
        if found is None:
            return None
        follow = build_linked_alert(alert, found, self.sp, created_at=now)
        await self.publish(follow)
        self.stats["follow_ups"] += 1
        log.info(
            "linked_wallets_follow_up",
            wallet=trade.wallet,
            alert=alert.dedup_key,
            wallets=found.evidence.get("wallets"),
        )
        return follow


__all__ = ["FundingWorker", "TraceRequest", "cluster_wallets", "first_activity_of"]
