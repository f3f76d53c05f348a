"""Repositories on a real, migrated database (SQLite or PostgreSQL, per run)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from db.repositories import Repositories, subscription_defaults
from scanner_core.models import (
    Alert,
    AlertKind,
    Delivery,
    DeliveryStatus,
    DestinationKind,
    MarketSnapshot,
    Platform,
    QuietHours,
    Severity,
    Side,
    Signal,
    SignalKind,
    SubscriptionFilters,
    Trade,
    TradeSource,
    WalletProfile,
    WalletSnapshot,
    frozen_map,
)

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
W1 = "0x" + "a1" * 20
W2 = "0x" + "b2" * 20
M1 = "0x" + "1" * 64
M2 = "0x" + "2" * 64


def trade(i: int, wallet: str = W1, market: str = M1, usd: str = "1000", minutes: int = 0) -> Trade:
    return Trade(
        tx_hash=f"0x{i:064x}",
        wallet=wallet,
        condition_id=market,
        token_id=str(10**70 + i),
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal(usd) / Decimal("0.5"),
        price=Decimal("0.5"),
        timestamp=T0 + timedelta(minutes=minutes),
        source=TradeSource.RTDS,
        title="Will it?",
    )


def alert_for(t: Trade, key: str = "k1") -> Alert:
    return Alert(
        dedup_key=key,
        kind=AlertKind.TRADE,
        severity=Severity.HIGH,
        confidence=0.72,
        created_at=t.timestamp,
        title="big buy",
        signals=(Signal(SignalKind.LARGE_TRADE, 0.8, "$20k", frozen_map({"usd": Decimal("20000"), "tier": 1})),),
        trade=t,
        market=MarketSnapshot(condition_id=t.condition_id, question="Will it?", end_date=T0 + timedelta(days=1)),
        wallet=WalletSnapshot(address=t.wallet, age_days=2.5, trade_count=3, win_rate=None),
    )


async def test_trades_saved_once_and_round_trip(db: str) -> None:
    repos = Repositories()
    t = trade(1)
    assert await repos.trades.save_trade(t) is True
    assert await repos.trades.save_trade(t) is False
    loaded = await repos.trades.get_trade(t.dedup_key)
    assert loaded == t
    assert loaded is not None and loaded.timestamp.tzinfo is not None and isinstance(loaded.usd, Decimal)


async def test_bulk_save_ignores_repeats_within_and_across_batches(db: str) -> None:
    repos = Repositories()
    batch = [trade(i, minutes=i) for i in range(50)]
    assert await repos.trades.save_trades(batch + batch[:10]) == 50
    assert await repos.trades.save_trades([*batch[40:], trade(99)]) == 1
    assert len(await repos.trades.wallet_trades(W1, limit=1000)) == 51


async def test_wallet_and_market_trades_paging(db: str) -> None:
    repos = Repositories()
    await repos.trades.save_trades(
        [trade(i, minutes=i) for i in range(10)] + [trade(100 + i, wallet=W2, market=M2, minutes=i) for i in range(5)]
    )
    newest = await repos.trades.wallet_trades(W1, limit=3)
    assert [t.timestamp.minute for t in newest] == [9, 8, 7]
    page2 = await repos.trades.wallet_trades(W1, limit=3, offset=3)
    assert [t.timestamp.minute for t in page2] == [6, 5, 4]
    since = await repos.trades.wallet_trades(W1, since=T0 + timedelta(minutes=8))
    assert len(since) == 2
    assert len(await repos.trades.market_trades(M2)) == 5
    assert len(await repos.trades.market_trades(M2, until=T0 + timedelta(minutes=1))) == 2


async def test_alerts_dedup_and_by_wallet_window(db: str) -> None:
    repos = Repositories()
    t = trade(1)
    stored, created = await repos.alerts.save_alert(alert_for(t))
    assert created and stored.id is not None
    again, created_again = await repos.alerts.save_alert(alert_for(t))
    assert not created_again and again.id == stored.id
    assert await repos.alerts.save_alerts([alert_for(t), alert_for(trade(2), "k2")]) != []
    assert await repos.alerts.count() == 2
    recent = await repos.alerts.by_wallet(W1, hours=24, now=T0 + timedelta(hours=1))
    assert {a.dedup_key for a in recent} == {"k1", "k2"}
    assert await repos.alerts.by_wallet(W1, hours=1, now=T0 + timedelta(hours=3)) == []
    loaded = recent[-1]
    assert loaded.signals[0].evidence["usd"] == "20000"  # evidence survives as JSON text
    assert loaded.trade == t and loaded.wallet is not None and loaded.wallet.age_days == 2.5
    counts = await repos.alerts.counts_by_severity(T0 - timedelta(hours=1))
    assert counts == {Severity.HIGH: 2}


async def test_profile_save_get_and_incremental_stats(db: str) -> None:
    repos = Repositories()
    profile = WalletProfile(
        address=W1,
        first_seen=T0 - timedelta(days=30),
        last_seen=T0,
        trade_count=10,
        total_volume=Decimal("10000"),
        avg_trade_size=Decimal("1000"),
        median_trade_size=Decimal("900"),
        realised_pnl=Decimal("-12.5"),
        win_rate=0.6,
        resolved_positions=10,
        winning_positions=6,
        top_categories=(("politics", Decimal("8000")),),
        top_market_share=0.4,
        mm_confidence=0.1,
        mm_indicators=("many_markets",),
        updated_at=T0,
    )
    await repos.wallets.save_profile(profile)
    assert await repos.wallets.get_profile(W1) == profile
    later = [trade(1, usd="3000", minutes=60), trade(2, usd="1000", minutes=61), trade(3, wallet=W2, usd="500")]
    assert await repos.wallets.update_stats(later, T0 + timedelta(hours=2)) == 2
    updated = await repos.wallets.get_profile(W1)
    assert updated is not None
    assert updated.trade_count == 12 and updated.total_volume == Decimal("14000")
    assert updated.avg_trade_size.quantize(Decimal("0.01")) == Decimal("1166.67")
    assert updated.first_seen == profile.first_seen and updated.last_seen == T0 + timedelta(minutes=61)
    fresh = await repos.wallets.get_profile(W2)
    assert fresh is not None and fresh.trade_count == 1 and fresh.first_seen == T0


async def test_subscription_and_outbox(db: str) -> None:
    repos = Repositories()
    sub = subscription_defaults(DestinationKind.TELEGRAM_CHAT, "42", owner_id="7")
    sub = replace(
        sub,
        filters=SubscriptionFilters(min_usd=Decimal("5000"), kinds=frozenset({"trade"}), mute_wallets=frozenset({W2})),
        quiet_hours=QuietHours(22 * 60, 7 * 60, "Europe/Berlin"),
    )
    saved = await repos.subscriptions.save(sub, T0)
    assert saved.id is not None and saved.filters == sub.filters and saved.quiet_hours == sub.quiet_hours
    assert [s.destination_id for s in await repos.subscriptions.active()] == ["42"]

    stored, _ = await repos.alerts.save_alert(alert_for(trade(1)))
    assert stored.id is not None
    d = Delivery(alert_id=stored.id, destination_kind=DestinationKind.TELEGRAM_CHAT, destination_id="42")
    assert await repos.deliveries.enqueue([d, d], T0) == 2
    claimed = await repos.deliveries.claim(Platform.TELEGRAM, T0, timedelta(seconds=30))
    assert len(claimed) == 1
    # leased: a second worker finds nothing until the lease runs out
    assert await repos.deliveries.claim(Platform.TELEGRAM, T0, timedelta(seconds=30)) == []
    assert len(await repos.deliveries.claim(Platform.TELEGRAM, T0 + timedelta(seconds=31), timedelta(seconds=30))) == 1
    assert claimed[0].id is not None
    await repos.deliveries.mark_sent([claimed[0].id], T0)
    assert await repos.deliveries.claim(Platform.TELEGRAM, T0 + timedelta(hours=1), timedelta(seconds=30)) == []
    assert (await repos.deliveries.all_for_alert(stored.id))[0].status is DeliveryStatus.SENT
    assert await repos.deliveries.backlog() == {}


async def test_a_cancelled_claim_never_leaves_the_database_locked(db: str) -> None:
    """Cancelling a delivery worker mid-claim (as stop() does) must not wedge later queries."""
    import asyncio

    repos = Repositories()
    stored, _ = await repos.alerts.save_alert(alert_for(trade(1)))
    assert stored.id is not None
    await repos.deliveries.enqueue(
        [Delivery(alert_id=stored.id, destination_kind=DestinationKind.TELEGRAM_CHAT, destination_id="42")], T0
    )
    for yields in range(12):  # cancel at each await point of the claim in turn
        task = asyncio.create_task(repos.deliveries.claim(Platform.TELEGRAM, T0, timedelta(seconds=1)))
        for _ in range(yields):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        async with asyncio.timeout(5):
            assert await repos.alerts.count() == 1
    # a claim whose worker was stopped hands its rows back: the delivery is due at once
    assert len(await repos.deliveries.claim(Platform.TELEGRAM, T0, timedelta(seconds=1))) == 1
