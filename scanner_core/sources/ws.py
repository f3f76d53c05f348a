"""A WebSocket that stays connected: keepalive PINGs, stall detection, reconnects with backoff.

Both Polymarket streams need the same care: a text `PING` every few seconds, a connection that
can go quiet without closing (treated as a stall after `stall_seconds` of silence), and
reconnects with exponential backoff and jitter from `backoff_min` to `backoff_max`. After
`down_after` failed attempts in a row the stream reports itself DOWN (health registry and the
`on_state` hook that system alerts use) and keeps trying at the slow rate. A connection counts
as healthy, and resets the count, once it has delivered a frame.

`request_reconnect(reason)` ends the current connection from outside (a watchdog that found the
stream deaf, a scheduled renewal); the loop then reconnects as after any drop, and the reason
labels scanner_websocket_reconnects_total. A handshake answered 403 (geo-blocking) is logged
once with the setting to change (forbidden.py).

Subclasses say what to send on open (`_on_open`) and what to do with each text frame
(`_on_text`). `_on_text` may await (a full consumer queue): reading then pauses, which is how
backpressure reaches the socket; pings keep going and the stall timer only runs while reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson

from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import WEBSOCKET_CONNECTED, WEBSOCKET_RECONNECTS
from scanner_core.sources.forbidden import ForbiddenWatch

Sleep = Callable[[float], Awaitable[None]]
StateHook = Callable[[State, str], None]


class ReconnectingWebSocket:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        stream: str,
        ping_seconds: float,
        stall_seconds: float,
        backoff_min: float = 1.0,
        backoff_max: float = 60.0,
        down_after: int = 10,
        connect_timeout: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        on_state: StateHook | None = None,
        health: HealthRegistry | None = None,
    ) -> None:
        self.session = session
        self.url = url
        self.stream = stream
        self.ping_seconds = ping_seconds
        self.stall_seconds = stall_seconds
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.down_after = down_after
        self.connect_timeout = connect_timeout
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_state = on_state
        self._health = health
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._state: State | None = None
        self.reconnects = 0
        self.failures = 0  # failed attempts in a row
        self.connections = 0
        self.log = get_logger(f"sources.{stream}")
        self._gauge = WEBSOCKET_CONNECTED.labels(stream=stream)
        self._end_reason: str | None = None  # why request_reconnect ended the connection
        self.forbidden = ForbiddenWatch()

    # --- status ---

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    @property
    def state(self) -> State | None:
        return self._state

    def _report(self, state: State, detail: str) -> None:
        if state == self._state:
            return
        self._state = state
        if self._health is not None:
            self._health.set(self.stream, state, detail)
        if self._on_state is not None:
            self._on_state(state, detail)
        log = self.log.warning if state in (State.DOWN, State.DEGRADED) else self.log.info
        log("stream_state", stream=self.stream, state=state.value, detail=detail)

    def backoff(self) -> float:
        """Wait before the next attempt: from backoff_min doubling per failure up to backoff_max,
        the slow rate once the stream is down; half fixed, half random."""
        if self.failures >= self.down_after:
            ceiling = self.backoff_max
        else:
            ceiling = min(self.backoff_max, self.backoff_min * 2 ** max(0, self.failures - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    # --- hooks for subclasses ---

    async def _on_open(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Send subscriptions; runs before the first frame is read."""

    async def _on_text(self, text: str) -> None:
        """Handle one text frame (keepalives included)."""

    async def send_json(self, message: Any) -> bool:
        """Send on the open connection; False when there is none (it will resubscribe on open)."""
        ws = self._ws
        if ws is None or ws.closed:
            return False
        try:
            await ws.send_str(orjson.dumps(message).decode())
        except (aiohttp.ClientError, ConnectionError, RuntimeError):
            return False
        return True

    async def request_reconnect(self, reason: str) -> bool:
        """End the open connection so that the loop reconnects (counted under `reason`);
        False when there is no open connection."""
        ws = self._ws
        if ws is None or ws.closed:
            return False
        self._end_reason = reason
        self.log.info("stream_reconnect_requested", stream=self.stream, reason=reason)
        with contextlib.suppress(Exception):
            await ws.close()
        return True

    # --- the loop ---

    async def run(self) -> None:
        """Connect and read until cancelled; never returns on its own."""
        self._report(State.STARTING, f"connecting to {self.stream}")
        while True:
            reason, healthy = await self._attempt()
            self.failures = 0 if healthy else self.failures + 1
            self.reconnects += 1
            WEBSOCKET_RECONNECTS.labels(stream=self.stream, reason=reason).inc()
            if self.failures >= self.down_after:
                self._report(State.DOWN, f"{self.failures} failed attempts in a row (last: {reason})")
            else:
                self._report(State.DEGRADED, f"reconnecting after {reason}")
            delay = self.backoff()
            self.log.info(
                "stream_reconnect", stream=self.stream, reason=reason, failures=self.failures, delay=round(delay, 3)
            )
            await self._sleep(delay)

    async def _attempt(self) -> tuple[str, bool]:
        """One connection: (why it ended, whether it delivered anything)."""
        try:
            async with asyncio.timeout(self.connect_timeout):
                ws = await self.session.ws_connect(
                    self.url,
                    autoping=True,
                    heartbeat=None,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                    max_msg_size=16 * 1024 * 1024,
                )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            if isinstance(exc, aiohttp.WSServerHandshakeError) and exc.status == 403:
                self.forbidden.forbidden(self.stream, self.url, self.stream, "HTTP 403 on the WebSocket handshake")
            self.log.info("stream_connect_failed", stream=self.stream, error=f"{type(exc).__name__}: {exc}"[:200])
            return "connect_failed", False
        if self.forbidden.active:
            self.forbidden.allowed(self.stream, self.url)
        self._ws = ws
        self._end_reason = None
        self.connections += 1
        self._gauge.set(1)
        self._report(State.OK, "connected")
        pinger = asyncio.create_task(self._ping(ws))
        got_frames = False
        try:
            await self._on_open(ws)
            while True:
                try:
                    # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
                    # that lands just as a frame arrives, and then stop() would wait forever
                    async with asyncio.timeout(self.stall_seconds):
                        msg = await ws.receive()
                except TimeoutError:
                    self.log.warning("stream_stalled", stream=self.stream, silent_seconds=self.stall_seconds)
                    return "stall", got_frames
                if msg.type == aiohttp.WSMsgType.TEXT:
                    got_frames = True
                    await self._on_text(msg.data)
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    got_frames = True
                    await self._on_text(msg.data.decode("utf-8", "replace"))
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    return "error", got_frames
                elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    return self._end_reason or "closed", got_frames
        except (aiohttp.ClientError, ConnectionError) as exc:
            self.log.info("stream_error", stream=self.stream, error=f"{type(exc).__name__}: {exc}"[:200])
            return "error", got_frames
        except Exception:  # a bug in a frame handler must not end the stream; log it and reconnect
            self.log.exception("stream_handler_failed", stream=self.stream)
            return "handler_error", got_frames
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
            self._ws = None
            self._gauge.set(0)
            with contextlib.suppress(Exception):
                await ws.close()

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        # real time on purpose: the injected sleep is for backoff waits that tests skip
        while not ws.closed:
            await asyncio.sleep(self.ping_seconds)
            try:
                await ws.send_str("PING")
            except (aiohttp.ClientError, ConnectionError, RuntimeError):
                return
