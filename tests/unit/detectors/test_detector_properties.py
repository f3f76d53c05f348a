"""Detectors and the rolling state never raise on any trade the trade schema admits (issue 10,
found item 2: a giant fill kept in the cluster window made every later alert on its outcome fail).

Streams of trades anywhere in the schema's range (size above 0 up to 1e9 shares, price 0..1,
magnitudes down to 1e-60, any order of time), on a few wallets and outcomes so clusters, pairs and
positions form, with markets, profiles and books of any plausible shape, go through the rolling
state, every detector, scoring, alert building and the follow-up tracker. Derandomised.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scanner_core.alerts import build_follow_up_alert, build_trade_alert
from scanner_core.context import FollowUpTracker, ScanState, build_context
from scanner_core.detectors import run_detectors
from scanner_core.detectors._common import cents_text, usd_text
from scanner_core.models import (
    Market,
    OrderBookLevel,
    OrderBookSummary,
    Side,
    Trade,
    TradeSource,
    WalletProfile,
)
from scanner_core.normalise import MAX_SIZE
from scanner_core.scoring import score
from tests.support.properties import property_settings
from tests.unit.detectors.factories import params, scoring_params

T0 = datetime(2026, 6, 1, tzinfo=UTC)
CIDS = ["0x" + c * 64 for c in "abc"]
TOKENS = ["1" * 77, "2" * 77, "3" * 77]
P = params(cluster_min_usd=0, min_trade_usd=0)
SP = scoring_params()
PROPERTY = property_settings(max_examples=100)


def scaled(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals from 10**low to 10**high with any number of significant digits."""
    return st.builds(
        lambda mantissa, exponent: Decimal(mantissa).scaleb(exponent),
        st.integers(1, 10**12),
        st.integers(low, high),
    )


sizes = st.one_of(
    st.sampled_from([MAX_SIZE, Decimal("1e-60"), Decimal("0.000001"), Decimal(1)]),
    scaled(-72, -3).filter(lambda d: d <= MAX_SIZE),
    st.decimals(min_value=Decimal("0.000001"), max_value=MAX_SIZE, allow_nan=False, allow_infinity=False),
)
prices = st.one_of(
    st.sampled_from([Decimal(0), Decimal(1), Decimal("1e-60"), Decimal("0.999999")]),
    st.decimals(min_value=0, max_value=1, allow_nan=False, allow_infinity=False),
)
money = st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal("1e30")]), scaled(-10, 12))


@st.composite
def trades(draw: Any) -> Trade:
    n = draw(st.integers(0, 10**9))
    index = draw(st.sampled_from([0, 1, 2, 255, None]))
    return Trade(
        tx_hash=f"0x{draw(st.integers(0, 5)):064x}",
        wallet=f"0x{draw(st.integers(1, 6)):040x}",
        condition_id=draw(st.sampled_from(CIDS)),
        token_id=draw(st.sampled_from(TOKENS)),
        side=draw(st.sampled_from(list(Side))),
        outcome=draw(st.sampled_from(["Yes", "No", "", "x" * 120])),
        outcome_index=index,
        size=draw(sizes),
        price=draw(prices),
        timestamp=T0 + timedelta(seconds=draw(st.integers(-(10**6), 10**7))),
        source=TradeSource.RTDS,
        title=f"market {n}",
    )


@st.composite
def markets(draw: Any, trade: Trade) -> Market | None:
    if draw(st.booleans()):
        return None
    return Market(
        condition_id=trade.condition_id,
        question="Will it?",
        category=draw(st.sampled_from(["", "politics", "sports"])),
        outcomes=("Yes", "No"),
        outcome_prices=(draw(prices), draw(prices)),
        token_ids=(TOKENS[0], TOKENS[1]),
        end_date=draw(st.one_of(st.none(), st.just(trade.timestamp + timedelta(hours=draw(st.integers(-100, 100)))))),
        liquidity=draw(money),
        volume_24h=draw(money),
    )


@st.composite
def wallets(draw: Any, trade: Trade) -> WalletProfile | None:
    if draw(st.booleans()):
        return None
    first = draw(st.one_of(st.none(), st.integers(-1000, 1000).map(lambda d: trade.timestamp - timedelta(days=d))))
    return WalletProfile(
        address=trade.wallet,
        first_seen=first,
        trade_count=draw(st.integers(0, 10_000)),
        total_volume=draw(money) or Decimal(0),
        avg_trade_size=draw(money) or Decimal(0),
        median_trade_size=draw(money) or Decimal(0),
        win_rate=draw(st.one_of(st.none(), st.floats(0, 1))),
        resolved_positions=draw(st.integers(0, 500)),
        top_market_share=draw(st.floats(0, 1)),
        markets_traded=draw(st.integers(0, 500)),
        mm_confidence=draw(st.floats(0, 1)),
    )


@st.composite
def books(draw: Any, trade: Trade) -> OrderBookSummary | None:
    if draw(st.booleans()):
        return None
    bids = tuple(OrderBookLevel(draw(prices), draw(sizes)) for _ in range(draw(st.integers(0, 3))))
    asks = tuple(OrderBookLevel(draw(prices), draw(sizes)) for _ in range(draw(st.integers(0, 3))))
    best_bid = max((b.price for b in bids), default=None)
    best_ask = min((a.price for a in asks), default=None)
    return OrderBookSummary(trade.token_id, best_bid, best_ask, bids=bids, asks=asks)


@st.composite
def streams(draw: Any) -> list[tuple[Trade, Market | None, WalletProfile | None, OrderBookSummary | None]]:
    out = []
    for trade in draw(st.lists(trades(), min_size=1, max_size=20)):
        out.append((trade, draw(markets(trade)), draw(wallets(trade)), draw(books(trade))))
    return out


@PROPERTY
@given(streams())
def test_state_detectors_scoring_and_alerts_never_raise(stream: list[Any]) -> None:
    state = ScanState(P)
    followups = FollowUpTracker(P)
    for trade, market, wallet, book in stream:
        for original, signal in followups.observe(trade):
            build_follow_up_alert(original, signal, P, SP, created_at=trade.timestamp)
        view = state.observe(trade)
        ctx = build_context(
            trade, view, market=market, wallet=wallet, book=book, price_before=book.mid if book else None
        )
        signals = run_detectors(trade, ctx, P)
        result = score(signals, SP)
        assert 0.0 <= result.confidence <= 1.0
        if result.should_alert:
            alert = build_trade_alert(trade, ctx, result, signals, P, created_at=trade.timestamp)
            followups.watch(alert)


@PROPERTY
@given(st.one_of(scaled(-80, 80), st.decimals(allow_nan=False, allow_infinity=False)))
def test_amounts_format_whatever_their_size(amount: Decimal) -> None:
    for value in (amount, -amount):
        assert usd_text(value).lstrip("-").startswith("$")
        assert "." in cents_text(value) or "E" in cents_text(value).upper()
