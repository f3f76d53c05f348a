"""Gamma, Data API and CLOB clients parse every relevant real sample, served by the fake."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from scanner_core.models import Side
from scanner_core.sources.clob import ClobClient
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.gamma import GammaClient
from scanner_core.sources.http import HttpClient
from tests.fakes.polymarket import FakePolymarket
from tests.sources.conftest import load_fixture

MADURO_FILE = "data_api/trades_market_takerOnly_false_maduro_2026-01-06_66rows.json"
MADURO = "0xd1e4e03a0129aad7b23e835bfb5c0166d7342fb98e91aa7dd0f3e6cb423d9c21"
PSCANNER = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
EDU = "0x09b428f7c2b469786286214aa5c90dd9015f7320"
BTC_TOKEN = "94242206871221370391055736153305071391564432448684801902267396130896523340261"
NAUTILUS_TOKEN = "23360939988679364027624185518382759743328544433592111535569478055890815567848"


@pytest.fixture
def gamma(pm: FakePolymarket, make_http: Callable[..., HttpClient]) -> GammaClient:
    return GammaClient(make_http(), pm.gamma_url)


@pytest.fixture
def data_api(pm: FakePolymarket, make_http: Callable[..., HttpClient]) -> DataApiClient:
    return DataApiClient(make_http(), pm.data_api_url)


@pytest.fixture
def clob(pm: FakePolymarket, make_http: Callable[..., HttpClient]) -> ClobClient:
    return ClobClient(make_http(), pm.clob_url)


def malformed(source: str) -> float:
    return REGISTRY.get_sample_value("scanner_frames_malformed_total", {"source": source}) or 0.0


# ---------------------------------------------------------------- Gamma


async def test_every_seeded_market_by_id_and_slug(pm: FakePolymarket, gamma: GammaClient) -> None:
    assert len(pm.markets) >= 17
    for market_id, row in pm.markets.items():
        market = await gamma.market_by_id(market_id)
        assert market is not None and market.market_id == market_id
        assert market.condition_id == row["conditionId"].lower()
        assert market.token_ids == tuple(json.loads(row["clobTokenIds"]))
        by_slug = await gamma.market_by_slug(row["slug"])
        assert by_slug is not None and by_slug.condition_id == market.condition_id
    assert pm.request_log[0] == ("gamma:/markets/{id}", [("include_tag", "true")])


async def test_unknown_market_is_none(gamma: GammaClient) -> None:
    assert await gamma.market_by_id("999999999") is None
    assert await gamma.market_by_slug("no-such-market") is None
    assert await gamma.market_by_condition_id("0x" + "0" * 64) is None


async def test_closed_markets_are_found_by_condition_and_token_id(pm: FakePolymarket, gamma: GammaClient) -> None:
    row = load_fixture("gamma/market_nautilus_closed_binary_accepting_true.json")
    market = await gamma.market_by_condition_id(row["conditionId"])
    assert market is not None and market.closed and market.market_id == row["id"]
    # the implicit closed=false would have hidden it: the client asked both ways, explicitly
    closed_params = [dict(q).get("closed") for route, q in pm.request_log if route == "gamma:/markets"]
    assert closed_params == ["false", "true"]
    token = json.loads(row["clobTokenIds"])[1]
    by_token = await gamma.market_by_token_id(token)
    assert by_token is not None and by_token.condition_id == market.condition_id
    open_row = load_fixture("gamma/market_active_pscanner_2026-04-25.json")
    pm.reset_requests()
    assert (await gamma.market_by_condition_id(open_row["conditionId"])) is not None
    assert pm.requests["gamma:/markets"] == 1


async def test_markets_filters_go_as_repeated_keys(pm: FakePolymarket, gamma: GammaClient) -> None:
    rows = load_fixture("gamma/markets_btc5m_closed_resolved_2026-07-24_ligengxin.json")
    ids = [r["id"] for r in rows[:3]]
    markets = await gamma.markets(ids=ids, closed=True)
    assert sorted(m.market_id for m in markets) == sorted(ids)
    assert [v for k, v in pm.request_log[-1][1] if k == "id"] == ids
    assert await gamma.markets(ids=ids) == []  # implicit closed=false, as the real API does


async def test_events_tags_and_categories(pm: FakePolymarket, gamma: GammaClient) -> None:
    event = await gamma.event_by_id("30829")
    assert event is not None and event.category == "politics" and len(event.markets) == 2
    assert (await gamma.event_by_slug("microstrategy-sell-any-bitcoin-in-2025")) is not None
    events = await gamma.events(closed=False)
    assert {e.event_id for e in events} >= {"30829", "16167"}
    tags = await gamma.tags(limit=500)
    assert {"politics", "crypto", "health-and-human-services"} <= {t.slug for t in tags}
    member = event.markets[0]
    market = await gamma.market_by_id(member.market_id)
    assert market is not None and market.category == "politics" and "elections" in market.tags
    assert {t.slug for t in await gamma.market_tags(member.market_id)} >= {"politics"}
    assert await gamma.event_by_id("0") is None


async def test_public_search(pm: FakePolymarket, gamma: GammaClient) -> None:
    [event] = await gamma.search("MicroStrategy")
    assert event.event_id == "16167" and len(event.markets) == 4 and event.category == "finance"
    assert dict(pm.request_log[-1][1]) == {"q": "MicroStrategy", "limit_per_type": "10", "keep_closed_markets": "0"}
    assert await gamma.search("no such thing anywhere") == []


async def test_malformed_market_rows_are_skipped_and_counted(pm: FakePolymarket, gamma: GammaClient) -> None:
    bad = dict(load_fixture("gamma/market_btc5m_ra1nty_2026-03-22.json"), id="bad1", conditionId="nope", slug="bad")
    pm.add_market(bad)
    before = malformed("gamma")
    markets = await gamma.markets(closed=False, limit=500)
    assert "bad1" not in {m.market_id for m in markets} and markets
    assert malformed("gamma") == before + 1


# ---------------------------------------------------------------- Data API


async def test_trades_taker_and_maker_rows(pm: FakePolymarket, data_api: DataApiClient) -> None:
    page = await data_api.trades(market=MADURO, taker_only=False, limit=500)
    assert page.rows == 66 and len(page.trades) == 66 and page.skipped == 0
    assert page.trades[0].timestamp >= page.trades[-1].timestamp  # newest first
    query = dict(pm.request_log[-1][1])
    assert query == {"market": MADURO, "takerOnly": "false", "limit": "500", "offset": "0"}


async def test_trades_accepts_the_envelope_and_string_numbers(pm: FakePolymarket, data_api: DataApiClient) -> None:
    plain = await data_api.trades(limit=100)
    pm.trades_envelope = True
    pm.faults.numbers_as_strings = True
    wrapped = await data_api.trades(limit=3)
    assert wrapped.next_cursor is not None and len(wrapped.trades) == 3
    assert [t.dedup_key for t in wrapped.trades] == [t.dedup_key for t in plain.trades[:3]]


async def test_trades_filters(pm: FakePolymarket, data_api: DataApiClient) -> None:
    everything = (await data_api.trades(limit=1000, taker_only=False)).trades
    big = (await data_api.trades(limit=1000, taker_only=False, filter_type="CASH", filter_amount=Decimal(1000))).trades
    assert big and all(t.usd >= 1000 for t in big) and len(big) < len(everything)
    wallet = everything[0].wallet
    mine = (await data_api.trades(user=wallet, limit=1000)).trades
    assert mine and {t.wallet for t in mine} == {wallet}
    sells = (await data_api.trades(side=Side.SELL, limit=1000)).trades
    assert sells and all(t.side is Side.SELL for t in sells)
    newest = everything[0].timestamp
    window = (await data_api.trades(start=newest, limit=1000)).trades
    assert window and all(t.timestamp >= newest for t in window)
    with pytest.raises(ValueError, match="together"):
        await data_api.trades(filter_type="CASH")


async def test_v2_trades_page_with_cursors(pm: FakePolymarket, data_api: DataApiClient) -> None:
    pages = [page async for page in data_api.iter_trades_v2(limit=20, taker_only=False)]
    assert len(pages) >= 4 and pages[-1].next_cursor is None
    keys = [t.dedup_key for p in pages for t in p.trades]
    assert len(keys) == len(set(keys)) == pm.trade_count
    sanitized = (await data_api.trades_v2(user="0x1111111111111111111111111111111111111111")).trades
    assert len(sanitized) == len(load_fixture("data_api/v2_trades_SANITIZED_capture_nautilus_2026-08.json")["data"])
    assert all("offset" not in dict(q) for route, q in pm.request_log if route == "data:/v2/trades")


async def test_v2_cursors_carry_the_query(pm: FakePolymarket, data_api: DataApiClient) -> None:
    wallet = load_fixture(MADURO_FILE)[0]["proxyWallet"]
    pages = [page async for page in data_api.iter_trades_v2(user=wallet, limit=1, taker_only=False)]
    mine = [t for p in pages for t in p.trades]
    assert len(pages) == len(mine) >= 1 and {t.wallet for t in mine} == {wallet}
    cursors = [dict(q).get("cursor") for route, q in pm.request_log if route == "data:/v2/trades"]
    assert cursors[0] is None and all(cursors[1:])


async def test_v2_activity_and_positions(pm: FakePolymarket, data_api: DataApiClient) -> None:
    activity, cursor = await data_api.activity_v2(EDU, limit=20)
    pages = 1
    while cursor:
        more, cursor = await data_api.activity_v2(EDU, cursor=cursor)
        activity.extend(more)
        pages += 1
    assert pages == 3 and len(activity) == len(pm.activity[EDU]) == 50
    assert [a.timestamp for a in activity] == sorted((a.timestamp for a in activity), reverse=True)
    open_positions, _ = await data_api.positions_v2(PSCANNER)
    assert len(open_positions) == len(load_fixture("data_api/positions_pscanner_2026-04.json"))
    closed, _ = await data_api.positions_v2(PSCANNER, status="CLOSED")
    assert len(closed) == 5 and all(hasattr(c, "realised_pnl") for c in closed)
    redeemable, _ = await data_api.positions_v2(EDU, status="REDEEMABLE")
    assert len(redeemable) == 2


async def test_activity_positions_and_closed_positions(pm: FakePolymarket, data_api: DataApiClient) -> None:
    activity = await data_api.activity(EDU, limit=500)
    assert len(activity) == len(pm.activity[EDU])
    trades_only = await data_api.activity(EDU, kinds=["TRADE"], limit=500)
    assert {a.kind for a in trades_only} == {"TRADE"} and all(a.trade for a in trades_only)
    assert len(await data_api.activity(PSCANNER)) == len(
        load_fixture("data_api/activity_user_pscanner_2026-04-25.json")
    )
    positions = await data_api.positions(PSCANNER)
    assert len(positions) == len(load_fixture("data_api/positions_pscanner_2026-04.json"))
    assert len(await data_api.positions(EDU)) == 2
    closed = await data_api.closed_positions(PSCANNER)
    assert len(closed) == 5 and closed[0].realised_pnl == Decimal("1095000")
    assert dict(pm.request_log[-1][1])["limit"] == "50"


async def test_closed_positions_page_by_50(pm: FakePolymarket, data_api: DataApiClient) -> None:
    template = load_fixture("data_api/closed_positions_pscanner_2026-04.json")[0]
    rows = [{**template, "asset": str(10**20 + i), "timestamp": 1768957706 - i} for i in range(120)]
    pm.set_closed_positions(PSCANNER, rows)
    closed = await data_api.all_closed_positions(PSCANNER)
    assert len(closed) == 120 and len({c.token_id for c in closed}) == 120
    offsets = [dict(q)["offset"] for route, q in pm.request_log if route == "data:/closed-positions"]
    assert offsets == ["0", "50", "100"]


async def test_value_traded_holders_and_leaderboard(pm: FakePolymarket, data_api: DataApiClient) -> None:
    expected = sum(Decimal(str(r["currentValue"])) for r in load_fixture("data_api/positions_pscanner_2026-04.json"))
    assert abs(await data_api.value(PSCANNER) - expected) < Decimal("0.001")  # the fake sums floats
    pm.values[PSCANNER] = 1234.5
    assert await data_api.value(PSCANNER) == Decimal("1234.5")
    assert await data_api.traded(PSCANNER) >= 5
    position = load_fixture("data_api/positions_pscanner_2026-04.json")[0]
    [group] = await data_api.holders(position["conditionId"])
    assert group.token_id == position["asset"] and group.holders[0].wallet == PSCANNER
    assert group.holders[0].amount == Decimal(str(position["size"]))
    board = await data_api.leaderboard(limit=50)
    assert board[0].rank == 1 and board[0].username == "DEEDDIT"
    by_volume = await data_api.leaderboard(order_by="VOL", limit=3)
    assert by_volume[0].volume >= by_volume[1].volume >= by_volume[2].volume


async def test_a_bad_row_never_loses_the_page(pm: FakePolymarket, data_api: DataApiClient) -> None:
    rows = list(pm.positions[PSCANNER])
    pm.set_positions(PSCANNER, [*rows, {**rows[0], "conditionId": "0xbad"}])
    before = malformed("data_api")
    positions = await data_api.positions(PSCANNER)
    assert len(positions) == len(rows)
    assert malformed("data_api") == before + 1


# ---------------------------------------------------------------- CLOB


async def test_books_from_both_samples(clob: ClobClient) -> None:
    nautilus = await clob.book(NAUTILUS_TOKEN)
    assert nautilus is not None and (nautilus.best_bid, nautilus.best_ask) == (Decimal("0.1"), Decimal("0.14"))
    btc = await clob.book(BTC_TOKEN)
    assert btc is not None and btc.best_bid is None and btc.best_ask == Decimal("0.001")
    assert await clob.book("1") is None
    books = await clob.books([NAUTILUS_TOKEN, BTC_TOKEN, "1", NAUTILUS_TOKEN])
    assert {b.token_id for b in books} == {NAUTILUS_TOKEN, BTC_TOKEN}
    assert {b.token_id: b for b in books}[NAUTILUS_TOKEN] == nautilus


async def test_midpoint_last_trade_price_and_history(pm: FakePolymarket, clob: ClobClient) -> None:
    assert await clob.midpoint(BTC_TOKEN) == Decimal("0.0005")
    assert await clob.midpoint(NAUTILUS_TOKEN) == Decimal("0.12")
    assert await clob.midpoint("1") is None
    assert await clob.last_trade_price(BTC_TOKEN) == (Decimal("0.001"), Side.BUY)
    history = await clob.prices_history(BTC_TOKEN, interval="1d", fidelity=5)
    assert [p.price for p in history] == [Decimal("0.42"), Decimal("0.5"), Decimal("0.65"), Decimal("0.6")]
    assert dict(pm.request_log[-1][1]) == {"market": BTC_TOKEN, "interval": "1d", "fidelity": "5"}
    window = await clob.prices_history(BTC_TOKEN, start=1774165500, end=1774168800)
    assert len(window) == 2
    with pytest.raises(ValueError):
        await clob.prices_history(BTC_TOKEN, interval="1d", start=1)
