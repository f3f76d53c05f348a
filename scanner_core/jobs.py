"""Scheduled jobs: each is a thin call into a service, tested directly; `Scheduler` runs them.

The scheduler is apscheduler's AsyncIOScheduler in the process's own event loop (no threads).
`build_jobs` returns the jobs whose services are present, so a process without a feed or without
bots simply has fewer jobs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scanner_core.config import Settings
from scanner_core.logs import get_logger
from scanner_core.metrics import JOB_RUNS
from scanner_core.models import now_utc

log = get_logger("jobs")

Refresh = Callable[[str], Awaitable[object]]
AtTime = Callable[[datetime], Awaitable[object]]
Run = Callable[[], Awaitable[object]]


class StaleWallets(Protocol):
    async def stale_profiles(self, older_than: datetime, active_since: datetime, limit: int = 200) -> list[str]: ...


class StaleMarkets(Protocol):
    async def stale(self, older_than: datetime, limit: int = 200) -> list[str]: ...


class Prunable(Protocol):
    async def prune_before(self, cutoff: datetime) -> int: ...


class JobStores(Protocol):
    """The repositories the jobs read (db Repositories satisfies it)."""

    @property
    def trades(self) -> Prunable: ...

    @property
    def metrics(self) -> Prunable: ...

    @property
    def wallets(self) -> StaleWallets: ...

    @property
    def markets(self) -> StaleMarkets: ...

    @property
    def wallet_histories(self) -> Prunable: ...

    @property
    def quarantine(self) -> Prunable: ...


@dataclass(frozen=True, slots=True)
class RefreshResult:
    refreshed: int
    failed: int


@dataclass(frozen=True, slots=True)
class PruneResult:
    trades: int
    metric_samples: int
    wallet_histories: int = 0
    quarantined: int = 0


# ---------------------------------------------------------------- the jobs


async def _refresh_each(kind: str, refs: Sequence[str], refresh: Refresh) -> RefreshResult:
    # one failing lookup (API error, unknown id) must not stop the others
    failed = 0
    for ref in refs:
        try:
            await refresh(ref)
        except Exception as exc:
            failed += 1
            log.warning(f"{kind}_refresh_failed", ref=ref, error=f"{type(exc).__name__}: {exc}"[:200])
    return RefreshResult(len(refs) - failed, failed)


async def refresh_wallet_profiles(
    wallets: StaleWallets,
    refresh: Refresh,
    *,
    now: datetime,
    stale_after: timedelta,
    active_within: timedelta,
    limit: int = 200,
) -> RefreshResult:
    """Re-profile wallets that traded lately and whose profile is older than `stale_after`."""
    addresses = await wallets.stale_profiles(now - stale_after, now - active_within, limit)
    return await _refresh_each("wallet", addresses, refresh)


async def refresh_market_metadata(
    markets: StaleMarkets, refresh: Refresh, *, now: datetime, stale_after: timedelta, limit: int = 200
) -> RefreshResult:
    """Re-fetch metadata (volume, liquidity, end date, closed) of open markets older than `stale_after`."""
    condition_ids = await markets.stale(now - stale_after, limit)
    return await _refresh_each("market", condition_ids, refresh)


async def prune_old_data(
    trades: Prunable,
    metrics: Prunable | None,
    *,
    now: datetime,
    retention: timedelta,
    histories: Prunable | None = None,
    history_retention: timedelta | None = None,
    quarantine: Prunable | None = None,
) -> PruneResult:
    """Delete raw trades, metric samples and quarantined rows older than the retention (alerts,
    wallet stats and the trades of markets `polyscan ingest` brought in stay: they are the
    backtest's history), and wallet histories not fetched within their own retention."""
    cutoff = now - retention
    removed_trades = await trades.prune_before(cutoff)
    removed_samples = await metrics.prune_before(cutoff) if metrics is not None else 0
    removed_histories = 0
    if histories is not None:
        removed_histories = await histories.prune_before(now - (history_retention or retention))
    removed_quarantined = await quarantine.prune_before(cutoff) if quarantine is not None else 0
    return PruneResult(removed_trades, removed_samples, removed_histories, removed_quarantined)


# ---------------------------------------------------------------- the schedule


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: Run
    every_seconds: float
    first_after_seconds: float | None = None  # None: one interval after start


def build_jobs(
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    stores: JobStores,
    check_system: Run | None = None,
    write_snapshot: Run | None = None,
    refresh_wallet: Refresh | None = None,
    refresh_market: Refresh | None = None,
    rescan_wallets: AtTime | None = None,
) -> list[Job]:
    """The jobs whose services are present. Pruning always runs (it only needs the database)."""
    s = settings
    jobs: list[Job] = []
    if check_system is not None:
        jobs.append(Job("system_alerts", check_system, s.alert_check_seconds))
    if write_snapshot is not None:
        jobs.append(Job("metric_snapshot", write_snapshot, s.metrics_snapshot_seconds))
    if refresh_wallet is not None:
        wallet_refresh = refresh_wallet

        async def run_wallets() -> object:
            return await refresh_wallet_profiles(
                stores.wallets,
                wallet_refresh,
                now=clock(),
                stale_after=timedelta(minutes=s.profile_refresh_minutes),
                active_within=timedelta(hours=s.profile_active_hours),
            )

        jobs.append(Job("wallet_profiles", run_wallets, s.profile_refresh_minutes * 60))
    if refresh_market is not None:
        market_refresh = refresh_market

        async def run_markets() -> object:
            return await refresh_market_metadata(
                stores.markets,
                market_refresh,
                now=clock(),
                stale_after=timedelta(minutes=s.market_refresh_minutes),
            )

        jobs.append(Job("market_metadata", run_markets, s.market_refresh_minutes * 60))
    if rescan_wallets is not None:
        rescan = rescan_wallets

        async def run_rescan() -> object:
            return await rescan(clock())

        jobs.append(Job("wallet_rescan", run_rescan, s.walletscan_rescan_hours * 3600))

    async def run_prune() -> object:
        return await prune_old_data(
            stores.trades,
            stores.metrics,
            now=clock(),
            retention=timedelta(days=s.trade_retention_days),
            histories=stores.wallet_histories,
            history_retention=timedelta(days=s.wallet_history_retention_days),
            quarantine=stores.quarantine,
        )

    # soon after start too: a process restarted more often than the interval must still prune
    jobs.append(Job("prune", run_prune, s.prune_interval_hours * 3600, first_after_seconds=300))
    return jobs


class Scheduler:
    """A Lifecycle component: runs the jobs on apscheduler's AsyncIOScheduler in the running loop.

    Each run is isolated (an exception is logged and counted, the schedule goes on), a job never
    overlaps itself, and missed runs collapse into one. `stop` lets running jobs finish for up
    to `stop_timeout` seconds, then cancels them.
    """

    name = "scheduler"

    def __init__(self, jobs: Sequence[Job], *, stop_timeout: float = 5.0) -> None:
        self.jobs = list(jobs)
        self._stop_timeout = stop_timeout
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        # apscheduler logs every run at INFO: that is our job_done line's business
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        now = now_utc()
        for job in self.jobs:
            first = job.every_seconds if job.first_after_seconds is None else job.first_after_seconds
            scheduler.add_job(
                self._run,
                trigger=IntervalTrigger(seconds=job.every_seconds, timezone=UTC),
                args=[job],
                id=job.name,
                name=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.every_seconds)),
                next_run_time=now + timedelta(seconds=first),
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler_started", jobs={j.name: j.every_seconds for j in self.jobs})

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        scheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=self._stop_timeout)
        scheduler.shutdown(wait=False)  # cancels what is still running
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _run(self, job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        started = time.monotonic()
        try:
            result = await job.run()
        except asyncio.CancelledError:
            JOB_RUNS.labels(job=job.name, outcome="cancelled").inc()
            raise
        except Exception:  # one failing run must not end the schedule
            JOB_RUNS.labels(job=job.name, outcome="error").inc()
            log.exception("job_failed", job=job.name)
        else:
            JOB_RUNS.labels(job=job.name, outcome="ok").inc()
            log.debug("job_done", job=job.name, result=repr(result)[:200], seconds=round(time.monotonic() - started, 3))
        finally:
            if task is not None:
                self._running.discard(task)
