"""The runner on a real database with an in-process data source (hand-made histories)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from db.repositories import Repositories
from scanner_core.models import Alert, AlertKind, Severity, WalletClass, WalletClassification
from scanner_core.presentation import alert_view, text_of
from scanner_core.wallets.classifier import classify
from scanner_core.wallets.classifier.alerts import target_alert
from scanner_core.wallets.classifier.component import WalletScanComponent
from scanner_core.wallets.classifier.runner import WalletScanRunner
from scanner_core.wallets.history import Depth, WalletHistory
from tests.integration.test_repositories import trade
from tests.wallets.factories import (
    NOW,
    PARAMS,
    address,
    market_maker,
    martingale_bettor,
    profile_only,
    steady_specialist,
    too_little_history,
)


class Histories:
    """The runner's HistorySource over a dict: the profile stage holds markets and activity only,
    the positions stage adds the positions, the full history the activity rows."""

    def __init__(self, wallets: Sequence[WalletHistory], delay: float = 0.0) -> None:
        self.wallets = {h.address: h for h in wallets}
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.broken: set[str] = set()

    async def history(
        self, address: str, *, depth: Depth = Depth.FULL, max_age: timedelta = timedelta(minutes=30)
    ) -> WalletHistory:
        self.calls[depth.name.lower()] += 1
        if depth is Depth.PROFILE:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await asyncio.sleep(self.delay)
                if address in self.broken:
                    raise ConnectionError("data api unreachable")
            finally:
                self.in_flight -= 1
        found = self.wallets.get(address) or WalletHistory(address=address, fetched_until=NOW, markets_traded=0)
        if depth is Depth.PROFILE:
            return profile_only(found)
        if depth is Depth.POSITIONS:
            return replace(found, rows=(), depth=Depth.POSITIONS)
        return found


def specialist(n: int) -> WalletHistory:
    return replace(steady_specialist(), address=address(n))


def runner(
    source: Histories, repos: Repositories, alerts: list[Alert] | None = None, **kwargs: object
) -> WalletScanRunner:
    async def publish(alert: Alert) -> None:
        if alerts is not None:
            alerts.append(alert)

    return WalletScanRunner(
        source,
        repos.classifications,
        PARAMS,
        seen=repos.trades,
        on_alert=publish,
        clock=lambda: NOW,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_each_fetch_happens_only_when_the_cheaper_one_did_not_decide(db: str) -> None:
    source = Histories([steady_specialist(), market_maker(), too_little_history(), martingale_bettor()])
    summary = await runner(source, Repositories()).scan(source.wallets)
    # too little history shows in the profile (4 markets); the market maker in its positions
    assert source.calls == {"profile": 4, "positions": 3, "full": 2}
    assert summary.by_stage == {("TARGET", 3): 1, ("REJECT", 1): 2, ("REJECT", 2): 1}
    assert summary.by_class == {"TARGET": 1, "REJECT": 3}


async def test_bad_and_repeated_addresses_are_counted_skips(db: str) -> None:
    good = specialist(10)
    source = Histories([good])
    inputs = [good.address, "0x123", "", good.address.upper(), "hello", good.address]
    summary = await runner(source, Repositories()).scan(inputs)
    assert (summary.requested, summary.classified, summary.invalid, summary.duplicates) == (6, 1, 3, 2)


async def test_async_iterables_and_the_wallet_cap(db: str) -> None:
    wallets = [specialist(i) for i in range(1, 8)]
    source = Histories(wallets)

    async def stream():  # type: ignore[no-untyped-def]
        for h in wallets:
            yield h.address

    summary = await runner(source, Repositories()).scan(stream(), max_wallets=5)
    assert (summary.classified, summary.over_limit) == (5, 2)


async def test_failures_are_counted_and_not_stored(db: str) -> None:
    repos = Repositories()
    good, bad = specialist(20), specialist(21)
    source = Histories([good, bad])
    source.broken.add(bad.address)
    summary = await runner(source, repos).scan([good.address, bad.address])
    assert (summary.classified, summary.failed) == (1, 1)
    assert summary.failures == {"ConnectionError": 1}
    assert await repos.classifications.get(bad.address) is None
    assert await repos.classifications.get(good.address) is not None


async def test_only_a_newly_classified_target_raises_an_alert(db: str) -> None:
    repos = Repositories()
    alerts: list[Alert] = []
    h = specialist(30)
    source = Histories([h])
    first = await runner(source, repos, alerts).scan([h.address])
    assert first.new_targets == 1
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.kind is AlertKind.WALLET_TARGET
    assert alert.dedup_key == f"target:{h.address}:2026-07-01"
    assert alert.severity is Severity.HIGH  # score 86 >= 85
    assert alert.confidence == 0.86
    assert alert.wallet is not None
    assert (alert.wallet.classification, alert.wallet.resolved_positions, alert.wallet.win_rate) == (
        WalletClass.TARGET,
        40,
        0.7,
    )
    assert alert.details["reasons"][0].startswith("80% of volume in sports: won 24 of 32 there")
    assert alert.details["score"] == 86.0

    # still TARGET: nothing new to say
    await runner(source, repos, alerts).scan([h.address])
    assert len(alerts) == 1

    # demoted, then TARGET again: announced again
    await repos.classifications.save(
        WalletClassification(h.address, WalletClass.WATCHLIST, 50.0, 3, ("was watchlist",), NOW - timedelta(days=2))
    )
    again = await runner(source, repos, alerts).scan([h.address])
    assert again.new_targets == 1
    assert len(alerts) == 2


async def test_a_failing_alert_sink_does_not_stop_the_scan(db: str) -> None:
    repos = Repositories()

    async def broken(alert: Alert) -> None:
        raise RuntimeError("bus is down")

    source = Histories([specialist(40), specialist(41)])
    scanner = WalletScanRunner(source, repos.classifications, PARAMS, on_alert=broken, clock=lambda: NOW)
    summary = await scanner.scan(source.wallets)
    assert (summary.classified, summary.new_targets) == (2, 2)
    assert await repos.classifications.get(address(41)) is not None


async def test_results_are_stored_in_batches_and_concurrency_is_bounded(db: str) -> None:
    repos = Repositories()
    wallets = [specialist(100 + i) for i in range(30)]
    source = Histories(wallets, delay=0.002)
    summary = await runner(source, repos, concurrency=4, batch_size=7).scan(source.wallets)
    assert summary.classified == 30
    assert source.max_in_flight <= 4
    assert len(await repos.classifications.by_class("TARGET", limit=100)) == 30
    # the ten best are kept (ties: the later address), best first
    assert [r.address for r in summary.top_targets] == sorted(h.address for h in wallets)[-10:]


async def test_a_store_that_fails_stops_the_scan_with_its_own_error(db: str) -> None:
    class BrokenStore:
        async def save_many(self, results: Sequence[WalletClassification]) -> dict[str, WalletClassification | None]:
            raise OSError("disk full")

        async def classified_at(self, addresses: Sequence[str]) -> dict[str, object]:
            return {}

    source = Histories([specialist(i) for i in range(50, 60)])
    scanner = WalletScanRunner(source, BrokenStore(), PARAMS, clock=lambda: NOW)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="disk full"):
        await scanner.scan(source.wallets)


async def test_rescan_recent_picks_wallets_seen_lately_without_a_fresh_verdict(db: str) -> None:
    repos = Repositories()
    fresh, stale, never, quiet = (specialist(n) for n in (60, 61, 62, 63))
    # fresh, stale and never traded in the last day; quiet traded a week ago
    await repos.trades.save_trades(
        [
            trade(1, wallet=fresh.address),
            trade(2, wallet=stale.address),
            trade(3, wallet=never.address),
            trade(4, wallet=quiet.address, minutes=-7 * 24 * 60),
        ]
    )
    await repos.classifications.save_many(
        [
            WalletClassification(fresh.address, WalletClass.REJECT, 0.0, 1, (), NOW - timedelta(hours=2)),
            WalletClassification(stale.address, WalletClass.REJECT, 0.0, 1, (), NOW - timedelta(hours=30)),
        ]
    )
    source = Histories([fresh, stale, never, quiet])
    summary = await runner(source, repos).rescan_recent(NOW)
    assert summary.classified == 2
    assert (await repos.classifications.classified_at([stale.address, never.address])) == {
        stale.address: NOW,
        never.address: NOW,
    }
    assert (await repos.classifications.get(fresh.address)).classification is WalletClass.REJECT  # type: ignore[union-attr]


async def test_save_many_returns_previous_verdicts(db: str) -> None:
    repos = Repositories()
    a, b = address(70), address(71)
    first = await repos.classifications.save_many(
        [WalletClassification(a, WalletClass.WATCHLIST, 50.0, 3, ("x",), NOW)]
    )
    assert first == {a: None}
    second = await repos.classifications.save_many(
        [
            WalletClassification(a, WalletClass.TARGET, 80.0, 3, ("y",), NOW),
            WalletClassification(b, WalletClass.REJECT, 0.0, 1, ("z",), NOW),
        ]
    )
    assert second[b] is None
    assert second[a] is not None and second[a].classification is WalletClass.WATCHLIST
    stored = await repos.classifications.get(a)
    assert stored is not None and (stored.classification, stored.score, stored.reasons) == (
        WalletClass.TARGET,
        80.0,
        ("y",),
    )
    assert await repos.classifications.save_many([]) == {}


async def test_a_failed_rescan_is_logged_and_the_job_lives_on(db: str) -> None:
    scanner = WalletScanRunner(Histories([]), Repositories().classifications, PARAMS)  # no trade repository
    component = WalletScanComponent(lambda: scanner)
    await component.start()
    assert await component.rescan(NOW) is None


async def test_the_scheduler_drives_the_rescans(db: str) -> None:
    repos = Repositories()
    h = specialist(90)
    await repos.trades.save_trades([trade(10, wallet=h.address)])
    component = WalletScanComponent(lambda: runner(Histories([h]), repos))
    await component.start()
    try:
        summary = await component.rescan(NOW)  # what the apscheduler job calls
    finally:
        await component.stop()
    assert summary is not None and summary.classified == 1
    assert component.last_summary == summary


def test_the_target_alert_renders_as_a_card() -> None:
    alert = target_alert(classify(steady_specialist(), PARAMS, NOW), "steady")
    view = alert_view(alert, NOW)
    address = steady_specialist().address
    assert view.title == f"🎯 Wallet worth copying: {address[:6]}…{address[-4:]} (steady)"
    text = "\n".join(text_of(ln) for f in view.fields for ln in f.lines) + "\n".join(text_of(ln) for ln in view.body)
    assert "Classified TARGET · score 86" in text
    assert "80% of volume in sports" in text
