"""The CLOB market channel against the fake: dynamic subscriptions and local books."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from prometheus_client import REGISTRY

from scanner_core.health import State
from scanner_core.sources.market_ws import MarketChannel
from scanner_core.sources.types import BestBidAsk, MarketEvent, MarketLifecycle
from tests.fakes.polymarket import ConnFault, FakePolymarket
from tests.sources.conftest import load_fixture

REST_TOKEN = "23360939988679364027624185518382759743328544433592111535569478055890815567848"
WS_TOKEN = "48331043336612883890938759509493159234755048973500640148014422747788308965732"
BTC_TOKEN = "94242206871221370391055736153305071391564432448684801902267396130896523340261"
CONDITION = "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917"


@pytest.fixture
async def channel(pm: FakePolymarket, session: aiohttp.ClientSession) -> AsyncIterator[MarketChannel]:
    events: list[MarketEvent] = []
    states: list[State] = []
    chan = MarketChannel(
        session,
        pm.clob_ws_url,
        ping_seconds=0.05,
        stall_seconds=0.5,
        backoff_min=0.01,
        backoff_max=0.05,
        on_event=events.append,
        rng=random.Random(5),
        on_state=lambda state, detail: states.append(state),
    )
    chan.events = events  # type: ignore[attr-defined]
    chan.states = states  # type: ignore[attr-defined]
    await chan.start()
    yield chan
    await chan.stop()


async def until(predicate: Any, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.005)


async def test_books_from_the_dump_match_the_samples(pm: FakePolymarket, channel: MarketChannel) -> None:
    await channel.subscribe([REST_TOKEN, WS_TOKEN])
    await until(lambda: channel.book(REST_TOKEN) is not None and channel.book(WS_TOKEN) is not None)
    rest = channel.book(REST_TOKEN)
    assert rest is not None and (rest.best_bid, rest.best_ask) == (Decimal("0.1"), Decimal("0.14"))
    ws_book = channel.book(WS_TOKEN)
    assert ws_book is not None and (ws_book.best_bid, ws_book.best_ask) == (Decimal("0.511"), Decimal("0.514"))
    assert pm.market_ws_connections == 1 and pm.market_subscriptions == {REST_TOKEN, WS_TOKEN}


async def test_price_changes_both_shapes_update_the_book(pm: FakePolymarket, channel: MarketChannel) -> None:
    await channel.subscribe([WS_TOKEN])
    await until(lambda: channel.book(WS_TOKEN) is not None)
    # the array form: a better bid appears, the best ask is taken out
    pm.push_market(
        {
            "event_type": "price_change",
            "market": CONDITION,
            "timestamp": "1729084877448",
            "price_changes": [
                {
                    "asset_id": WS_TOKEN,
                    "price": "0.512",
                    "size": "100",
                    "side": "BUY",
                    "hash": "a",
                    "best_bid": "0.512",
                    "best_ask": "0.515",
                },
                {
                    "asset_id": WS_TOKEN,
                    "price": "0.514",
                    "size": "0",
                    "side": "SELL",
                    "hash": "b",
                    "best_bid": "0.512",
                    "best_ask": "0.515",
                },
            ],
        }
    )
    await until(lambda: channel.book(WS_TOKEN).best_bid == Decimal("0.512"))  # type: ignore[union-attr]
    book = channel.book(WS_TOKEN)
    assert book is not None and book.best_ask == Decimal("0.515")
    assert channel.best[WS_TOKEN] == (Decimal("0.512"), Decimal("0.515"))
    # the legacy flat form (a sample: SELL 0.514 size 21574.08 puts the ask back)
    pm.push_market(load_fixture("ws_market/price_change_LEGACY_single_format_nautilus_2024-08-18.json"))
    await until(lambda: channel.book(WS_TOKEN).best_ask == Decimal("0.514"))  # type: ignore[union-attr]
    book = channel.book(WS_TOKEN)
    assert book is not None and book.asks[0].size == Decimal("21574.08")


async def test_every_event_type_reaches_on_event(pm: FakePolymarket, channel: MarketChannel) -> None:
    last = load_fixture("ws_market/last_trade_price_nautilus_2024-08-25.json")
    tick = load_fixture("ws_market/tick_size_change_nautilus_2025-02-09.json")
    bba = load_fixture("ws_market/best_bid_ask_DOCEXAMPLE_nautilus.json")
    docs = load_fixture("ws_market/DOCEXAMPLES_market_channel_docs.json")
    await channel.subscribe([WS_TOKEN, last["asset_id"], tick["asset_id"], bba["asset_id"]])
    await until(lambda: channel.book(WS_TOKEN) is not None)
    pm.push_market({**last, "asset_id": WS_TOKEN})
    pm.push_market({**tick, "asset_id": WS_TOKEN})
    pm.push_market(bba)
    pm.push_market(load_fixture("ws_market/new_market_nautilus_2025-12-26.json"))
    pm.push_market([docs[-1]])  # market_resolved, as an array frame
    await until(lambda: sum(isinstance(e, MarketLifecycle) for e in channel.events) == 2)  # type: ignore[attr-defined]
    book = channel.book(WS_TOKEN)
    assert book is not None and book.last_trade_price == Decimal("0.491") and book.tick_size == Decimal("0.001")
    assert channel.best[bba["asset_id"]] == (Decimal("0.73"), Decimal("0.77"))
    kinds = {type(e).__name__ for e in channel.events}  # type: ignore[attr-defined]
    assert kinds >= {"BookSnapshot", "LastTradePrice", "TickSizeChange", "BestBidAsk", "MarketLifecycle"}
    resolved = [e for e in channel.events if isinstance(e, MarketLifecycle) and e.kind == "market_resolved"]  # type: ignore[attr-defined]
    assert resolved and resolved[0].winning_outcome == "Yes"
    assert any(isinstance(e, BestBidAsk) for e in channel.events)  # type: ignore[attr-defined]


async def test_subscribe_and_unsubscribe_without_reconnecting(pm: FakePolymarket, channel: MarketChannel) -> None:
    await channel.subscribe([REST_TOKEN])
    await until(lambda: channel.book(REST_TOKEN) is not None)
    await channel.subscribe([BTC_TOKEN, REST_TOKEN])
    await until(lambda: channel.book(BTC_TOKEN) is not None)
    await channel.unsubscribe([REST_TOKEN])
    await until(lambda: pm.market_subscriptions == {BTC_TOKEN})
    assert channel.book(REST_TOKEN) is None and channel.tokens == {BTC_TOKEN}
    assert (
        pm.push_market({**load_fixture("ws_market/last_trade_price_nautilus_2024-08-25.json"), "asset_id": REST_TOKEN})
        == 0
    )
    assert pm.market_ws_connections == 1


async def test_pings_and_reconnect_resubscribes_everything(pm: FakePolymarket, channel: MarketChannel) -> None:
    pm.faults.market_ws_plan.append(ConnFault("drop", after_frames=2))
    await channel.subscribe([REST_TOKEN])
    await until(lambda: channel.book(REST_TOKEN) is not None)
    await channel.subscribe([WS_TOKEN])  # second data frame: the fake drops the connection after it
    await until(lambda: pm.market_ws_connections == 2 and channel.connected)
    await until(lambda: channel.book(REST_TOKEN) is not None and channel.book(WS_TOKEN) is not None)
    assert pm.market_subscriptions == {REST_TOKEN, WS_TOKEN}
    before = pm.pings["market"]
    await asyncio.sleep(0.3)
    assert pm.pings["market"] >= before + 3
    assert channel.states[-1] is State.OK and State.DEGRADED in channel.states  # type: ignore[attr-defined]


async def test_malformed_frames_are_counted_not_fatal(pm: FakePolymarket, channel: MarketChannel) -> None:
    await channel.subscribe([REST_TOKEN])
    await until(lambda: channel.book(REST_TOKEN) is not None)
    before = REGISTRY.get_sample_value("scanner_frames_malformed_total", {"source": "clob_ws"}) or 0.0
    pm.push_market_raw("{broken")
    bad_book = {"event_type": "book", "asset_id": REST_TOKEN, "bids": [{"price": "x", "size": "1"}]}
    pm.push_market_raw(json.dumps(bad_book))
    pm.push_market({**load_fixture("ws_market/last_trade_price_nautilus_2024-08-25.json"), "asset_id": REST_TOKEN})
    await until(lambda: channel.book(REST_TOKEN).last_trade_price == Decimal("0.491"))  # type: ignore[union-attr]
    assert REGISTRY.get_sample_value("scanner_frames_malformed_total", {"source": "clob_ws"}) == before + 2
    assert channel.connected and pm.market_ws_connections == 1
