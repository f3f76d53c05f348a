from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from scanner_core.context import ScanState
from scanner_core.detectors.concentration import detect_concentration
from scanner_core.models import SignalKind
from tests.unit.detectors.factories import T0, ctx, make_profile, make_trade, params, real_trade

P = params()  # 80% of volume, at least $10k in the market


@pytest.mark.parametrize(
    ("usd", "total_volume", "trades", "share", "strength"),
    [
        ("12000", "0", 0, 1.0, 1.0),  # a first bet is all of the wallet's volume
        ("12000", "2000", 3, 12 / 14, 0.5 + 0.5 * (12 / 14 - 0.8) / 0.2),
        ("12000", "3000", 3, 0.8, 0.5),
        ("12000", "3001", 3, None, None),
        ("9999", "0", 0, None, None),  # below the minimum volume
        ("12000", "80000", 200, None, None),  # a spread-out wallet
    ],
)
def test_share_of_wallet_volume(
    usd: str, total_volume: str, trades: int, share: float | None, strength: float | None
) -> None:
    trade = make_trade(usd)
    profile = make_profile(total_volume=Decimal(total_volume), trade_count=trades)
    found = detect_concentration(trade, ctx(trade, wallet=profile), P)
    if share is None:
        assert found is None
        return
    assert found is not None and found.kind is SignalKind.CONCENTRATION
    assert found.evidence["share"] == pytest.approx(share, abs=1e-4)
    assert found.strength == pytest.approx(strength)


def test_unknown_wallet_is_not_concentrated() -> None:
    trade = make_trade("50000")
    assert detect_concentration(trade, ctx(trade), P) is None


def test_earlier_fills_in_the_window_count() -> None:
    state = ScanState(P)
    early = [make_trade("5000", at=T0 + timedelta(hours=h), tx=f"0x{h}") for h in range(3)]
    for t in early:
        state.observe(t)
    now = make_trade("5000", at=T0 + timedelta(hours=5), tx="0xnow")
    view = state.observe(now)
    profile = make_profile(total_volume=Decimal(19000), trade_count=4)  # $15k here + $4k elsewhere
    found = detect_concentration(now, ctx(now, view, wallet=profile), P)
    assert found is not None
    assert found.evidence["market_usd"] == Decimal(20000)
    assert found.evidence["wallet_volume_usd"] == Decimal(24000)
    assert found.summary == "83% of this wallet's volume is in this market ($20k of $24k)"


def test_full_share_setting() -> None:
    trade = make_trade("12000")
    found = detect_concentration(
        trade, ctx(trade, wallet=make_profile(total_volume=Decimal(0))), params(concentration_min_share=1.0)
    )
    assert found is not None and found.strength == 1.0


def test_real_sample_first_bet() -> None:
    trade = real_trade("global_2026-07-17", "0xac482f27")  # $30k BUY No
    newcomer = make_profile(address=trade.wallet, first_seen=None, trade_count=0, total_volume=Decimal(0))
    found = detect_concentration(trade, ctx(trade, wallet=newcomer), P)
    assert found is not None and found.evidence["share"] == 1.0
