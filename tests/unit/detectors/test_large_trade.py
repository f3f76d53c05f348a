from __future__ import annotations

from decimal import Decimal

import pytest

from scanner_core.detectors.large_trade import detect_large_trade
from scanner_core.models import Side, SignalKind
from tests.unit.detectors.factories import ctx, make_trade, params, real_trade, real_trades

P = params()


@pytest.mark.parametrize(
    ("usd", "tier", "strength"),
    [
        ("0", None, None),
        ("9999.99", None, None),
        ("10000", 1, 0.6),
        ("49999.99", 1, 0.6),
        ("50000", 2, 0.8),
        ("99999", 2, 0.8),
        ("100000", 3, 1.0),
        ("5000000", 3, 1.0),
    ],
)
def test_size_tiers(usd: str, tier: int | None, strength: float | None) -> None:
    trade = make_trade(usd)
    found = detect_large_trade(trade, ctx(trade), P)
    if tier is None:
        assert found is None
        return
    assert found is not None and found.kind is SignalKind.LARGE_TRADE
    assert found.evidence["tier"] == tier
    assert found.strength == pytest.approx(strength)
    assert found.evidence["usd"] == Decimal(usd)


@pytest.mark.parametrize(
    ("tiers", "usd", "strength"),
    [
        ("25000", "25000", 0.8),  # a single tier
        ("1000,2000", "1500", 0.6),
        ("1000,2000", "2000", 1.0),
        ("5000,10000,20000,40000", "20000", 0.6 + 0.4 * 2 / 3),
    ],
)
def test_configured_tiers(tiers: str, usd: str, strength: float) -> None:
    trade = make_trade(usd)
    found = detect_large_trade(trade, ctx(trade), params(large_trade_tiers=tiers))
    assert found is not None and found.strength == pytest.approx(strength)


@pytest.mark.parametrize(("side", "word"), [(Side.BUY, "buy"), (Side.SELL, "sell")])
def test_both_sides_and_summary(side: Side, word: str) -> None:
    trade = make_trade("52300", side=side)
    found = detect_large_trade(trade, ctx(trade), P)
    assert found is not None
    assert found.summary == f"$52.3k {word}: size tier 2 of 3 (≥ $50k)"


@pytest.mark.parametrize("price", ["0", "1", "0.0001"])
def test_extreme_prices_do_not_matter(price: str) -> None:
    trade = make_trade("20000", price)
    found = detect_large_trade(trade, ctx(trade), P)
    assert found is not None and found.evidence["tier"] == 1


def test_real_sample_rows() -> None:
    aliens = real_trade("global_2026-07-17", "0xac482f27")  # BUY No, $30,000.00
    cashing_out = real_trade("global_2026-07-17", "0x6d20c35f")  # two rows; the oldest is the $64.8k SELL
    for trade, tier in ((aliens, 1), (cashing_out, 2)):
        found = detect_large_trade(trade, ctx(trade), P)
        assert found is not None and found.evidence["tier"] == tier, trade
    maduro = real_trades("maduro_takerOnly_false_2026-01-06")
    assert [t for t in maduro if detect_large_trade(t, ctx(t), P)] == []
