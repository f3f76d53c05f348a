"""RTDS (wss://ws-live-data.polymarket.com) `activity/trades`: the live feed that names wallets.

Transport only: subscribes with the `action` field, keeps the connection alive (see ws.py) and
hands every text frame to the consumer's `on_text`; `on_connected` runs after each (re)subscribe
so the feed can backfill what it missed. Decoding happens in normalise.decode_rtds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import orjson

from scanner_core.config import Settings
from scanner_core.health import HealthRegistry
from scanner_core.sources.ws import ReconnectingWebSocket, Sleep, StateHook

TextHandler = Callable[[str], Awaitable[None]]
ConnectedHandler = Callable[[bool], Awaitable[None]]
TRADES = (("activity", "trades"),)


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
        self._handler: TextHandler | None = None
        self._connected_handler: ConnectedHandler | None = None

    @classmethod
    def from_settings(cls, settings: Settings, session: aiohttp.ClientSession, **overrides: Any) -> RtdsStream:
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

    def subscribe_message(self, action: str = "subscribe") -> dict[str, Any]:
        return {
            "action": action,
            "subscriptions": [{"topic": topic, "type": kind} for topic, kind in self.subscriptions],
        }

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
