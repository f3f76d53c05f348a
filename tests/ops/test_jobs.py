"""Scheduled jobs: each job straight against the real database, then the real scheduler."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from prometheus_client import REGISTRY

from db.repositories import Repositories
from scanner_core.config import Settings
from scanner_core.jobs import (
    Job,
    PruneResult,
    RefreshResult,
    Scheduler,
    build_jobs,
    prune_old_data,
    refresh_market_metadata,
    refresh_wallet_profiles,
)
from scanner_core.models import Market, MetricSample, Side, Trade, TradeSource, WalletProfile
from tests.conftest import FakeClock

CONDITION = "0x" + "ab" * 32


def wallet(n: int) -> str:
    return f"0x{n:040x}"


def trade(n: int, at: datetime) -> Trade:
    return Trade(
        tx_hash=f"0x{n:064x}",
        wallet=wallet(n),
        condition_id=CONDITION,
        token_id="1",
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal(5000),
        price=Decimal("0.5"),
        timestamp=at,
        source=TradeSource.RTDS,
    )


class Recorder:
    def __init__(self, failing: set[str] | None = None) -> None:
        self.calls: list[object] = []
        self.failing = failing or set()

    async def __call__(self, ref: object) -> object:
        self.calls.append(ref)
        if ref in self.failing:
            raise RuntimeError(f"lookup of {ref} failed")
        return ref


async def test_prune_removes_old_trades_and_samples_only(db: str, clock: FakeClock) -> None:
    repos = Repositories()
    now = clock.now
    await repos.trades.save_trades([trade(1, now - timedelta(days=31)), trade(2, now - timedelta(days=29))])
    await repos.metrics.write(
        [MetricSample(now - timedelta(days=40), "m", 1.0), MetricSample(now - timedelta(hours=1), "m", 2.0)]
    )
    result = await prune_old_data(repos.trades, repos.metrics, now=now, retention=timedelta(days=30))
    assert result == PruneResult(trades=1, metric_samples=1)
    assert await repos.trades.get_trade(trade(1, now - timedelta(days=31)).dedup_key) is None
    assert await repos.trades.get_trade(trade(2, now - timedelta(days=29)).dedup_key) is not None
    assert [s.value for s in await repos.metrics.series("m", now - timedelta(days=60))] == [2.0]


async def test_refresh_wallet_profiles_takes_stale_active_wallets_and_survives_failures(
    db: str, clock: FakeClock
) -> None:
    repos = Repositories()
    now = clock.now
    profiles = [
        WalletProfile(wallet(1), last_seen=now - timedelta(hours=1), updated_at=now - timedelta(hours=3)),  # stale
        WalletProfile(wallet(2), last_seen=now - timedelta(hours=2), updated_at=now - timedelta(hours=5)),  # stale
        WalletProfile(wallet(3), last_seen=now - timedelta(hours=1), updated_at=now - timedelta(minutes=5)),  # fresh
        WalletProfile(wallet(4), last_seen=now - timedelta(days=3), updated_at=now - timedelta(days=3)),  # inactive
    ]
    for p in profiles:
        await repos.wallets.save_profile(p)
    refresh = Recorder(failing={wallet(2)})
    result = await refresh_wallet_profiles(
        repos.wallets, refresh, now=now, stale_after=timedelta(hours=1), active_within=timedelta(hours=24)
    )
    assert sorted(refresh.calls) == [wallet(1), wallet(2)]  # type: ignore[type-var]
    assert result == RefreshResult(refreshed=1, failed=1)


async def test_refresh_market_metadata_takes_stale_open_markets(db: str, clock: FakeClock) -> None:
    repos = Repositories()
    now = clock.now
    stale, fresh, closed = ("0x" + c * 64 for c in "123")
    await repos.markets.save(Market(stale, "Stale?"), now - timedelta(hours=2))
    await repos.markets.save(Market(fresh, "Fresh?"), now - timedelta(minutes=5))
    await repos.markets.save(Market(closed, "Closed?", closed=True), now - timedelta(hours=2))
    refresh = Recorder()
    result = await refresh_market_metadata(repos.markets, refresh, now=now, stale_after=timedelta(minutes=30))
    assert refresh.calls == [stale] and result == RefreshResult(1, 0)


async def test_build_jobs_has_the_jobs_whose_services_are_present(
    db: str, clock: FakeClock, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(alert_check_seconds=15, walletscan_rescan_hours=12)
    repos = Repositories()
    only_prune = build_jobs(settings, clock=clock, stores=repos)
    assert [j.name for j in only_prune] == ["prune"]

    seen: dict[str, object] = {}

    async def check_system() -> object:
        seen["system_alerts"] = True
        return None

    async def write_snapshot() -> object:
        seen["metric_snapshot"] = True
        return None

    async def rescan(now: datetime) -> object:
        seen["wallet_rescan"] = now
        return None

    jobs = build_jobs(
        settings,
        clock=clock,
        stores=repos,
        check_system=check_system,
        write_snapshot=write_snapshot,
        refresh_wallet=Recorder(),
        refresh_market=Recorder(),
        rescan_wallets=rescan,
    )
    by_name = {j.name: j for j in jobs}
    assert set(by_name) == {
        "system_alerts",
        "metric_snapshot",
        "wallet_profiles",
        "market_metadata",
        "wallet_rescan",
        "prune",
    }
    assert by_name["system_alerts"].every_seconds == 15
    assert by_name["wallet_rescan"].every_seconds == 12 * 3600
    assert by_name["prune"].first_after_seconds == 300
    for job in jobs:
        await job.run()
    assert seen == {
        "system_alerts": True,
        "metric_snapshot": True,
        "wallet_rescan": clock.now,
    }
    assert await by_name["prune"].run() == PruneResult(0, 0)
    assert await by_name["wallet_profiles"].run() == RefreshResult(0, 0)


# ---------------------------------------------------------------- the real scheduler


def runs(job: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("scanner_job_runs_total", {"job": job, "outcome": outcome}) or 0.0


async def test_the_scheduler_runs_jobs_in_the_running_loop_and_isolates_failures() -> None:
    loop = asyncio.get_running_loop()
    ticks: list[asyncio.AbstractEventLoop] = []
    enough = asyncio.Event()
    failures = {"n": 0}

    async def tick() -> object:
        ticks.append(asyncio.get_running_loop())
        if len(ticks) >= 3:
            enough.set()
        return len(ticks)

    async def broken() -> object:
        failures["n"] += 1
        raise RuntimeError("job bug")

    ok_before, errors_before = runs("ops_tick", "ok"), runs("ops_broken", "error")
    scheduler = Scheduler(
        [Job("ops_tick", tick, every_seconds=0.05, first_after_seconds=0), Job("ops_broken", broken, 0.05, 0)]
    )
    await scheduler.start()
    try:
        assert scheduler.running
        await asyncio.wait_for(enough.wait(), 5)
        while failures["n"] < 2:  # a failing run does not end its schedule
            await asyncio.sleep(0.02)
    finally:
        await scheduler.stop()
    assert not scheduler.running
    assert all(ran_in is loop for ran_in in ticks)
    assert runs("ops_tick", "ok") >= ok_before + 3
    assert runs("ops_broken", "error") >= errors_before + 2


async def test_stop_waits_for_a_running_job_then_cancels_it() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow() -> object:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return None

    scheduler = Scheduler([Job("ops_slow", slow, every_seconds=60, first_after_seconds=0)], stop_timeout=0.1)
    await scheduler.start()
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.wait_for(scheduler.stop(), 5)
    assert cancelled.is_set()
