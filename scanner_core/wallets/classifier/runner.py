"""Scan many wallets: fetch lazily, classify, store in batches, announce new TARGETs.

Each wallet's history is deepened stage by stage through the WalletService (the one fetcher and
the stored histories): first its cheapest part (markets traded, latest activity), then its
positions, and stage 1 runs on each; only survivors get their activity fetched for stages 2 and 3. A bounded
number of wallets are in flight (`concurrency`), queues are bounded and results are written in
batches, so memory stays flat however many wallets a run has.
A wallet whose data cannot be fetched is counted and logged, never stored as a verdict.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import Counter
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from scanner_core.config import Settings
from scanner_core.logs import get_logger
from scanner_core.metrics import WALLETS_CLASSIFIED, WALLETSCAN_FAILED, WALLETSCAN_SKIPPED
from scanner_core.models import Alert, DomainError, WalletClass, WalletClassification, normalise_address, now_utc
from scanner_core.wallets.classifier.alerts import is_new_target, target_alert
from scanner_core.wallets.classifier.params import ClassifierParams
from scanner_core.wallets.classifier.verdict import classify, screen
from scanner_core.wallets.history import Depth, WalletHistory
from scanner_core.wallets.tasks import first_error

log = get_logger("walletscan")
AlertSink = Callable[[Alert], Awaitable[object]]
ProgressHook = Callable[["ScanSummary"], None]


class HistorySource(Protocol):
    """scanner_core.wallets.service.WalletService."""

    async def history(self, address: str, *, depth: Depth = ..., max_age: timedelta = ...) -> WalletHistory:
        """The wallet's history at `depth` or deeper, stored or fetched (no older than `max_age`)."""
        ...


class ClassificationStore(Protocol):
    """db.repositories.ClassificationRepository."""

    async def save_many(self, results: Sequence[WalletClassification]) -> Mapping[str, WalletClassification | None]: ...

    async def classified_at(self, addresses: Sequence[str]) -> Mapping[str, datetime]: ...


class SeenWallets(Protocol):
    """db.repositories.TradeRepository: wallets behind the trades polyscan stored."""

    async def wallets_active_since(self, since: datetime, limit: int = ...) -> list[str]: ...

    async def large_trade_wallets(self, since: datetime, min_usd: Decimal, limit: int = ...) -> list[str]: ...


@dataclass
class ScanSummary:
    requested: int = 0  # addresses handed in
    classified: int = 0
    invalid: int = 0  # not a wallet address
    duplicates: int = 0
    over_limit: int = 0  # beyond the run's wallet cap
    failed: int = 0  # data unavailable: counted and logged, not stored
    new_targets: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_stage: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    elapsed_seconds: float = 0.0
    top_k: int = 10
    _top: list[tuple[float, str, WalletClassification]] = field(default_factory=list)

    def record(self, result: WalletClassification) -> None:
        self.classified += 1
        self.by_class[result.classification.value] += 1
        self.by_stage[(result.classification.value, result.stage)] += 1
        WALLETS_CLASSIFIED.labels(result.classification.value, str(result.stage)).inc()
        if result.classification is WalletClass.TARGET:
            entry = (result.score, result.address, result)
            if len(self._top) < self.top_k:
                heapq.heappush(self._top, entry)
            elif entry[:2] > self._top[0][:2]:
                heapq.heapreplace(self._top, entry)

    @property
    def top_targets(self) -> list[WalletClassification]:
        return [entry[2] for entry in sorted(self._top, key=lambda e: (-e[0], e[1]))]

    @property
    def judged(self) -> int:
        return self.classified + self.failed

    @property
    def per_minute(self) -> float:
        return self.classified * 60 / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


class WalletScanRunner:
    def __init__(
        self,
        source: HistorySource,
        store: ClassificationStore,
        params: ClassifierParams,
        *,
        seen: SeenWallets | None = None,
        on_alert: AlertSink | None = None,
        concurrency: int = 16,
        batch_size: int = 200,
        max_wallets: int = 5000,
        rescan_hours: float = 24.0,
        max_age: timedelta = timedelta(minutes=30),
        clock: Callable[[], datetime] = now_utc,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.max_age = max_age  # a stored history younger than this is judged without a refetch
        self.store = store
        self.params = params
        self.seen = seen
        self.on_alert = on_alert
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.max_wallets = max_wallets
        self.rescan_hours = rescan_hours
        self.clock = clock
        self.monotonic = monotonic

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        source: HistorySource,
        store: ClassificationStore,
        *,
        seen: SeenWallets | None = None,
        on_alert: AlertSink | None = None,
        clock: Callable[[], datetime] = now_utc,
    ) -> WalletScanRunner:
        return cls(
            source,
            store,
            ClassifierParams.from_settings(settings, settings),
            seen=seen,
            on_alert=on_alert,
            concurrency=settings.walletscan_concurrency,
            max_wallets=settings.walletscan_max_wallets_per_run,
            rescan_hours=settings.walletscan_rescan_hours,
            max_age=timedelta(seconds=settings.walletscan_cache_ttl_seconds),
            clock=clock,
        )

    # ---------------------------------------------------------------- one wallet

    async def classify_wallet(self, address: str) -> WalletClassification:
        """Stage 1 on the profile, then on the positions; stages 2 and 3 (activity fetched) only
        for wallets that pass. Each stage is fetched only when the cheaper one did not decide (a
        history stored recently enough may already hold them all)."""
        history = await self.source.history(address, depth=Depth.PROFILE, max_age=self.max_age)
        for depth in (Depth.POSITIONS, Depth.FULL):
            rejected = screen(history, self.params, self.clock())
            if rejected is not None:
                return rejected
            if history.depth < depth:
                history = await self.source.history(address, depth=depth, max_age=self.max_age)
        return classify(history, self.params, self.clock())

    # ---------------------------------------------------------------- many wallets

    async def scan(
        self,
        addresses: Iterable[str] | AsyncIterable[str],
        *,
        progress: ProgressHook | None = None,
        max_wallets: int | None = None,
    ) -> ScanSummary:
        summary = ScanSummary()
        started = self.monotonic()
        todo: asyncio.Queue[str | None] = asyncio.Queue(maxsize=self.concurrency * 4)
        done: asyncio.Queue[WalletClassification | None] = asyncio.Queue(maxsize=self.batch_size * 2)
        cap = max_wallets if max_wallets is not None else self.max_wallets
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._feed(addresses, todo, summary, cap))
                group.create_task(self._write(done, summary, progress, started))
                async with asyncio.TaskGroup() as workers:
                    for _ in range(self.concurrency):
                        workers.create_task(self._work(todo, done, summary))
                await done.put(None)
        except BaseExceptionGroup as group_error:
            raise first_error(group_error) from None
        summary.elapsed_seconds = self.monotonic() - started
        log.info(
            "walletscan_done",
            classified=summary.classified,
            failed=summary.failed,
            invalid=summary.invalid,
            new_targets=summary.new_targets,
            by_class=dict(summary.by_class),
            seconds=round(summary.elapsed_seconds, 2),
        )
        return summary

    async def rescan_recent(self, now: datetime) -> ScanSummary:
        """Wallets seen trading in the last `rescan_hours` whose verdict is missing or older than that."""
        if self.seen is None:
            raise RuntimeError("rescan_recent needs the trade repository (seen=...)")
        since = now - timedelta(hours=self.rescan_hours)
        active = await self.seen.wallets_active_since(since, limit=self.max_wallets)
        known = await self.store.classified_at(active)
        due = [address for address in active if (when := known.get(address)) is None or when < since]
        log.info("walletscan_rescan", active=len(active), due=len(due))
        return await self.scan(due)

    async def large_trade_wallets(self, now: datetime, *, since_hours: float, min_usd: Decimal) -> list[str]:
        if self.seen is None:
            raise RuntimeError("wallets from large trades need the trade repository (seen=...)")
        return await self.seen.large_trade_wallets(now - timedelta(hours=since_hours), min_usd, limit=self.max_wallets)

    # ---------------------------------------------------------------- the three tasks of a scan

    async def _feed(
        self,
        addresses: Iterable[str] | AsyncIterable[str],
        todo: asyncio.Queue[str | None],
        summary: ScanSummary,
        cap: int,
    ) -> None:
        accepted: set[str] = set()
        try:
            async for raw in _aiter(addresses):
                summary.requested += 1
                try:
                    address = normalise_address(raw)
                except DomainError:
                    summary.invalid += 1
                    WALLETSCAN_SKIPPED.labels("invalid_address").inc()
                    log.warning("walletscan_bad_address", value=str(raw)[:80])
                    continue
                if address in accepted:
                    summary.duplicates += 1
                    continue
                if len(accepted) >= cap:
                    summary.over_limit += 1
                    WALLETSCAN_SKIPPED.labels("over_limit").inc()
                    continue
                accepted.add(address)
                await todo.put(address)
        finally:
            for _ in range(self.concurrency):
                await todo.put(None)

    async def _work(
        self, todo: asyncio.Queue[str | None], done: asyncio.Queue[WalletClassification | None], summary: ScanSummary
    ) -> None:
        while (address := await todo.get()) is not None:
            try:
                result = await self.classify_wallet(address)
            except Exception as exc:  # one wallet's unavailable data must not stop the run
                summary.failed += 1
                summary.failures[type(exc).__name__] += 1
                WALLETSCAN_FAILED.labels(type(exc).__name__).inc()
                log.warning("walletscan_wallet_failed", wallet=address, error=f"{type(exc).__name__}: {exc}"[:300])
                continue
            await done.put(result)

    async def _write(
        self,
        done: asyncio.Queue[WalletClassification | None],
        summary: ScanSummary,
        progress: ProgressHook | None,
        started: float,
    ) -> None:
        """Store results in batches: whatever is waiting, up to batch_size, in one round trip."""
        finished = False
        while not finished:
            batch: list[WalletClassification] = []
            item = await done.get()
            while True:
                if item is None:
                    finished = True
                    break
                batch.append(item)
                if len(batch) >= self.batch_size:
                    break
                try:
                    item = done.get_nowait()
                except asyncio.QueueEmpty:
                    break
            if batch:
                await self._store(batch, summary)
            summary.elapsed_seconds = self.monotonic() - started
            if progress is not None:
                progress(summary)

    async def _store(self, batch: list[WalletClassification], summary: ScanSummary) -> None:
        previous = await self.store.save_many(batch)
        for result in batch:
            summary.record(result)
            if not is_new_target(result, previous.get(result.address)):
                continue
            summary.new_targets += 1
            if self.on_alert is None:
                continue
            alert = target_alert(result, str(result.details.get("username", "")))
            try:
                await self.on_alert(alert)
            except Exception as exc:  # the verdict is stored; a failed announcement must not stop the run
                log.warning(
                    "walletscan_alert_failed", wallet=result.address, error=f"{type(exc).__name__}: {exc}"[:300]
                )


async def _aiter(addresses: Iterable[str] | AsyncIterable[str]) -> AsyncIterable[str]:
    if isinstance(addresses, AsyncIterable):
        async for address in addresses:
            yield address
    else:
        for address in addresses:
            yield address
