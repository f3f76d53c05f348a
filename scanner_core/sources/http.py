"""Resilient JSON over HTTP, shared by every Polymarket REST client.

One aiohttp session; per call: circuit breaker check (per host), rate-limit token (per endpoint),
a request with a total timeout, then retries with exponential backoff and jitter on network
errors, timeouts, 5xx, 425 and 429 (waiting exactly what Retry-After says), and none on other
4xx. A 403 (geo-blocking) is logged once per host and shown in scanner_api_forbidden (see
forbidden.py). Every attempt is counted in scanner_api_requests_total{endpoint,status} and timed in
scanner_api_latency_seconds{endpoint}; `endpoint` is a route template such as "data:/trades",
never a URL with ids in it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from scanner_core.config import PolymarketSettings
from scanner_core.logs import get_logger
from scanner_core.metrics import API_LATENCY, API_RATE_LIMITED, API_REQUESTS
from scanner_core.models import now_utc
from scanner_core.sources.breaker import CircuitBreaker
from scanner_core.sources.errors import BadResponse, CircuitOpenError, HttpStatusError, RetriesExhausted
from scanner_core.sources.forbidden import ForbiddenWatch, api_of
from scanner_core.sources.ratelimit import RateLimiter, limits_from_settings

Sleep = Callable[[float], Awaitable[None]]
ParamValue = str | int | float | bool | None
Params = Mapping[str, ParamValue | Sequence[str]] | Sequence[tuple[str, ParamValue]]
log = get_logger("sources.http")

_RETRY_STATUSES = frozenset({425, 429})


def query_pairs(params: Params | None) -> list[tuple[str, str]]:
    """Query parameters as pairs: None dropped, booleans as true/false, sequences as repeated
    keys (Gamma wants `clob_token_ids=A&clob_token_ids=B`)."""
    if not params:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            else:
                pairs.append((key, str(item)))
    return pairs


def retry_after_seconds(value: str | None, *, now: Callable[[], Any] = now_utc) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now()).total_seconds())


class HttpClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        limits: Mapping[str, int],
        *,
        window: float = 10.0,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 300.0,
        breaker_failure_threshold: int = 5,
        breaker_reset_seconds: float = 60.0,
        breaker_success_threshold: int = 2,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.limiter = RateLimiter(limits, window, monotonic=monotonic, sleep=sleep)
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self._breaker_args = (breaker_failure_threshold, breaker_reset_seconds, breaker_success_threshold)
        self._breakers: dict[str, CircuitBreaker] = {}
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self.forbidden = ForbiddenWatch()
        self.calls: Counter[str] = Counter()  # requests sent per route (every attempt), for summaries

    @classmethod
    def from_settings(
        cls,
        settings: PolymarketSettings,
        session: aiohttp.ClientSession,
        *,
        limits: Mapping[str, int] | None = None,
        **overrides: Any,
    ) -> HttpClient:
        """Resilience from Settings; `limits` replaces Polymarket's budgets (another provider's)."""
        s = settings
        args: dict[str, Any] = {
            "window": s.rate_limit_window_seconds,
            "timeout": s.http_timeout_seconds,
            "max_retries": s.http_max_retries,
            "backoff_base": s.http_backoff_base_seconds,
            "backoff_max": s.http_backoff_max_seconds,
            "breaker_failure_threshold": s.breaker_failure_threshold,
            "breaker_reset_seconds": s.breaker_reset_seconds,
            "breaker_success_threshold": s.breaker_success_threshold,
        }
        args.update(overrides)
        return cls(session, limits if limits is not None else limits_from_settings(s), **args)

    def breaker(self, url_or_host: str) -> CircuitBreaker:
        # the host only: a user:key@ part of a URL must never reach a metric label or a log
        host = (urlsplit(url_or_host).netloc or url_or_host).rpartition("@")[2]
        breaker = self._breakers.get(host)
        if breaker is None:
            failures, reset, successes = self._breaker_args
            breaker = CircuitBreaker(
                host,
                failure_threshold=failures,
                reset_seconds=reset,
                success_threshold=successes,
                monotonic=self._monotonic,
            )
            self._breakers[host] = breaker
        return breaker

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, capped."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    async def get_json(self, url: str, route: str, params: Params | None = None) -> Any:
        return await self.request_json("GET", url, route, params=params)

    async def post_json(self, url: str, route: str, body: Any, params: Params | None = None) -> Any:
        return await self.request_json("POST", url, route, params=params, body=body)

    async def request_json(
        self, method: str, url: str, route: str, *, params: Params | None = None, body: Any = None
    ) -> Any:
        breaker = self.breaker(url)
        pairs = query_pairs(params)
        data = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else None
        attempt = 0
        while True:
            if not breaker.allow():
                API_REQUESTS.labels(endpoint=route, status="circuit_open").inc()
                raise CircuitOpenError(route, breaker.host, breaker.retry_in())
            await self.limiter.acquire(route)
            self.calls[route] += 1
            started = self._monotonic()
            status: int | None = None
            retry_after: float | None = None
            text = b""
            try:
                async with self.session.request(
                    method, url, params=pairs, data=data, headers=headers, timeout=self.timeout
                ) as response:
                    status = response.status
                    text = await response.read()
                    if status == 429:
                        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                outcome = str(status)
                problem = f"HTTP {status}"
            except TimeoutError:
                outcome, problem = "timeout", "timed out"
            except aiohttp.ClientError as exc:
                outcome, problem = "error", f"{type(exc).__name__}: {exc}"
            API_LATENCY.labels(endpoint=route).observe(max(0.0, self._monotonic() - started))
            API_REQUESTS.labels(endpoint=route, status=outcome).inc()

            if status is not None and 200 <= status < 300:
                breaker.record_success()
                if self.forbidden.active:
                    self.forbidden.allowed(api_of(route), url)
                return self._decode(route, text)
            if status is not None and status < 500 and status not in _RETRY_STATUSES:
                breaker.record_success()  # the host answered; the request was wrong
                if status == 403:
                    self.forbidden.forbidden(api_of(route), url, route, text)
                raise HttpStatusError(route, status, text.decode("utf-8", "replace"))
            if status == 429:
                API_RATE_LIMITED.labels(endpoint=route).inc()
            else:
                breaker.record_failure(problem)
            if attempt >= self.max_retries:
                log.warning("request_failed", endpoint=route, attempts=attempt + 1, error=problem)
                raise RetriesExhausted(route, attempt + 1, problem, status)
            if retry_after is not None:
                delay = min(retry_after, self.max_retry_after)
                self.limiter.pause(route, delay)  # hold the other callers of this endpoint too
            else:
                delay = self.backoff(attempt)
            log.info("request_retry", endpoint=route, attempt=attempt + 1, error=problem, delay=round(delay, 3))
            attempt += 1
            await self._sleep(delay)

    @staticmethod
    def _decode(route: str, text: bytes) -> Any:
        if not text.strip():
            return None
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise BadResponse(route, f"answer is not JSON: {text[:120]!r}") from None
