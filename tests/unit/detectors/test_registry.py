"""The registry, the market-maker restriction, and every detector against every edge case."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from db.serialise import jsonable
from scanner_core import filters
from scanner_core.context import DetectionContext, RollingView, ScanState
from scanner_core.detectors import DETECTORS, LP_ALLOWED_KINDS, LP_DETECTORS, Detector, run_detectors
from scanner_core.models import Side, SignalKind, Trade
from scanner_core.scoring import score
from tests.unit.detectors.factories import T0, ctx, make_market, make_profile, make_trade, params
from tests.unit.detectors.factories import scoring_params as sp

P = params()
EMPTY_PROFILE = make_profile(
    first_seen=None, trade_count=0, total_volume=Decimal(0), avg_trade_size=Decimal(0), median_trade_size=Decimal(0)
)
FULL_VIEW = RollingView(
    price_before=Decimal("0.3"),
    position_cents=2_000_000,
    position_gross_cents=2_000_000,
    position_fills=5,
    position_largest_fill_cents=500_000,
    accumulation_tier=0,
)


def test_registry_order_and_coverage() -> None:
    names = [d.__name__ for d in DETECTORS]
    assert names == [
        "detect_large_trade",
        "detect_fresh_wallet",
        "detect_unusual_size",
        "detect_market_impact",
        "detect_niche_market",
        "detect_cluster",
        "detect_coordinated_pair",
        "detect_near_resolution",
        "detect_contrarian",
        "detect_accumulation",
        "detect_concentration",
        "detect_linked_wallets",
    ]
    assert set(LP_DETECTORS) <= set(DETECTORS)


EDGE_TRADES = {
    "price 0": make_trade("20000", "0"),
    "price 1": make_trade("20000", "1"),
    "sell at 1": make_trade("20000", "1", side=Side.SELL),
    "zero usd": make_trade("0", "0.5"),
    "no outcome index": make_trade("20000", index=None, outcome=""),
    "no token id": make_trade("20000", token=""),
}
EDGE_CONTEXTS = {
    "nothing known": lambda t: ctx(t),
    "no market, no history": lambda t: ctx(t, wallet=EMPTY_PROFILE),
    "zero liquidity": lambda t: ctx(t, market=make_market(liquidity=Decimal(0)), wallet=make_profile()),
    "zero volume": lambda t: ctx(t, market=make_market(volume_24h=Decimal(0)), wallet=EMPTY_PROFILE),
    "missing end date": lambda t: ctx(t, market=make_market(end_date=None, liquidity=None, volume_24h=None)),
    "after the end date": lambda t: ctx(t, market=make_market(end_date=T0 - timedelta(days=90))),
    "price before 0": lambda t: ctx(t, FULL_VIEW, market=make_market(), price_before="0", price_after="1"),
    "price before 1": lambda t: ctx(t, FULL_VIEW, market=make_market(), price_before="1", price_after="0"),
    "wallet from the future": lambda t: ctx(t, wallet=make_profile(first_seen=T0 + timedelta(days=3))),
}


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("trade_name", EDGE_TRADES)
@pytest.mark.parametrize("context_name", EDGE_CONTEXTS)
def test_edge_cases_never_crash(detector: Detector, trade_name: str, context_name: str) -> None:
    trade = EDGE_TRADES[trade_name]
    context: DetectionContext = EDGE_CONTEXTS[context_name](trade)  # type: ignore[operator]
    found = detector(trade, context, P)
    if found is None:
        return
    assert 0.0 <= found.strength <= 1.0 and found.summary
    json.dumps(jsonable(found.evidence))


@pytest.mark.parametrize(
    ("context_name", "absent"),
    [
        (
            "nothing known",
            {SignalKind.NICHE_MARKET, SignalKind.NEAR_RESOLUTION, SignalKind.CONCENTRATION, SignalKind.UNUSUAL_SIZE},
        ),
        ("missing end date", {SignalKind.NEAR_RESOLUTION, SignalKind.NICHE_MARKET}),
    ],
)
def test_what_missing_data_rules_out(context_name: str, absent: set[SignalKind]) -> None:
    trade = make_trade("20000", "0.5")
    found = {s.kind for s in run_detectors(trade, EDGE_CONTEXTS[context_name](trade), P)}  # type: ignore[operator]
    assert not found & absent


def test_zero_liquidity_leaves_only_the_volume_share() -> None:
    trade = make_trade("20000", "0.5")
    found = {s.kind: s for s in run_detectors(trade, EDGE_CONTEXTS["zero liquidity"](trade), P)}  # type: ignore[operator]
    impact = found[SignalKind.MARKET_IMPACT]
    assert "liquidity_share" not in impact.evidence and impact.evidence["volume_24h_share"] == 0.04


def test_run_detectors_collects_in_registry_order() -> None:
    trade = make_trade("60000", "0.10")
    market = make_market(volume_24h=Decimal(20000), end_date=T0 + timedelta(hours=6))
    found = run_detectors(trade, ctx(trade, FULL_VIEW, market=market, wallet=EMPTY_PROFILE), P)
    assert [s.kind for s in found] == [
        SignalKind.LARGE_TRADE,
        SignalKind.FRESH_WALLET,
        SignalKind.MARKET_IMPACT,
        SignalKind.NICHE_MARKET,
        SignalKind.NEAR_RESOLUTION,
        SignalKind.CONTRARIAN,
        SignalKind.ACCUMULATION,
        SignalKind.CONCENTRATION,
    ]


def test_market_makers_raise_only_lp_kinds() -> None:
    trade = make_trade("60000", "0.10")
    market = make_market(volume_24h=Decimal(20000), end_date=T0 + timedelta(hours=6))
    maker = make_profile(
        first_seen=T0 - timedelta(days=1), trade_count=2, mm_confidence=0.9, mm_indicators=("balanced",)
    )
    found = run_detectors(trade, ctx(trade, FULL_VIEW, market=market, wallet=maker, price_before="0.05"), P)
    assert {s.kind for s in found} == {SignalKind.LARGE_TRADE, SignalKind.MARKET_IMPACT}
    assert {s.kind for s in found} <= LP_ALLOWED_KINDS
    below = make_profile(first_seen=T0 - timedelta(days=1), trade_count=2, mm_confidence=0.59)
    assert SignalKind.FRESH_WALLET in {s.kind for s in run_detectors(trade, ctx(trade, wallet=below), P)}


def test_quiet_trade_raises_nothing() -> None:
    trade = make_trade("1500", "0.5")
    view = ScanState(P).observe(trade)
    assert run_detectors(trade, ctx(trade, view, market=make_market(), wallet=make_profile()), P) == ()


def _t(usd: str, *, at_minutes: float, tx: str) -> Trade:
    return make_trade(usd, "0.5", at=T0 + timedelta(minutes=at_minutes), tx=tx)


def test_split_order_is_not_hidden_end_to_end() -> None:
    """Eleven $950 fills: none passes the floor on its own, the one completing $10k does and alerts."""

    state = ScanState(P)
    alerted = []
    for i in range(11):
        trade = _t("950", at_minutes=i * 7, tx=f"0x{i}")
        view = state.observe(trade)
        if filters.pre_enrich(trade, view, P):
            continue
        signals = run_detectors(trade, ctx(trade, view, market=make_market(), wallet=make_profile()), P)
        if score(signals, sp()).should_alert:
            alerted.append((i, [s.kind for s in signals]))
    assert alerted == [(10, [SignalKind.ACCUMULATION])]
