from __future__ import annotations

import math
from decimal import Decimal

import pytest

from scanner_core.detectors.impact import detect_market_impact, detect_niche_market
from scanner_core.models import Side, SignalKind
from tests.unit.detectors.factories import ctx, make_market, make_trade, params, real_trades

P = params()  # move 0.02, 5% of liquidity, 2% of 24 h volume, niche < $50k
QUIET = make_market(liquidity=Decimal(10_000_000), volume_24h=Decimal(100_000_000))


def _ramp(x: float, threshold: float) -> float:
    return min(1.0, 0.5 + 0.5 * math.log(x / threshold) / math.log(5))


@pytest.mark.parametrize(
    ("side", "price", "before", "after", "move", "strength"),
    [
        (Side.BUY, "0.36", "0.30", None, 0.06, _ramp(0.06, 0.02)),  # own fill price is the "after"
        (Side.BUY, "0.32", "0.30", "0.40", 0.10, 1.0),  # a known price after wins
        (Side.BUY, "0.31", "0.30", None, 0.01, None),  # too small
        (Side.BUY, "0.28", "0.30", None, -0.02, None),  # against its own direction
        (Side.SELL, "0.45", "0.50", None, 0.05, _ramp(0.05, 0.02)),
        (Side.SELL, "0.55", "0.50", None, -0.05, None),
        (Side.BUY, "1", "0", None, 1.0, 1.0),  # price 0 to 1
        (Side.SELL, "0", "1", None, 1.0, 1.0),
        (Side.BUY, "0.50", None, None, None, None),  # no price before: nothing to compare
    ],
)
def test_price_move(
    side: Side, price: str, before: str | None, after: str | None, move: float | None, strength: float | None
) -> None:
    trade = make_trade("5000", price, side=side)
    found = detect_market_impact(trade, ctx(trade, market=QUIET, price_before=before, price_after=after), P)
    if strength is None:
        assert found is None
        return
    assert found is not None and found.kind is SignalKind.MARKET_IMPACT
    assert found.strength == pytest.approx(strength)
    assert found.evidence["price_move"] == pytest.approx(move)


@pytest.mark.parametrize(
    ("usd", "liquidity", "volume", "fired", "strength"),
    [
        ("20000", "100000", "100000000", {"liquidity_share"}, _ramp(0.2, 0.05)),
        ("4999", "100000", "100000000", set(), None),
        ("5000", "100000000", "100000", {"volume_share"}, _ramp(0.05, 0.02)),
        ("30000", "100000", "100000", {"liquidity_share", "volume_share"}, 1.0),
        ("30000", "0", "0", set(), None),  # zero liquidity and zero volume: skipped, no crash
        ("30000", None, None, set(), None),
    ],
)
def test_shares_of_liquidity_and_volume(
    usd: str, liquidity: str | None, volume: str | None, fired: set[str], strength: float | None
) -> None:
    market = make_market(
        liquidity=None if liquidity is None else Decimal(liquidity),
        volume_24h=None if volume is None else Decimal(volume),
    )
    trade = make_trade(usd)
    found = detect_market_impact(trade, ctx(trade, market=market), P)
    if strength is None:
        assert found is None
        return
    assert found is not None and found.strength == pytest.approx(strength)
    for name in ("liquidity_share", "volume_share"):
        share_key = name if name == "liquidity_share" else "volume_24h_share"
        assert share_key in found.evidence
        if name in fired:
            assert found.evidence[share_key] >= (0.05 if name == "liquidity_share" else 0.02)


def test_missing_market_and_summary() -> None:
    trade = make_trade("5000", "0.36", outcome="Yes")
    assert detect_market_impact(trade, ctx(trade), P) is None
    found = detect_market_impact(trade, ctx(trade, price_before="0.30"), P)
    assert found is not None
    assert found.summary == "Market impact: moved Yes 0.30 → 0.36"
    liquid = make_market(liquidity=Decimal(50_000), volume_24h=Decimal(1_000_000))
    both = detect_market_impact(trade, ctx(trade, market=liquid, price_before="0.30"), P)
    assert both is not None
    assert both.summary == "Market impact: moved Yes 0.30 → 0.36; 10% of liquidity ($50k)"


@pytest.mark.parametrize(
    ("volume", "strength"),
    [
        ("0", 1.0),  # zero volume is the thinnest market there is
        ("25000", 0.7),
        ("49999", 0.4 + 0.6 * (1 / 50_000)),
        ("50000", None),
        ("1000000", None),
        (None, None),  # unknown volume
    ],
)
def test_niche_market(volume: str | None, strength: float | None) -> None:
    trade = make_trade("2000")
    market = make_market(volume_24h=None if volume is None else Decimal(volume))
    found = detect_niche_market(trade, ctx(trade, market=market), P)
    if strength is None:
        assert found is None
    else:
        assert found is not None and found.kind is SignalKind.NICHE_MARKET
        assert found.strength == pytest.approx(strength)
        assert ("volume_share" in found.evidence) == (volume != "0")


def test_niche_needs_a_market_and_a_positive_threshold() -> None:
    trade = make_trade("2000")
    assert detect_niche_market(trade, ctx(trade), P) is None
    market = make_market(volume_24h=Decimal(0))
    assert detect_niche_market(trade, ctx(trade, market=market), params(niche_market_volume_usd=0)) is None


def test_real_maduro_sweep_moved_the_odds() -> None:
    """The taker BUY of Yes in tx 0x63135f18 paid 0.0209 after the previous print at 0.0197 (tx 0x3453ba58)."""
    trades = real_trades("maduro_takerOnly_false_2026-01-06")
    sweep = next(t for t in trades if t.tx_hash.startswith("0x63135f18") and t.wallet.startswith("0x8918b965"))
    found = detect_market_impact(sweep, ctx(sweep, price_before="0.0197039041"), params(impact_min_price_move=0.001))
    assert found is not None and found.evidence["price_move"] == pytest.approx(0.0012, abs=1e-4)
    assert detect_market_impact(sweep, ctx(sweep, price_before="0.0197039041"), P) is None
