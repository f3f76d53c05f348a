"""The resilient HTTP client against the fake Polymarket over real sockets (waits on virtual time)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import pytest
from prometheus_client import REGISTRY

from scanner_core.config import Settings
from scanner_core.sources.breaker import BreakerState
from scanner_core.sources.errors import CircuitOpenError, HttpStatusError, RetriesExhausted
from scanner_core.sources.http import HttpClient, query_pairs, retry_after_seconds
from scanner_core.sources.ratelimit import RateLimiter, TokenBucket, limits_from_settings
from tests.conftest import free_port
from tests.fakes.polymarket import FakePolymarket
from tests.sources.conftest import VirtualTime

TRADES = "data:/trades"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_429_is_waited_out_exactly_as_retry_after_says(
    pm: FakePolymarket, make_http: Callable[..., HttpClient], vtime: VirtualTime
) -> None:
    http = make_http()
    pm.faults.fail(TRADES, status=429, times=2, retry_after=1.5)
    limited_before = metric("scanner_api_rate_limited_total", endpoint=TRADES)
    ok_before = metric("scanner_api_requests_total", endpoint=TRADES, status="200")
    body = await http.get_json(f"{pm.data_api_url}/trades", TRADES, {"limit": 1})
    assert isinstance(body, list) and len(body) == 1
    assert pm.requests[TRADES] == 3
    assert vtime.sleeps == [1.5, 1.5]
    assert metric("scanner_api_rate_limited_total", endpoint=TRADES) == limited_before + 2
    assert metric("scanner_api_requests_total", endpoint=TRADES, status="200") == ok_before + 1


async def test_retry_after_pauses_other_callers_of_the_endpoint(
    pm: FakePolymarket, make_http: Callable[..., HttpClient], vtime: VirtualTime
) -> None:
    http = make_http()
    pm.faults.fail(TRADES, status=429, times=1, retry_after=4)
    await http.get_json(f"{pm.data_api_url}/trades", TRADES, {"limit": 1})
    assert vtime.sleeps == [4.0]
    # the bucket was held for the 4 s; it is open again now
    assert http.limiter.bucket(TRADES).available() > 0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_other_4xx_are_not_retried(
    pm: FakePolymarket, make_http: Callable[..., HttpClient], vtime: VirtualTime, status: int
) -> None:
    http = make_http()
    pm.faults.fail(TRADES, status=status, body='{"error":"bad"}')
    with pytest.raises(HttpStatusError) as info:
        await http.get_json(f"{pm.data_api_url}/trades", TRADES)
    assert info.value.status == status and "bad" in info.value.body
    assert pm.requests[TRADES] == 1 and vtime.sleeps == []
    assert http.breaker(pm.data_api_url).state is BreakerState.CLOSED


@pytest.mark.parametrize("status", [500, 502, 503, 425])
async def test_5xx_and_425_are_retried_with_exponential_backoff_and_jitter(
    pm: FakePolymarket, make_http: Callable[..., HttpClient], vtime: VirtualTime, status: int
) -> None:
    http = make_http()
    pm.faults.fail(TRADES, status=status, times=3)
    await http.get_json(f"{pm.data_api_url}/trades", TRADES, {"limit": 1})
    assert pm.requests[TRADES] == 4
    base = http.backoff_base
    assert len(vtime.sleeps) == 3
    for attempt, slept in enumerate(vtime.sleeps):
        ceiling = min(http.backoff_max, base * 2**attempt)
        assert ceiling / 2 <= slept <= ceiling
    assert len(set(vtime.sleeps)) == 3


async def test_retries_run_out(
    pm: FakePolymarket, make_http: Callable[..., HttpClient], make_settings: Callable[..., Settings]
) -> None:
    http = make_http(make_settings(http_max_retries=2, breaker_failure_threshold=10))
    pm.faults.fail(TRADES, status=503, times=5)
    with pytest.raises(RetriesExhausted) as info:
        await http.get_json(f"{pm.data_api_url}/trades", TRADES)
    assert info.value.attempts == 3 and info.value.status == 503
    assert pm.requests[TRADES] == 3


async def test_timeouts_are_retried(pm: FakePolymarket, make_http: Callable[..., HttpClient]) -> None:
    http = make_http(timeout=0.2)
    pm.faults.slow(TRADES, seconds=1.0, times=1)
    before = metric("scanner_api_requests_total", endpoint=TRADES, status="timeout")
    body = await http.get_json(f"{pm.data_api_url}/trades", TRADES, {"limit": 2})
    assert len(body) == 2 and pm.requests[TRADES] == 2
    assert metric("scanner_api_requests_total", endpoint=TRADES, status="timeout") == before + 1


async def test_network_errors_are_retried_then_open_the_circuit(
    session: aiohttp.ClientSession, vtime: VirtualTime, make_settings: Callable[..., Settings]
) -> None:
    http = HttpClient.from_settings(
        make_settings(http_max_retries=9), session, sleep=vtime.sleep, monotonic=vtime.monotonic, rng=random.Random(1)
    )
    url = f"http://127.0.0.1:{free_port()}/trades"  # nothing listens there
    with pytest.raises(CircuitOpenError):
        await http.get_json(url, TRADES)
    # five consecutive failures opened the breaker; the sixth attempt was refused without a connect
    assert len(vtime.sleeps) == 5
    assert http.breaker(url).state is BreakerState.OPEN


async def test_circuit_opens_rejects_fast_half_opens_and_closes(
    pm: FakePolymarket, make_http: Callable[..., HttpClient], make_settings: Callable[..., Settings], vtime: VirtualTime
) -> None:
    http = make_http(make_settings(http_max_retries=0))
    url = f"{pm.data_api_url}/trades"
    breaker = http.breaker(url)
    host = breaker.host
    pm.faults.fail(TRADES, status=503, times=5)
    for _ in range(5):
        with pytest.raises(RetriesExhausted):
            await http.get_json(url, TRADES)
    assert breaker.state is BreakerState.OPEN
    assert metric("scanner_circuit_open", host=host) == 1

    # open: refused at once, the server never sees it
    with pytest.raises(CircuitOpenError) as info:
        await http.get_json(url, TRADES, {"limit": 1})
    assert pm.requests[TRADES] == 5 and info.value.retry_in == pytest.approx(60.0)
    # every host has its own breaker
    async with FakePolymarket(seed=False) as other_host:
        assert await http.get_json(f"{other_host.gamma_url}/tags", "gamma:/tags") == []

    vtime.now += 60
    assert breaker.state is BreakerState.HALF_OPEN
    await http.get_json(url, TRADES, {"limit": 1})
    assert breaker.state is BreakerState.HALF_OPEN  # one success is not enough
    await http.get_json(url, TRADES, {"limit": 1})
    assert breaker.state is BreakerState.CLOSED
    assert metric("scanner_circuit_open", host=host) == 0

    # a failure while half-open opens it again for a full reset period
    pm.faults.fail(TRADES, status=503, times=5)
    for _ in range(5):
        with pytest.raises(RetriesExhausted):
            await http.get_json(url, TRADES)
    vtime.now += 60
    pm.faults.fail(TRADES, status=500, times=1)
    with pytest.raises(RetriesExhausted):
        await http.get_json(url, TRADES)
    assert breaker.state is BreakerState.OPEN
    vtime.now += 59
    with pytest.raises(CircuitOpenError):
        await http.get_json(url, TRADES)


async def test_burst_of_1000_calls_holds_the_documented_rate(
    pm: FakePolymarket, make_http: Callable[..., HttpClient], vtime: VirtualTime
) -> None:
    http = make_http()
    started = vtime.now
    results = await asyncio.gather(
        *(http.get_json(f"{pm.data_api_url}/trades", TRADES, {"limit": 1}) for _ in range(1000))
    )
    assert len(results) == 1000 and pm.requests[TRADES] == 1000
    # 200 per 10 s: 200 at once, then 200 more every 10 s -> the last batch starts at +40 s
    assert vtime.now - started == pytest.approx(40.0)


async def test_token_bucket_never_exceeds_the_limit_in_any_window(vtime: VirtualTime) -> None:
    bucket = TokenBucket(200, 10.0, monotonic=vtime.monotonic, sleep=vtime.sleep)
    starts: list[float] = []

    async def call() -> None:
        await bucket.acquire()
        starts.append(vtime.now)

    await asyncio.gather(*(call() for _ in range(1000)))
    starts.sort()
    assert len(starts) == 1000
    for i in range(len(starts) - 200):
        assert starts[i + 200] - starts[i] >= 10.0  # the 201st call after any call waits a window
    assert starts[-1] - starts[0] == pytest.approx(40.0)


def test_routes_draw_from_the_specific_and_the_general_bucket(make_settings: Callable[..., Settings]) -> None:
    limiter = RateLimiter(limits_from_settings(make_settings()), 10.0)
    assert limiter.keys_for("data:/trades") == ("data:/trades", "data:*")
    assert limiter.keys_for("data:/activity") == ("data:*",)
    assert limiter.keys_for("gamma:/markets/{id}") == ("gamma:/markets", "gamma:*")
    assert limiter.keys_for("clob:/books") == ("clob:/books", "clob:*")
    assert limiter.keys_for("clob:/book") == ("clob:/book", "clob:*")
    assert limiter.keys_for("data:/closed-positions") == ("data:/closed-positions", "data:*")


def test_limits_come_from_settings(make_settings: Callable[..., Settings]) -> None:
    defaults = limits_from_settings(make_settings())
    assert defaults["data:/trades"] == 200 and defaults["data:/positions"] == 150
    assert defaults["data:/closed-positions"] == 150 and defaults["data:*"] == 1000
    assert defaults["gamma:/markets"] == 300 and defaults["gamma:/events"] == 500
    assert defaults["clob:/book"] == 1500 and defaults["clob:/prices-history"] == 1000
    assert limits_from_settings(make_settings(rate_data_trades=50))["data:/trades"] == 50


async def test_latency_is_observed_per_endpoint(pm: FakePolymarket, make_http: Callable[..., HttpClient]) -> None:
    http = make_http()
    before = metric("scanner_api_latency_seconds_count", endpoint="gamma:/markets/{id}")
    await http.get_json(f"{pm.gamma_url}/markets/540816", "gamma:/markets/{id}")
    assert metric("scanner_api_latency_seconds_count", endpoint="gamma:/markets/{id}") == before + 1


def test_retry_after_parsing() -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0.5") == 0.5
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    date = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert retry_after_seconds(date, now=lambda: now) == 7.0


def test_query_pairs() -> None:
    assert query_pairs({"a": True, "b": None, "c": ["x", "y"], "d": 3}) == [
        ("a", "true"),
        ("c", "x"),
        ("c", "y"),
        ("d", "3"),
    ]
    assert query_pairs([("id", "1"), ("id", "2"), ("closed", False)]) == [("id", "1"), ("id", "2"), ("closed", "false")]
