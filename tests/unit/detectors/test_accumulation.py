from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from scanner_core.context import RollingView, ScanState
from scanner_core.detectors.accumulation import detect_accumulation
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Side, Signal, SignalKind, Trade
from tests.unit.detectors.factories import T0, ctx, make_trade, params

P = params()  # tiers 10k/50k/100k, 3 fills, 72 h


def fill(usd: str, hours: float, side: Side = Side.BUY, n: int = 0) -> Trade:
    return make_trade(usd, side=side, at=T0 + timedelta(hours=hours), tx=f"0x{hours}-{n}-{usd}")


def run(trades: list[Trade], p: DetectorParams = P) -> list[Signal | None]:
    state = ScanState(p)
    return [detect_accumulation(t, ctx(t, state.observe(t)), p) for t in trades]


def fired(found: list[Signal | None]) -> dict[int, int]:
    """{fill index: tier} for every fill that raised the signal."""
    return {i: int(s.evidence["tier"]) for i, s in enumerate(found) if s is not None}


@pytest.mark.parametrize(
    ("trades", "expected"),
    [
        pytest.param([fill("900", h) for h in range(12)], {11: 1}, id="12 sub-floor fills cross $10k once"),
        pytest.param([fill("900", h) for h in range(20)], {11: 1}, id="no refire on later fills"),
        pytest.param([fill("6000", 0), fill("6000", 1)], {}, id="two fills are not enough"),
        pytest.param([fill("6000", 0), fill("6000", 1), fill("500", 2)], {2: 1}, id="third fill completes it"),
        pytest.param([fill("20000", h) for h in range(6)], {2: 2, 4: 3}, id="each tier once"),
        pytest.param(
            [fill("3000", 0), fill("3000", 1), fill("3000", 2), fill("100000", 3)], {3: 3}, id="jump reports highest"
        ),
        pytest.param(
            [fill("4000", 0), fill("4000", 1), fill("3000", 2, Side.SELL), fill("4000", 3), fill("2000", 4)],
            {4: 1},
            id="sells reduce the net position",
        ),
        pytest.param([fill("4000", 0), fill("4000", 40), fill("4000", 80)], {}, id="first fill left the 72 h window"),
    ],
)
def test_tier_crossings(trades: list[Trade], expected: dict[int, int]) -> None:
    assert fired(run(trades)) == expected


def test_window_empties_and_tiers_rearm() -> None:
    first = [fill("4000", h) for h in range(3)]
    later = [fill("4000", 100 + h) for h in range(3)]  # > 72 h (+ one 3 h bucket) after the last fill
    assert fired(run(first + later)) == {2: 1, 5: 1}


def test_evidence_and_strength() -> None:
    found = run([fill("900", h) for h in range(12)])[11]
    assert found is not None and found.kind is SignalKind.ACCUMULATION
    assert found.evidence["position_usd"] == Decimal(10800)
    assert found.evidence["fills"] == 12
    assert found.evidence["span_hours"] == 11.0
    assert found.evidence["largest_fill_usd"] == Decimal(900)
    assert found.strength == pytest.approx(0.6 * (1 - 0.5 * 900 / 10800))
    assert found.summary == "Built $10.8k in Yes over 12 buys in 11.0 h (tier $10k)"


def test_one_big_fill_is_weak_accumulation() -> None:
    found = run([fill("500", 0), fill("500", 1), fill("60000", 2)])[2]
    assert found is not None and found.evidence["tier"] == 2
    assert found.strength == pytest.approx(0.8 * (1 - 0.5 * 60000 / 61000))


def test_settings() -> None:
    trades = [fill("2000", h) for h in range(4)]
    assert fired(run(trades)) == {}
    assert fired(run(trades, params(large_trade_tiers="5000,10000"))) == {2: 1}
    assert fired(run(trades, params(large_trade_tiers="5000", accumulation_min_fills=4))) == {3: 1}
    spread = [fill("4000", h * 10) for h in range(3)]
    assert fired(run(spread, params(accumulation_window_hours=12))) == {}
    assert fired(run(spread, params(accumulation_window_hours=48))) == {2: 1}


@pytest.mark.parametrize(
    "view",
    [
        RollingView(),
        RollingView(accumulation_tier=7, position_cents=2_000_000),  # not a configured tier
        RollingView(accumulation_tier=0, position_cents=0),
    ],
)
def test_nothing_to_report(view: RollingView) -> None:
    trade = make_trade("900")
    assert detect_accumulation(trade, ctx(trade, view), P) is None
