"""CLOB market channel (wss://ws-subscriptions-clob.polymarket.com/ws/market): local order books.

Keeps a dynamic set of token ids: `subscribe`/`unsubscribe` add and remove ids on the open
connection without reconnecting; after a reconnect every wanted id is subscribed again and the
server's book dump rebuilds each book. Every event type of API.md section 4 is handled: `book`
(full snapshot), `price_change` (array form and the legacy flat form: a level's new size, 0
removes it), `last_trade_price`, `tick_size_change`, `best_bid_ask`, `new_market`,
`market_resolved`. Each event also goes to `on_event` for consumers that want it. A book is only
reported (`book(token)`) once a snapshot has arrived since the last (re)connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiohttp
import orjson

from scanner_core import normalise
from scanner_core.config import FeedSettings
from scanner_core.health import HealthRegistry
from scanner_core.models import OrderBookLevel, OrderBookSummary, Side
from scanner_core.sources.errors import MalformedLog
from scanner_core.sources.types import (
    BestBidAsk,
    BookSnapshot,
    LastTradePrice,
    MarketEvent,
    PriceChange,
    TickSizeChange,
)
from scanner_core.sources.ws import ReconnectingWebSocket, Sleep, StateHook

EventHandler = Callable[[MarketEvent], Awaitable[None] | None]


class LocalBook:
    """One token's book, kept from the channel's events."""

    def __init__(self, token_id: str) -> None:
        self.token_id = token_id
        self.condition_id = ""
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.synced = False
        self.timestamp: datetime | None = None
        self.last_trade_price: Decimal | None = None
        self.tick_size: Decimal | None = None

    def apply_snapshot(self, event: BookSnapshot) -> None:
        self.bids = {level.price: level.size for level in event.bids if level.size > 0}
        self.asks = {level.price: level.size for level in event.asks if level.size > 0}
        self.condition_id = event.condition_id or self.condition_id
        self.timestamp = event.timestamp
        self.synced = True

    def apply_change(self, event: PriceChange) -> None:
        side = self.bids if event.side is Side.BUY else self.asks
        if event.size > 0:
            side[event.price] = event.size
        else:
            side.pop(event.price, None)
        self.timestamp = event.timestamp or self.timestamp

    def summary(self) -> OrderBookSummary:
        return normalise.book_summary(
            self.token_id,
            (OrderBookLevel(price, size) for price, size in self.bids.items()),
            (OrderBookLevel(price, size) for price, size in self.asks.items()),
            timestamp=self.timestamp,
            last_trade_price=self.last_trade_price,
            tick_size=self.tick_size,
        )


class MarketChannel(ReconnectingWebSocket):
    name = "clob_ws"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        ping_seconds: float = 10.0,
        stall_seconds: float = 30.0,
        backoff_min: float = 1.0,
        backoff_max: float = 60.0,
        down_after: int = 10,
        on_event: EventHandler | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        on_state: StateHook | None = None,
        health: HealthRegistry | None = None,
    ) -> None:
        super().__init__(
            session,
            url,
            stream="clob_ws",
            ping_seconds=ping_seconds,
            stall_seconds=stall_seconds,
            backoff_min=backoff_min,
            backoff_max=backoff_max,
            down_after=down_after,
            sleep=sleep,
            rng=rng,
            on_state=on_state,
            health=health,
        )
        self.on_event = on_event
        self.tokens: set[str] = set()
        self.books: dict[str, LocalBook] = {}
        self.best: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        self.malformed = MalformedLog("clob_ws")
        self._initialised = False  # the first subscribe message went out on this connection
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: FeedSettings, session: aiohttp.ClientSession, **overrides: Any) -> MarketChannel:
        s = settings
        args: dict[str, Any] = {
            "ping_seconds": s.clob_ws_ping_seconds,
            "stall_seconds": max(s.rtds_stall_seconds, 3 * s.clob_ws_ping_seconds),
            "backoff_min": s.ws_backoff_min_seconds,
            "backoff_max": s.ws_backoff_max_seconds,
            "down_after": s.ws_down_after_attempts,
        }
        args.update(overrides)
        return cls(session, s.clob_ws_url, **args)

    # --- lifecycle ---

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="clob-market-ws")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- the token set ---

    async def subscribe(self, token_ids: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(token_ids) if t not in self.tokens]
        if not new:
            return
        self.tokens.update(new)
        if self._initialised:
            await self.send_json({"assets_ids": new, "operation": "subscribe", "custom_feature_enabled": True})
        elif await self.send_json(self._initial_message(sorted(self.tokens))):
            self._initialised = True

    async def unsubscribe(self, token_ids: Iterable[str]) -> None:
        gone = [t for t in dict.fromkeys(token_ids) if t in self.tokens]
        if not gone:
            return
        self.tokens.difference_update(gone)
        for token in gone:
            self.books.pop(token, None)
            self.best.pop(token, None)
        if self._initialised:
            await self.send_json({"assets_ids": gone, "operation": "unsubscribe", "custom_feature_enabled": True})

    def book(self, token_id: str) -> OrderBookSummary | None:
        local = self.books.get(token_id)
        return local.summary() if local is not None and local.synced else None

    @staticmethod
    def _initial_message(tokens: list[str]) -> dict[str, Any]:
        return {"assets_ids": tokens, "type": "market", "custom_feature_enabled": True, "initial_dump": True}

    # --- connection hooks ---

    async def _on_open(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._initialised = False
        for local in self.books.values():
            local.synced = False  # a fresh dump follows the subscribe
        if self.tokens:
            await ws.send_str(orjson.dumps(self._initial_message(sorted(self.tokens))).decode())
            self._initialised = True

    async def _on_text(self, text: str) -> None:
        frame = normalise.decode_market_ws(text)
        if frame.errors:
            self.malformed.record("; ".join(frame.errors), text)
        for event in frame.events:
            self._apply(event)
            if self.on_event is not None:
                try:
                    result = self.on_event(event)
                    if result is not None:
                        await result
                except Exception:  # a consumer's bug must not cost the books their connection
                    self.log.exception("market_event_handler_failed", event=type(event).__name__)

    def _local(self, token_id: str) -> LocalBook | None:
        if token_id not in self.tokens:
            return None  # a late event for a token we dropped
        local = self.books.get(token_id)
        if local is None:
            local = self.books[token_id] = LocalBook(token_id)
        return local

    def _apply(self, event: MarketEvent) -> None:
        if isinstance(event, BookSnapshot):
            local = self._local(event.token_id)
            if local is not None:
                local.apply_snapshot(event)
        elif isinstance(event, PriceChange):
            local = self._local(event.token_id)
            if local is not None:
                local.apply_change(event)
                if event.best_bid is not None or event.best_ask is not None:
                    self.best[event.token_id] = (event.best_bid, event.best_ask)
        elif isinstance(event, LastTradePrice):
            local = self._local(event.token_id)
            if local is not None:
                local.last_trade_price = event.price
        elif isinstance(event, TickSizeChange):
            local = self._local(event.token_id)
            if local is not None:
                local.tick_size = event.new_tick_size
        elif isinstance(event, BestBidAsk) and event.token_id in self.tokens:
            self.best[event.token_id] = (event.best_bid, event.best_ask)
