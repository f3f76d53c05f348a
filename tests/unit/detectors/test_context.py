from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from scanner_core.context import (
    CLUSTER_MAX_ENTRIES,
    SWEEP_EVERY,
    FollowUpTracker,
    ScanState,
    build_context,
)
from scanner_core.models import Alert, AlertKind, Severity, Side, Trade
from tests.unit.detectors.factories import (
    NO,
    T0,
    WALLET,
    YES,
    cid_n,
    make_market,
    make_profile,
    make_trade,
    params,
    real_trades,
    wallet_n,
)

P = params()


def at(seconds: float) -> object:
    return T0 + timedelta(seconds=seconds)


# ---------------------------------------------------------------- DetectionContext


def test_context_is_as_of_the_trade() -> None:
    trade = make_trade("5000", at=T0 + timedelta(days=3))
    state = ScanState(P)
    view = state.observe(trade)
    market, wallet = make_market(), make_profile()
    built = build_context(trade, view, market=market, wallet=wallet)
    assert built.now == trade.timestamp
    assert built.market is market and built.wallet is wallet and built.rolling is view
    assert built.price_before is None and built.price_after is None
    with pytest.raises(AttributeError):
        built.now = T0  # type: ignore[misc]


def test_price_before_falls_back_to_the_rolling_last_price() -> None:
    state = ScanState(P)
    state.observe(make_trade("100", "0.40", tx="0xa", at=T0))
    trade = make_trade("100", "0.45", tx="0xb", at=T0 + timedelta(seconds=5))
    view = state.observe(trade)
    assert view.price_before == Decimal("0.40") and view.price_before_age_seconds == 5.0
    assert build_context(trade, view).price_before == Decimal("0.40")
    assert build_context(trade, view, price_before=Decimal("0.41")).price_before == Decimal("0.41")
    assert build_context(trade).price_before is None


def test_price_before_comes_from_an_earlier_transaction() -> None:
    state = ScanState(P)
    state.observe(make_trade("100", "0.40", tx="0xa", at=T0))
    first = state.observe(make_trade("100", "0.44", tx="0xb", at=T0 + timedelta(seconds=1), wallet=wallet_n(1)))
    sibling = state.observe(make_trade("100", "0.46", tx="0xb", at=T0 + timedelta(seconds=1), wallet=wallet_n(2)))
    after = state.observe(make_trade("100", "0.47", tx="0xc", at=T0 + timedelta(seconds=2)))
    assert first.price_before == sibling.price_before == Decimal("0.40")
    assert after.price_before == Decimal("0.46")  # the last print of the previous transaction


def test_stale_or_late_price_before_is_none() -> None:
    state = ScanState(P)  # impact_price_max_age_seconds = 3600
    state.observe(make_trade("100", "0.40", tx="0xa", at=T0))
    stale = state.observe(make_trade("100", "0.50", tx="0xb", at=T0 + timedelta(seconds=3601)))
    assert stale.price_before is None
    late = state.observe(make_trade("100", "0.30", tx="0xc", at=T0 + timedelta(seconds=10)))
    assert late.price_before is None  # backfilled: what came before it is not known


def test_price_is_per_outcome() -> None:
    state = ScanState(P)
    state.observe(make_trade("100", "0.40", tx="0xa"))
    other = state.observe(
        make_trade("100", "0.61", tx="0xb", token=NO, outcome="No", index=1, at=T0 + timedelta(seconds=1))
    )
    assert other.price_before is None


# ---------------------------------------------------------------- cluster window


def test_cluster_window_trims_and_counts_distinct_wallets() -> None:
    state = ScanState(P)
    state.observe(make_trade("2000", wallet=wallet_n(1), tx="0x1", at=T0))
    state.observe(make_trade("2000", wallet=wallet_n(2), tx="0x2", at=T0 + timedelta(seconds=100)))
    state.observe(make_trade("3000", wallet=wallet_n(2), tx="0x3", at=T0 + timedelta(seconds=200)))
    view = state.observe(make_trade("2000", wallet=wallet_n(3), tx="0x4", at=T0 + timedelta(seconds=350)))
    assert [(m.wallet, m.usd, m.seconds_before, m.transactions) for m in view.cluster] == [
        (wallet_n(2), Decimal(5000), 250.0, 2)
    ]  # wallet 1 left the 300 s window; wallet 2 is one member with two buys
    assert view.cluster_transactions == 3


def test_cluster_ignores_later_trades_seen_earlier() -> None:
    """A late (backfilled) trade must not count buys from after its own time."""
    state = ScanState(P)
    state.observe(make_trade("2000", wallet=wallet_n(1), tx="0x1", at=T0 + timedelta(seconds=100)))
    late = state.observe(make_trade("2000", wallet=wallet_n(2), tx="0x2", at=T0))
    assert late.cluster == ()


def test_cluster_entries_are_capped_per_outcome() -> None:
    state = ScanState(P)
    for i in range(CLUSTER_MAX_ENTRIES + 20):
        view = state.observe(make_trade("2000", wallet=wallet_n(i), tx=f"0x{i}", at=T0 + timedelta(seconds=i)))
    assert len(view.cluster) == CLUSTER_MAX_ENTRIES


def test_sells_and_small_buys_skip_the_cluster_view() -> None:
    state = ScanState(P)
    state.observe(make_trade("2000", wallet=wallet_n(1), tx="0x1"))
    assert state.observe(make_trade("2000", wallet=wallet_n(2), tx="0x2", side=Side.SELL)).cluster == ()
    assert state.observe(make_trade("999", wallet=wallet_n(3), tx="0x3")).cluster == ()
    assert len(state.observe(make_trade("1000", wallet=wallet_n(4), tx="0x4")).cluster) == 1


# ---------------------------------------------------------------- running positions


def test_sub_floor_fills_count_toward_the_position() -> None:
    state = ScanState(P)
    views = [state.observe(make_trade("250", tx=f"0x{i}", at=T0 + timedelta(minutes=i))) for i in range(40)]
    crossing = [i for i, v in enumerate(views) if v.accumulation_tier is not None]
    assert crossing == [39]  # 40 x $250 = $10k
    last = views[-1]
    assert last.position_usd == Decimal(10000) and last.position_before_usd == Decimal(9750)
    assert last.position_fills == 40 and last.position_gross_usd == Decimal(10000)
    assert last.position_span_hours == pytest.approx(39 / 60)


def test_tier_crossing_fires_once_per_tier() -> None:
    state = ScanState(P)
    tiers = [
        state.observe(make_trade("5000", tx=f"0x{i}", at=T0 + timedelta(minutes=i))).accumulation_tier
        for i in range(30)
    ]
    assert [(i, t) for i, t in enumerate(tiers) if t is not None] == [(2, 0), (9, 1), (19, 2)]


def test_positions_are_per_wallet_and_outcome() -> None:
    state = ScanState(P)
    for i in range(3):
        state.observe(make_trade("4000", tx=f"0xa{i}", at=T0 + timedelta(minutes=i)))
    other_wallet = state.observe(make_trade("4000", wallet=wallet_n(7), tx="0xb", at=T0 + timedelta(minutes=5)))
    other_outcome = state.observe(
        make_trade("4000", token=NO, outcome="No", index=1, tx="0xc", at=T0 + timedelta(minutes=6))
    )
    assert other_wallet.position_usd == Decimal(4000) and other_outcome.position_usd == Decimal(4000)
    again = state.observe(make_trade("1", tx="0xd", at=T0 + timedelta(minutes=7)))
    assert again.position_usd == Decimal(12001) and again.position_fills == 4


def test_position_window_expires_old_buckets() -> None:
    state = ScanState(P)  # 72 h window in 3 h buckets
    state.observe(make_trade("4000", tx="0x1", at=T0))
    state.observe(make_trade("4000", tx="0x2", at=T0 + timedelta(hours=40)))
    inside = state.observe(make_trade("100", tx="0x3", at=T0 + timedelta(hours=72)))
    assert inside.position_usd == Decimal(8100)
    outside = state.observe(make_trade("100", tx="0x4", at=T0 + timedelta(hours=76)))
    assert outside.position_usd == Decimal(4200) and outside.position_fills == 3


def test_late_fill_lands_in_its_own_bucket() -> None:
    state = ScanState(P)
    state.observe(make_trade("1000", tx="0x1", at=T0))
    state.observe(make_trade("1000", tx="0x2", at=T0 + timedelta(hours=10)))
    late = state.observe(make_trade("1000", tx="0x3", at=T0 + timedelta(hours=5)))
    assert late.position_usd == Decimal(3000) and late.position_fills == 3
    # a fill older than the whole window is not counted
    ancient = state.observe(make_trade("1000", tx="0x4", at=T0 - timedelta(hours=100)))
    assert ancient.position_usd == Decimal(3000)
    later = state.observe(make_trade("1", tx="0x5", at=T0 + timedelta(hours=76)))
    assert later.position_usd == Decimal(2001)  # the T0 bucket expired, 5 h and 10 h remain


# ---------------------------------------------------------------- bounded memory


def test_tables_are_capped_with_many_markets_wallets_and_pairs() -> None:
    p = params(state_max_tokens=100, state_max_positions=150, state_max_pairs=120)
    state = ScanState(p)
    for i in range(3000):
        t = T0 + timedelta(seconds=i // 2)
        market = cid_n(i // 2)  # two wallets in each market, same second: a pair per market
        state.observe(make_trade("2000", wallet=wallet_n(i), cid=market, token=f"tok{i // 2}", tx=f"0x{i}", at=t))
    sizes = state.sizes()
    assert sizes["outcomes"] <= 100 and sizes["markets"] <= 100 and sizes["buy_windows"] <= 100
    assert sizes["positions"] <= 150 and sizes["pairs"] <= 120
    assert sizes["pairs"] > 0


def test_one_off_trades_never_push_out_a_wallet_that_is_building_up() -> None:
    state = ScanState(params(state_max_positions=400))  # 100 probation + 300 protected
    minute = iter(range(100_000))

    def fill(wallet: str, usd: str, token: str = YES) -> Decimal:
        trade = make_trade(
            usd, wallet=wallet, token=token, tx=f"0x{wallet}{token}{usd}", at=T0 + timedelta(minutes=next(minute) / 10)
        )
        return state.observe(trade).position_usd

    builder, one_off = wallet_n(1), wallet_n(2)
    fill(builder, "3000")
    fill(builder, "3000")  # second fill: protected
    fill(one_off, "3000")  # one fill: still on probation
    for i in range(5000):  # a flood of one-off positions
        fill(wallet_n(1000 + i), "20", token=f"t{i}")
    assert fill(builder, "4000") == Decimal(10000)  # kept: its accumulation crosses $10k
    assert fill(one_off, "100") == Decimal(100)  # forgotten: a one-off evicted by the flood
    assert state.sizes()["positions"] <= 400


def test_sweep_frees_entries_outside_every_window() -> None:
    state = ScanState(P)
    for i in range(50):
        state.observe(make_trade("2000", wallet=wallet_n(i), cid=cid_n(i), token=f"t{i}", tx=f"0x{i}", at=T0))
    far = T0 + timedelta(days=10)
    for i in range(SWEEP_EVERY):
        state.observe(make_trade("10", wallet=WALLET, tx=f"0xf{i}", at=far))
    sizes = state.sizes()
    assert sizes == {"outcomes": 1, "buy_windows": 0, "markets": 0, "positions": 1, "pairs": 0}


def test_real_maduro_sample_through_the_state() -> None:
    trades = real_trades("maduro_takerOnly_false_2026-01-06")
    state = ScanState(params(cluster_min_usd=0))
    views = [state.observe(t) for t in trades]
    assert state.sizes()["outcomes"] == 2
    # wallet 0x682c9261 trades Yes both ways in many transactions: its position is kept to the cent
    mine = [(t, v) for t, v in zip(trades, views, strict=True) if t.wallet.startswith("0x682c9261")]
    cents = [t.usd.quantize(Decimal("0.01")) for t, _ in mine]
    signed = [c if t.side is Side.BUY else -c for (t, _), c in zip(mine, cents, strict=True)]
    assert len(mine) == 11
    assert mine[-1][1].position_gross_usd == sum(cents, Decimal(0)) == Decimal("11.98")
    assert mine[-1][1].position_usd == sum(signed, Decimal(0)) == Decimal("-1.14")  # sold more than it bought


# ---------------------------------------------------------------- follow-up tracker


def trade_alert(trade: Trade, key: str = "") -> Alert:
    return Alert(
        dedup_key=key or f"trade:{trade.dedup_key}",
        kind=AlertKind.TRADE,
        severity=Severity.HIGH,
        confidence=0.7,
        created_at=trade.timestamp,
        title="t",
        trade=trade,
    )


def print_(price: str, minutes: float, token: str = YES, index: int = 0, tx: str = "") -> Trade:
    return make_trade(
        "50",
        price,
        wallet=wallet_n(99),
        token=token,
        index=index,
        outcome="Yes" if index == 0 else "No",
        at=T0 + timedelta(minutes=minutes),
        tx=tx or f"0xp{minutes}-{price}",
    )


def test_follow_up_needs_two_confirming_prints_and_fires_once() -> None:
    tracker = FollowUpTracker(P)
    original = make_trade("20000", "0.30", tx="0xorig")
    assert tracker.watch(trade_alert(original)) is True
    assert tracker.watch(trade_alert(original)) is False  # already watched
    assert tracker.observe(print_("0.41", 10)) == ()  # one print
    assert tracker.observe(print_("0.35", 11)) == ()  # back below: streak resets
    assert tracker.observe(print_("0.41", 12)) == ()
    done = tracker.observe(print_("0.42", 13))
    assert len(done) == 1
    alert, follow = done[0]
    assert alert.trade is original and follow.evidence["observed_price"] == Decimal("0.42")
    assert len(tracker) == 0
    assert tracker.observe(print_("0.50", 14)) == ()


def test_follow_up_reads_the_other_outcome_as_one_minus_price() -> None:
    tracker = FollowUpTracker(params(followup_confirm_trades=1))
    tracker.watch(trade_alert(make_trade("20000", "0.30", tx="0xorig")))
    done = tracker.observe(print_("0.55", 5, token=NO, index=1))
    assert len(done) == 1 and done[0][1].evidence["observed_price"] == Decimal("0.45")


def test_follow_up_ignores_its_own_transaction_and_expires() -> None:
    tracker = FollowUpTracker(params(followup_confirm_trades=1))
    tracker.watch(trade_alert(make_trade("20000", "0.30", tx="0xorig")))
    assert tracker.observe(print_("0.90", 0, tx="0xorig")) == ()
    assert tracker.observe(print_("0.90", 6 * 60 + 1)) == ()  # after followup_within_hours
    assert len(tracker) == 0


def test_follow_up_expiry_without_prints_in_that_market() -> None:
    tracker = FollowUpTracker(P)
    tracker.watch(trade_alert(make_trade("20000", "0.30", tx="0xorig")))
    tracker.observe(make_trade("10", cid=cid_n(5), token="x", at=T0 + timedelta(hours=7)))
    assert len(tracker) == 0


def test_follow_up_pending_is_capped_and_skips_alerts_without_trade() -> None:
    tracker = FollowUpTracker(params(followup_max_pending=10))
    for i in range(25):
        tracker.watch(trade_alert(make_trade("20000", "0.30", tx=f"0x{i}", cid=cid_n(i), token=f"t{i}")))
    assert len(tracker) == 10
    bare = Alert(dedup_key="x", kind=AlertKind.SYSTEM, severity=Severity.INFO, confidence=0, created_at=T0, title="x")
    assert tracker.watch(bare) is False
