from __future__ import annotations

import pytest

from scanner_core.detectors.contrarian import PRIOR_RATE, detect_contrarian, record_skill
from scanner_core.models import Side, SignalKind
from tests.unit.detectors.factories import ctx, make_profile, make_trade, params, real_trades

P = params()  # BUY < 0.30, SELL > 0.70


@pytest.mark.parametrize(
    ("side", "price", "strength"),
    [
        (Side.BUY, "0.30", None),  # at the line: not below it
        (Side.BUY, "0.15", 0.6),
        (Side.BUY, "0.03", 0.4 + 0.4 * 0.9),
        (Side.BUY, "0", 0.8),  # price 0
        (Side.BUY, "0.80", None),  # buying the favourite
        (Side.SELL, "0.70", None),
        (Side.SELL, "0.85", 0.6),
        (Side.SELL, "1", 0.8),  # price 1
        (Side.SELL, "0.20", None),
    ],
)
def test_against_consensus(side: Side, price: str, strength: float | None) -> None:
    trade = make_trade("5000", price, side=side)
    found = detect_contrarian(trade, ctx(trade), P)
    if strength is None:
        assert found is None
    else:
        assert found is not None and found.kind is SignalKind.CONTRARIAN
        assert found.strength == pytest.approx(strength)


@pytest.mark.parametrize(
    ("trades", "wins", "rate", "skill"),
    [
        (0, 0, PRIOR_RATE, 0.0),
        (1, 1, 0.4, 0.3),
        (4, 0, 0.125, 0.0),
        (12, 10, 11 / 16, (11 / 16 - 0.25) / 0.5),
        (40, 38, 39 / 44, 1.0),
        (3, 9, 4 / 7, (4 / 7 - 0.25) / 0.5),  # wins above trades are clamped
    ],
)
def test_record_skill(trades: int, wins: int, rate: float, skill: float) -> None:
    got_rate, got_skill = record_skill(trades, wins)
    assert got_rate == pytest.approx(rate)
    assert got_skill == pytest.approx(skill)


def test_good_record_makes_it_stronger() -> None:
    trade = make_trade("5000", "0.15")
    plain = detect_contrarian(trade, ctx(trade, wallet=make_profile()), P)
    lucky = detect_contrarian(trade, ctx(trade, wallet=make_profile(contrarian_trades=1, contrarian_wins=1)), P)
    skilled = detect_contrarian(trade, ctx(trade, wallet=make_profile(contrarian_trades=12, contrarian_wins=10)), P)
    poor = detect_contrarian(trade, ctx(trade, wallet=make_profile(contrarian_trades=10, contrarian_wins=1)), P)
    assert plain and lucky and skilled and poor
    assert poor.strength == plain.strength == pytest.approx(0.6)
    assert plain.strength < lucky.strength < skilled.strength < 1.0
    assert skilled.evidence["contrarian_wins"] == 10 and "record_rate" not in plain.evidence
    assert skilled.summary == "Against the consensus: bought Yes at 0.15; record on such bets 10/12"


def test_thresholds_configurable() -> None:
    trade = make_trade("5000", "0.32")
    assert detect_contrarian(trade, ctx(trade), P) is None
    assert detect_contrarian(trade, ctx(trade), params(contrarian_low_price=0.35)) is not None
    sell = make_trade("5000", "0.99", side=Side.SELL)
    assert detect_contrarian(sell, ctx(sell), params(contrarian_high_price=1.0)) is None


def test_real_maduro_long_shot_buys() -> None:
    """Every Yes buy in the sample is at 1.5-2.3 cents against a ~98% No consensus."""
    trades = real_trades("maduro_takerOnly_false_2026-01-06")
    yes_buys = [t for t in trades if t.side is Side.BUY and t.outcome == "Yes"]
    no_buys = [t for t in trades if t.side is Side.BUY and t.outcome == "No"]
    assert len(yes_buys) == 23 and no_buys
    for t in yes_buys:
        found = detect_contrarian(t, ctx(t), P)
        assert found is not None and found.strength > 0.75, t
    assert all(detect_contrarian(t, ctx(t), P) is None for t in no_buys)
