"""A fake Polymarket on 127.0.0.1: Gamma, Data API, CLOB REST, the RTDS WS and the CLOB market WS,
seeded from the real captured payloads in tests/fixtures/polymarket/, with faults per test.

One aiohttp server serves everything; each API lives under its own prefix, so clients take the
fake's base URLs exactly as they take the real hosts::

    async with FakePolymarket() as pm:                      # seeded from the fixtures
        settings = make_settings(
            gamma_url=pm.gamma_url, data_api_url=pm.data_api_url, clob_url=pm.clob_url,
            rtds_url=pm.rtds_url, clob_ws_url=pm.clob_ws_url,
        )
        pm.faults.fail("data:/trades", status=429, times=2, retry_after=1.5)
        pm.faults.rtds_plan.extend([ConnFault("drop", after_frames=100), ConnFault("silent", 50)])
        await pm.publish_trades(rows, rate=2000)            # RTDS push + /trades history
        assert pm.requests["data:/trades"] == 3

Base URLs: ``gamma_url`` (http://127.0.0.1:PORT/gamma), ``data_api_url`` (.../data),
``clob_url`` (.../clob), ``rtds_url`` (ws://.../rtds), ``clob_ws_url`` (ws://.../ws/market).

Registries (plain dicts and lists of wire-format rows; edit them freely in a test):
``markets`` (Gamma id -> market row), ``market_tags`` (Gamma id -> tag rows), ``events``
(id -> event row), ``tags``, ``books`` (token id -> CLOB book), ``midpoints``,
``last_trade_prices``, ``price_history`` (token id -> [{t, p}]), ``activity``, ``positions``,
``closed_positions`` (wallet -> rows), ``leaderboard`` (rows), ``holders`` (condition id ->
[{token, holders}]; derived from positions when absent), ``values`` (wallet -> number; derived
from positions when absent). Helpers: ``add_market(row, tags=)``, ``add_event(row)``,
``set_book(book)``, ``set_positions(wallet, rows)``, ``set_closed_positions(wallet, rows)``,
``set_activity(wallet, rows)``, ``clear_trades()``.

Trades: ``add_trades(rows)`` puts Data API rows (v1 camelCase or v2 snake_case) into the history
that /trades and /v2/trades serve (newest first). ``publish_trades(rows, rate=None)`` adds them
one by one at ``rate`` rows a second (None: as fast as the loop allows) and pushes each to every
RTDS connection subscribed to activity/trades (taker rows only to activity/orders_matched), as
the real envelope with a mixed-case wallet. A row may carry ``"_role": "maker"``: /trades then
serves it only with takerOnly=false (the key itself is never served). RTDS ``filters`` must be a compact JSON
string, as the real server matches it as an exact string (real-time-data-client #34): a filter
with spaces after ``:`` or ``,`` matches nothing, silently. /trades honours user,
market, side, takerOnly (default true), filterType+filterAmount (both or neither), limit
(<= 10000), offset (<= 10000), start and end; ``trades_envelope = True`` makes it answer the
``{data, next_cursor}`` envelope instead of a bare array. /v2/trades pages with cursors (offset
is a 400) and answers snake_case in ``{data, pagination}``.

Gamma /markets applies the real implicit ``closed=false`` when ``closed`` is missing.

Wallet histories: /activity serves ``activity`` rows newest first (``sortBy=TIMESTAMP&sortDirection=ASC``
gives the oldest first) with limit <= 500 and offset <= 10000; with ``activity_from_trades = True`` a
wallet's stored trades are served as its TRADE rows too (the real API lists every fill of the wallet
there). /traded counts the markets of a wallet's trades, activity and positions.

Rate limits (off by default): ``pm.rate_limit = SlidingWindowLimit(limits, window)`` maps a route
("data:/closed-positions") or an API's general key ("data:*") to the requests it admits per window,
as Cloudflare's sliding windows do (the documented limits by default); a request beyond one is
answered 429 with the Retry-After that clears it (counted in its ``rejected``), or with
``throttle=True`` held until a window admits it (what Polymarket documents: "throttled, not
rejected"; counted in ``throttled``). ``served`` counts the requests answered per route.

Faults (``pm.faults``):
* ``fail(route, status, times=1, retry_after=None, body=None)``: the next ``times`` requests on
  ``route`` answer ``status`` (429 with Retry-After, 5xx, 400, 404, ...).
* ``slow(route, seconds, times=1)``: answer after ``seconds``.
* ``rtds_plan`` / ``market_ws_plan``: a deque of ``ConnFault`` taken one per new connection:
  ``ConnFault("drop", n)`` aborts the TCP connection after n data frames, ``"close"`` closes it
  cleanly, ``"silent"`` stops sending anything (PONG included) without closing, ``"refuse"``
  answers the handshake with 503. Data frames are trade frames (RTDS) or market events.
* ``rtds_malformed_every = k``: after every k-th data frame a connection also gets a malformed
  frame (broken JSON, missing fields, wrong types, in turn).
* ``rtds_silent_types = {"trades"}``: no connection gets frames of these activity types, while the
  socket stays open and the other type flows (RTDS in March 2026: `trades` silent for days).
* ``forbidden = {"data", "rtds", ...}`` (or ``geoblock()`` for every API): these APIs answer 403
  with a Cloudflare HTML page, as Polymarket does from a blocked region; "gamma", "data", "clob"
  for REST, "rtds" and "market" for WebSocket handshakes.
* ``numbers_as_strings = True``: numbers in Data API rows and RTDS payloads are sent as strings.
Routes are the clients' endpoint labels: "data:/trades", "gamma:/markets/{id}", "clob:/book", ...

Counters: ``requests`` (Counter per route), ``request_log`` (route, query pairs),
``rtds_connections`` / ``market_ws_connections`` (handshakes accepted),
``rtds_subscriptions`` (subscribe messages), ``rtds_control_messages`` (every subscribe and
unsubscribe text as received, to check its JSON), ``faults_applied`` (Counter per fault kind),
``rtds_frames_sent``, ``rtds_delivered`` (tx hashes of trade frames written to a socket),
``pings`` (PINGs received per stream kind), ``market_subscriptions`` (token ids some market
connection follows). ``wait_until(predicate, timeout)`` polls a condition.

Helpers to make trades: ``sample_trade_rows()`` (every real /trades row in the fixtures) and
``fresh_trades(templates, n, start_ts=)`` (real rows repeated with fresh tx hashes and rising
times). Market channel: ``push_market(event or [events])`` sends to the connections subscribed
to the events' tokens (the initial subscribe gets a ``book`` dump of known books),
``push_market_raw(text)`` / ``push_rtds_raw(text)`` send anything.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from multidict import MultiDict

__all__ = [
    "DEFAULT_FIXTURES",
    "DOCUMENTED_LIMITS",
    "ConnFault",
    "FakePolymarket",
    "Faults",
    "HttpFault",
    "SlidingWindowLimit",
    "downsample",
    "fresh_trades",
    "sample_trade_rows",
    "serve_forever",
    "to_rtds_payload",
    "to_v1_row",
]

log = logging.getLogger(__name__)
DEFAULT_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "polymarket"

_V2_TO_V1 = {
    "proxy_wallet": "proxyWallet",
    "token_id": "asset",
    "condition_id": "conditionId",
    "event_slug": "eventSlug",
    "outcome_index": "outcomeIndex",
    "profile_image": "profileImage",
    "profile_image_optimized": "profileImageOptimized",
    "transaction_hash": "transactionHash",
}
_V1_TO_V2 = {v: k for k, v in _V2_TO_V1.items()}
_RTDS_FIELDS = (
    "asset",
    "bio",
    "conditionId",
    "eventSlug",
    "icon",
    "name",
    "outcome",
    "outcomeIndex",
    "price",
    "profileImage",
    "proxyWallet",
    "pseudonym",
    "side",
    "size",
    "slug",
    "timestamp",
    "title",
    "transactionHash",
)


def _bad_trade_frame(**changes: Any) -> str:
    payload = {
        "asset": "123",
        "conditionId": "0x" + "a" * 64,
        "price": 0.5,
        "proxyWallet": "0x" + "b" * 40,
        "side": "BUY",
        "size": 1,
        "timestamp": 1785027308,
        "transactionHash": "0x" + "c" * 64,
        **changes,
    }
    envelope = {"connection_id": "x", "payload": payload, "timestamp": 1, "topic": "activity", "type": "trades"}
    return json.dumps(envelope, separators=(",", ":"))


FORBIDDEN_APIS = ("gamma", "data", "clob", "rtds", "market")
# What Cloudflare answers from a region Polymarket blocks (error 1009): HTML, not JSON.
CLOUDFLARE_403 = """<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>Access denied | polymarket.com used Cloudflare to restrict access</title>
<meta charset="UTF-8" />
</head>
<body>
<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<h1><span class="cf-error-type">Error</span> <span class="cf-error-code">1009</span></h1>
<h2 class="cf-subheadline">Access denied</h2>
<p>The owner of this website (polymarket.com) has banned the country or region your IP address is in
(XX) from accessing this website.</p>
<span class="cf-footer-item">Cloudflare Ray ID: <strong>8f1d2c3b4a596877</strong></span>
</div></div>
</body>
</html>
"""


def _forbidden_response() -> web.Response:
    return web.Response(status=403, text=CLOUDFLARE_403, content_type="text/html", headers={"Server": "cloudflare"})


_MALFORMED_FRAMES = (
    '{"connection_id":"x","payload":{"asset":"1","price":0.5',  # truncated JSON
    '{"connection_id":"x","payload":{"side":"BUY"},"timestamp":1,"topic":"activity","type":"trades"}',
    _bad_trade_frame(price="abc"),
    "[1, 2, 3]",
    _bad_trade_frame(proxyWallet="0xnothex"),
)


def to_v1_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Data API trade row in v1 camelCase (v2 snake_case keys renamed)."""
    return {_V2_TO_V1.get(key, key): value for key, value in row.items()}


def _to_v2_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {_V1_TO_V2.get(key, key): value for key, value in row.items()}


def _snake(key: str) -> str:
    if key in _V1_TO_V2:
        return _V1_TO_V2[key]
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in key)


def _mixed_case(address: str) -> str:
    # RTDS sends checksummed addresses; any mixed case exercises the lowercasing
    if not address.startswith("0x"):
        return address
    body = "".join(ch.upper() if i % 3 == 0 else ch for i, ch in enumerate(address[2:]))
    return "0x" + body


def _stringify_numbers(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: (str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value)
        for key, value in row.items()
    }


def to_rtds_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The RTDS activity/trades payload for a Data API row: keys sorted, wallet mixed case."""
    v1 = to_v1_row(row)
    payload = {key: v1.get(key, "") for key in _RTDS_FIELDS if key in v1 or key in ("bio", "profileImage")}
    payload["proxyWallet"] = _mixed_case(str(v1.get("proxyWallet", "")))
    return dict(sorted(payload.items()))


def _iso_seconds(value: Any) -> int | None:
    """Unix seconds of a Gamma ISO date-time ("...Z", "+00:00" or a bare date), None if empty."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())


def downsample(points: list[dict[str, Any]], fidelity_minutes: int) -> list[dict[str, Any]]:
    """What /prices-history gives at a fidelity: one point per `fidelity` minutes (the last one
    of each slot), oldest first."""
    slot = max(fidelity_minutes, 1) * 60
    last: dict[int, dict[str, Any]] = {}
    for point in sorted(points, key=lambda p: p["t"]):
        last[int(point["t"]) // slot] = point
    return [last[k] for k in sorted(last)]


def sample_trade_rows(fixtures_dir: Path | None = None) -> list[dict[str, Any]]:
    """Every real /trades row in the fixtures (v1 camelCase; the v2 sample converted)."""
    root = (fixtures_dir or DEFAULT_FIXTURES) / "data_api"
    rows: list[dict[str, Any]] = []
    for path in sorted(root.glob("trades_*.json")):
        rows.extend(json.loads(path.read_text()))
    v2 = json.loads((root / "v2_trades_SANITIZED_capture_nautilus_2026-08.json").read_text())["data"]
    rows.extend(to_v1_row(row) for row in v2)
    return rows


def fresh_trades(
    templates: list[dict[str, Any]], count: int, *, start_ts: int, per_second: int = 10, salt: str = ""
) -> list[dict[str, Any]]:
    """`count` trade rows cycled from real `templates`, each with a fresh tx hash and times
    rising from `start_ts` (`per_second` rows share each second), in publish order."""
    out = []
    for i in range(count):
        row = dict(templates[i % len(templates)])
        digest = hashlib.sha256(f"{salt}{i}".encode()).hexdigest()
        row["transactionHash"] = "0x" + digest
        row["timestamp"] = start_ts + i // per_second
        out.append(row)
    return out


# Polymarket's documented limits per 10 s (API.md section 7), keyed like the clients' routes:
# "api:*" is the API's general budget, the others its endpoints (a route falls under the longest
# key it starts with, e.g. "gamma:/markets/keyset" under "gamma:/markets").
DOCUMENTED_LIMITS: dict[str, int] = {
    "gamma:*": 4000,
    "gamma:/markets": 300,
    "gamma:/events": 500,
    "data:*": 1000,
    "data:/trades": 200,
    "data:/v2/trades": 200,
    "data:/positions": 150,
    "data:/v2/positions": 150,
    "data:/closed-positions": 150,
    "clob:*": 9000,
    "clob:/book": 1500,
    "clob:/books": 500,
    "clob:/prices-history": 1000,
}


class SlidingWindowLimit:
    """Cloudflare-style sliding windows per route: at most `limit` requests in any `window`
    seconds under each key a route falls under (its endpoint and its API's general budget). A
    request over a limit is answered 429 with Retry-After (the seconds until the oldest request
    of the full window leaves it) and does not count. Off unless a test or bench sets
    ``pm.rate_limit = SlidingWindowLimit()``.

    ``admitted[route]`` holds the arrival times of the requests let through (to measure how much
    of a budget a client used), ``rejected`` counts 429s per route."""

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        throttle: bool = False,
    ) -> None:
        self.limits = dict(DOCUMENTED_LIMITS if limits is None else limits)
        self.window = window
        self.clock = clock
        self.throttle = throttle  # hold a request over the limit until a window admits it (no 429)
        self.throttled: Counter[str] = Counter()
        self._seen: dict[str, deque[float]] = {key: deque() for key in self.limits}
        self.admitted: dict[str, list[float]] = {}
        self.rejected: Counter[str] = Counter()

    def keys_for(self, route: str) -> list[str]:
        api = route.split(":", 1)[0]
        specific = [k for k in self.limits if not k.endswith(":*") and (route == k or route.startswith(k + "/"))]
        keys = [max(specific, key=len)] if specific else []
        return keys + ([f"{api}:*"] if f"{api}:*" in self.limits else [])

    def admit(self, route: str) -> float | None:
        """None when the request may pass (it is counted), else the Retry-After in seconds."""
        now = self.clock()
        keys = self.keys_for(route)
        wait = 0.0
        for key in keys:
            seen = self._seen[key]
            while seen and now - seen[0] >= self.window:
                seen.popleft()
            if len(seen) >= self.limits[key]:
                wait = max(wait, self.window - (now - seen[0]))
        if wait > 0:
            (self.throttled if self.throttle else self.rejected)[route] += 1
            return wait
        for key in keys:
            self._seen[key].append(now)
        self.admitted.setdefault(route, []).append(now)
        return None


@dataclass
class ConnFault:
    """What happens to one WebSocket connection (see the module docstring)."""

    kind: str  # drop | close | silent | refuse
    after_frames: int = 0


@dataclass
class HttpFault:
    status: int | None
    times: int
    retry_after: float | None = None
    delay: float = 0.0
    body: str | None = None


@dataclass
class Faults:
    http: dict[str, deque[HttpFault]] = field(default_factory=dict)
    rtds_plan: deque[ConnFault] = field(default_factory=deque)
    market_ws_plan: deque[ConnFault] = field(default_factory=deque)
    rtds_malformed_every: int = 0
    numbers_as_strings: bool = False
    rtds_silent_types: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)

    def geoblock(self) -> None:
        """Every API answers 403 with Cloudflare's block page, as from a blocked region."""
        self.forbidden.update(FORBIDDEN_APIS)

    def fail(
        self, route: str, status: int, times: int = 1, retry_after: float | None = None, body: str | None = None
    ) -> None:
        self.http.setdefault(route, deque()).append(HttpFault(status, times, retry_after, 0.0, body))

    def slow(self, route: str, seconds: float, times: int = 1) -> None:
        self.http.setdefault(route, deque()).append(HttpFault(None, times, None, seconds))

    def take(self, route: str) -> HttpFault | None:
        queue = self.http.get(route)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    def clear(self) -> None:
        self.http.clear()
        self.rtds_plan.clear()
        self.market_ws_plan.clear()
        self.rtds_malformed_every = 0
        self.numbers_as_strings = False
        self.rtds_silent_types.clear()
        self.forbidden.clear()


@dataclass
class _StoredTrade:
    seq: int
    row: dict[str, Any]  # v1 camelCase, without _role
    taker: bool
    timestamp: int


@dataclass(eq=False)  # hashed by identity: kept in a set
class _WsConn:
    ws: web.WebSocketResponse
    request: web.Request
    plan: ConnFault | None
    kind: str  # rtds | market
    # (text, tag): tag False = not a data frame, True = a data frame, a str = a trade frame's tx hash
    queue: asyncio.Queue[tuple[str, bool | str]] = field(default_factory=asyncio.Queue)
    subscriptions: set[tuple[str, str]] = field(default_factory=set)
    filters: list[dict[str, Any] | None] = field(default_factory=list)
    assets: set[str] = field(default_factory=set)
    custom_features: bool = False
    data_frames: int = 0
    silent: bool = False
    gone: bool = False
    writer: asyncio.Task[None] | None = None


def _parse_filters(value: Any) -> dict[str, Any] | None:
    """RTDS filters as the server takes them: a compact JSON string (or an object); None when the
    server would not match it (a string with spaces, or not JSON)."""
    if not isinstance(value, str):
        return dict(value) if isinstance(value, Mapping) else None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or value != json.dumps(parsed, separators=(",", ":")):
        return None
    return parsed


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


class FakePolymarket:
    def __init__(self, fixtures_dir: Path | str | None = None, *, seed: bool = True) -> None:
        self.fixtures_dir = Path(fixtures_dir) if fixtures_dir else DEFAULT_FIXTURES
        self.faults = Faults()
        self.markets: dict[str, dict[str, Any]] = {}
        self.market_tags: dict[str, list[dict[str, Any]]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.tags: list[dict[str, Any]] = []
        self.books: dict[str, dict[str, Any]] = {}
        self.midpoints: dict[str, str] = {}
        self.last_trade_prices: dict[str, dict[str, Any]] = {}
        self.price_history: dict[str, list[dict[str, Any]]] = {}
        self.activity: dict[str, list[dict[str, Any]]] = {}
        self.positions: dict[str, list[dict[str, Any]]] = {}
        self.closed_positions: dict[str, list[dict[str, Any]]] = {}
        self.leaderboard: list[dict[str, Any]] = []
        self.holders: dict[str, list[dict[str, Any]]] = {}
        self.values: dict[str, float] = {}
        self.trades_envelope = False
        self.activity_from_trades = False
        self.rate_limit: SlidingWindowLimit | None = None  # documented limits, answered with 429s or held
        self.served: Counter[str] = Counter()  # requests answered per route
        # /prices-history refuses startTs..endTs ranges longer than this ("interval is too long")
        self.prices_history_max_span: int | None = 15 * 86400
        self.requests: Counter[str] = Counter()
        self.request_log: list[tuple[str, list[tuple[str, str]]]] = []
        self.faults_applied: Counter[str] = Counter()
        self.rtds_connections = 0
        self.rtds_subscriptions = 0
        self.rtds_control_messages: list[str] = []
        self.market_ws_connections = 0
        self.rtds_frames_sent = 0
        self.rtds_delivered: set[str] = set()
        self.pings: Counter[str] = Counter()
        self.port = 0
        self._trades: list[_StoredTrade] = []
        self._by_wallet: dict[str, list[_StoredTrade]] = {}
        self._by_market: dict[str, list[_StoredTrade]] = {}  # condition id -> its trades (the fast path)
        self._sorted = True
        self._seq = 0
        self._conns: set[_WsConn] = set()
        self._runner: web.AppRunner | None = None
        if seed:
            self.seed_from_fixtures()

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakePolymarket:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/gamma/markets", self._gamma_markets)
        r.add_get("/gamma/markets/keyset", self._gamma_markets_keyset)
        r.add_get("/gamma/markets/slug/{slug}", self._gamma_market_by_slug)
        r.add_get("/gamma/markets/{id}/tags", self._gamma_market_tags)
        r.add_get("/gamma/markets/{id}", self._gamma_market)
        r.add_get("/gamma/events", self._gamma_events)
        r.add_get("/gamma/events/slug/{slug}", self._gamma_event_by_slug)
        r.add_get("/gamma/events/{id}", self._gamma_event)
        r.add_get("/gamma/tags", self._gamma_tags)
        r.add_get("/gamma/public-search", self._gamma_search)
        r.add_get("/data/trades", self._data_trades)
        r.add_get("/data/v2/trades", self._data_trades_v2)
        r.add_get("/data/activity", self._data_activity)
        r.add_get("/data/positions", self._data_positions)
        r.add_get("/data/closed-positions", self._data_closed_positions)
        r.add_get("/data/value", self._data_value)
        r.add_get("/data/holders", self._data_holders)
        r.add_get("/data/traded", self._data_traded)
        r.add_get("/data/v1/leaderboard", self._data_leaderboard)
        r.add_get("/data/v2/activity", self._data_activity_v2)
        r.add_get("/data/v2/positions", self._data_positions_v2)
        r.add_get("/clob/book", self._clob_book)
        r.add_post("/clob/books", self._clob_books)
        r.add_get("/clob/midpoint", self._clob_midpoint)
        r.add_get("/clob/last-trade-price", self._clob_last_trade_price)
        r.add_get("/clob/prices-history", self._clob_prices_history)
        r.add_get("/rtds", self._rtds)
        r.add_get("/ws/market", self._market_ws)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for conn in list(self._conns):
            await self._close_conn(conn)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gamma_url(self) -> str:
        return f"{self.base_url}/gamma"

    @property
    def data_api_url(self) -> str:
        return f"{self.base_url}/data"

    @property
    def clob_url(self) -> str:
        return f"{self.base_url}/clob"

    @property
    def rtds_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/rtds"

    @property
    def clob_ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/market"

    def settings_overrides(self) -> dict[str, str]:
        """The Settings fields that point polyscan at this fake."""
        return {
            "gamma_url": self.gamma_url,
            "data_api_url": self.data_api_url,
            "clob_url": self.clob_url,
            "rtds_url": self.rtds_url,
            "clob_ws_url": self.clob_ws_url,
        }

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not reached in time")
            await asyncio.sleep(0.005)

    def reset_requests(self) -> None:
        self.requests.clear()
        self.request_log.clear()

    # ------------------------------------------------------------ seeding

    def seed_from_fixtures(self) -> None:
        root = self.fixtures_dir
        gamma, data, clob = root / "gamma", root / "data_api", root / "clob"
        for path in sorted(gamma.glob("market*.json")):
            body = _load(path)
            for row in body if isinstance(body, list) else [body]:
                self.add_market(row)
        for path in sorted(gamma.glob("event*.json")):
            body = _load(path)
            for row in body if isinstance(body, list) else [body]:
                self.add_event(row)
        for path in sorted(gamma.glob("public_search*.json")):
            for row in _load(path).get("events") or []:
                if "markets" in row and "ticker" in row:
                    self.add_event(row)
        known = {t["id"] for t in self.tags}
        for row in _load(gamma / "tags_nautilus.json"):
            if row["id"] not in known:
                self.tags.append(row)
        for path in sorted(data.glob("trades_*.json")):
            self.add_trades(_load(path))
        self.add_trades(_load(data / "v2_trades_SANITIZED_capture_nautilus_2026-08.json")["data"])
        for path in sorted(data.glob("activity_*.json")):
            for row in _load(path):
                self.activity.setdefault(row["proxyWallet"], []).append(row)
        for path in sorted(data.glob("positions_*.json")):
            for row in _load(path):
                self.positions.setdefault(row["proxyWallet"], []).append(row)
        for row in _load(data / "closed_positions_pscanner_2026-04.json"):
            self.closed_positions.setdefault(row["proxyWallet"], []).append(row)
        self.leaderboard = list(_load(data / "leaderboard_v1_edulabrador_2026-07.json"))
        for path in sorted(clob.glob("book_*.json")):
            self.set_book(_load(path))
        ws_book = _load(root / "ws_market" / "book_nautilus.json")
        self.set_book({k: v for k, v in ws_book.items() if k != "event_type"})
        # the ra1nty captures (book, midpoint, last trade price, history) are one 5-minute BTC market
        btc_token = _load(clob / "book_btc5m_ra1nty_2026-03-22.json")["asset_id"]
        self.midpoints[btc_token] = _load(clob / "midpoint_ra1nty.json")["mid"]
        self.last_trade_prices[btc_token] = _load(clob / "last_trade_price_ra1nty.json")
        self.price_history[btc_token] = _load(clob / "prices_history_ra1nty_2026-03-22.json")["history"]

    def add_market(self, row: Mapping[str, Any], tags: Iterable[Mapping[str, Any]] | None = None) -> None:
        market = dict(row)
        self.markets[str(market["id"])] = market
        if tags is not None:
            self.market_tags[str(market["id"])] = [dict(t) for t in tags]

    def add_event(self, row: Mapping[str, Any]) -> None:
        event = dict(row)
        self.events[str(event["id"])] = event
        short = {k: v for k, v in event.items() if k not in ("markets", "tags", "series")}
        tags = event.get("tags") or []
        known = {t["id"] for t in self.tags}
        self.tags.extend(t for t in tags if t["id"] not in known)
        for market in event.get("markets") or []:
            full = dict(market)
            full.setdefault("events", [short])
            self.add_market(full, tags)

    def set_book(self, book: Mapping[str, Any]) -> None:
        self.books[str(book["asset_id"])] = dict(book)

    def set_positions(self, wallet: str, rows: list[dict[str, Any]]) -> None:
        self.positions[wallet.lower()] = list(rows)

    def set_closed_positions(self, wallet: str, rows: list[dict[str, Any]]) -> None:
        self.closed_positions[wallet.lower()] = list(rows)

    def set_activity(self, wallet: str, rows: list[dict[str, Any]]) -> None:
        self.activity[wallet.lower()] = list(rows)

    # ------------------------------------------------------------ trades

    def clear_trades(self) -> None:
        self._trades.clear()
        self._by_wallet.clear()
        self._by_market.clear()
        self._sorted = True

    @property
    def trade_count(self) -> int:
        return len(self._trades)

    def _store(self, row: Mapping[str, Any]) -> _StoredTrade:
        v1 = to_v1_row(row)
        role = v1.pop("_role", "taker")
        self._seq += 1
        stored = _StoredTrade(self._seq, v1, role != "maker", int(float(v1["timestamp"])))
        if self._trades and stored.timestamp < self._trades[-1].timestamp:
            self._sorted = False
        self._trades.append(stored)
        self._by_wallet.setdefault(str(v1.get("proxyWallet", "")).lower(), []).append(stored)
        self._by_market.setdefault(str(v1.get("conditionId", "")).lower(), []).append(stored)
        return stored

    def _wallet_trades(self, user: str) -> list[_StoredTrade]:
        """A wallet's stored trades, newest first."""
        return sorted(self._by_wallet.get(user, []), key=lambda t: (t.timestamp, t.seq), reverse=True)

    @staticmethod
    def _activity_row(stored: _StoredTrade) -> dict[str, Any]:
        """A stored trade as the wallet's /activity TRADE row."""
        row = dict(stored.row)
        row.update(type="TRADE", usdcSize=round(float(row["size"]) * float(row["price"]), 6))
        return row

    def trades_of(self, condition_id: str, *, taker_only: bool = False) -> list[dict[str, Any]]:
        """The rows /trades serves for one market (v1 camelCase, newest first)."""
        rows = self._market_newest_first({condition_id.lower()})
        return [dict(t.row) for t in rows if t.taker or not taker_only]

    def _market_newest_first(self, markets: set[str]) -> list[_StoredTrade]:
        rows = [t for m in markets for t in self._by_market.get(m, [])]
        rows.sort(key=lambda t: (t.timestamp, t.seq), reverse=True)
        return rows

    def add_trades(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self._store(row)

    async def publish_trades(self, rows: Iterable[Mapping[str, Any]], rate: float | None = None) -> int:
        """Store each row and push it to subscribed RTDS connections, `rate` rows a second."""
        started = time.monotonic()
        count = 0
        for row in rows:
            stored = self._store(row)
            self._push_trade(stored)
            count += 1
            if rate:
                ahead = started + count / rate - time.monotonic()
                if ahead > 0:
                    await asyncio.sleep(ahead)
                elif count % 50 == 0:
                    await asyncio.sleep(0)
            else:
                await asyncio.sleep(0)
        return count

    def _push_trade(self, stored: _StoredTrade) -> None:
        payload = to_rtds_payload(stored.row)
        if self.faults.numbers_as_strings:
            payload = _stringify_numbers(payload)
        frames: dict[str, str] = {}
        for conn in self._conns:
            if conn.kind != "rtds" or conn.gone:
                continue
            for topic, kind in conn.subscriptions:
                if topic != "activity" or kind not in ("trades", "orders_matched"):
                    continue
                if kind == "orders_matched" and not stored.taker:
                    continue
                if kind in self.faults.rtds_silent_types:
                    continue
                if not self._rtds_filter_ok(conn, stored.row):
                    continue
                frame = frames.get(kind)
                if frame is None:
                    envelope = {
                        "connection_id": f"fake{id(conn) % 10_000}",
                        "payload": payload,
                        "timestamp": stored.timestamp * 1000,
                        "topic": "activity",
                        "type": kind,
                    }
                    frame = frames[kind] = json.dumps(envelope, separators=(",", ":"))
                conn.queue.put_nowait((frame, str(stored.row.get("transactionHash", ""))))

    @staticmethod
    def _rtds_filter_ok(conn: _WsConn, row: Mapping[str, Any]) -> bool:
        if not conn.filters:
            return True
        for flt in conn.filters:
            if flt is None:  # a filter string the server did not match: nothing, silently
                continue
            if "event_slug" in flt and flt["event_slug"] == row.get("eventSlug"):
                return True
            if "market_slug" in flt and flt["market_slug"] == row.get("slug"):
                return True
        return False

    def push_rtds_raw(self, text: str) -> None:
        """Send a raw text frame to every RTDS connection (not counted as a data frame)."""
        for conn in self._conns:
            if conn.kind == "rtds" and not conn.gone:
                conn.queue.put_nowait((text, False))

    def _trades_newest_first(self) -> list[_StoredTrade]:
        if not self._sorted:
            self._trades.sort(key=lambda t: (t.timestamp, t.seq))
            self._sorted = True
        return self._trades[::-1]

    def _serve_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return _stringify_numbers(row) if self.faults.numbers_as_strings else dict(row)

    # ------------------------------------------------------------ HTTP plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else request.path
        api, _, rest = canonical.lstrip("/").partition("/")
        route = f"{api}:/{rest}" if api in ("gamma", "data", "clob") else canonical
        self.requests[route] += 1
        self.request_log.append((route, list(request.query.items())))
        if api in self.faults.forbidden:
            self.faults_applied[f"{api}_403"] += 1
            return _forbidden_response()
        if self.rate_limit is not None and api in ("gamma", "data", "clob"):
            retry_after = self.rate_limit.admit(route)
            while retry_after is not None and self.rate_limit.throttle:  # held, as Cloudflare documents
                await asyncio.sleep(retry_after)
                retry_after = self.rate_limit.admit(route)
            if retry_after is not None:
                return web.json_response(
                    {"error": "Too Many Requests"}, status=429, headers={"Retry-After": f"{retry_after:.3f}"}
                )
        fault = self.faults.take(route) if api in ("gamma", "data", "clob") else None
        if fault is not None:
            self.faults_applied[f"http_{fault.status or 'slow'}"] += 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                body = fault.body if fault.body is not None else json.dumps({"error": f"fake status {fault.status}"})
                return web.Response(status=fault.status, text=body, headers=headers, content_type="application/json")
        self.served[route] += 1
        response: web.StreamResponse = await handler(request)
        return response

    @staticmethod
    def _json(body: Any, status: int = 200) -> web.Response:
        return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, separators=(",", ":")))

    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"error": message}, status=status)

    @staticmethod
    def _int(request: web.Request, name: str, default: int) -> int:
        value = request.query.get(name)
        return int(value) if value not in (None, "") else default

    @staticmethod
    def _bool(value: str | None) -> bool | None:
        if value is None:
            return None
        return value.lower() == "true"

    @staticmethod
    def _many(request: Any, name: str) -> list[str]:
        """Repeated and comma-separated values of `name` (from a request or a query MultiDict)."""
        query = getattr(request, "query", request)
        out: list[str] = []
        for value in query.getall(name, []):
            out.extend(v for v in value.split(",") if v)
        return out

    # ------------------------------------------------------------ Gamma

    def _gamma_market_out(self, market: dict[str, Any], include_tag: bool) -> dict[str, Any]:
        out = dict(market)
        if include_tag and str(market["id"]) in self.market_tags:
            out["tags"] = self.market_tags[str(market["id"])]
        return out

    async def _gamma_markets(self, request: web.Request) -> web.Response:
        found = self._gamma_market_query(request)
        if isinstance(found, web.Response):
            return found
        offset, limit = self._int(request, "offset", 0), self._int(request, "limit", 100)
        return self._json(found[offset : offset + limit])

    async def _gamma_markets_keyset(self, request: web.Request) -> web.Response:
        """/markets/keyset: the /markets filters, at most 100 a page, `offset` refused; the next
        page comes with `after_cursor` (absent `next_cursor` on the last page)."""
        if "offset" in request.query:
            return self._error(400, "offset is not supported on keyset routes; use after_cursor")
        limit = self._int(request, "limit", 20)
        if not 1 <= limit <= 100:
            return self._error(400, "limit must be within 1..100")
        found = self._gamma_market_query(request)
        if isinstance(found, web.Response):
            return found
        found.sort(key=lambda m: int(m["id"]) if str(m["id"]).isdigit() else 0)
        cursor = request.query.get("after_cursor")
        if cursor:
            try:
                after = int(base64.b64decode(cursor))
            except ValueError:
                return self._error(400, "bad cursor")
            found = [m for m in found if int(m["id"]) > after]
        page = found[:limit]
        body: dict[str, Any] = {"markets": page}
        if len(found) > limit:
            body["next_cursor"] = base64.b64encode(str(page[-1]["id"]).encode()).decode()
        return self._json(body)

    def _gamma_market_query(self, request: web.Request) -> list[dict[str, Any]] | web.Response:
        q = request.query
        ids, slugs = set(self._many(request, "id")), set(self._many(request, "slug"))
        tokens = set(self._many(request, "clob_token_ids"))
        conditions = {c.lower() for c in self._many(request, "condition_ids")}
        closed = self._bool(q.get("closed"))
        closed = False if closed is None else closed  # the real API's implicit closed=false
        active = self._bool(q.get("active"))
        tag_id = q.get("tag_id")
        include_tag = self._bool(q.get("include_tag")) or False
        try:
            end_min = _iso_seconds(q.get("end_date_min"))
            end_max = _iso_seconds(q.get("end_date_max"))
        except ValueError:
            return self._error(422, "end_date_min and end_date_max must be ISO date-times")
        out = []
        for market in self.markets.values():
            if end_min is not None or end_max is not None:
                end = _iso_seconds(market.get("endDate"))
                if end is None or (end_min is not None and end < end_min) or (end_max is not None and end > end_max):
                    continue
            if ids and str(market["id"]) not in ids:
                continue
            if slugs and market.get("slug") not in slugs:
                continue
            if conditions and str(market.get("conditionId", "")).lower() not in conditions:
                continue
            if tokens:
                raw = market.get("clobTokenIds") or "[]"
                market_tokens = set(json.loads(raw) if isinstance(raw, str) else raw)
                market_tokens |= set(market.get("positionIds") or [])
                if not tokens & market_tokens:
                    continue
            if bool(market.get("closed", False)) != closed:
                continue
            if active is not None and bool(market.get("active", True)) != active:
                continue
            if tag_id and tag_id not in {str(t["id"]) for t in self.market_tags.get(str(market["id"]), [])}:
                continue
            out.append(self._gamma_market_out(market, include_tag))
        return out

    async def _gamma_market(self, request: web.Request) -> web.Response:
        market = self.markets.get(request.match_info["id"])
        if market is None:
            return self._json({"type": "not found error", "error": "id not found"}, 404)
        return self._json(self._gamma_market_out(market, self._bool(request.query.get("include_tag")) or False))

    async def _gamma_market_by_slug(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        for market in self.markets.values():
            if market.get("slug") == slug:
                return self._json(self._gamma_market_out(market, self._bool(request.query.get("include_tag")) or False))
        return self._json({"type": "not found error", "error": "slug not found"}, 404)

    async def _gamma_market_tags(self, request: web.Request) -> web.Response:
        market_id = request.match_info["id"]
        if market_id not in self.markets:
            return self._json({"type": "not found error", "error": "id not found"}, 404)
        return self._json(self.market_tags.get(market_id, []))

    async def _gamma_events(self, request: web.Request) -> web.Response:
        q = request.query
        ids, slugs = set(self._many(request, "id")), set(self._many(request, "slug"))
        closed, active = self._bool(q.get("closed")), self._bool(q.get("active"))
        tag_id, tag_slug = q.get("tag_id"), q.get("tag_slug")
        out = []
        for event in self.events.values():
            tags = event.get("tags") or []
            if ids and str(event["id"]) not in ids:
                continue
            if slugs and event.get("slug") not in slugs:
                continue
            if closed is not None and bool(event.get("closed", False)) != closed:
                continue
            if active is not None and bool(event.get("active", True)) != active:
                continue
            if tag_id and tag_id not in {str(t["id"]) for t in tags}:
                continue
            if tag_slug and tag_slug not in {t.get("slug") for t in tags}:
                continue
            out.append(event)
        offset, limit = self._int(request, "offset", 0), self._int(request, "limit", 100)
        return self._json(out[offset : offset + limit])

    async def _gamma_event(self, request: web.Request) -> web.Response:
        event = self.events.get(request.match_info["id"])
        if event is None:
            return self._json({"type": "not found error", "error": "id not found"}, 404)
        return self._json(event)

    async def _gamma_event_by_slug(self, request: web.Request) -> web.Response:
        for event in self.events.values():
            if event.get("slug") == request.match_info["slug"]:
                return self._json(event)
        return self._json({"type": "not found error", "error": "slug not found"}, 404)

    async def _gamma_tags(self, request: web.Request) -> web.Response:
        offset, limit = self._int(request, "offset", 0), self._int(request, "limit", 100)
        return self._json(self.tags[offset : offset + limit])

    async def _gamma_search(self, request: web.Request) -> web.Response:
        query = (request.query.get("q") or "").strip().lower()
        if not query:
            return self._error(422, "q is required")
        limit = self._int(request, "limit_per_type", 10)
        found = []
        for event in self.events.values():
            texts = [event.get("title", ""), event.get("slug", "")]
            texts += [m.get("question", "") for m in event.get("markets") or []]
            if any(query in str(text).lower() for text in texts):
                found.append(event)
        page = found[:limit]
        pagination = {"hasMore": len(found) > limit, "totalResults": len(found)}
        return self._json({"events": page, "tags": [], "profiles": [], "pagination": pagination})

    # ------------------------------------------------------------ Data API

    def _filter_trades(self, q: Any, *, v2: bool) -> list[_StoredTrade] | web.Response:
        request = q
        user = (q.get("user") or "").lower()
        markets = {m.lower() for m in self._many(request, "condition" if v2 else "market")}
        if v2:
            markets |= {m.lower() for m in self._many(request, "condition_id") + self._many(request, "conditionId")}
        side = q.get("side")
        taker_only = self._bool(q.get("taker_only" if v2 else "takerOnly"))
        taker_only = True if taker_only is None else taker_only
        filter_type = q.get("filter_type" if v2 else "filterType")
        filter_amount = q.get("filter_amount" if v2 else "filterAmount")
        if not v2 and (filter_type is None) != (filter_amount is None):
            return self._error(400, "filterType and filterAmount must be provided together")
        if filter_type is not None and filter_type not in ("CASH", "TOKENS"):
            return self._error(400, "filterType must be CASH or TOKENS")
        floor = float(filter_amount) if filter_amount is not None else 0.0
        start, end = q.get("start"), q.get("end")
        out = []
        if user:
            source = self._wallet_trades(user)
        elif markets:
            source = self._market_newest_first(markets)
        else:
            source = self._trades_newest_first()
        for stored in source:
            row = stored.row
            if taker_only and not stored.taker:
                continue
            if user and str(row.get("proxyWallet", "")).lower() != user:
                continue
            if markets and str(row.get("conditionId", "")).lower() not in markets:
                continue
            if side and row.get("side") != side:
                continue
            if filter_type == "CASH" and float(row["size"]) * float(row["price"]) < floor:
                continue
            if filter_type == "TOKENS" and float(row["size"]) < floor:
                continue
            if start and stored.timestamp < int(start):
                continue
            if end and stored.timestamp > int(end):
                continue
            out.append(stored)
        return out

    async def _data_trades(self, request: web.Request) -> web.Response:
        limit, offset = self._int(request, "limit", 100), self._int(request, "offset", 0)
        if not 0 <= limit <= 10_000 or not 0 <= offset <= 10_000:
            return self._error(400, "limit and offset must be within 0..10000")
        found = self._filter_trades(request.query, v2=False)
        if isinstance(found, web.Response):
            return found
        rows = [self._serve_row(t.row) for t in found[offset : offset + limit]]
        if self.trades_envelope:
            more = offset + limit < len(found)
            cursor = base64.b64encode(str(offset + limit).encode()).decode() if more else "LTE="
            return self._json({"data": rows, "next_cursor": cursor, "limit": limit, "count": len(rows)})
        return self._json(rows)

    def _v2_query(self, request: web.Request) -> tuple[MultiDict[str], int, int] | web.Response:
        """The query of a v2 call and its page: a cursor carries the whole original query, as
        the real cursors fix the filters, page size and sort; sending offset is a 400."""
        if "offset" in request.query:
            return self._error(400, "offset is not supported on v2 routes; use cursor")
        cursor = request.query.get("cursor")
        if not cursor:
            query: MultiDict[str] = MultiDict(request.query)
            return query, 0, self._int(request, "limit", 100)
        try:
            state = json.loads(base64.b64decode(cursor))
            return MultiDict(state["query"]), int(state["offset"]), int(state["limit"])
        except (ValueError, KeyError, TypeError):
            return self._error(400, "bad cursor")

    def _v2_answer(self, query: MultiDict[str], offset: int, limit: int, rows: list[dict[str, Any]]) -> web.Response:
        more = offset + limit < len(rows)
        next_cursor = None
        if more:
            state = {"query": list(query.items()), "offset": offset + limit, "limit": limit}
            next_cursor = base64.b64encode(json.dumps(state).encode()).decode()
        data = [{_snake(k): v for k, v in self._serve_row(r).items()} for r in rows[offset : offset + limit]]
        pagination = {"limit": limit, "offset": offset, "has_more": more, "next_cursor": next_cursor}
        return self._json({"data": data, "pagination": pagination})

    async def _data_trades_v2(self, request: web.Request) -> web.Response:
        parsed = self._v2_query(request)
        if isinstance(parsed, web.Response):
            return parsed
        query, offset, limit = parsed
        found = self._filter_trades(query, v2=True)
        if isinstance(found, web.Response):
            return found
        return self._v2_answer(query, offset, limit, [t.row for t in found])

    async def _data_activity_v2(self, request: web.Request) -> web.Response:
        parsed = self._v2_query(request)
        if isinstance(parsed, web.Response):
            return parsed
        query, offset, limit = parsed
        user = (query.get("user") or "").lower()
        if not user:
            return self._error(400, "user is required")
        kinds = set(self._many(query, "type"))
        rows = sorted(self._activity_of(user), key=lambda r: -int(r["timestamp"]))
        rows = [r for r in rows if not kinds or r.get("type") in kinds]
        return self._v2_answer(query, offset, limit, rows)

    async def _data_positions_v2(self, request: web.Request) -> web.Response:
        parsed = self._v2_query(request)
        if isinstance(parsed, web.Response):
            return parsed
        query, offset, limit = parsed
        user = (query.get("user") or "").lower()
        if not user:
            return self._error(400, "user is required")
        status = (query.get("status") or "OPEN").upper()
        if status == "CLOSED":
            rows = self._user_rows(self.closed_positions, user)
        elif status == "REDEEMABLE":
            rows = [r for r in self._user_rows(self.positions, user) if r.get("redeemable")]
        else:
            rows = self._user_rows(self.positions, user)
        return self._v2_answer(query, offset, limit, rows)

    def _activity_of(self, user: str) -> list[dict[str, Any]]:
        rows = list(self._user_rows(self.activity, user))
        if self.activity_from_trades:
            rows += [self._activity_row(t) for t in self._by_wallet.get(user, [])]
        return rows

    def _user_rows(self, registry: Mapping[str, list[dict[str, Any]]], user: str) -> list[dict[str, Any]]:
        if user in registry:
            return registry[user]
        for wallet, rows in registry.items():
            if wallet.lower() == user:
                return rows
        return []

    async def _data_activity(self, request: web.Request) -> web.Response:
        q = request.query
        user = (q.get("user") or "").lower()
        if not user:
            return self._error(400, "user is required")
        kinds = set(self._many(request, "type"))
        start, end, side = q.get("start"), q.get("end"), q.get("side")
        rows = []
        ascending = q.get("sortBy", "TIMESTAMP") == "TIMESTAMP" and q.get("sortDirection") == "ASC"
        for row in sorted(self._activity_of(user), key=lambda r: int(r["timestamp"]) * (1 if ascending else -1)):
            if kinds and row.get("type") not in kinds:
                continue
            if side and row.get("side") != side:
                continue
            if start and int(row["timestamp"]) < int(start):
                continue
            if end and int(row["timestamp"]) > int(end):
                continue
            rows.append(self._serve_row(row))
        limit, offset = self._int(request, "limit", 100), self._int(request, "offset", 0)
        if limit > 500 or offset > 10_000:
            return self._error(400, "limit must be <= 500 and offset <= 10000")
        return self._json(rows[offset : offset + limit])

    async def _data_positions(self, request: web.Request) -> web.Response:
        user = (request.query.get("user") or "").lower()
        if not user:
            return self._error(400, "user is required")
        limit, offset = self._int(request, "limit", 100), self._int(request, "offset", 0)
        if limit > 500 or offset > 10_000:
            return self._error(400, "limit must be <= 500 and offset <= 10000")
        markets = {m.lower() for m in self._many(request, "market")}
        rows = [
            self._serve_row(r)
            for r in self._user_rows(self.positions, user)
            if not markets or r["conditionId"].lower() in markets
        ]
        return self._json(rows[offset : offset + limit])

    async def _data_closed_positions(self, request: web.Request) -> web.Response:
        user = (request.query.get("user") or "").lower()
        if not user:
            return self._error(400, "user is required")
        limit, offset = self._int(request, "limit", 10), self._int(request, "offset", 0)
        if limit > 50 or offset > 100_000:
            return self._error(400, "limit must be <= 50")
        rows = self._user_rows(self.closed_positions, user)
        if request.query.get("sortBy") == "TIMESTAMP":
            rows = sorted(rows, key=lambda r: int(r.get("timestamp") or 0), reverse=True)
        return self._json([self._serve_row(r) for r in rows[offset : offset + limit]])

    async def _data_value(self, request: web.Request) -> web.Response:
        user = (request.query.get("user") or "").lower()
        if not user:
            return self._error(400, "user is required")
        value = self.values.get(user)
        if value is None:
            value = sum(float(r.get("currentValue") or 0) for r in self._user_rows(self.positions, user))
        return self._json([{"user": user, "value": value}])

    async def _data_holders(self, request: web.Request) -> web.Response:
        markets = [m.lower() for m in self._many(request, "market")]
        if not markets:
            return self._error(400, "market is required")
        limit = self._int(request, "limit", 20)
        out = []
        for condition in markets:
            groups = self.holders.get(condition)
            if groups is None:
                by_token: dict[str, list[dict[str, Any]]] = {}
                for rows in self.positions.values():
                    for row in rows:
                        if row["conditionId"].lower() == condition:
                            by_token.setdefault(row["asset"], []).append(
                                {
                                    "proxyWallet": row["proxyWallet"],
                                    "bio": "",
                                    "asset": row["asset"],
                                    "pseudonym": "",
                                    "amount": row["size"],
                                    "displayUsernamePublic": True,
                                    "outcomeIndex": row["outcomeIndex"],
                                    "name": "",
                                    "profileImage": "",
                                    "profileImageOptimized": "",
                                    "verified": False,
                                }
                            )
                groups = [{"token": token, "holders": holders} for token, holders in by_token.items()]
            out.extend({"token": g["token"], "holders": g["holders"][:limit]} for g in groups)
        return self._json(out)

    async def _data_traded(self, request: web.Request) -> web.Response:
        user = (request.query.get("user") or "").lower()
        if not user:
            return self._error(400, "user is required")
        markets = {t.row["conditionId"] for t in self._by_wallet.get(user, [])}
        markets |= {r["conditionId"] for r in self._user_rows(self.activity, user) if r.get("conditionId")}
        markets |= {r["conditionId"] for r in self._user_rows(self.positions, user)}
        return self._json({"user": user, "traded": len(markets)})

    async def _data_leaderboard(self, request: web.Request) -> web.Response:
        limit, offset = self._int(request, "limit", 25), self._int(request, "offset", 0)
        if not 1 <= limit <= 50 or offset > 1000:
            return self._error(400, "limit must be within 1..50 and offset <= 1000")
        rows = list(self.leaderboard)
        user = (request.query.get("user") or "").lower()
        if user:
            rows = [r for r in rows if r["proxyWallet"].lower() == user]
        if request.query.get("orderBy") == "VOL":
            rows.sort(key=lambda r: -float(r.get("vol") or 0))
            rows = [{**r, "rank": str(i + 1)} for i, r in enumerate(rows)]
        return self._json([self._serve_row(r) for r in rows[offset : offset + limit]])

    # ------------------------------------------------------------ CLOB REST

    async def _clob_book(self, request: web.Request) -> web.Response:
        book = self.books.get(request.query.get("token_id", ""))
        if book is None:
            return self._error(404, "No orderbook exists for the requested token id")
        return self._json(book)

    async def _clob_books(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return self._error(400, "invalid body")
        if not isinstance(body, list) or len(body) > 500:
            return self._error(400, "body must be an array of at most 500 {token_id}")
        return self._json([self.books[item["token_id"]] for item in body if item.get("token_id") in self.books])

    def _mid_of(self, token: str) -> str | None:
        if token in self.midpoints:
            return self.midpoints[token]
        book = self.books.get(token)
        if not book or not book.get("bids") or not book.get("asks"):
            return None
        best_bid = max(float(level["price"]) for level in book["bids"])
        best_ask = min(float(level["price"]) for level in book["asks"])
        return f"{(best_bid + best_ask) / 2:g}"

    async def _clob_midpoint(self, request: web.Request) -> web.Response:
        mid = self._mid_of(request.query.get("token_id", ""))
        if mid is None:
            return self._error(404, "No orderbook exists for the requested token id")
        return self._json({"mid": mid})

    async def _clob_last_trade_price(self, request: web.Request) -> web.Response:
        found = self.last_trade_prices.get(request.query.get("token_id", ""))
        if found is None:
            return self._error(404, "No orderbook exists for the requested token id")
        return self._json(found)

    async def _clob_prices_history(self, request: web.Request) -> web.Response:
        q = request.query
        token = q.get("market")
        if not token:
            return self._error(400, "market (token id) is required")
        if "interval" in q and ("startTs" in q or "endTs" in q):
            return self._error(400, "interval and startTs/endTs are mutually exclusive")
        points = self.price_history.get(token, [])
        cap = self.prices_history_max_span
        if cap is not None and "startTs" in q and "endTs" in q and int(q["endTs"]) - int(q["startTs"]) > cap:
            return self._error(400, "invalid filters: 'startTs' and 'endTs' interval is too long")
        if "startTs" in q:
            points = [p for p in points if p["t"] >= int(q["startTs"])]
        if "endTs" in q:
            points = [p for p in points if p["t"] <= int(q["endTs"])]
        return self._json({"history": downsample(points, self._int(request, "fidelity", 1))})

    # ------------------------------------------------------------ WebSockets

    async def _accept(self, request: web.Request, kind: str) -> _WsConn | web.Response:
        if kind in self.faults.forbidden:
            self.faults_applied[f"{kind}_403"] += 1
            return _forbidden_response()
        plan_queue = self.faults.rtds_plan if kind == "rtds" else self.faults.market_ws_plan
        plan = plan_queue.popleft() if plan_queue else None
        if plan is not None and plan.kind == "refuse":
            self.faults_applied[f"{kind}_refuse"] += 1
            return web.Response(status=503, text="fake: refusing the handshake")
        ws = web.WebSocketResponse(autoping=True, heartbeat=None)
        await ws.prepare(request)
        conn = _WsConn(ws=ws, request=request, plan=plan, kind=kind)
        conn.writer = asyncio.create_task(self._writer(conn))
        self._conns.add(conn)
        if kind == "rtds":
            self.rtds_connections += 1
        else:
            self.market_ws_connections += 1
        return conn

    async def _writer(self, conn: _WsConn) -> None:
        malformed_turn = 0
        try:
            while not conn.gone:
                text, tag = await conn.queue.get()
                if conn.silent:
                    continue
                await conn.ws.send_str(text)
                if tag is False:
                    continue
                if isinstance(tag, str):
                    self.rtds_delivered.add(tag)
                conn.data_frames += 1
                if conn.kind == "rtds":
                    self.rtds_frames_sent += 1
                    every = self.faults.rtds_malformed_every
                    if every and conn.data_frames % every == 0:
                        await conn.ws.send_str(_MALFORMED_FRAMES[malformed_turn % len(_MALFORMED_FRAMES)])
                        malformed_turn += 1
                        self.faults_applied["rtds_malformed"] += 1
                plan = conn.plan
                if plan is not None and conn.data_frames >= plan.after_frames:
                    conn.plan = None
                    await self._apply(conn, plan)
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            conn.gone = True

    async def _apply(self, conn: _WsConn, plan: ConnFault) -> None:
        self.faults_applied[f"{conn.kind}_{plan.kind}"] += 1
        if plan.kind == "silent":
            conn.silent = True
        elif plan.kind == "close":
            conn.gone = True
            await conn.ws.close(code=1001, message=b"fake: closing")
        elif plan.kind == "drop":
            conn.gone = True
            transport = conn.request.transport
            if transport is not None:
                transport.abort()

    async def _close_conn(self, conn: _WsConn) -> None:
        conn.gone = True
        if conn.writer is not None:
            conn.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await conn.writer
        with contextlib.suppress(Exception):
            await conn.ws.close(code=1001, message=b"fake: server stopping")
        self._conns.discard(conn)

    async def _serve_ws(self, conn: _WsConn, on_text: Callable[[_WsConn, str], None]) -> None:
        try:
            async for msg in conn.ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if msg.data.strip() == "PING":
                    self.pings[conn.kind] += 1
                    if not conn.silent and not conn.gone:
                        conn.queue.put_nowait(("PONG", False))
                    continue
                on_text(conn, msg.data)
        finally:
            conn.gone = True
            if conn.writer is not None:
                conn.writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await conn.writer
            self._conns.discard(conn)

    async def _rtds(self, request: web.Request) -> web.StreamResponse:
        accepted = await self._accept(request, "rtds")
        if isinstance(accepted, web.Response):
            return accepted
        await self._serve_ws(accepted, self._rtds_message)
        return accepted.ws

    def _rtds_message(self, conn: _WsConn, text: str) -> None:
        self.rtds_control_messages.append(text)
        try:
            message = json.loads(text)
        except ValueError:
            conn.queue.put_nowait((json.dumps({"message": "invalid JSON", "statusCode": 400}), False))
            return
        action = message.get("action") if isinstance(message, dict) else None
        subscriptions = message.get("subscriptions") if isinstance(message, dict) else None
        if action not in ("subscribe", "unsubscribe") or not isinstance(subscriptions, list):
            conn.queue.put_nowait((json.dumps({"message": "unknown action", "statusCode": 400}), False))
            return
        for sub in subscriptions:
            key = (str(sub.get("topic")), str(sub.get("type")))
            if action == "subscribe":
                if key[0] == "clob_market":
                    conn.queue.put_nowait(
                        (json.dumps({"message": "CLOB messages are not supported anymore", "statusCode": 400}), False)
                    )
                    continue
                conn.subscriptions.add(key)
                if sub.get("filters"):
                    conn.filters.append(_parse_filters(sub["filters"]))
            else:
                conn.subscriptions.discard(key)
        if action == "subscribe":
            self.rtds_subscriptions += 1

    async def _market_ws(self, request: web.Request) -> web.StreamResponse:
        accepted = await self._accept(request, "market")
        if isinstance(accepted, web.Response):
            return accepted
        await self._serve_ws(accepted, self._market_message)
        return accepted.ws

    def _market_message(self, conn: _WsConn, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        ids = [str(a) for a in message.get("assets_ids") or []]
        operation = message.get("operation") or ("subscribe" if message.get("type") == "market" else None)
        if message.get("custom_feature_enabled"):
            conn.custom_features = True
        if operation == "unsubscribe":
            conn.assets.difference_update(ids)
            return
        if operation != "subscribe":
            return
        new = [a for a in ids if a not in conn.assets]
        conn.assets.update(ids)
        dump = [{**self.books[a], "event_type": "book"} for a in new if a in self.books]
        if dump:
            conn.queue.put_nowait((json.dumps(dump if len(dump) > 1 else dump[0]), True))

    def push_market(self, frame: Mapping[str, Any] | list[Mapping[str, Any]]) -> int:
        """Send market-channel events to the connections subscribed to their tokens (lifecycle
        events to every connection with custom features); returns the connections reached."""
        events = list(frame) if isinstance(frame, list) else [frame]
        reached = 0
        for conn in self._conns:
            if conn.kind != "market" or conn.gone:
                continue
            wanted = [e for e in events if self._market_event_for(conn, e)]
            if not wanted:
                continue
            payload = wanted if isinstance(frame, list) else wanted[0]
            conn.queue.put_nowait((json.dumps(payload), True))
            reached += 1
        return reached

    def push_market_raw(self, text: str) -> None:
        for conn in self._conns:
            if conn.kind == "market" and not conn.gone:
                conn.queue.put_nowait((text, False))

    @staticmethod
    def _market_event_for(conn: _WsConn, event: Mapping[str, Any]) -> bool:
        kind = event.get("event_type")
        if kind in ("new_market", "market_resolved", "best_bid_ask") and not conn.custom_features:
            return False
        if kind in ("new_market", "market_resolved"):
            return True
        assets = {str(event.get("asset_id", ""))}
        assets |= {str(c.get("asset_id")) for c in event.get("price_changes") or []}
        return bool(assets & conn.assets)

    @property
    def market_subscriptions(self) -> set[str]:
        """Token ids some market-channel connection is subscribed to now."""
        out: set[str] = set()
        for conn in self._conns:
            if conn.kind == "market" and not conn.gone:
                out |= conn.assets
        return out


async def serve_forever(fake: FakePolymarket, stats: Callable[[web.Request], Awaitable[web.Response]]) -> None:
    """Run `fake` and a `/stats` endpoint on loopback until cancelled (a bench's fake in its own
    process): prints ``READY <fake port> <stats port>`` once both listen."""
    await fake.start()
    app = web.Application()
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(f"READY {fake.port} {runner.addresses[0][1]}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await fake.stop()
