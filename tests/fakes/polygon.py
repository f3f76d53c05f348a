"""A fake Polygon JSON-RPC node on 127.0.0.1: eth_blockNumber, eth_getBlockByNumber, eth_getLogs
(eth_chainId too), answering in the real shapes (tests/fixtures/polygon/ has a real log), with a
provider's limits and faults per test::

    async with FakePolygon(head_time=now, max_block_range=2000, max_results=10_000) as chain:
        chain.add_transfer(USDC_E, funder, wallet, "5000", at=now - timedelta(days=2))
        settings = make_settings(polygon_rpc_url=chain.url)
        chain.down = True                                   # every call answers 503
        chain.fail("eth_getLogs", status=500, times=2)      # the next two calls of a method fail

Blocks are numbered back from `head` at `block_seconds` each (head is mined at `head_time`);
`block_of(t)` and `time_of(n)` convert. Logs carry hex blockNumber / logIndex / transactionIndex,
topics, data, transactionHash, blockHash and removed; `block_timestamps=True` adds the
`blockTimestamp` field some providers send. Limits: `max_block_range` answers a range wider than
it with Alchemy's -32602 "block range" error, `max_results` a larger answer with Infura's -32005
"query returned more than N results", `rate_per_second` a 429 beyond that many calls a second.
`reorged(log)` marks a log removed. Counters: `requests` (per method), `get_logs_ranges`,
`range_errors`, `rate_limited`, `max_topics_seen`.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
USDC_E = "0x2791bca1f2de4661ed88a30c99a7a9449aa84174"
PUSD = "0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb"
ALCHEMY_RANGE = (
    "Log response size exceeded. You can make eth_getLogs requests with up to a {n} block range and no limit "
    "on the response size, or you can request any block range with a cap of 10K logs in the response."
)


def pad(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def _hash(*parts: object) -> str:
    return "0x" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


class FakePolygon:
    def __init__(
        self,
        *,
        head: int = 80_000_000,
        head_time: datetime | None = None,
        block_seconds: float = 2.0,
        max_block_range: int | None = None,
        max_results: int | None = None,
        rate_per_second: int | None = None,
        block_timestamps: bool = False,
    ) -> None:
        self.head = head
        self.head_time = head_time or datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
        self.block_seconds = block_seconds
        self.max_block_range = max_block_range
        self.max_results = max_results
        self.rate_per_second = rate_per_second
        self.block_timestamps = block_timestamps
        self.down = False
        self.logs: list[dict[str, Any]] = []
        self.requests: Counter[str] = Counter()
        self.get_logs_ranges: list[tuple[int, int]] = []
        self.range_errors = 0
        self.rate_limited = 0
        self.max_topics_seen = 0
        self.port = 0
        self._faults: dict[str, deque[int]] = {}
        self._recent: deque[float] = deque()
        self._sorted = True
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakePolygon:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{key:.*}", self._rpc)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port or 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The RPC URL, with an API key in the path as providers have it."""
        return f"http://127.0.0.1:{self.port}/v2/test-api-key-0123456789"

    # ------------------------------------------------------------ chain

    def block_of(self, when: datetime) -> int:
        return self.head - round((self.head_time - when).total_seconds() / self.block_seconds)

    def time_of(self, number: int) -> datetime:
        return datetime.fromtimestamp(
            self.head_time.timestamp() - (self.head - number) * self.block_seconds, UTC
        ).replace(microsecond=0)

    def add_transfer(
        self,
        token: str,
        sender: str,
        recipient: str,
        amount: Decimal | str | int,
        *,
        at: datetime | None = None,
        block: int | None = None,
        tx_hash: str | None = None,
    ) -> dict[str, Any]:
        """A Transfer log of `amount` USD (6 decimals) mined at `at` (or in `block`)."""
        number = block if block is not None else self.block_of(at or self.head_time)
        if number > self.head:
            raise ValueError("a transfer after the head block")
        index = sum(1 for entry in self.logs if int(entry["blockNumber"], 16) == number)
        raw = int(Decimal(str(amount)) * 10**6)
        tx = tx_hash or _hash(token, sender, recipient, raw, number, index)
        entry = {
            "address": token.lower(),
            "blockHash": _hash("block", number),
            "blockNumber": hex(number),
            "data": "0x" + f"{raw:064x}",
            "logIndex": hex(index),
            "removed": False,
            "topics": [TRANSFER_TOPIC, pad(sender), pad(recipient)],
            "transactionHash": tx,
            "transactionIndex": hex(index),
        }
        self.logs.append(entry)
        self._sorted = False
        return entry

    def fail(self, method: str, status: int = 500, times: int = 1) -> None:
        self._faults.setdefault(method, deque()).extend([status] * times)

    # ------------------------------------------------------------ serving

    def _limited(self) -> bool:
        if self.rate_per_second is None:
            return False
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_per_second:
            return True
        self._recent.append(now)
        return False

    async def _rpc(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503, text="upstream unavailable")
        body = await request.json()
        method = str(body.get("method"))
        self.requests[method] += 1
        if self._limited():
            self.rate_limited += 1
            return web.json_response(
                {"jsonrpc": "2.0", "id": body.get("id"), "error": {"code": 429, "message": "Too Many Requests"}},
                status=429,
                headers={"Retry-After": "1"},
            )
        faults = self._faults.get(method)
        if faults:
            return web.Response(status=faults.popleft(), text="injected fault")
        params = body.get("params") or []
        try:
            result = self._answer(method, params)
        except _RpcFault as fault:
            return web.json_response({"jsonrpc": "2.0", "id": body.get("id"), "error": fault.error})
        return web.json_response({"jsonrpc": "2.0", "id": body.get("id"), "result": result})

    def _answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return hex(137)
        if method == "eth_blockNumber":
            return hex(self.head)
        if method == "eth_getBlockByNumber":
            number = self._block_param(params[0])
            if number > self.head:
                return None
            return {
                "number": hex(number),
                "hash": _hash("block", number),
                "parentHash": _hash("block", number - 1),
                "timestamp": hex(int(self.time_of(number).timestamp())),
                "miner": "0x0000000000000000000000000000000000000000",
                "gasLimit": hex(30_000_000),
                "gasUsed": hex(0),
                "transactions": [],
            }
        if method == "eth_getLogs":
            return self._get_logs(params[0])
        raise _RpcFault(-32601, f"the method {method} does not exist/is not available")

    def _block_param(self, value: Any) -> int:
        if value in ("latest", "pending", "safe", "finalized", None):
            return self.head
        if value == "earliest":
            return 0
        return int(str(value), 16)

    def _get_logs(self, flt: dict[str, Any]) -> list[dict[str, Any]]:
        low, high = self._block_param(flt.get("fromBlock", "latest")), self._block_param(flt.get("toBlock", "latest"))
        if low > high:
            raise _RpcFault(-32602, "invalid block range params")
        self.get_logs_ranges.append((low, high))
        if self.max_block_range is not None and high - low + 1 > self.max_block_range:
            self.range_errors += 1
            raise _RpcFault(-32602, ALCHEMY_RANGE.format(n=self.max_block_range))
        addresses = flt.get("address")
        wanted = {a.lower() for a in ([addresses] if isinstance(addresses, str) else addresses or [])}
        topics: Sequence[Any] = flt.get("topics") or []
        self.max_topics_seen = max(self.max_topics_seen, *(len(t) for t in topics if isinstance(t, list)), 0)
        if not self._sorted:
            self.logs.sort(key=lambda e: (int(e["blockNumber"], 16), int(e["logIndex"], 16)))
            self._sorted = True
        found = []
        for entry in self.logs:
            number = int(entry["blockNumber"], 16)
            if number < low or number > high or (wanted and entry["address"] not in wanted):
                continue
            if all(_topic_ok(entry["topics"], i, t) for i, t in enumerate(topics)):
                shown = dict(entry)
                if self.block_timestamps:
                    shown["blockTimestamp"] = hex(int(self.time_of(number).timestamp()))
                found.append(shown)
        if self.max_results is not None and len(found) > self.max_results:
            self.range_errors += 1
            raise _RpcFault(-32005, f"query returned more than {self.max_results} results")
        return found


def _topic_ok(topics: list[str], i: int, wanted: Any) -> bool:
    if wanted is None:
        return True
    if i >= len(topics):
        return False
    options = wanted if isinstance(wanted, list) else [wanted]
    return topics[i].lower() in {str(o).lower() for o in options}


class _RpcFault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.error = {"code": code, "message": message}


__all__ = ["PUSD", "TRANSFER_TOPIC", "USDC_E", "FakePolygon", "pad"]
