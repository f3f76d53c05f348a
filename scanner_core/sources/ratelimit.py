"""Per-endpoint request budgets that keep polyscan under Polymarket's documented limits.

Polymarket's limits are Cloudflare sliding windows ("200 requests per 10 s on /trades"). A classic
token bucket that refills continuously lets 2x the limit through in the first window (a full
bucket plus a window's refill), so each `TokenBucket` here gives a spent token back exactly one
window after it was spent: at most `capacity` calls start in any window of `window` seconds,
a burst of up to `capacity` goes out at once, and a longer burst runs at the documented rate.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

from scanner_core.config import PolymarketSettings

Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """At most `capacity` acquisitions in any `window` seconds; waiters are served in order."""

    def __init__(
        self,
        capacity: int,
        window: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if capacity < 1 or window <= 0:
            raise ValueError("a token bucket needs capacity >= 1 and window > 0")
        self.capacity = capacity
        self.window = window
        self._monotonic = monotonic
        self._sleep = sleep
        self._spent: deque[float] = deque()  # when each token in use was spent, oldest first
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self.waited_seconds = 0.0

    def available(self) -> int:
        self._refill(self._monotonic())
        return self.capacity - len(self._spent)

    def _refill(self, now: float) -> None:
        while self._spent and now - self._spent[0] >= self.window:
            self._spent.popleft()

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (the server said 429 with Retry-After)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def acquire(self) -> float:
        """Take one token, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        async with self._lock:
            while True:
                now = self._monotonic()
                if now < self._paused_until:
                    delay = self._paused_until - now
                else:
                    self._refill(now)
                    if len(self._spent) < self.capacity:
                        self._spent.append(now)
                        self.waited_seconds += waited
                        return waited
                    delay = self.window - (now - self._spent[0])
                await self._sleep(delay)
                waited += delay


def _matches(route: str, key: str) -> bool:
    return route == key or route.startswith(key + "/")


class RateLimiter:
    """Buckets per endpoint. A route ("gamma:/markets/{id}") draws from the most specific
    configured key it falls under ("gamma:/markets") and from its API's general key ("gamma:*"),
    as Cloudflare counts both."""

    def __init__(
        self,
        limits: Mapping[str, int],
        window: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = dict(limits)
        self.window = window
        self._buckets = {
            key: TokenBucket(limit, window, monotonic=monotonic, sleep=sleep) for key, limit in limits.items()
        }
        self._route_keys: dict[str, tuple[str, ...]] = {}

    def keys_for(self, route: str) -> tuple[str, ...]:
        keys = self._route_keys.get(route)
        if keys is None:
            api = route.split(":", 1)[0]
            specific = [k for k in self._buckets if not k.endswith(":*") and _matches(route, k)]
            chosen = [max(specific, key=len)] if specific else []
            if f"{api}:*" in self._buckets:
                chosen.append(f"{api}:*")
            keys = tuple(chosen)
            self._route_keys[route] = keys
        return keys

    def bucket(self, key: str) -> TokenBucket:
        return self._buckets[key]

    async def acquire(self, route: str) -> float:
        waited = 0.0
        for key in self.keys_for(route):
            waited += await self._buckets[key].acquire()
        return waited

    def pause(self, route: str, seconds: float) -> None:
        keys = self.keys_for(route)
        if keys:
            self._buckets[keys[0]].pause(seconds)


def limits_from_settings(settings: PolymarketSettings) -> dict[str, int]:
    """Polymarket's documented limits per window (overridable with POLYSCAN_RATE_*)."""
    s = settings
    return {
        "data:*": s.rate_data_general,
        "data:/trades": s.rate_data_trades,
        "data:/v2/trades": s.rate_data_trades,
        "data:/positions": s.rate_data_positions,
        "data:/v2/positions": s.rate_data_positions,
        "data:/closed-positions": s.rate_data_closed_positions,
        "gamma:*": s.rate_gamma_general,
        "gamma:/markets": s.rate_gamma_markets,
        "gamma:/events": s.rate_gamma_events,
        "clob:*": s.rate_clob_general,
        "clob:/book": s.rate_clob_book,
        "clob:/books": s.rate_clob_books,
        "clob:/prices-history": s.rate_clob_prices_history,
    }
