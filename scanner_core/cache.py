"""Two-level cache: a bounded in-memory LRU (L1) in front of Redis through aiocache (L2).

`get_with_cache(key, fetch, ttl, codec=...)` is the one entry point. Concurrent misses on one key
share one fetch. If Redis is down or goes down, the cache keeps serving from L1 (and fetching),
logs once, reports itself degraded, and tries Redis again every `retry_seconds` until it answers.

Nothing crosses the process boundary but JSON of explicit types. A value reaches Redis only
through the `Codec` its caller passes; a call without a codec keeps the value in L1 and never
writes or reads Redis. Reading back, the codec checks the JSON against its type (strictly, with
pydantic: only the declared dataclasses, enums, Decimals, aware datetimes ... are built, never an
arbitrary class); anything else (a pickle, another codec's value, a naive datetime, garbage) is a
`CodecError`, which the cache counts (`scanner_cache_rejected_total{codec}`), logs and treats as a
miss. Whoever can write to Redis can at worst make polyscan fetch again.

Adding a cached type: declare its codec once, next to the type or in `scanner_core/cache_codecs.py`,
with a name that changes when the JSON shape does (an old shape is then a miss, not a wrong value):

    PROFILE: Codec[WalletProfile] = Codec("wallet-profile/1", WalletProfile)
    profile = await cache.get_with_cache(key, fetch, ttl, codec=PROFILE)

`Codec(name, type_)` handles frozen dataclasses, tuples, lists, unions with None, Decimal, int,
float, str, bool, enums and datetimes. For a value the pydantic schema cannot describe (compact
bytes), use `bytes` (base64 in the JSON) plus `check=`, a function that raises if the value is not
what it claims to be (scanner_core/walletscan/codec.py does this). `tests/integration/
test_cache_values.py` round-trips every codec through real Redis: add a sample of the new type there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

from aiocache import RedisCache
from aiocache.serializers import NullSerializer
from cachetools import TLRUCache
from pydantic import ConfigDict, TypeAdapter

from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import CACHE_DEGRADED, CACHE_HITS, CACHE_MISSES, CACHE_REJECTED

T = TypeVar("T")
_MISSING = object()
log = get_logger("cache")
_JSON_CONFIG = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


class CodecError(ValueError):
    """A value that is not what its codec says (on the way to Redis, or back from it)."""


def _naive_datetime(value: Any) -> bool:
    """True when a naive datetime hides anywhere in the value (the domain's times are aware UTC)."""
    if isinstance(value, datetime):
        return value.tzinfo is None
    if isinstance(value, tuple | list):
        return any(_naive_datetime(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_naive_datetime(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


class Codec(Generic[T]):
    """How values of one type travel to Redis and back: `[name, value]` as JSON, checked strictly.

    `name` tells codecs apart (a value another codec wrote under the same key is refused) and
    carries a version: change it when the JSON shape changes. `check` may refuse a decoded value
    by raising (any exception becomes a CodecError).
    """

    def __init__(self, name: str, type_: Any, *, check: Callable[[T], object] | None = None) -> None:
        self.name = name
        self._check = check
        self._adapter: TypeAdapter[tuple[str, T]] = TypeAdapter(
            tuple[Literal[name], type_],  # type: ignore[valid-type]
            config=_JSON_CONFIG,
        )

    def __repr__(self) -> str:
        return f"Codec({self.name!r})"

    def dumps(self, value: T) -> bytes:
        try:
            return self._adapter.dump_json((self.name, value), warnings="error")
        except Exception as exc:  # pydantic raises several types for a value of the wrong type
            raise CodecError(f"{self.name}: cannot encode {type(value).__name__}: {exc}"[:300]) from exc

    def loads(self, raw: bytes | str) -> T:
        try:
            _, value = self._adapter.validate_json(raw, strict=True)
        except ValueError as exc:  # pydantic's ValidationError, bad JSON included
            raise CodecError(f"{self.name}: {exc}"[:300]) from exc
        if _naive_datetime(value):
            raise CodecError(f"{self.name}: a datetime without a time zone")
        if self._check is not None:
            try:
                self._check(value)
            except Exception as exc:  # whatever the check raises means "not this type"
                raise CodecError(f"{self.name}: {type(exc).__name__}: {exc}"[:300]) from exc
        return value


def _expiry(_key: str, value: tuple[float, Any], _now: float) -> float:
    return value[0]


def redis_backend(url: str, timeout: float, namespace: str = "polyscan") -> RedisCache:
    parts = urlsplit(url)
    db = int(parts.path.lstrip("/") or 0)
    return RedisCache(
        serializer=NullSerializer(encoding=None),  # bytes in, bytes out: the codecs own the format
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

    async def get(self, key: str, *, codec: Codec[Any] | None = None) -> Any:
        """The cached value, or `None` when absent (callers that cache None use get_with_cache).
        Without a codec only L1 is asked."""
        value = await self._lookup(key, codec)
        return None if value is _MISSING else value

    async def _lookup(self, key: str, codec: Codec[Any] | None) -> Any:
        entry = self._l1.get(key)
        if entry is not None:
            CACHE_HITS.labels("l1").inc()
            return entry[1]
        CACHE_MISSES.labels("l1").inc()
        if codec is None or not self._l2_usable():
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
        try:
            value = codec.loads(raw)
        except CodecError as exc:  # a foreign or stale value under our key: never trusted, fetched again
            CACHE_REJECTED.labels(codec=codec.name).inc()
            CACHE_MISSES.labels("l2").inc()
            log.warning("cache_value_rejected", key=key[:120], codec=codec.name, error=str(exc)[:200])
            return _MISSING
        CACHE_HITS.labels("l2").inc()
        remaining = float(ttl) if isinstance(ttl, int | float) and ttl > 0 else 1.0
        self._l1[key] = (self._monotonic() + remaining, value)
        return value

    async def set(self, key: str, value: T, ttl: float, *, codec: Codec[T] | None = None) -> None:
        """Keep `value` for `ttl` seconds: in L1, and in Redis when a codec says how."""
        self._l1[key] = (self._monotonic() + ttl, value)
        if codec is None or not self._l2_usable():
            return
        assert self._l2 is not None
        try:
            raw = codec.dumps(value)
        except CodecError as exc:  # a caller bug: the value stays in L1 only
            log.error("cache_value_unencodable", key=key[:120], codec=codec.name, error=str(exc)[:200])
            return
        try:
            await self._l2.set(key, raw, ttl=max(1, int(ttl)))
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

    async def get_with_cache(
        self, key: str, fetch: Callable[[], Awaitable[T]], ttl: float, *, codec: Codec[T] | None = None
    ) -> T:
        """Cached value of `key`, or `await fetch()` stored for `ttl` seconds. One fetch per key at a
        time. With a codec the value is shared through Redis too; without one it stays in memory."""
        value = await self._lookup(key, codec)
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
        await self.set(key, result, ttl, codec=codec)
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
