from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from scanner_core.detectors.fresh_wallet import detect_fresh_wallet, size_factor
from scanner_core.models import SignalKind
from tests.unit.detectors.factories import T0, ctx, make_profile, make_trade, params, real_trade

P = params()  # fresh: <= 7 days or < 5 trades


@pytest.mark.parametrize(
    ("usd", "factor"),
    [("0", 0.5), ("100", 0.5), ("1000", 0.5), ("3162.2777", 0.75), ("10000", 1.0), ("250000", 1.0)],
)
def test_size_factor(usd: str, factor: float) -> None:
    assert size_factor(make_trade(usd), P) == pytest.approx(factor, abs=1e-6)


def test_no_history_counts_as_fresh() -> None:
    trade = make_trade("10000")
    profile = make_profile(first_seen=None, trade_count=0, total_volume=Decimal(0))
    found = detect_fresh_wallet(trade, ctx(trade, wallet=profile), P)
    assert found is not None and found.kind is SignalKind.FRESH_WALLET
    assert found.evidence["history"] == "none"
    assert found.strength == pytest.approx(1.0)


def test_an_unprofiled_wallet_is_unknown_not_fresh() -> None:
    trade = make_trade("10000")
    assert detect_fresh_wallet(trade, ctx(trade, wallet=None), P) is None


@pytest.mark.parametrize(
    ("age_days", "trades", "expected"),
    [
        (0.0, 50, 1.0),  # age alone
        (3.5, 50, 0.75),
        (7.0, 50, 0.5),
        (7.01, 50, None),  # neither young nor few trades
        (30, 0, 1.0),  # few trades alone
        (30, 4, 1.0 - 0.5 * 4 / 5),
        (30, 5, None),
        (1.0, 2, max(1.0 - 0.5 / 7, 1.0 - 0.5 * 2 / 5)),  # both: the stronger counts
        (-2.0, 50, 1.0),  # first_seen after the trade (profile as of later): age 0
    ],
)
def test_age_and_count(age_days: float, trades: int, expected: float | None) -> None:
    trade = make_trade("10000")
    profile = make_profile(first_seen=T0 - timedelta(days=age_days), trade_count=trades)
    found = detect_fresh_wallet(trade, ctx(trade, wallet=profile), P)
    if expected is None:
        assert found is None
    else:
        assert found is not None and found.strength == pytest.approx(expected)
        assert found.evidence["prior_trades"] == trades


def test_size_scales_strength() -> None:
    profile = make_profile(first_seen=T0 - timedelta(hours=2), trade_count=1)
    small, big = make_trade("1000"), make_trade("10000")
    weak = detect_fresh_wallet(small, ctx(small, wallet=profile), P)
    strong = detect_fresh_wallet(big, ctx(big, wallet=profile), P)
    assert weak is not None and strong is not None
    assert weak.strength == pytest.approx(strong.strength / 2)


def test_unknown_age_with_many_trades_is_not_fresh() -> None:
    trade = make_trade("10000")
    assert detect_fresh_wallet(trade, ctx(trade, wallet=make_profile(first_seen=None, trade_count=9)), P) is None


def test_zero_day_setting() -> None:
    p = params(fresh_wallet_max_age_days=0, fresh_wallet_max_trades=0)
    trade = make_trade("10000")
    same_day = make_profile(first_seen=T0, trade_count=3)
    older = make_profile(first_seen=T0 - timedelta(hours=1), trade_count=3)
    assert detect_fresh_wallet(trade, ctx(trade, wallet=same_day), p) is not None
    assert detect_fresh_wallet(trade, ctx(trade, wallet=older), p) is None


def test_summary_names_the_history() -> None:
    trade = make_trade("10000")
    found = detect_fresh_wallet(
        trade, ctx(trade, wallet=make_profile(first_seen=T0 - timedelta(days=2), trade_count=1)), P
    )
    assert found is not None
    assert found.summary == "Fresh wallet: first Polymarket activity 2.0 days ago, 1 earlier trade"
    assert found.evidence["age_days"] == 2.0


def test_real_sample_wallet_judged_as_of_the_trade() -> None:
    trade = real_trade("global_2026-07-17", "0xac482f27")  # $30k BUY on 2026-07-17
    a_week_before = make_profile(address=trade.wallet, first_seen=trade.timestamp - timedelta(days=6), trade_count=40)
    a_year_before = make_profile(address=trade.wallet, first_seen=trade.timestamp - timedelta(days=365), trade_count=40)
    assert detect_fresh_wallet(trade, ctx(trade, wallet=a_week_before), P) is not None
    assert detect_fresh_wallet(trade, ctx(trade, wallet=a_year_before), P) is None
