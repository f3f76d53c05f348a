"""What reaches Redis: JSON of explicit types through a codec, never a pickle.

A value planted in Redis under a key polyscan reads is decoded by that key's codec or refused
(a counted, logged miss); it never runs code. Every codec round-trips through real Redis, and every
service that caches shares its values through Redis (a second process does not fetch again)."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

import scanner_core
from db.repositories import Repositories
from scanner_core import cache_codecs
from scanner_core.cache import Cache, Codec, build_cache
from scanner_core.config import Settings
from scanner_core.models import Candle
from scanner_core.services.markets import MarketService
from scanner_core.sources.clob import ClobClient
from scanner_core.sources.gamma import GammaClient
from scanner_core.sources.http import HttpClient
from scanner_core.sources.types import Event
from tests.bots.support import BOOK, MARKET, PROFILE
from tests.conftest import FakeClock
from tests.fakes.polymarket import FakePolymarket

pytestmark = pytest.mark.redis

CEASEFIRE = "0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763"
PSCANNER_WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
NOW = datetime(2026, 4, 26, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


class _Exploit:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.path, "pwned"))


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _rejected(codec: Codec[Any]) -> float:
    return _sample("scanner_cache_rejected_total", {"codec": codec.name})


def _redis_cache(redis_url: str) -> Cache:
    return build_cache(redis_url, l1_max_items=1000, retry_seconds=1, timeout=1, health=None)


async def _plant(redis_url: str, key: str, raw: bytes) -> None:
    """Write `raw` where polyscan's cache keeps `key` (namespace "polyscan:", see redis_backend)."""
    client = aioredis.from_url(redis_url)
    try:
        await client.set(f"polyscan:{key}", raw, ex=60)
    finally:
        await client.aclose()


async def _redis_keys(redis_url: str) -> list[bytes]:
    client = aioredis.from_url(redis_url)
    try:
        return sorted(await client.keys("*"))
    finally:
        await client.aclose()


# ---------------------------------------------------------------- the services, through real Redis


@dataclass
class Process:
    """One polyscan process's view: its own cache (L1) over the shared Redis."""

    cache: Cache
    markets: MarketService


@pytest.fixture
async def polymarket() -> AsyncIterator[FakePolymarket]:
    async with FakePolymarket() as pm:
        yield pm


@pytest.fixture
async def processes(
    db: str, redis_url: str, polymarket: FakePolymarket, make_settings: Callable[..., Settings]
) -> AsyncIterator[Callable[[], Process]]:
    settings = make_settings(http_max_retries=1, http_backoff_base_seconds=0.01)
    caches: list[Cache] = []
    async with aiohttp.ClientSession() as session:
        http = HttpClient.from_settings(settings, session)

        def build() -> Process:
            cache = _redis_cache(redis_url)
            caches.append(cache)
            repos, clock = Repositories(), FakeClock(NOW)
            gamma, clob = GammaClient(http, polymarket.gamma_url), ClobClient(http, polymarket.clob_url)
            return Process(cache, MarketService(gamma, clob, cache, repos, clock))

        yield build
    for cache in caches:
        await cache.close()


async def test_a_pickle_planted_in_redis_is_never_unpickled(
    processes: Callable[[], Process], redis_url: str, tmp_path: Path
) -> None:
    proof = tmp_path / "pwned"
    await _plant(redis_url, f"market:condition_id:{CEASEFIRE}", pickle.dumps(_Exploit(proof)))
    refused = _rejected(cache_codecs.MARKET)
    process = processes()

    with capture_logs() as logs:
        market = await process.markets.get_market(CEASEFIRE)

    assert not proof.exists(), "a value read from Redis ran code"
    assert market is not None and market.condition_id == CEASEFIRE  # fetched afresh: the read was a miss
    assert _rejected(cache_codecs.MARKET) == refused + 1
    assert [e["codec"] for e in logs if e["event"] == "cache_value_rejected"] == ["market/1"]
    assert not process.cache.degraded


async def test_every_cached_service_value_is_shared_through_redis(
    processes: Callable[[], Process], polymarket: FakePolymarket
) -> None:
    first, second = processes(), processes()

    async def everything(p: Process) -> list[Any]:
        market = await p.markets.get_market(CEASEFIRE)
        assert market is not None
        token = next(iter(polymarket.price_history))
        priced = await p.markets.get_market(token)
        assert priced is not None
        until = datetime.fromtimestamp(polymarket.price_history[token][-1]["t"] + 60, UTC)
        return [
            market,
            await p.markets.get_book(token),
            await p.markets.candles(priced, token, "1m", until=until),
            await p.markets.related(market),
        ]

    fetched = await everything(first)
    requests = sum(polymarket.requests.values())
    served = await everything(second)  # an empty L1: all of it from Redis

    assert served == fetched
    assert sum(polymarket.requests.values()) == requests, "a second process fetched what Redis held"
    assert fetched[1] is not None and fetched[2]


# ---------------------------------------------------------------- every codec, through real Redis


def _event() -> Event:
    return Event(
        event_id="16167",
        slug="what-will-happen-before-gta-vi",
        title="What will happen before GTA VI?",
        category="politics",
        tags=("politics", "games"),
        markets=(MARKET,),
        neg_risk=True,
        end_date=datetime(2026, 7, 31, 12, tzinfo=UTC),
        liquidity=Decimal("57721.1642"),
        volume_total=Decimal("1.5E+6"),
    )


def _candles() -> list[Candle]:
    return [
        Candle(
            T0 + timedelta(minutes=i), Decimal("0.41"), Decimal("0.45"), Decimal("0.40"), Decimal("0.44"), Decimal(i)
        )
        for i in range(3)
    ]


SAMPLES: dict[str, list[Any]] = {
    "market/1": [MARKET, None],
    "book/1": [BOOK, None],
    "candles/1": [_candles(), []],
    "event/1": [_event(), None],
}


def _declared_codecs() -> Iterator[Codec[Any]]:
    """Every Codec declared at module level anywhere in scanner_core."""
    for info in pkgutil.walk_packages(scanner_core.__path__, "scanner_core."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Codec):
                yield value


def test_every_declared_codec_has_samples_here() -> None:
    assert {c.name for c in _declared_codecs()} == set(SAMPLES)


@pytest.mark.parametrize("codec", sorted(_declared_codecs(), key=lambda c: c.name), ids=lambda c: c.name)
async def test_every_codec_round_trips_through_redis(codec: Codec[Any], redis_url: str) -> None:
    writer, reader = _redis_cache(redis_url), _redis_cache(redis_url)
    try:
        for i, value in enumerate(SAMPLES[codec.name]):
            await writer.set(f"sample:{i}", value, ttl=60, codec=codec)
            hits = _sample("scanner_cache_hits_total", {"cache_level": "l2"})
            back = await reader.get(f"sample:{i}", codec=codec)
            assert back == value and type(back) is type(value)
            assert _sample("scanner_cache_hits_total", {"cache_level": "l2"}) == hits + 1
    finally:
        await writer.close()
        await reader.close()


# ---------------------------------------------------------------- what is refused


def _market_json(**changes: Any) -> bytes:
    document = orjson.loads(cache_codecs.MARKET.dumps(MARKET))
    document[1].update(changes)
    return orjson.dumps(document)


FOREIGN = {
    "pickle of a plain dict": pickle.dumps({"condition_id": CEASEFIRE, "question": "?"}),
    "not json": b"\x00\x01garbage",
    "another codec's value": cache_codecs.BOOK.dumps(BOOK),
    "no codec name": orjson.dumps(orjson.loads(cache_codecs.MARKET.dumps(MARKET))[1]),
    "a naive datetime": _market_json(end_date="2026-07-31T12:00:00"),
    "a number where text belongs": _market_json(question=5),
    "a string where a count belongs": _market_json(unique_traders="12"),
    "an infinite price": _market_json(liquidity="Infinity"),
    "a class name": _market_json(version={"__class__": "os.system"}),
}


@pytest.mark.parametrize("raw", list(FOREIGN.values()), ids=list(FOREIGN))
async def test_a_foreign_value_is_a_counted_miss_and_fetched_again(raw: bytes, redis_url: str) -> None:
    await _plant(redis_url, "market:slug:x", raw)
    cache = _redis_cache(redis_url)
    refused = _rejected(cache_codecs.MARKET)
    calls: list[int] = []

    async def fetch() -> Any:
        calls.append(1)
        return MARKET

    try:
        assert await cache.get_with_cache("market:slug:x", fetch, ttl=60, codec=cache_codecs.MARKET) == MARKET
        assert calls == [1] and not cache.degraded
        assert _rejected(cache_codecs.MARKET) == refused + 1
        # the fetched value replaced it: another process now reads the good one
        other = _redis_cache(redis_url)
        assert await other.get("market:slug:x", codec=cache_codecs.MARKET) == MARKET
        await other.close()
    finally:
        await cache.close()


async def test_without_a_codec_a_value_stays_in_memory(redis_url: str) -> None:
    cache = _redis_cache(redis_url)
    try:
        await cache.set("local", {"kept": "here"}, ttl=60)
        assert await cache.get_with_cache("local-too", _constant(object()), ttl=60) is not None
        assert await cache.get("local") == {"kept": "here"}
        assert await _redis_keys(redis_url) == []
    finally:
        await cache.close()


def _constant(value: Any) -> Callable[[], Any]:
    async def fetch() -> Any:
        return value

    return fetch


async def test_a_value_the_codec_cannot_encode_stays_in_memory_and_is_logged(redis_url: str) -> None:
    cache = _redis_cache(redis_url)
    try:
        with capture_logs() as logs:
            await cache.set("wrong", PROFILE, ttl=60, codec=cache_codecs.MARKET)  # type: ignore[arg-type]
        assert await cache.get("wrong") == PROFILE
        assert await _redis_keys(redis_url) == []
        assert [e["event"] for e in logs] == ["cache_value_unencodable"]
    finally:
        await cache.close()
