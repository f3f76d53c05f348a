from __future__ import annotations

from decimal import Decimal

import pytest

from scanner_core import filters
from scanner_core.context import RollingView
from scanner_core.models import Side
from tests.unit.detectors.factories import make_market, make_profile, make_trade, params, real_trade, real_trades

P = params()  # floor $1000; keywords "up or down", "updown"; price >= 0.95; LP >= 0.6


@pytest.mark.parametrize(
    ("usd", "view", "expected"),
    [
        ("999.99", None, filters.BELOW_FLOOR),
        ("1000", None, None),
        ("0", RollingView(), filters.BELOW_FLOOR),
        ("900", RollingView(accumulation_tier=0), None),  # the fill that completes an accumulation tier
    ],
)
def test_floor(usd: str, view: RollingView | None, expected: str | None) -> None:
    assert filters.below_floor(make_trade(usd), view, P) == expected


def test_floor_setting() -> None:
    assert filters.below_floor(make_trade("10"), None, params(min_trade_usd=0)) is None


@pytest.mark.parametrize(
    ("title", "slug", "event_slug", "expected"),
    [
        ("Bitcoin Up or Down - March 22, 3:50AM-3:55AM ET", "", "", filters.EXCLUDED_MARKET),
        ("", "btc-updown-5m-1774165800", "", filters.EXCLUDED_MARKET),
        ("", "", "bitcoin-up-or-down-march-22", filters.EXCLUDED_MARKET),
        ("Will the Fed cut rates?", "fed-cut", "fed", None),
        ("Touchdown or not", "countdown", "", None),
    ],
)
def test_keywords(title: str, slug: str, event_slug: str, expected: str | None) -> None:
    trade = make_trade("5000", title=title, slug=slug, event_slug=event_slug)
    assert filters.excluded_market(trade, None, P) == expected


def test_keywords_match_the_market_too_and_can_be_emptied() -> None:
    trade = make_trade("5000", title="", slug="")
    assert filters.excluded_market(trade, make_market(question="ETH Up or Down?"), P) == filters.EXCLUDED_MARKET
    assert filters.excluded_market(trade, make_market(), P) is None
    assert filters.excluded_market(make_trade(slug="btc-updown"), None, params(excluded_market_keywords="")) is None
    custom = params(excluded_market_keywords="Super_Bowl, NBA-Finals")
    assert filters.excluded_market(make_trade(title="NBA Finals game 7"), None, custom) == filters.EXCLUDED_MARKET
    assert filters.excluded_market(make_trade(slug="super-bowl-lx"), None, custom) == filters.EXCLUDED_MARKET


def test_real_up_or_down_market_is_excluded() -> None:
    verdicts = {t.title: filters.excluded_market(t, None, P) for t in real_trades("btc_updown_5m_2026-03-22")}
    assert verdicts == {
        "Bitcoin Up or Down - March 22, 3:50AM-3:55AM ET": filters.EXCLUDED_MARKET,
        "FC Cincinnati vs. CF Montréal: O/U 2.5": None,
    }


@pytest.mark.parametrize(
    ("side", "price", "expected"),
    [
        (Side.BUY, "0.95", filters.EXTREME_PRICE),  # buying the favourite
        (Side.BUY, "0.9499", None),
        (Side.BUY, "1", filters.EXTREME_PRICE),
        (Side.BUY, "0.02", None),  # a long shot: kept
        (Side.BUY, "0", None),
        (Side.SELL, "0.999", filters.EXTREME_PRICE),  # a winner cashing out
        (Side.SELL, "0.05", filters.EXTREME_PRICE),  # a loser dumped
        (Side.SELL, "0.0501", None),
        (Side.SELL, "0.80", None),  # against the favourite: kept
    ],
)
def test_extreme_price(side: Side, price: str, expected: str | None) -> None:
    assert filters.extreme_price(make_trade("5000", price, side=side), P) == expected


def test_extreme_price_disabled_above_one() -> None:
    off = params(exclude_price_at_or_above=Decimal("1.01"))
    assert filters.extreme_price(make_trade("5000", "1"), off) is None
    assert filters.extreme_price(make_trade("5000", "0", side=Side.SELL), off) is None


def test_real_sample_prices() -> None:
    aliens = real_trade("global_2026-07-17", "0xac482f27")  # BUY No at 0.9685
    cash_out = real_trade("global_2026-07-17", "0x6d20c35f")  # SELL at 0.999
    game = real_trade("global_2026-07-17", "0x16bb9951")  # BUY at 0.48
    assert filters.extreme_price(aliens, P) == filters.EXTREME_PRICE
    assert filters.extreme_price(cash_out, P) == filters.EXTREME_PRICE
    assert filters.extreme_price(game, P) is None


@pytest.mark.parametrize(
    ("confidence", "expected"), [(0.0, None), (0.59, None), (0.6, filters.MARKET_MAKER), (1.0, filters.MARKET_MAKER)]
)
def test_market_maker(confidence: float, expected: str | None) -> None:
    assert filters.market_maker(make_profile(mm_confidence=confidence), P) == expected


def test_market_maker_threshold_and_missing_profile() -> None:
    assert filters.market_maker(None, P) is None
    assert (
        filters.market_maker(make_profile(mm_confidence=0.5), params(lp_filter_confidence=0.5)) == filters.MARKET_MAKER
    )


@pytest.mark.parametrize(
    ("trade", "expected"),
    [
        (make_trade("500", slug="btc-updown", price="0.99"), filters.BELOW_FLOOR),  # the floor comes first
        (make_trade("5000", slug="btc-updown", price="0.99"), filters.EXCLUDED_MARKET),
        (make_trade("5000", price="0.99"), filters.EXTREME_PRICE),
        (make_trade("5000", price="0.40"), None),
    ],
)
def test_pre_enrich_order(trade: object, expected: str | None) -> None:
    assert filters.pre_enrich(trade, None, P) == expected  # type: ignore[arg-type]


def test_enrich_candidates_are_the_trades_pre_enrich_lets_through() -> None:
    for floor in (0, 1000):
        p = params(min_trade_usd=floor)
        candidate = filters.enrich_candidates(p)
        names = ("btc_updown_5m_2026-03-22", "global_2026-07-17", "maduro_takerOnly_false_2026-01-06")
        trades = [t for name in names for t in real_trades(name)] * 2  # the second time, markets are remembered
        assert [candidate(t) for t in trades] == [filters.pre_enrich(t, None, p) is None for t in trades]
        assert any(candidate(t) for t in trades) and not all(candidate(t) for t in trades)
