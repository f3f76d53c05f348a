"""RTDS (wss://ws-live-data.polymarket.com) `activity`: the live feed that names wallets.

Subscribes to both trade types, `trades` (taker and maker rows) and `orders_matched` (the taker
row), because one of them has gone silent for days while the socket stayed open (March 2026);
the feed dedupes the fills that come on both and watches each type's silence. Filters, when
given, go as compact JSON (`separators=(",", ":")`): the server matches the string exactly.

Transport only: subscribes with the `action` field, keeps the connection alive (see ws.py) and
hands every text frame to the consumer's `on_text`; `on_connected` runs after each (re)subscribe
so the feed can backfill what it missed. Decoding happens in normalise.decode_rtds.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
import orjson

from scanner_core.config import FeedSettings
from scanner_core.health import HealthRegistry
from scanner_core.sources.ws import ReconnectingWebSocket, Sleep, StateHook

TextHandler = Callable[[str], Awaitable[None]]
ConnectedHandler = Callable[[bool], Awaitable[None]]
TRADE_TYPES = ("trades", "orders_matched")
TRADES = tuple(("activity", kind) for kind in TRADE_TYPES)


def compact_json(value: Any) -> str:
    """JSON without spaces, as RTDS needs for `filters` (it compares the string exactly)."""
    return json.dumps(value, separators=(",", ":"))


class RtdsStream(ReconnectingWebSocket):
    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        subscriptions: Sequence[tuple[str, str]] = TRADES,
        ping_seconds: float = 5.0,
        stall_seconds: float = 30.0,
        backoff_min: float = 1.0,
        backoff_max: float = 60.0,
        down_after: int = 10,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        on_state: StateHook | None = None,
        health: HealthRegistry | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            session,
            url,
            stream="rtds",
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
        self.subscriptions = tuple(subscriptions)
        self.filters = compact_json(dict(filters)) if filters else None
        self._handler: TextHandler | None = None
        self._connected_handler: ConnectedHandler | None = None

    @classmethod
    def from_settings(cls, settings: FeedSettings, session: aiohttp.ClientSession, **overrides: Any) -> RtdsStream:
        s = settings
        args: dict[str, Any] = {
            "ping_seconds": s.rtds_ping_seconds,
            "stall_seconds": s.rtds_stall_seconds,
            "backoff_min": s.ws_backoff_min_seconds,
            "backoff_max": s.ws_backoff_max_seconds,
            "down_after": s.ws_down_after_attempts,
        }
        args.update(overrides)
        return cls(session, s.rtds_url, **args)

    @property
    def trade_types(self) -> tuple[str, ...]:
        """The activity types this stream subscribes to (each watched for silence by the feed)."""
        return tuple(kind for topic, kind in self.subscriptions if topic == "activity")

    def subscribe_message(self, action: str = "subscribe", kinds: Sequence[str] | None = None) -> dict[str, Any]:
        """The (un)subscribe message for every subscription, or only those of `kinds`."""
        subscriptions = []
        for topic, kind in self.subscriptions:
            if kinds is not None and kind not in kinds:
                continue
            entry = {"topic": topic, "type": kind}
            if self.filters is not None:
                entry["filters"] = self.filters
            subscriptions.append(entry)
        return {"action": action, "subscriptions": subscriptions}

    async def resubscribe(self, kinds: Sequence[str]) -> bool:
        """Unsubscribe and subscribe again to `kinds` on the open connection (a type gone silent);
        False when there is no open connection."""
        return await self.send_json(self.subscribe_message("unsubscribe", kinds)) and await self.send_json(
            self.subscribe_message("subscribe", kinds)
        )

    async def listen(self, on_text: TextHandler, on_connected: ConnectedHandler | None = None) -> None:
        """Run until cancelled, giving each text frame to `on_text` and calling
        `on_connected(reconnect)` right after every subscribe."""
        self._handler = on_text
        self._connected_handler = on_connected
        await self.run()

    async def _on_open(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        await ws.send_str(orjson.dumps(self.subscribe_message()).decode())
        if self._connected_handler is not None:
            await self._connected_handler(self.connections > 1)

    async def _on_text(self, text: str) -> None:
        if self._handler is not None:
            await self._handler(text)
