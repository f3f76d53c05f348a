"""normalise.py against every real sample the sources consume (copied into tests/fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from scanner_core import normalise
from scanner_core.categories import category_of
from scanner_core.models import Side, Trade, TradeSource, from_unix, now_utc
from scanner_core.normalise import MalformedPayload
from scanner_core.sources.types import (
    Activity,
    BestBidAsk,
    BookSnapshot,
    LastTradePrice,
    MarketLifecycle,
    PriceChange,
    TickSizeChange,
)
from tests.sources.conftest import FIXTURES, load_fixture

LATEST = now_utc()  # the recorded rows are all in the past


def trade_from_row(row: object, source: TradeSource = TradeSource.DATA_API) -> Trade:
    return normalise.trade_from_row(row, source, not_after=LATEST)


def decode_rtds(text: str | bytes) -> normalise.RtdsFrame:
    return normalise.decode_rtds(text, not_after=LATEST)


def activity_from_row(row: object) -> Activity:
    return normalise.activity_from_row(row, not_after=LATEST)


TRADE_FILES = [
    "data_api/trades_market_takerOnly_false_maduro_2026-01-06_66rows.json",
    "data_api/trades_global_edulabrador_2026-07.json",
    "data_api/trades_market_btc5m_ra1nty_2026-03-22.json",
]


@pytest.mark.parametrize("name", TRADE_FILES)
def test_every_v1_trade_row_parses(name: str) -> None:
    rows = load_fixture(name)
    trades = [trade_from_row(row) for row in rows]
    assert len(trades) == len(rows)
    for row, trade in zip(rows, trades, strict=True):
        assert trade.wallet == row["proxyWallet"].lower()
        assert trade.token_id == row["asset"]
        assert trade.size == Decimal(str(row["size"]))
        assert trade.price == Decimal(str(row["price"]))
        assert trade.usd == trade.size * trade.price
        assert trade.timestamp == from_unix(row["timestamp"])
        assert trade.timestamp.tzinfo is UTC
        assert trade.side is Side(row["side"])
        assert trade.source is TradeSource.DATA_API


def test_maker_and_taker_rows_of_one_tx_have_distinct_keys() -> None:
    rows = load_fixture(TRADE_FILES[0])
    trades = [trade_from_row(row) for row in rows]
    assert len({t.tx_hash for t in trades}) == 17  # one tx hash, several fill rows
    assert len({t.dedup_key for t in trades}) == len(trades)
    first = trades[0]
    assert first.wallet == "0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"
    assert (first.size, first.price, first.outcome, first.outcome_index) == (
        Decimal("17.27"),
        Decimal("0.979"),
        "No",
        1,
    )
    assert first.timestamp == datetime(2026, 1, 6, 23, 21, 27, tzinfo=UTC)


def test_unset_name_falls_back_to_pseudonym() -> None:
    rows = load_fixture("data_api/trades_market_btc5m_ra1nty_2026-03-22.json")
    trade = trade_from_row(rows[2])
    assert rows[2]["name"].startswith("0x991Ee8")
    assert trade.trader_name == rows[2]["pseudonym"]
    assert trade_from_row(rows[0]).trader_name == "SIKEL"


def test_v2_snake_case_envelope() -> None:
    body = load_fixture("data_api/v2_trades_SANITIZED_capture_nautilus_2026-08.json")
    rows, cursor = normalise.rows_and_cursor(body, "v2")
    assert cursor is None
    trades = [trade_from_row(row) for row in rows]
    assert trades[0].wallet == "0x1111111111111111111111111111111111111111"
    assert trades[0].condition_id == "0x" + "c" * 64
    assert trades[0].side is Side.SELL and trades[0].size == Decimal("92.59")
    assert trades[0].event_slug == "sanitized-event" and trades[0].outcome_index == 0


def test_numbers_as_strings_give_the_same_dedup_key() -> None:
    row = load_fixture(TRADE_FILES[2])[1]
    as_strings = {k: (str(v) if isinstance(v, int | float) else v) for k, v in row.items()}
    as_strings["price"] = "0.5699998232997013000"  # trailing zeros: same number
    a, b = trade_from_row(row), trade_from_row(as_strings)
    assert a.dedup_key == b.dedup_key
    assert a.price == b.price and a.size == b.size and a.timestamp == b.timestamp


@pytest.mark.parametrize(
    "name", ["rtds/activity_trades_frame_2026-07-25.json", "rtds/activity_trades_frame_2026-08-19.json"]
)
def test_rtds_trade_frames(name: str) -> None:
    text = (FIXTURES / name).read_text()
    frame = decode_rtds(text)
    assert frame.kind == "trades" and not frame.errors
    [trade] = frame.trades
    payload = json.loads(text)["payload"]
    assert payload["proxyWallet"] != payload["proxyWallet"].lower()  # checksummed on the wire
    assert trade.wallet == payload["proxyWallet"].lower()
    assert trade.source is TradeSource.RTDS
    assert trade.price == Decimal(str(payload["price"]))
    assert trade.timestamp == from_unix(payload["timestamp"])
    # the same fill from the Data API (lowercase wallet, numbers as JSON numbers) dedups against it
    rest_row = {**payload, "proxyWallet": payload["proxyWallet"].lower()}
    assert trade_from_row(rest_row).dedup_key == trade.dedup_key


def test_rtds_other_topics_keepalives_and_server_messages() -> None:
    for name in ("rtds/crypto_prices_update_nautilus.json", "rtds/equity_prices_update_DOCEXAMPLE_nautilus.json"):
        frame = decode_rtds((FIXTURES / name).read_text())
        assert frame.kind == "other" and not frame.trades and not frame.errors
    for keepalive in ("", "  ", "PONG", b"PONG"):
        assert decode_rtds(keepalive).kind == "keepalive"
    message = decode_rtds('{"message":"CLOB messages are not supported anymore","statusCode":400}')
    assert message.kind == "server_message" and "not supported" in message.message


def test_rtds_bare_payload_and_array_of_envelopes() -> None:
    envelope = json.loads((FIXTURES / "rtds/activity_trades_frame_2026-07-25.json").read_text())
    bare = decode_rtds(json.dumps(envelope["payload"]))
    assert bare.kind == "trades" and len(bare.trades) == 1
    other = json.loads((FIXTURES / "rtds/activity_trades_frame_2026-08-19.json").read_text())
    both = decode_rtds(json.dumps([envelope, other]))
    assert len(both.trades) == 2


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ('{"payload":{"asset":"1"', "not JSON"),
        ('{"topic":"activity","type":"trades","payload":{"side":"BUY"}}', "missing field"),
        ("[1, 2]", "not an object"),
        ('{"hello":"world"}', "neither"),
    ],
)
def test_rtds_malformed_frames_are_reported_not_raised(frame: str, reason: str) -> None:
    decoded = decode_rtds(frame)
    assert decoded.kind == "malformed" and not decoded.trades
    assert any(reason in error for error in decoded.errors)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"proxyWallet": "0xnothex"}, "proxyWallet"),
        ({"price": 1.5}, "price"),
        ({"price": "abc"}, "price"),
        ({"size": 0}, "size"),
        ({"size": True}, "size"),
        ({"side": "HOLD"}, "side"),
        ({"conditionId": "0x12"}, "conditionId"),
        ({"asset": "0xabc"}, "asset"),
        ({"transactionHash": ""}, "transactionHash"),
        ({"timestamp": "yesterday"}, "timestamp"),
    ],
)
def test_bad_trade_fields_raise_malformed_payload(change: dict[str, object], reason: str) -> None:
    row = {**load_fixture(TRADE_FILES[1])[0], **change}
    with pytest.raises(MalformedPayload, match=reason):
        trade_from_row(row)


def test_millisecond_timestamps_are_recognised() -> None:
    row = load_fixture(TRADE_FILES[1])[0]
    seconds = trade_from_row(row)
    millis = trade_from_row({**row, "timestamp": row["timestamp"] * 1000})
    assert seconds.timestamp == millis.timestamp


def test_rows_and_cursor_shapes() -> None:
    assert normalise.rows_and_cursor([], "x") == ([], None)
    assert normalise.rows_and_cursor({"data": None}, "x") == ([], None)
    assert normalise.rows_and_cursor({"data": [1], "next_cursor": "MTAw"}, "x") == ([1], "MTAw")
    assert normalise.rows_and_cursor({"data": [], "next_cursor": "LTE="}, "x") == ([], None)
    assert normalise.rows_and_cursor({"data": [], "pagination": {"next_cursor": "abc"}}, "x") == ([], "abc")
    with pytest.raises(MalformedPayload):
        normalise.rows_and_cursor({"rows": []}, "x")


def test_activity_rows_of_every_kind() -> None:
    rows = load_fixture("data_api/activity_user_all_types_edulabrador_2026-07.json")
    activities = [activity_from_row(row) for row in rows]
    kinds = {a.kind for a in activities}
    assert kinds == {"TRADE", "REWARD", "REDEEM", "MAKER_REBATE", "TAKER_REBATE"}
    trades = [a for a in activities if a.kind == "TRADE"]
    assert len(trades) == 42 and all(a.trade is not None for a in trades)
    rebate = activities[0]
    assert rebate.kind == "MAKER_REBATE" and rebate.trade is None and rebate.condition_id == ""
    assert rebate.usdc_size == Decimal("3597.7603")
    pscanner = [activity_from_row(r) for r in load_fixture("data_api/activity_user_pscanner_2026-04-25.json")]
    assert pscanner[0].usdc_size == Decimal("614.285714") and pscanner[0].trade is not None


def test_positions_and_closed_positions() -> None:
    for name in ("data_api/positions_pscanner_2026-04.json", "data_api/positions_edulabrador_2026-07.json"):
        rows = load_fixture(name)
        positions = [normalise.position_from_row(row) for row in rows]
        assert len(positions) == len(rows)
    losing = normalise.position_from_row(load_fixture("data_api/positions_edulabrador_2026-07.json")[0])
    assert losing.redeemable and losing.current_price == 0 and losing.cash_pnl == Decimal("-1145352.9486")
    assert losing.end_date == datetime(2026, 7, 11, tzinfo=UTC) and losing.neg_risk
    closed = [
        normalise.closed_position_from_row(r) for r in load_fixture("data_api/closed_positions_pscanner_2026-04.json")
    ]
    assert len(closed) == 5
    assert closed[0].realised_pnl == Decimal("1095000") and closed[0].won
    assert closed[0].timestamp == from_unix(1768957706)


def test_leaderboards() -> None:
    entries = [
        normalise.leaderboard_entry_from_row(r)
        for r in load_fixture("data_api/leaderboard_v1_edulabrador_2026-07.json")
    ]
    assert entries[0].rank == 1 and entries[0].username == "DEEDDIT"
    assert entries[0].pnl == Decimal("8052184.542897382") and entries[3].volume == 0
    legacy = load_fixture("data_api/leaderboard_legacy_format_pscanner.json")
    old = [normalise.leaderboard_entry_from_row(row, i + 1) for i, row in enumerate(legacy)]
    assert old[1].rank == 2 and old[0].username == "Theo4" and old[0].pnl == Decimal("22053933.752321757")


@pytest.mark.parametrize(
    "name",
    [
        "gamma/market_active_pscanner_2026-04-25.json",
        "gamma/market_btc5m_ra1nty_2026-03-22.json",
        "gamma/market_btc5m_nautilus_2026-03-12.json",
        "gamma/market_nautilus_closed_binary_accepting_true.json",
        "gamma/market_nautilus_closed_binary_accepting_false.json",
        "gamma/markets_btc5m_closed_resolved_2026-07-24_ligengxin.json",
    ],
)
def test_every_gamma_market_sample_parses(name: str) -> None:
    body = load_fixture(name)
    for row in body if isinstance(body, list) else [body]:
        market = normalise.market_from_gamma(row)
        assert market.condition_id == row["conditionId"].lower()
        assert market.outcomes == tuple(json.loads(row["outcomes"]))
        assert market.token_ids == tuple(json.loads(row["clobTokenIds"]))
        assert market.outcome_prices == tuple(Decimal(p) for p in json.loads(row["outcomePrices"]))
        assert market.closed is row["closed"]
        assert market.end_date is not None and market.end_date.tzinfo is UTC


def test_gamma_market_details() -> None:
    market = normalise.market_from_gamma(load_fixture("gamma/market_active_pscanner_2026-04-25.json"))
    assert market.market_id == "540816" and market.volume_total == Decimal("1602442.010252038")
    assert market.liquidity == Decimal("57721.1642") and market.event_slug == "what-will-happen-before-gta-vi"
    assert market.price_of(market.token_ids[0]) == Decimal("0.525") and market.version == "v1"
    resolved = normalise.market_from_gamma(load_fixture("gamma/market_nautilus_closed_binary_accepting_true.json"))
    assert resolved.closed and resolved.active and resolved.outcome_prices == (Decimal(1), Decimal(0))


def test_v2_markets_use_position_ids() -> None:
    row = dict(load_fixture("gamma/market_active_pscanner_2026-04-25.json"))
    row["version"] = "v2"
    row["positionIds"] = ["111", "222"]
    market = normalise.market_from_gamma(row)
    assert market.version == "v2" and market.token_ids == ("111", "222")
    row["version"] = "v1"
    assert normalise.market_from_gamma(row).token_ids == tuple(json.loads(row["clobTokenIds"]))


def test_events_give_markets_their_category() -> None:
    [dem] = load_fixture("gamma/event_negrisk_dem_nominee_2028_nautilus.json")
    event = normalise.event_from_gamma(dem)
    assert event.category == "politics" and event.neg_risk and len(event.markets) == 2
    assert "politics" in event.tags
    assert all(m.category == "politics" and m.event_id == "30829" and m.neg_risk for m in event.markets)
    mstr = normalise.event_from_gamma(load_fixture("gamma/event_pscanner.json"))
    assert mstr.category == "finance" and len(mstr.markets) == 4 and mstr.closed is False
    search = load_fixture("gamma/public_search_nautilus.json")["events"][0]
    assert normalise.event_from_gamma(search).category == "crypto"


def test_the_one_category_function() -> None:
    assert category_of(tags=["Earn 4%", "NBA"]) == "sports"
    assert category_of(tags=["weekly", "bitcoin"]) == "crypto"
    assert category_of(tags=["something-new"]) == "other"
    assert category_of(tags=[]) == ""
    # without a known tag, the slugs and title decide (one taxonomy for markets and wallets)
    assert category_of(tags=["something-new"], slug="nba-lal-bos-2026-01-02") == "sports"


def test_tags() -> None:
    tags = [normalise.tag_from_gamma(t) for t in load_fixture("gamma/tags_nautilus.json")]
    assert tags[0].tag_id == "101259" and tags[0].slug == "health-and-human-services"


def test_rest_books_best_bid_and_ask_whatever_the_order() -> None:
    nautilus = normalise.book_from_clob(load_fixture("clob/book_nautilus_2024-10-13.json"))
    assert nautilus.best_bid == Decimal("0.1") and nautilus.best_ask == Decimal("0.14")
    assert nautilus.bids[0].price == Decimal("0.1") and nautilus.asks[0].price == Decimal("0.14")
    assert nautilus.spread == Decimal("0.04") and nautilus.tick_size is None
    btc = normalise.book_from_clob(load_fixture("clob/book_btc5m_ra1nty_2026-03-22.json"))
    assert btc.best_bid is None and btc.best_ask == Decimal("0.001") and btc.mid is None
    assert btc.last_trade_price == Decimal("0.999") and btc.tick_size == Decimal("0.001")
    assert btc.timestamp == datetime.fromtimestamp(1774166201.606, UTC)
    reversed_book = dict(load_fixture("clob/book_nautilus_2024-10-13.json"))
    reversed_book["bids"] = reversed_book["bids"][::-1]
    reversed_book["asks"] = reversed_book["asks"][::-1]
    assert normalise.book_from_clob(reversed_book) == nautilus


def test_clob_scalars() -> None:
    assert normalise.midpoint_from_clob(load_fixture("clob/midpoint_ra1nty.json")) == Decimal("0.0005")
    assert normalise.last_trade_price_from_clob(load_fixture("clob/last_trade_price_ra1nty.json")) == (
        Decimal("0.001"),
        Side.BUY,
    )
    points = normalise.price_history_from_clob(load_fixture("clob/prices_history_ra1nty_2026-03-22.json"))
    assert [p.price for p in points] == [Decimal("0.42"), Decimal("0.5"), Decimal("0.65"), Decimal("0.6")]
    assert points[0].timestamp == from_unix(1774165200)


def test_market_channel_samples() -> None:
    [book] = normalise.market_event(load_fixture("ws_market/book_nautilus.json"))
    assert isinstance(book, BookSnapshot) and len(book.bids) == 76 and len(book.asks) == 86
    summary = normalise.book_summary(book.token_id, book.bids, book.asks)
    assert summary.best_bid == Decimal("0.511") and summary.best_ask == Decimal("0.514")

    changes = normalise.market_event(load_fixture("ws_market/price_change_array_format_nautilus_2024-10-16.json"))
    assert len(changes) == 3 and all(isinstance(c, PriceChange) for c in changes)
    assert changes[0].best_bid == Decimal("0.6") and changes[2].price == Decimal("0.7")
    [legacy] = normalise.market_event(
        load_fixture("ws_market/price_change_LEGACY_single_format_nautilus_2024-08-18.json")
    )
    assert isinstance(legacy, PriceChange) and legacy.side is Side.SELL and legacy.size == Decimal("21574.08")

    [last] = normalise.market_event(load_fixture("ws_market/last_trade_price_nautilus_2024-08-25.json"))
    assert isinstance(last, LastTradePrice) and last.price == Decimal("0.491") and last.side is Side.SELL
    assert last.timestamp == datetime.fromtimestamp(1724564136.087, UTC)
    [tick] = normalise.market_event(load_fixture("ws_market/tick_size_change_nautilus_2025-02-09.json"))
    assert isinstance(tick, TickSizeChange) and tick.new_tick_size == Decimal("0.001")
    [bba] = normalise.market_event(load_fixture("ws_market/best_bid_ask_DOCEXAMPLE_nautilus.json"))
    assert isinstance(bba, BestBidAsk) and (bba.best_bid, bba.best_ask) == (Decimal("0.73"), Decimal("0.77"))
    [new] = normalise.market_event(load_fixture("ws_market/new_market_nautilus_2025-12-26.json"))
    assert isinstance(new, MarketLifecycle) and new.kind == "new_market" and len(new.token_ids) == 2
    assert new.tags == ("stocks",)

    frame = normalise.decode_market_ws((FIXTURES / "ws_market/DOCEXAMPLES_market_channel_docs.json").read_text())
    assert frame.kind == "events" and not frame.errors
    kinds = [type(e).__name__ for e in frame.events]
    assert kinds == ["PriceChange", "PriceChange", "LastTradePrice", "BestBidAsk", "MarketLifecycle"]
    resolved = frame.events[-1]
    assert isinstance(resolved, MarketLifecycle) and resolved.winning_outcome == "Yes"
    assert resolved.winning_token_id == resolved.token_ids[0]


def test_market_channel_keepalive_and_malformed() -> None:
    assert normalise.decode_market_ws("PONG").kind == "keepalive"
    assert normalise.decode_market_ws("{oops").kind == "malformed"
    bad = normalise.decode_market_ws('{"event_type":"book","asset_id":"1","bids":[{"price":"x","size":"1"}]}')
    assert bad.kind == "malformed" and "bids.price" in bad.errors[0]
    assert normalise.decode_market_ws('{"event_type":"something_new"}').events == ()
