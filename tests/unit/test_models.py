from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from scanner_core.models import (
    DomainError,
    OrderBookLevel,
    OrderBookSummary,
    Side,
    Trade,
    TradeSource,
    normalise_address,
)

WALLET = "0x56687bf447db6ffa42ffe2204a05edaa20f55839"


def make_trade(**kw):  # type: ignore[no-untyped-def]
    base = dict(
        tx_hash="0xabc",
        wallet=WALLET,
        condition_id="0x" + "1" * 64,
        token_id="123",
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal("100"),
        price=Decimal("0.42"),
        timestamp=datetime(2026, 7, 1, tzinfo=UTC),
        source=TradeSource.RTDS,
    )
    base.update(kw)
    return Trade(**base)


def test_trade_usd_and_dedup_key() -> None:
    t = make_trade()
    assert t.usd == Decimal("42.00")
    assert t.dedup_key == make_trade(source=TradeSource.BACKFILL).dedup_key
    assert t.dedup_key != make_trade(size=Decimal("101")).dedup_key
    # a JSON number parsed as 100.0 and one parsed as 100 are the same fill
    assert t.dedup_key == make_trade(size=Decimal("100.000")).dedup_key


def test_trade_rejects_naive_time_and_mixed_case() -> None:
    with pytest.raises(DomainError):
        make_trade(timestamp=datetime(2026, 7, 1))
    with pytest.raises(DomainError):
        make_trade(wallet=WALLET.upper().replace("0X", "0x"))


def test_normalise_address() -> None:
    assert normalise_address(" 0x56687BF447DB6FFA42FFE2204A05EDAA20F55839 ") == WALLET
    for bad in ("0x123", "hello", "0x" + "g" * 40):
        with pytest.raises(DomainError):
            normalise_address(bad)


def test_book_summary_depth_and_spread() -> None:
    book = OrderBookSummary(
        token_id="1",
        best_bid=Decimal("0.49"),
        best_ask=Decimal("0.51"),
        bids=(OrderBookLevel(Decimal("0.49"), Decimal("100")), OrderBookLevel(Decimal("0.40"), Decimal("1000"))),
        asks=(OrderBookLevel(Decimal("0.51"), Decimal("200")),),
    )
    assert book.mid == Decimal("0.50") and book.spread == Decimal("0.02")
    assert book.depth_within(Decimal("0.05")) == Decimal("0.49") * 100 + Decimal("0.51") * 200
