"""Polygon JSON-RPC, read-only: collateral Transfer logs (eth_getLogs) and block times.

Transport only, over the shared resilient HttpClient (rate budget per second, retries, circuit
breaker). The only module that knows JSON-RPC field names. No keys, no signing, no writes.

Providers cap eth_getLogs by block range and by result count and say so in an error ("block range
is too wide", "query returned more than 10000 results", "Log response size exceeded", ...): a scan
halves its range on such an error and grows it back after a run of successes, and remembers the
range that works for the next scan. Block times come from the log's `blockTimestamp` when the
provider sends one, else from eth_getBlockByNumber (cached). A wallet's first funding is found by
scanning back from the block of its first Polymarket activity, estimated from time and refined,
never from genesis.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiohttp
from cachetools import LRUCache

from scanner_core.config import FundingSettings, PolymarketSettings
from scanner_core.funding.models import Transfer
from scanner_core.logs import get_logger
from scanner_core.models import from_unix
from scanner_core.normalise import MalformedPayload
from scanner_core.sources.errors import BadResponse, HttpStatusError, MalformedLog, SourceError
from scanner_core.sources.http import HttpClient

API = "polygon"
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
USDC_E = "0x2791bca1f2de4661ed88a30c99a7a9449aa84174"
PUSD = "0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb"
COLLATERAL_TOKENS = (USDC_E, PUSD)
COLLATERAL_SCALE = Decimal(10) ** -6  # both tokens have 6 decimals
BLOCK_SECONDS_GUESS = 2.0  # Polygon PoS; refined from the blocks actually read
RATE_WINDOW = 1.05  # a provider's per-second budget, with room for requests arriving closer than sent
HEAD_TTL = 5.0  # seconds a head block number is reused
GROW_AFTER = 4  # successful pages in a row before a page grows again
FORGET_AFTER = 256  # successful pages after which a failed page size may be tried again
REFINE_STEPS = 5
REFINE_TOLERANCE = 300.0  # seconds: a funding window does not need a more exact block
Sleep = Callable[[float], Awaitable[None]]

log = get_logger("sources.polygon")

# what providers say when a request spans too much (range or results), and when they throttle
_RATE = re.compile(r"rate.?limit|too many requests|requests per|exceeded .*capacity|compute units|throughput", re.I)
_RANGE = re.compile(
    r"block range|range (is )?too (large|wide|big)|range limit|range of \d|\d+ block range|limited to a? ?[\d,]+"
    r"|too many (results|logs|blocks)|more than [\d,]+ (results|logs)|returned more than|response size"
    r"|result(s)? (set )?too large|exceed(s|ed)? (the )?max(imum)?|query timeout|ranges over",
    re.I,
)


class RpcError(SourceError):
    """The node answered with a JSON-RPC error object."""

    def __init__(self, endpoint: str, code: int | None, message: str) -> None:
        super().__init__(endpoint, f"JSON-RPC error {code}: {message[:200]}")
        self.code = code
        self.rpc_message = message


class RangeTooLarge(RpcError):
    """The provider refused the block range or the size of the answer: ask for less."""


class RpcRateLimited(RpcError):
    """The provider throttled us inside a 200 answer."""


class BudgetExhausted(SourceError):
    """A trace used up the requests it was allowed."""


class Budget:
    """Requests one piece of work may spend (None: unlimited)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.spent = 0

    def take(self, endpoint: str) -> None:
        if self.limit is not None and self.spent >= self.limit:
            raise BudgetExhausted(endpoint, f"request budget of {self.limit} used up")
        self.spent += 1


@dataclass(frozen=True, slots=True)
class ChainLog:
    address: str
    topics: tuple[str, ...]
    data: str
    block_number: int
    log_index: int
    tx_hash: str
    removed: bool = False
    block_timestamp: datetime | None = None


def _hex_int(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or not value.startswith("0x"):
        raise MalformedPayload(f"{name} is not a hex quantity: {value!r}")
    try:
        return int(value, 16)
    except ValueError:
        raise MalformedPayload(f"{name} is not a hex quantity: {value!r}") from None


def log_from_json(row: Any) -> ChainLog:
    """One eth_getLogs entry (MalformedPayload when it is not one)."""
    if not isinstance(row, dict):
        raise MalformedPayload("a log is not an object")
    topics = row.get("topics")
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise MalformedPayload("log topics are not a list of strings")
    address, data, tx = row.get("address"), row.get("data"), row.get("transactionHash")
    if not isinstance(address, str) or not isinstance(data, str) or not isinstance(tx, str):
        raise MalformedPayload("log lacks address, data or transactionHash")
    stamp = row.get("blockTimestamp")
    return ChainLog(
        address=address.lower(),
        topics=tuple(t.lower() for t in topics),
        data=data,
        block_number=_hex_int(row.get("blockNumber"), "blockNumber"),
        log_index=_hex_int(row.get("logIndex"), "logIndex"),
        tx_hash=tx.lower(),
        removed=bool(row.get("removed", False)),
        block_timestamp=from_unix(_hex_int(stamp, "blockTimestamp")) if stamp is not None else None,
    )


def topic_address(topic: str) -> str:
    """The address in an indexed address topic (32 bytes, left-padded)."""
    if len(topic) != 66 or not topic.startswith("0x") or topic[2:26] != "0" * 24:
        raise MalformedPayload(f"not an address topic: {topic[:70]!r}")
    int(topic, 16)
    return "0x" + topic[26:]


def address_topic(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def transfer_from_log(entry: ChainLog, timestamp: datetime) -> Transfer:
    """A collateral Transfer (MalformedPayload for anything else)."""
    if len(entry.topics) != 3 or entry.topics[0] != TRANSFER_TOPIC:
        raise MalformedPayload("not an ERC-20 Transfer log")
    if entry.address not in COLLATERAL_TOKENS:
        raise MalformedPayload(f"not a collateral token: {entry.address}")
    try:
        raw = int(entry.data, 16) if entry.data not in ("0x", "") else 0
        sender, recipient = topic_address(entry.topics[1]), topic_address(entry.topics[2])
    except ValueError:
        raise MalformedPayload("Transfer log with unreadable topics or data") from None
    return Transfer(
        token=entry.address,
        sender=sender,
        recipient=recipient,
        amount=Decimal(raw) * COLLATERAL_SCALE,
        block_number=entry.block_number,
        log_index=entry.log_index,
        tx_hash=entry.tx_hash,
        timestamp=timestamp,
    )


def classify_error(endpoint: str, code: int | None, message: str) -> RpcError:
    if _RATE.search(message):
        return RpcRateLimited(endpoint, code, message)
    if _RANGE.search(message):
        return RangeTooLarge(endpoint, code, message)
    return RpcError(endpoint, code, message)


def polygon_http(
    settings: FundingSettings, http: PolymarketSettings, session: aiohttp.ClientSession, **overrides: Any
) -> HttpClient:
    """An HttpClient for the RPC provider: its own budget of requests per second (not Polymarket's
    10 s windows), the usual retries and circuit breaker."""
    args: dict[str, Any] = {"window": RATE_WINDOW, "timeout": settings.polygon_timeout_seconds, **overrides}
    return HttpClient.from_settings(http, session, limits={f"{API}:*": settings.polygon_rate_per_second}, **args)


class PolygonRpc:
    def __init__(
        self,
        http: HttpClient,
        url: str,
        *,
        max_block_range: int = 10_000,
        block_cache_size: int = 50_000,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self._url = url  # may hold an API key: never logged (errors name the route, not the URL)
        self.max_block_range = max_block_range
        self.span = max_block_range  # the range that worked last
        self.block_seconds = BLOCK_SECONDS_GUESS
        self.calls = 0
        self.range_errors = 0
        self._too_big: int | None = None  # the smallest page size the provider refused
        self._good_pages = 0
        self.malformed = MalformedLog("polygon")
        self._ids = itertools.count(1)
        self._times: LRUCache[int, datetime] = LRUCache(maxsize=block_cache_size)
        self._head: tuple[float, int] | None = None
        self._sleep = sleep
        self._monotonic = monotonic

    @classmethod
    def from_settings(
        cls,
        settings: FundingSettings,
        http: PolymarketSettings,
        session: aiohttp.ClientSession,
        **http_overrides: Any,
    ) -> PolygonRpc:
        """The provider from the funding section; retries and the breaker as for Polymarket."""
        if settings.polygon_rpc_url is None:
            raise ValueError("POLYSCAN_POLYGON_RPC_URL is not set")
        return cls(
            polygon_http(settings, http, session, **http_overrides),
            settings.polygon_rpc_url.get_secret_value(),
            max_block_range=settings.polygon_max_block_range,
            block_cache_size=settings.polygon_block_cache_size,
        )

    # ------------------------------------------------------------------ calls

    async def call(self, method: str, params: list[Any], budget: Budget | None = None) -> Any:
        """One JSON-RPC call; a throttling error is waited out like a 429."""
        route = f"{API}:{method}"
        attempt = 0
        while True:
            if budget is not None:
                budget.take(route)
            self.calls += 1
            body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
            try:
                answer = await self.http.post_json(self._url, route, body)
            except HttpStatusError as exc:  # some providers refuse a range with 400/413 and a text
                if _RANGE.search(exc.body) and not _RATE.search(exc.body):
                    raise RangeTooLarge(route, exc.status, exc.body) from None
                raise
            if not isinstance(answer, dict):
                raise BadResponse(route, "answer is not a JSON-RPC object")
            error = answer.get("error")
            if error is None:
                return answer.get("result")
            code = error.get("code") if isinstance(error, dict) else None
            message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
            failure = classify_error(route, code if isinstance(code, int) else None, message)
            if not isinstance(failure, RpcRateLimited) or attempt >= self.http.max_retries:
                raise failure
            delay = self.http.backoff(attempt)
            self.http.limiter.pause(route, delay)
            attempt += 1
            await self._sleep(delay)

    async def block_number(self, budget: Budget | None = None) -> int:
        now = self._monotonic()
        if self._head is not None and now - self._head[0] < HEAD_TTL:
            return self._head[1]
        head = _hex_int(await self.call("eth_blockNumber", [], budget), "eth_blockNumber")
        self._head = (now, head)
        return head

    async def block_time(self, number: int, budget: Budget | None = None) -> datetime:
        cached = self._times.get(number)
        if cached is not None:
            return cached
        block = await self.call("eth_getBlockByNumber", [hex(number), False], budget)
        if not isinstance(block, dict):
            raise BadResponse(f"{API}:eth_getBlockByNumber", f"no block {number}")
        try:
            when = from_unix(_hex_int(block.get("timestamp"), "timestamp"))
        except MalformedPayload as exc:
            raise BadResponse(f"{API}:eth_getBlockByNumber", str(exc)) from None
        self._times[number] = when
        return when

    async def block_at(self, when: datetime, budget: Budget | None = None) -> int:
        """The block mined about `when` (within REFINE_TOLERANCE), from the head back by time."""
        head = await self.block_number(budget)
        head_time = await self.block_time(head, budget)
        if when >= head_time:
            return head
        guess = head - int((head_time - when).total_seconds() / self.block_seconds)
        for _ in range(REFINE_STEPS):
            guess = min(head, max(0, guess))
            at = await self.block_time(guess, budget)
            if guess < head:
                observed = (head_time - at).total_seconds() / (head - guess)
                if observed > 0:
                    self.block_seconds = observed
            off = (when - at).total_seconds()
            if abs(off) <= REFINE_TOLERANCE or guess == 0:
                break
            guess += int(off / self.block_seconds)
        return guess

    # ------------------------------------------------------------------ logs

    async def get_logs(
        self,
        addresses: Sequence[str],
        topics: Sequence[str | Sequence[str] | None],
        from_block: int,
        to_block: int,
        budget: Budget | None = None,
    ) -> list[ChainLog]:
        flt = {
            "address": list(addresses),
            "topics": [list(t) if isinstance(t, list | tuple) else t for t in topics],
            "fromBlock": hex(from_block),
            "toBlock": hex(to_block),
        }
        result = await self.call("eth_getLogs", [flt], budget)
        if not isinstance(result, list):
            raise BadResponse(f"{API}:eth_getLogs", "result is not a list of logs")
        return self.malformed.parse_all(result, log_from_json)

    async def scan_logs(
        self,
        addresses: Sequence[str],
        topics: Sequence[str | Sequence[str] | None],
        from_block: int,
        to_block: int,
        *,
        newest_first: bool = False,
        budget: Budget | None = None,
    ) -> AsyncIterator[tuple[int, int, list[ChainLog]]]:
        """Every log of the range, page by page as (from, to, logs).

        A range error halves the page and marks the failed size as too big; after GROW_AFTER good
        pages the page grows halfway towards that size (a bisection, so a provider's fixed limit
        is found in a few errors and then never hit again). The limit forgets itself after
        FORGET_AFTER good pages, since result-count limits depend on how busy the blocks are.
        """
        span = max(1, min(self.span, self.max_block_range))
        low, high = from_block, to_block
        good = 0
        while low <= high:
            if newest_first:
                lo, hi = max(low, high - span + 1), high
            else:
                lo, hi = low, min(high, low + span - 1)
            try:
                logs = await self.get_logs(addresses, topics, lo, hi, budget)
            except RangeTooLarge:
                self.range_errors += 1
                if hi == lo:
                    raise
                tried = hi - lo + 1
                self._too_big = tried if self._too_big is None else min(self._too_big, tried)
                self._good_pages = 0
                span = max(1, tried // 2)
                self.span = span
                good = 0
                continue
            yield lo, hi, logs
            if newest_first:
                high = lo - 1
            else:
                low = hi + 1
            good += 1
            self._good_pages += 1
            if self._too_big is not None and self._good_pages >= FORGET_AFTER:
                self._too_big = None
            if good >= GROW_AFTER and hi - lo + 1 == span:
                span = self._grown(span)
                self.span = max(self.span, span)
                good = 0

    def _grown(self, span: int) -> int:
        ceiling = self.max_block_range + 1 if self._too_big is None else self._too_big
        if span * 2 < ceiling:
            return min(self.max_block_range, span * 2)
        return max(span, min(self.max_block_range, (span + ceiling) // 2))

    async def transfers(
        self,
        *,
        senders: Sequence[str] = (),
        recipients: Sequence[str] = (),
        from_block: int,
        to_block: int,
        newest_first: bool = False,
        budget: Budget | None = None,
    ) -> AsyncIterator[tuple[int, int, list[Transfer]]]:
        """Collateral transfers out of `senders` and/or into `recipients`, page by page."""
        topics: list[str | Sequence[str] | None] = [
            TRANSFER_TOPIC,
            [address_topic(a) for a in senders] or None,
            [address_topic(a) for a in recipients] or None,
        ]
        while topics and topics[-1] is None:
            topics.pop()
        async for lo, hi, logs in self.scan_logs(
            COLLATERAL_TOKENS, topics, from_block, to_block, newest_first=newest_first, budget=budget
        ):
            yield lo, hi, await self._to_transfers(logs, budget)

    async def _to_transfers(self, logs: Sequence[ChainLog], budget: Budget | None) -> list[Transfer]:
        out: list[Transfer] = []
        for entry in logs:
            if entry.removed:  # a reorged-out log: it never happened
                continue
            when = entry.block_timestamp or await self.block_time(entry.block_number, budget)
            try:
                out.append(transfer_from_log(entry, when))
            except MalformedPayload as exc:
                self.malformed.record(str(exc), repr(entry))
        return out


__all__ = [
    "COLLATERAL_TOKENS",
    "PUSD",
    "TRANSFER_TOPIC",
    "USDC_E",
    "Budget",
    "BudgetExhausted",
    "ChainLog",
    "PolygonRpc",
    "RangeTooLarge",
    "RpcError",
    "RpcRateLimited",
    "address_topic",
    "classify_error",
    "log_from_json",
    "polygon_http",
    "transfer_from_log",
]
