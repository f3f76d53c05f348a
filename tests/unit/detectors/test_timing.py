from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from scanner_core.detectors.timing import detect_follow_through, detect_near_resolution
from scanner_core.models import Side, SignalKind
from tests.unit.detectors.factories import T0, ctx, make_market, make_trade, params, real_trade

P = params()  # 24 h before end; follow-up: 0.10 within 6 h


@pytest.mark.parametrize(
    ("hours_to_end", "strength", "past"),
    [
        (30.0, None, False),
        (24.01, None, False),
        (24.0, 0.5, False),
        (12.0, 0.75, False),
        (0.0, 1.0, False),
        (-5.0, 0.5, True),  # past the scheduled end, resolution pending
        (-24.0, 0.5, True),
        (-25.0, None, False),  # long past: stale, not timing
    ],
)
def test_near_resolution(hours_to_end: float, strength: float | None, past: bool) -> None:
    trade = make_trade("5000")
    market = make_market(end_date=T0 + timedelta(hours=hours_to_end))
    found = detect_near_resolution(trade, ctx(trade, market=market), P)
    if strength is None:
        assert found is None
        return
    assert found is not None and found.kind is SignalKind.NEAR_RESOLUTION
    assert found.strength == pytest.approx(strength)
    assert found.evidence["hours_to_end"] == pytest.approx(hours_to_end)
    assert ("past_end" in found.evidence) == past


def test_missing_end_date_or_market() -> None:
    trade = make_trade("5000")
    assert detect_near_resolution(trade, ctx(trade), P) is None
    assert detect_near_resolution(trade, ctx(trade, market=make_market(end_date=None)), P) is None


def test_judged_as_of_the_trade_time() -> None:
    trade = real_trade("global_2026-07-17", "0x16bb9951")  # MLB game trade
    market = make_market(end_date=trade.timestamp + timedelta(hours=3))
    found = detect_near_resolution(trade, ctx(trade, market=market), P)
    assert found is not None and found.summary == "3.0 h before the market's end date"


@pytest.mark.parametrize(
    ("side", "entry", "observed", "hours", "move", "strength"),
    [
        (Side.BUY, "0.30", "0.40", 1.0, 0.10, 0.5),
        (Side.BUY, "0.30", "0.60", 1.0, 0.30, 1.0),
        (Side.BUY, "0.30", "0.39", 1.0, None, None),
        (Side.BUY, "0.30", "0.20", 1.0, None, None),  # moved against it
        (Side.BUY, "0.30", "0.45", 6.0, 0.15, 0.625),
        (Side.BUY, "0.30", "0.45", 6.01, None, None),  # too late
        (Side.BUY, "0.30", "0.45", -0.1, None, None),  # before the trade
        (Side.SELL, "0.70", "0.55", 2.0, 0.15, 0.625),
        (Side.SELL, "0.70", "0.75", 2.0, None, None),
        (Side.BUY, "0", "1", 0.5, 1.0, 1.0),  # price 0 and 1
        (Side.SELL, "1", "0", 0.5, 1.0, 1.0),
    ],
)
def test_follow_through(
    side: Side, entry: str, observed: str, hours: float, move: float | None, strength: float | None
) -> None:
    trade = make_trade("20000", entry, side=side)
    found = detect_follow_through(trade, Decimal(observed), T0 + timedelta(hours=hours), P)
    if strength is None:
        assert found is None
        return
    assert found is not None and found.kind is SignalKind.PRICE_FOLLOW_THROUGH
    assert found.evidence["move"] == pytest.approx(move)
    assert found.strength == pytest.approx(strength)


def test_follow_through_settings_and_summary() -> None:
    trade = make_trade("20000", "0.30", outcome="Yes")
    at = T0 + timedelta(hours=8)
    assert detect_follow_through(trade, Decimal("0.36"), at, P) is None
    found = detect_follow_through(trade, Decimal("0.36"), at, params(followup_min_move=0.05, followup_within_hours=12))
    assert found is not None
    assert found.summary == "Yes went 0.30 → 0.36 (+6.0¢ for the trade) within 8.0 h"
