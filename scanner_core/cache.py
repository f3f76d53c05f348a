"""Two-level cache: a bounded in-memory LRU (L1) in front of Redis through aiocache (L2).

`get_with_cache(key, fetch, ttl)` is the one entry point. Concurrent misses on one key share one
fetch. If Redis is down or goes down, the cache keeps serving from L1 (and fetching), logs once,
reports itself degraded, and tries Redis again every `retry_seconds` until it answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiocache import RedisCache
from aiocache.serializers import PickleSerializer
from cachetools import TLRUCache

from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import CACHE_DEGRADED, CACHE_HITS, CACHE_MISSES

T = TypeVar("T")
_MISSING = object()
log = get_logger("cache")


def _expiry(_key: str, value: tuple[float, Any], _now: float) -> float:
    return value[0]


def redis_backend(url: str, timeout: float, namespace: str = "polyscan") -> RedisCache:
    parts = urlsplit(url)
    db = int(parts.path.lstrip("/") or 0)
    return RedisCache(
        serializer=PickleSerializer(),
        endpoint=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        db=db,
        password=parts.password,
        namespace=namespace,
        timeout=timeout,
        create_connection_timeout=timeout,
        ssl=parts.scheme == "rediss",
    )


class Cache:
    def __init__(
        self,
        *,
        l1_max_items: int = 20_000,
        l2: Any | None = None,
        retry_seconds: float = 5.0,
        health: HealthRegistry | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._l1: TLRUCache[str, tuple[float, Any]] = TLRUCache(maxsize=l1_max_items, ttu=_expiry, timer=monotonic)
        self._l2 = l2
        self._retry_seconds = retry_seconds
        self._monotonic = monotonic
        self._health = health
        self._degraded_since: float | None = None
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._report()

    # ---------------------------------------------------------------- state

    @property
    def degraded(self) -> bool:
        return self._degraded_since is not None

    @property
    def has_l2(self) -> bool:
        return self._l2 is not None

    def _report(self) -> None:
        CACHE_DEGRADED.set(1 if self.degraded else 0)
        if self._health is None:
            return
        if self._l2 is None:
            self._health.set("cache", State.OK, "in-memory only")
        elif self.degraded:
            self._health.set("cache", State.DEGRADED, "redis unreachable: serving from memory")
        else:
            self._health.set("cache", State.OK, "memory + redis")

    def _l2_usable(self) -> bool:
        if self._l2 is None:
            return False
        if self._degraded_since is None:
            return True
        return self._monotonic() - self._degraded_since >= self._retry_seconds

    def _l2_failed(self, exc: BaseException) -> None:
        first = self._degraded_since is None
        self._degraded_since = self._monotonic()
        if first:
            log.warning("cache_degraded", error=f"{type(exc).__name__}: {exc}"[:200])
            self._report()

    def _l2_ok(self) -> None:
        if self._degraded_since is not None:
            self._degraded_since = None
            log.info("cache_recovered")
            self._report()

    # ---------------------------------------------------------------- operations

    async def get(self, key: str) -> Any:
        """The cached value, or `None` when absent (callers that cache None use get_with_cache)."""
        value = await self._lookup(key)
        return None if value is _MISSING else value

    async def _lookup(self, key: str) -> Any:
        entry = self._l1.get(key)
        if entry is not None:
            CACHE_HITS.labels("l1").inc()
            return entry[1]
        CACHE_MISSES.labels("l1").inc()
        if not self._l2_usable():
            return _MISSING
        assert self._l2 is not None
        try:
            raw = await self._l2.get(key, default=_MISSING)
            ttl = await self._l2.raw("ttl", self._l2.build_key(key)) if raw is not _MISSING else None
        except Exception as exc:  # redis and its pool raise many unrelated types
            self._l2_failed(exc)
            return _MISSING
        self._l2_ok()
        if raw is _MISSING:
            CACHE_MISSES.labels("l2").inc()
            return _MISSING
        CACHE_HITS.labels("l2").inc()
        remaining = float(ttl) if isinstance(ttl, int | float) and ttl > 0 else 1.0
        self._l1[key] = (self._monotonic() + remaining, raw)
        return raw

    async def set(self, key: str, value: Any, ttl: float) -> None:
        self._l1[key] = (self._monotonic() + ttl, value)
        if not self._l2_usable():
            return
        assert self._l2 is not None
        try:
            await self._l2.set(key, value, ttl=max(1, int(ttl)))
        except Exception as exc:  # redis and its pool raise many unrelated types
            self._l2_failed(exc)
        else:
            self._l2_ok()

    async def delete(self, key: str) -> None:
        self._l1.pop(key, None)
        if self._l2_usable():
            assert self._l2 is not None
            try:
                await self._l2.delete(key)
            except Exception as exc:  # redis and its pool raise many unrelated types
                self._l2_failed(exc)

    async def get_with_cache(self, key: str, fetch: Callable[[], Awaitable[T]], ttl: float) -> T:
        """Cached value of `key`, or `await fetch()` stored for `ttl` seconds. One fetch per key at a time."""
        value = await self._lookup(key)
        if value is not _MISSING:
            return value  # type: ignore[no-any-return]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)  # type: ignore[no-any-return]
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await fetch()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(result)
        await self.set(key, result, ttl)
        return result

    async def ping(self) -> bool:
        """True when Redis answers (or there is none to ask); updates the degraded state."""
        if self._l2 is None:
            return True
        try:
            await self._l2.raw("ping")
        except Exception as exc:  # redis and its pool raise many unrelated types
            self._l2_failed(exc)
            return False
        self._l2_ok()
        return True

    def l1_size(self) -> int:
        return len(self._l1)

    async def close(self) -> None:
        if self._l2 is not None:
            client = getattr(self._l2, "client", None)
            try:
                # aiocache 0.12 calls redis' deprecated close(); aclose() is the same without the warning
                await (client.aclose() if client is not None and hasattr(client, "aclose") else self._l2.close())
            except Exception:  # closing a dead pool
                log.debug("cache_close_failed")


def build_cache(
    redis_url: str, *, l1_max_items: int, retry_seconds: float, timeout: float, health: HealthRegistry | None
) -> Cache:
    l2 = redis_backend(redis_url, timeout) if redis_url else None
    return Cache(l1_max_items=l1_max_items, l2=l2, retry_seconds=retry_seconds, health=health)
