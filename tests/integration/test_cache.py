"""The two-level cache against real Redis, with Redis reachable, unreachable, and coming back."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
import structlog

from scanner_core.cache import Cache, Codec, build_cache, redis_backend
from scanner_core.health import HealthRegistry, State
from scanner_core.models import now_utc
from tests.conftest import free_port
from tests.support.tcp_proxy import TcpProxy

COUNTER: Codec[dict[str, int]] = Codec("test-counter/1", dict[str, int])
NUMBER: Codec[int] = Codec("test-number/1", int)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> dict[str, int]:
        self.calls += 1
        await asyncio.sleep(0.01)
        return {"value": self.calls}


async def test_memory_only_cache_and_single_flight() -> None:
    cache = Cache(l1_max_items=100)
    fetch = Counter()
    results = await asyncio.gather(*(cache.get_with_cache("k", fetch, ttl=60) for _ in range(20)))
    assert fetch.calls == 1 and all(r == {"value": 1} for r in results)
    assert await cache.get_with_cache("k", fetch, ttl=60) == {"value": 1}


async def test_l1_is_bounded_and_expires() -> None:
    now = [0.0]
    cache = Cache(l1_max_items=100, monotonic=lambda: now[0])
    for i in range(500):
        await cache.set(f"k{i}", i, ttl=10)
    assert cache.l1_size() == 100
    assert await cache.get("k499") == 499
    now[0] = 11.0
    assert await cache.get("k499") is None


async def test_redis_is_l2_shared_between_instances(redis_url: str) -> None:
    a = build_cache(redis_url, l1_max_items=100, retry_seconds=1, timeout=1, health=None)
    b = build_cache(redis_url, l1_max_items=100, retry_seconds=1, timeout=1, health=None)
    try:
        fetch = Counter()
        assert await a.get_with_cache("shared", fetch, ttl=30, codec=COUNTER) == {"value": 1}
        # b has an empty L1: the value comes from Redis, not a second fetch
        assert await b.get_with_cache("shared", fetch, ttl=30, codec=COUNTER) == {"value": 1}
        assert fetch.calls == 1 and not a.degraded
    finally:
        await a.close()
        await b.close()


async def test_unreachable_redis_degrades_to_memory_and_logs_once() -> None:
    health = HealthRegistry(now_utc)
    cache = Cache(l2=redis_backend(f"redis://127.0.0.1:{free_port()}/0", 0.5), retry_seconds=60, health=health)
    fetch = Counter()
    with structlog.testing.capture_logs() as logs:
        assert await cache.get_with_cache("k", fetch, ttl=30, codec=COUNTER) == {"value": 1}
        assert await cache.get_with_cache("k", fetch, ttl=30, codec=COUNTER) == {"value": 1}
        await cache.set("other", 1, ttl=30, codec=NUMBER)
    assert fetch.calls == 1 and cache.degraded
    assert [e["event"] for e in logs].count("cache_degraded") == 1
    state = health.get("cache")
    assert state is not None and state.state is State.DEGRADED
    await cache.close()


async def test_redis_going_down_and_coming_back(redis_url: str) -> None:
    parts = urlsplit(redis_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    await proxy.start()
    health = HealthRegistry(now_utc)
    cache = build_cache(
        f"redis://127.0.0.1:{proxy.port}{parts.path}", l1_max_items=100, retry_seconds=0.2, timeout=0.5, health=health
    )
    try:
        assert await cache.ping() and not cache.degraded
        await proxy.cut()
        fetch = Counter()
        assert await cache.get_with_cache("during-outage", fetch, ttl=30, codec=COUNTER) == {"value": 1}
        assert cache.degraded
        assert health.get("cache").state is State.DEGRADED  # type: ignore[union-attr]
        await proxy.restore()
        await asyncio.sleep(0.25)
        for _ in range(20):  # the pool may hold a dead connection or two before it reconnects
            if await cache.ping():
                break
            await asyncio.sleep(0.25)
        assert not cache.degraded
        assert health.get("cache").state is State.OK  # type: ignore[union-attr]
        await cache.set("after", 5, ttl=30, codec=NUMBER)
        other = build_cache(redis_url, l1_max_items=10, retry_seconds=1, timeout=1, health=None)
        assert await other.get("after", codec=NUMBER) == 5
        await other.close()
    finally:
        await cache.close()
        await proxy.cut()


@pytest.mark.parametrize("value", [None, 0, ""])
async def test_falsy_values_are_cached(value: object) -> None:
    cache = Cache()
    calls = []

    async def fetch() -> object:
        calls.append(1)
        return value

    await cache.get_with_cache("f", fetch, ttl=30)
    await cache.get_with_cache("f", fetch, ttl=30)
    assert len(calls) == 1
