from __future__ import annotations

from decimal import Decimal

import pytest

from scanner_core.detectors.unusual_size import detect_unusual_size
from scanner_core.models import SignalKind
from tests.unit.detectors.factories import ctx, make_profile, make_trade, params, real_trade

P = params()  # 5x, at least 5 trades


@pytest.mark.parametrize(
    ("usd", "avg", "median", "trades", "strength"),
    [
        ("1999", "400", "150", 200, None),  # 4.99x the baseline (the larger of avg and median)
        ("2000", "400", "150", 200, 0.5),  # exactly 5x
        ("10000", "400", "150", 200, 1.0),  # 25x = multiple squared
        ("50000", "400", "150", 200, 1.0),
        ("2000", "150", "400", 200, 0.5),  # median larger than average
        ("2000", "400", "150", 4, None),  # too little history
        ("2000", "400", "150", 5, 0.5),
        ("2000", "0", "0", 200, None),  # no baseline
        ("0", "400", "150", 200, None),
    ],
)
def test_against_own_history(usd: str, avg: str, median: str, trades: int, strength: float | None) -> None:
    trade = make_trade(usd)
    profile = make_profile(avg_trade_size=Decimal(avg), median_trade_size=Decimal(median), trade_count=trades)
    found = detect_unusual_size(trade, ctx(trade, wallet=profile), P)
    if strength is None:
        assert found is None
    else:
        assert found is not None and found.kind is SignalKind.UNUSUAL_SIZE
        assert found.strength == pytest.approx(strength)
        assert found.evidence["prior_trades"] == trades


def test_no_profile_or_no_history() -> None:
    trade = make_trade("50000")
    assert detect_unusual_size(trade, ctx(trade), P) is None
    empty = make_profile(first_seen=None, trade_count=0, avg_trade_size=Decimal(0), median_trade_size=Decimal(0))
    assert detect_unusual_size(trade, ctx(trade, wallet=empty), P) is None


def test_multiple_setting_and_summary() -> None:
    trade = make_trade("1200")
    profile = make_profile(avg_trade_size=Decimal(400), median_trade_size=Decimal(100))
    assert detect_unusual_size(trade, ctx(trade, wallet=profile), P) is None
    found = detect_unusual_size(trade, ctx(trade, wallet=profile), params(unusual_size_multiple=3))
    assert found is not None
    assert found.summary == "3x this wallet's typical trade ($1.2k vs $400)"
    assert found.evidence["ratio"] == 3.0


def test_real_sample_trade() -> None:
    trade = real_trade("global_2026-07-17", "0x16bb9951")  # $19.2k BUY St. Louis Cardinals
    usual = make_profile(address=trade.wallet, avg_trade_size=Decimal(15000), median_trade_size=Decimal(12000))
    small_timer = make_profile(address=trade.wallet, avg_trade_size=Decimal(300), median_trade_size=Decimal(90))
    assert detect_unusual_size(trade, ctx(trade, wallet=usual), P) is None
    found = detect_unusual_size(trade, ctx(trade, wallet=small_timer), P)
    assert found is not None and found.evidence["ratio"] == 64.0
