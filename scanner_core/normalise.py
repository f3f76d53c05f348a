"""Polymarket wire payloads -> polyscan domain values. The ONLY module that knows field names.

Pure functions: no I/O, no clock, no logging. Each takes a decoded JSON value (or frame text) and
returns frozen domain values, or raises `MalformedPayload` naming what was wrong (and a short
`reason` for metrics). Callers count, log and quarantine the error; nothing here decides what a
bad frame means for the process. The frame decoders (`decode_rtds`, `rtds_frame_from_json`,
`decode_market_ws`) never raise: a bad item is reported in the frame they return.

What the wire gives (see API.md): Data API v1 rows are camelCase with JSON numbers, v2 rows are
snake_case; RTDS `activity/trades` frames wrap the same row in an envelope and send the wallet
checksummed; Gamma sends `outcomes`, `outcomePrices` and `clobTokenIds` as strings holding JSON
arrays; the CLOB sends every number as a string. Any number may arrive as a string or a JSON
number, and both give the same Decimal (so the same `Trade.dedup_key`).

The trade schema (`trade_from_row`, the one door every Trade comes through: RTDS frames, Data
API /trades and /activity pages v1 and v2, replay files, the backfill) admits only what a real
fill can be, and everything it admits fits the database columns (db/models.py TradeRow):
- price within 0..1; size above 0 and at most MAX_SIZE shares, so the USD value (size x price)
  is at most MAX_USD too;
- transaction hash and condition id: 0x + 64 hex digits; token id: a decimal uint256;
- outcome index 0..MAX_OUTCOME_INDEX (the Data API's 999 on non-trade rows means "none");
- time between Polymarket's launch (LAUNCH) and `not_after`, which the caller passes: its own
  clock's now plus a few minutes of allowed clock skew (POLYSCAN_TRADE_MAX_FUTURE_SECONDS);
- text fields (title, slugs, outcome, trader name) cut to the *_CHARS lengths, NUL removed
  (PostgreSQL text cannot hold it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from scanner_core.categories import category_of
from scanner_core.models import (
    UNRESOLVED,
    DomainError,
    Market,
    OrderBookLevel,
    OrderBookSummary,
    Resolution,
    ResolutionStatus,
    Side,
    Trade,
    TradeSource,
    is_condition_id,
    normalise_address,
)
from scanner_core.sources.types import (
    Activity,
    BestBidAsk,
    BookSnapshot,
    ClosedPosition,
    Event,
    Holder,
    LastTradePrice,
    LeaderboardEntry,
    MarketEvent,
    MarketLifecycle,
    Position,
    PriceChange,
    PricePoint,
    Tag,
    TickSizeChange,
    TokenHolders,
)

Row = Mapping[str, Any]
_ZERO = Decimal(0)
_ONE = Decimal(1)
_MS_THRESHOLD = 100_000_000_000  # a unix time above this is in milliseconds
_OUTCOME_INDEX_NONE = 999  # Data API sentinel on non-trade activity rows
_SIDES = {"BUY": Side.BUY, "SELL": Side.SELL, "buy": Side.BUY, "sell": Side.SELL}
_KEEPALIVES = frozenset({"", "PONG", "PING", "pong", "ping"})

# ---- the trade schema's bounds (see the module docstring)
LAUNCH = datetime(2020, 6, 1, tzinfo=UTC)  # Polymarket opened in mid-2020: no fill is older
_LAUNCH_TS = int(LAUNCH.timestamp())
# The biggest real fills are a few million shares; a billion is far beyond any, and keeps size,
# price x size and a wallet's running sums well inside numeric(30, 10) (below 1e20).
MAX_SIZE = Decimal(10) ** 9
MAX_USD = MAX_SIZE  # price is at most 1, so size x price never exceeds MAX_SIZE
MAX_OUTCOME_INDEX = 255  # a market has a handful of outcomes; far below smallint's 32767
UINT256 = 2**256  # token ids are ERC-1155 ids: decimal strings below 2**256 (up to 78 digits)
TITLE_CHARS = 500  # market questions are a few hundred characters at most
SLUG_CHARS = 255  # the slug columns' width
OUTCOME_CHARS = 120  # the outcome column's width
NAME_CHARS = 100  # Polymarket user names and pseudonyms are short
# Any number on the wire: a numeric string longer than this, or a magnitude beyond 10**±60, is
# not a Polymarket figure (and would make decimal arithmetic overflow or cost time).
NUMBER_CHARS = 64
_EXPONENT_LIMIT = 60
_INT_LIMIT = 10**_EXPONENT_LIMIT
_HEX64 = re.compile(r"0x[0-9a-fA-F]{64}")


class MalformedPayload(ValueError):
    """A payload that cannot become a domain value; the message says which field and why, and
    `reason` is a short code for metrics (the field by default)."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or _reason_of(message)


def _reason_of(message: str) -> str:
    field, sep, _ = message.partition(":")
    # the field names in messages come from this module, never from the payload
    return field if sep and field.isidentifier() and len(field) <= 40 else "shape"


# ---------------------------------------------------------------- scalars


def to_decimal(value: Any, field: str) -> Decimal:
    """A JSON number or numeric string as Decimal; a float goes through its shortest repr so
    0.52 and "0.52" give equal values. Refuses non-finite numbers, numeric strings longer than
    NUMBER_CHARS and magnitudes beyond 10**±60 (see above)."""
    if isinstance(value, str):
        if len(value) > NUMBER_CHARS:
            raise MalformedPayload(f"{field}: not a number (too long): {value[:40]!r}")
        text = value.strip()
    elif isinstance(value, bool) or value is None:
        raise MalformedPayload(f"{field}: expected a number, got {value!r}")
    elif isinstance(value, int):
        if -_INT_LIMIT < value < _INT_LIMIT:
            return Decimal(value)
        raise MalformedPayload(f"{field}: number out of range")
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        raise MalformedPayload(f"{field}: expected a number, got {type(value).__name__}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise MalformedPayload(f"{field}: not a number: {value!r}") from None
    if not number.is_finite():
        raise MalformedPayload(f"{field}: not a finite number: {value!r}")
    if not -_EXPONENT_LIMIT <= number.adjusted() <= _EXPONENT_LIMIT:
        if number:
            raise MalformedPayload(f"{field}: number out of range: {text[:40]!r}")
        return _ZERO  # "0E+999999999" is zero, but its exponent would poison arithmetic
    return number


def optional_decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    return to_decimal(value, field)


def to_int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise MalformedPayload(f"{field}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    number = to_decimal(value, field)
    if number != number.to_integral_value():
        raise MalformedPayload(f"{field}: expected an integer, got {value!r}")
    return int(number)


def unix_time(value: Any, field: str) -> datetime:
    """Unix seconds (or milliseconds, told apart by size), as a number or a string."""
    seconds = to_decimal(value, field)
    if seconds < 0:
        raise MalformedPayload(f"{field}: negative time {value!r}")
    if seconds > _MS_THRESHOLD:
        seconds = seconds / 1000
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedPayload(f"{field}: time out of range {value!r}") from None


def optional_unix_time(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    return unix_time(value, field)


def bounded_time(value: Any, field: str, not_after: float) -> datetime:
    """A trade's unix time (seconds or milliseconds) between LAUNCH and `not_after` (unix seconds)."""
    seconds: int | float | Decimal
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value / 1000 if value > _MS_THRESHOLD else value
    else:
        seconds = to_decimal(value, field)
        if seconds > _MS_THRESHOLD:
            seconds = seconds / 1000
        seconds = float(seconds)
    if seconds < _LAUNCH_TS:
        raise MalformedPayload(f"{field}: {_clip(value)} is before Polymarket's launch ({LAUNCH:%Y-%m-%d})")
    if seconds > not_after:
        raise MalformedPayload(f"{field}: {_clip(value)} is in the future")
    return datetime.fromtimestamp(seconds, UTC)


def iso_time(value: Any, field: str) -> datetime | None:
    """Gamma's times: ISO-8601 with Z, "2026-07-24 00:00:16+00", or a bare date (UTC)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MalformedPayload(f"{field}: expected a date-time string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MalformedPayload(f"{field}: not a date-time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def json_list(value: Any, field: str) -> list[Any]:
    """Gamma's JSON-in-a-string arrays (and real arrays, which newer fields use)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise MalformedPayload(f"{field}: not a JSON array string: {value[:80]!r}") from None
        if isinstance(parsed, list):
            return parsed
    raise MalformedPayload(f"{field}: expected an array, got {type(value).__name__}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def bounded_text(value: Any, field: str, limit: int) -> str:
    """A text field cut to `limit` characters, NUL removed; numbers become text; other JSON
    values (objects, arrays) are malformed."""
    if isinstance(value, str):
        if len(value) <= limit and "\x00" not in value:
            return value  # the usual case, kept cheap: this runs six times per trade
        return value[:limit].replace("\x00", "")
    if value is None:
        return ""
    if isinstance(value, int | float):  # bool included: str(True) is harmless
        return str(value)[:limit]
    raise MalformedPayload(f"{field}: expected text, got {type(value).__name__}")


def _token(value: Any, field: str) -> str:
    """Token ids are decimal uint256 strings (up to 78 ASCII digits): keep them strings."""
    if isinstance(value, str):
        if value.isascii() and value.isdigit() and (len(value) < 78 or (len(value) == 78 and int(value) < UINT256)):
            return value
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < UINT256:
        return str(value)
    raise MalformedPayload(f"{field}: not a token id (a decimal uint256): {_clip(value)}")


def _hex64(value: Any, field: str, what: str) -> str:
    """0x + 64 hex digits (a transaction hash or a condition id), lowercased."""
    if isinstance(value, str):
        if _HEX64.fullmatch(value):
            return value.lower()
        stripped = value.strip()
        if _HEX64.fullmatch(stripped):
            return stripped.lower()
    raise MalformedPayload(f"{field}: not {what} (0x + 64 hex digits): {_clip(value)}")


def _condition(value: Any, field: str) -> str:
    if not isinstance(value, str) or not is_condition_id(value):
        raise MalformedPayload(f"{field}: not a condition id: {_clip(value)}")
    return value.strip().lower()


def _wallet(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 64:
        raise MalformedPayload(f"{field}: not a wallet address: {_clip(value)}")
    try:
        return normalise_address(value)
    except DomainError as exc:
        raise MalformedPayload(f"{field}: {exc}") from None


def _side(value: Any, field: str = "side") -> Side:
    side = _SIDES.get(value) if isinstance(value, str) else None
    if side is None:
        raise MalformedPayload(f"{field}: expected BUY or SELL, got {_clip(value)}")
    return side


def _outcome_index(value: Any) -> int | None:
    if value is None or value == "":
        return None
    index = to_int(value, "outcomeIndex")
    if index == _OUTCOME_INDEX_NONE:
        return None
    if not 0 <= index <= MAX_OUTCOME_INDEX:
        raise MalformedPayload(f"outcomeIndex: {index} is not within 0..{MAX_OUTCOME_INDEX}")
    return index


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _first(row: Row, *names: str) -> Any:
    for name in names:
        value = row.get(name)
        if value is not None:
            return value
    return None


def _mapping(value: Any, what: str) -> Row:
    if not isinstance(value, Mapping):
        raise MalformedPayload(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _clip(value: Any) -> str:
    """A short, safe rendering of a bad value for an error message (never the whole payload)."""
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return f"a {type(value).__name__}"


def _display_name(name: str, pseudonym: str) -> str:
    # users who never set a name get "<address>-<ms>": the pseudonym reads better
    if name and not (name.startswith("0x") and "-" in name):
        return name
    return pseudonym or name


# ---------------------------------------------------------------- trades


def trade_from_row(row: Any, source: TradeSource = TradeSource.DATA_API, *, not_after: datetime) -> Trade:
    """A Data API /trades row (v1 camelCase or v2 snake_case) or an RTDS activity payload,
    checked against the trade schema (module docstring); `not_after` is the latest time a trade
    may carry (the caller's now plus the allowed clock skew)."""
    return _trade(row, source, not_after.timestamp())


def _trade(row: Any, source: TradeSource, not_after: float) -> Trade:
    data = _mapping(row, "trade")
    try:
        if "proxyWallet" in data:
            wallet, token, condition = data["proxyWallet"], data["asset"], data["conditionId"]
            tx, outcome_index, event_slug = data["transactionHash"], data.get("outcomeIndex"), data.get("eventSlug")
        else:
            wallet, token, condition = data["proxy_wallet"], data["token_id"], data["condition_id"]
            tx, outcome_index, event_slug = data["transaction_hash"], data.get("outcome_index"), data.get("event_slug")
        size = to_decimal(data["size"], "size")
        price = to_decimal(data["price"], "price")
        timestamp = bounded_time(data["timestamp"], "timestamp", not_after)
        side = _side(data["side"])
    except KeyError as exc:
        raise MalformedPayload(f"trade: missing field {exc.args[0]}", "missing_field") from None
    if not _ZERO < size <= MAX_SIZE:
        raise MalformedPayload(f"size: must be above 0 and at most {MAX_SIZE:,} shares, got {_clip(str(size))}")
    if not _ZERO <= price <= _ONE:
        raise MalformedPayload(f"price: must be within 0..1, got {_clip(str(price))}")
    name = bounded_text(data.get("name"), "name", NAME_CHARS)
    pseudonym = bounded_text(data.get("pseudonym"), "pseudonym", NAME_CHARS)
    return Trade(
        tx_hash=_hex64(tx, "transactionHash", "a transaction hash"),
        wallet=_wallet(wallet, "proxyWallet"),
        condition_id=_hex64(condition, "conditionId", "a condition id"),
        token_id=_token(token, "asset"),
        side=side,
        outcome=bounded_text(data.get("outcome"), "outcome", OUTCOME_CHARS),
        outcome_index=_outcome_index(outcome_index),
        size=size,
        price=price,
        timestamp=timestamp,
        source=source,
        title=bounded_text(data.get("title"), "title", TITLE_CHARS),
        slug=bounded_text(data.get("slug"), "slug", SLUG_CHARS),
        event_slug=bounded_text(event_slug, "eventSlug", SLUG_CHARS),
        trader_name=_display_name(name, pseudonym),
    )


def rows_and_cursor(body: Any, what: str) -> tuple[list[Any], str | None]:
    """Rows of a paged Data API answer: a bare array, `{data, next_cursor}` (v1 envelope seen in
    one spec snapshot) or `{data, pagination: {next_cursor}}` (v2). `data: null` is no rows."""
    if isinstance(body, list):
        return body, None
    if isinstance(body, Mapping) and "data" in body:
        rows = body["data"]
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise MalformedPayload(f"{what}: data is not an array")
        cursor = body.get("next_cursor")
        pagination = body.get("pagination")
        if cursor is None and isinstance(pagination, Mapping):
            cursor = pagination.get("next_cursor")
        if cursor in ("", "LTE="):  # "LTE=" is base64("-1"): the CLOB's end marker
            cursor = None
        if cursor is not None and not isinstance(cursor, str | int):
            raise MalformedPayload(f"{what}: next_cursor is not a string")
        return rows, (str(cursor) if cursor is not None else None)
    raise MalformedPayload(f"{what}: expected an array or a {{data: [...]}} envelope")


def keyset_rows_and_cursor(body: Any, what: str) -> tuple[list[Any], str | None]:
    """Rows of a Gamma keyset page: `{markets: [...], next_cursor}` (`events` on /events/keyset;
    `next_cursor` absent on the last page). `{data: [...]}` and a bare array are accepted too."""
    if isinstance(body, Mapping):
        for key in ("markets", "events"):
            if key in body:
                rows = body[key] if body[key] is not None else []
                if not isinstance(rows, list):
                    raise MalformedPayload(f"{what}: {key} is not an array")
                cursor = body.get("next_cursor")
                return rows, (str(cursor) if cursor not in (None, "") else None)
    return rows_and_cursor(body, what)


@dataclass(frozen=True, slots=True)
class Reject:
    """One item of a frame or page that did not pass: why (`reason` for metrics, `message` for
    people) and the item itself as it came (kept in the quarantine)."""

    reason: str
    message: str
    payload: Any


@dataclass(frozen=True, slots=True)
class RtdsFrame:
    """What one RTDS text frame held. `kind`: keepalive, trades, other (another topic or a
    subscription ack), server_message (an error the server sent), malformed. `rejects` lists
    the items that did not pass (a frame may hold good trades and bad ones). `types`: the
    activity types (trades, orders_matched) of its envelopes, for the feed's per-type watchdog."""

    kind: str
    trades: tuple[Trade, ...] = ()
    rejects: tuple[Reject, ...] = ()
    message: str = ""
    types: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(r.message for r in self.rejects)


_RTDS_TRADE_TYPES = frozenset({"trades", "orders_matched"})


def decode_rtds(text: str | bytes, source: TradeSource = TradeSource.RTDS, *, not_after: datetime) -> RtdsFrame:
    """One RTDS text frame (an envelope, an array of envelopes, or a bare activity payload as
    in recordings). Never raises: bad items are reported in `rejects`."""
    stripped = text.strip() if isinstance(text, str) else bytes(text).strip().decode("utf-8", "replace")
    if stripped in _KEEPALIVES:
        return RtdsFrame("keepalive")
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError as exc:  # also invalid UTF-8 and lone surrogates
        return RtdsFrame("malformed", rejects=(Reject("json", f"not JSON: {exc}", stripped),))
    return _rtds_frame(body, source, not_after.timestamp())


def rtds_frame_from_json(body: Any, source: TradeSource = TradeSource.RTDS, *, not_after: datetime) -> RtdsFrame:
    """`decode_rtds` for an already decoded JSON value."""
    return _rtds_frame(body, source, not_after.timestamp())


def _rtds_frame(body: Any, source: TradeSource, not_after: float) -> RtdsFrame:
    items = body if isinstance(body, list) else [body]
    trades: list[Trade] = []
    rejects: list[Reject] = []
    types: list[str] = []
    message = ""
    for item in items:
        if not isinstance(item, Mapping):
            rejects.append(Reject("shape", f"frame item is a {type(item).__name__}, not an object", item))
            continue
        if "payload" in item or "topic" in item:
            kind = item.get("type")
            if item.get("topic") != "activity" or kind not in _RTDS_TRADE_TYPES:
                continue
            if kind not in types:
                types.append(kind)
            payloads = item.get("payload")
            for payload in payloads if isinstance(payloads, list) else [payloads]:
                try:
                    trades.append(_trade(payload, source, not_after))
                except MalformedPayload as exc:
                    rejects.append(Reject(exc.reason, str(exc), payload))
        elif "proxyWallet" in item or "proxy_wallet" in item:
            try:
                trades.append(_trade(item, source, not_after))
            except MalformedPayload as exc:
                rejects.append(Reject(exc.reason, str(exc), item))
        elif "message" in item or "statusCode" in item or "error" in item:
            found = _first(item, "message", "error", "body")
            message = found[:200] if isinstance(found, str) else _clip(found)
        else:
            rejects.append(Reject("shape", "object is neither an RTDS envelope nor a trade", item))
    if trades:
        kind = "trades"
    elif rejects:
        kind = "malformed"
    elif message:
        kind = "server_message"
    else:
        kind = "other"
    return RtdsFrame(kind, tuple(trades), tuple(rejects), message, tuple(types))


def activity_from_row(row: Any, *, not_after: datetime) -> Activity:
    """An /activity row (v1 or v2). TRADE rows also carry a full Trade (checked by the trade
    schema); every row's time is bounded the same way."""
    data = _mapping(row, "activity")
    kind = bounded_text(data.get("type"), "type", 32).upper()
    if not kind:
        raise MalformedPayload("activity: missing type", "missing_field")
    latest = not_after.timestamp()
    trade = _trade(data, TradeSource.DATA_API, latest) if kind == "TRADE" else None
    try:
        wallet = _wallet(_first(data, "proxyWallet", "proxy_wallet"), "proxyWallet")
        timestamp = bounded_time(data["timestamp"], "timestamp", latest)
    except KeyError as exc:
        raise MalformedPayload(f"activity: missing field {exc.args[0]}", "missing_field") from None
    usdc = _first(data, "usdcSize", "usdc_size")
    size = data.get("size")
    return Activity(
        wallet=wallet,
        kind=kind,
        timestamp=timestamp,
        tx_hash=bounded_text(_first(data, "transactionHash", "transaction_hash"), "transactionHash", 80).lower(),
        usdc_size=to_decimal(usdc, "usdcSize") if usdc is not None else _ZERO,
        size=to_decimal(size, "size") if size is not None else _ZERO,
        condition_id=bounded_text(_first(data, "conditionId", "condition_id"), "conditionId", 80).lower(),
        token_id=bounded_text(_first(data, "asset", "token_id"), "asset", 80),
        title=bounded_text(data.get("title"), "title", TITLE_CHARS),
        trade=trade,
    )


# ---------------------------------------------------------------- positions and wallets


def position_from_row(row: Any) -> Position:
    data = _mapping(row, "position")
    try:
        return Position(
            wallet=_wallet(_first(data, "proxyWallet", "proxy_wallet"), "proxyWallet"),
            condition_id=_condition(_first(data, "conditionId", "condition_id"), "conditionId"),
            token_id=_token(_first(data, "asset", "token_id"), "asset"),
            size=to_decimal(data["size"], "size"),
            avg_price=to_decimal(_first(data, "avgPrice", "avg_price"), "avgPrice"),
            initial_value=to_decimal(_first(data, "initialValue", "initial_value") or 0, "initialValue"),
            current_value=to_decimal(_first(data, "currentValue", "current_value") or 0, "currentValue"),
            cash_pnl=to_decimal(_first(data, "cashPnl", "cash_pnl") or 0, "cashPnl"),
            realised_pnl=to_decimal(_first(data, "realizedPnl", "realized_pnl") or 0, "realizedPnl"),
            total_bought=to_decimal(_first(data, "totalBought", "total_bought") or 0, "totalBought"),
            current_price=to_decimal(_first(data, "curPrice", "cur_price") or 0, "curPrice"),
            outcome=_text(data.get("outcome")),
            outcome_index=_outcome_index(_first(data, "outcomeIndex", "outcome_index")),
            title=_text(data.get("title")),
            slug=_text(data.get("slug")),
            event_slug=_text(_first(data, "eventSlug", "event_slug")),
            end_date=iso_time(_first(data, "endDate", "end_date"), "endDate"),
            redeemable=_bool(data.get("redeemable")),
            mergeable=_bool(data.get("mergeable")),
            neg_risk=_bool(_first(data, "negativeRisk", "negative_risk")),
        )
    except KeyError as exc:
        raise MalformedPayload(f"position: missing field {exc.args[0]}") from None


def closed_position_from_row(row: Any) -> ClosedPosition:
    data = _mapping(row, "closed position")
    return ClosedPosition(
        wallet=_wallet(_first(data, "proxyWallet", "proxy_wallet"), "proxyWallet"),
        condition_id=_condition(_first(data, "conditionId", "condition_id"), "conditionId"),
        token_id=_token(_first(data, "asset", "token_id"), "asset"),
        avg_price=to_decimal(_first(data, "avgPrice", "avg_price"), "avgPrice"),
        total_bought=to_decimal(_first(data, "totalBought", "total_bought") or 0, "totalBought"),
        realised_pnl=to_decimal(_first(data, "realizedPnl", "realized_pnl") or 0, "realizedPnl"),
        current_price=to_decimal(_first(data, "curPrice", "cur_price") or 0, "curPrice"),
        outcome=_text(data.get("outcome")),
        outcome_index=_outcome_index(_first(data, "outcomeIndex", "outcome_index")),
        timestamp=optional_unix_time(data.get("timestamp"), "timestamp"),
        title=_text(data.get("title")),
        slug=_text(data.get("slug")),
        event_slug=_text(_first(data, "eventSlug", "event_slug")),
        end_date=iso_time(_first(data, "endDate", "end_date"), "endDate"),
    )


def leaderboard_entry_from_row(row: Any, rank: int = 0) -> LeaderboardEntry:
    """A /v1/leaderboard entry (rank is a string there), or the legacy {amount, name} shape
    (then `rank` is the row's position and `amount` is taken as PnL)."""
    data = _mapping(row, "leaderboard entry")
    wallet = _wallet(_first(data, "proxyWallet", "proxy_wallet"), "proxyWallet")
    if "rank" in data:
        rank = to_int(data["rank"], "rank")
    pnl = _first(data, "pnl", "amount")
    volume = data.get("vol")
    return LeaderboardEntry(
        rank=rank,
        wallet=wallet,
        username=_text(_first(data, "userName", "user_name", "name")),
        volume=to_decimal(volume, "vol") if volume is not None else _ZERO,
        pnl=to_decimal(pnl, "pnl") if pnl is not None else _ZERO,
        verified=_bool(_first(data, "verifiedBadge", "verified_badge")),
    )


def holders_from_body(body: Any) -> list[TokenHolders]:
    """/holders: [{token, holders: [Holder]}]."""
    rows, _ = rows_and_cursor(body, "holders")
    out: list[TokenHolders] = []
    for group in rows:
        group_map = _mapping(group, "holders group")
        token = _token(_first(group_map, "token", "token_id"), "token")
        holders = []
        for item in group_map.get("holders") or []:
            holder = _mapping(item, "holder")
            holders.append(
                Holder(
                    wallet=_wallet(_first(holder, "proxyWallet", "proxy_wallet"), "proxyWallet"),
                    token_id=_text(_first(holder, "asset", "token_id")) or token,
                    amount=to_decimal(holder.get("amount"), "amount"),
                    outcome_index=_outcome_index(_first(holder, "outcomeIndex", "outcome_index")),
                    name=_display_name(_text(holder.get("name")), _text(holder.get("pseudonym"))),
                )
            )
        out.append(TokenHolders(token, tuple(holders)))
    return out


def value_from_body(body: Any) -> Decimal:
    """/value: [{"user": ..., "value": number}] (sum when several rows)."""
    rows = [body] if isinstance(body, Mapping) and "data" not in body else rows_of(body, "value")
    total = _ZERO
    for row in rows:
        total += to_decimal(_mapping(row, "value row").get("value"), "value")
    return total


def traded_from_body(body: Any) -> int:
    """/traded: {user, traded: int}."""
    return to_int(_mapping(body, "traded").get("traded"), "traded")


# ---------------------------------------------------------------- Gamma


def tag_from_gamma(obj: Any) -> Tag:
    data = _mapping(obj, "tag")
    label = _text(data.get("label"))
    slug = _text(data.get("slug")) or label.lower().replace(" ", "-")
    if not slug:
        raise MalformedPayload("tag: neither slug nor label")
    return Tag(tag_id=_text(data.get("id")), label=label, slug=slug)


def _tag_slugs(value: Any) -> tuple[str, ...]:
    """Tags embedded as objects (Gamma include_tag) or as plain strings (CLOB, WS)."""
    if not isinstance(value, list):
        return ()
    slugs: list[str] = []
    for item in value:
        if isinstance(item, str) and item:
            slugs.append(item.strip().lower().replace(" ", "-"))
        elif isinstance(item, Mapping):
            slugs.append(tag_from_gamma(item).slug)
    return tuple(slugs)


def _outcome_tokens(data: Row) -> list[str]:
    # Protocol V2 markets trade by positionIds; clobTokenIds is for v1 only (API.md section 0)
    if _text(data.get("version")).lower() == "v2" and data.get("positionIds"):
        raw = json_list(data.get("positionIds"), "positionIds")
    else:
        raw = json_list(data.get("clobTokenIds"), "clobTokenIds")
    return [_token(t, "clobTokenIds") for t in raw]


# umaResolutionStatus (v1) / resolutionStatus (Protocol V2) values that name a void; any other
# value but "resolved" ("proposed", "disputed", "active", ...) means the answer is not final yet.
_VOID_STATUSES = frozenset({"voided", "void", "canceled", "cancelled"})


def resolution_from_gamma(data: Row, tokens: Sequence[str], prices: Sequence[Decimal]) -> Resolution:
    """A Gamma market's resolution, from `closed`, its resolution status and `outcomePrices`.

    * open, or closed while the status is anything but "resolved" (a proposal can be disputed):
      unresolved;
    * closed with one outcome at exactly 1 and the others at 0: resolved with that winner (old
      markets carry no status: closed and one-hot is their settlement);
    * status "resolved" with the payout shared across outcomes (["0.5", "0.5"]): a split;
    * status "resolved" with nothing paid (all 0), or a void status: voided.
    A closed market still showing trading prices (["0.9995", "0.0005"]) without a final status
    stays unresolved: those are last prices, not payouts.
    """
    if not _bool(data.get("closed", False)):
        return UNRESOLVED
    status = _text(_first(data, "umaResolutionStatus", "resolutionStatus")).strip().lower()
    resolved_at = iso_time(data.get("closedTime"), "closedTime") or iso_time(data.get("umaEndDate"), "umaEndDate")
    if status in _VOID_STATUSES:
        return Resolution(ResolutionStatus.VOIDED, resolved_at=resolved_at)
    if (status and status != "resolved") or not prices or (tokens and len(tokens) != len(prices)):
        return UNRESOLVED
    if any(p < _ZERO or p > _ONE for p in prices):
        return UNRESOLVED
    winners = [i for i, p in enumerate(prices) if p == _ONE]
    if len(winners) == 1 and all(p == _ZERO for i, p in enumerate(prices) if i != winners[0]):
        index = winners[0]
        return Resolution(
            ResolutionStatus.RESOLVED,
            winning_index=index,
            winning_token_id=tokens[index] if tokens else "",
            payouts=tuple(prices),
            resolved_at=resolved_at,
        )
    if status != "resolved":
        return UNRESOLVED
    if all(p == _ZERO for p in prices):
        return Resolution(ResolutionStatus.VOIDED, resolved_at=resolved_at)
    if sum(prices) == _ONE:
        return Resolution(ResolutionStatus.SPLIT, payouts=tuple(prices), resolved_at=resolved_at)
    return UNRESOLVED  # "resolved" with prices that are no payout vector: wait for a clean one


def market_from_gamma(obj: Any, *, event: Row | None = None) -> Market:
    """A Gamma market (from /markets, /markets/{id} or embedded in an event)."""
    data = _mapping(obj, "market")
    condition = _condition(data.get("conditionId"), "conditionId")
    outcomes = tuple(_text(o) for o in json_list(data.get("outcomes"), "outcomes"))
    prices = tuple(to_decimal(p, "outcomePrices") for p in json_list(data.get("outcomePrices"), "outcomePrices"))
    tokens = tuple(_outcome_tokens(data))
    if tokens and outcomes and len(tokens) != len(outcomes):
        raise MalformedPayload(f"clobTokenIds: {len(tokens)} tokens for {len(outcomes)} outcomes")
    events = data.get("events")
    parent = event if event is not None else (events[0] if isinstance(events, list) and events else None)
    parent_map: Row = parent if isinstance(parent, Mapping) else {}
    tags = _tag_slugs(data.get("tags")) or _tag_slugs(parent_map.get("tags"))
    legacy = data.get("category") or parent_map.get("category")  # an old free-text category counts as a tag
    category = category_of(
        tags=(*tags, legacy) if isinstance(legacy, str) and legacy.strip() else tags,
        slug=_text(data.get("slug")),
        event_slug=_text(parent_map.get("slug")),
        title=_text(data.get("question")),
    )
    volume_total = _first(data, "volumeNum", "volume")
    liquidity = _first(data, "liquidityNum", "liquidity")
    return Market(
        condition_id=condition,
        question=_text(data.get("question")),
        market_id=_text(data.get("id")),
        slug=_text(data.get("slug")),
        event_id=_text(parent_map.get("id")),
        event_slug=_text(parent_map.get("slug")),
        category=category,
        tags=tags,
        outcomes=outcomes,
        outcome_prices=prices,
        token_ids=tokens,
        end_date=iso_time(data.get("endDate"), "endDate") or iso_time(data.get("endDateIso"), "endDateIso"),
        created_at=iso_time(data.get("createdAt"), "createdAt"),
        liquidity=optional_decimal(liquidity, "liquidity"),
        volume_24h=optional_decimal(data.get("volume24hr"), "volume24hr"),
        volume_total=optional_decimal(volume_total, "volume"),
        active=_bool(data.get("active", True)),
        closed=_bool(data.get("closed", False)),
        neg_risk=_bool(data.get("negRisk", False)),
        version=_text(data.get("version")).lower() or "v1",
        best_bid=optional_decimal(data.get("bestBid"), "bestBid"),
        best_ask=optional_decimal(data.get("bestAsk"), "bestAsk"),
        last_trade_price=optional_decimal(data.get("lastTradePrice"), "lastTradePrice"),
        closed_time=iso_time(data.get("closedTime"), "closedTime"),
        resolution=resolution_from_gamma(data, tokens, prices),
    )


def event_from_gamma(obj: Any) -> Event:
    """A Gamma event with its markets (each market gets the event's id, slug and category)."""
    data = _mapping(obj, "event")
    event_id = _text(data.get("id"))
    if not event_id:
        raise MalformedPayload("event: missing id")
    tags = _tag_slugs(data.get("tags"))
    markets = tuple(market_from_gamma(m, event=data) for m in data.get("markets") or [])
    return Event(
        event_id=event_id,
        slug=_text(data.get("slug")),
        title=_text(data.get("title")),
        category=category_of(tags=tags, slug=_text(data.get("slug")), title=_text(data.get("title"))),
        tags=tags,
        markets=markets,
        neg_risk=_bool(data.get("negRisk", False)),
        active=_bool(data.get("active", True)),
        closed=_bool(data.get("closed", False)),
        end_date=iso_time(data.get("endDate"), "endDate"),
        liquidity=optional_decimal(data.get("liquidity"), "liquidity"),
        volume_24h=optional_decimal(data.get("volume24hr"), "volume24hr"),
        volume_total=optional_decimal(data.get("volume"), "volume"),
    )


# ---------------------------------------------------------------- CLOB REST


def _levels(value: Any, field: str) -> tuple[OrderBookLevel, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise MalformedPayload(f"{field}: expected an array of levels")
    levels = []
    for item in value:
        level = _mapping(item, field)
        levels.append(
            OrderBookLevel(
                to_decimal(level.get("price"), f"{field}.price"), to_decimal(level.get("size"), f"{field}.size")
            )
        )
    return tuple(levels)


def book_summary(
    token_id: str,
    bids: Iterable[OrderBookLevel],
    asks: Iterable[OrderBookLevel],
    *,
    timestamp: datetime | None = None,
    last_trade_price: Decimal | None = None,
    tick_size: Decimal | None = None,
) -> OrderBookSummary:
    """Levels sorted best first whatever order they came in (bids high->low, asks low->high);
    empty levels dropped."""
    bid_levels = tuple(sorted((lv for lv in bids if lv.size > 0), key=lambda lv: lv.price, reverse=True))
    ask_levels = tuple(sorted((lv for lv in asks if lv.size > 0), key=lambda lv: lv.price))
    return OrderBookSummary(
        token_id=token_id,
        best_bid=bid_levels[0].price if bid_levels else None,
        best_ask=ask_levels[0].price if ask_levels else None,
        timestamp=timestamp,
        bids=bid_levels,
        asks=ask_levels,
        last_trade_price=last_trade_price,
        tick_size=tick_size,
    )


def book_from_clob(obj: Any) -> OrderBookSummary:
    """A CLOB /book answer (or one element of POST /books)."""
    data = _mapping(obj, "book")
    return book_summary(
        _token(data.get("asset_id"), "asset_id"),
        _levels(data.get("bids"), "bids"),
        _levels(data.get("asks"), "asks"),
        timestamp=optional_unix_time(data.get("timestamp"), "timestamp"),
        last_trade_price=optional_decimal(data.get("last_trade_price"), "last_trade_price"),
        tick_size=optional_decimal(data.get("tick_size"), "tick_size"),
    )


def midpoint_from_clob(obj: Any) -> Decimal:
    return to_decimal(_mapping(obj, "midpoint").get("mid"), "mid")


def last_trade_price_from_clob(obj: Any) -> tuple[Decimal, Side | None]:
    data = _mapping(obj, "last trade price")
    side = data.get("side")
    return to_decimal(data.get("price"), "price"), (_side(side) if side else None)


def price_history_from_clob(obj: Any) -> list[PricePoint]:
    history = _mapping(obj, "prices-history").get("history")
    if not isinstance(history, list):
        raise MalformedPayload("prices-history: history is not an array")
    points = []
    for item in history:
        point = _mapping(item, "history point")
        points.append(PricePoint(unix_time(point.get("t"), "t"), to_decimal(point.get("p"), "p")))
    return points


# ---------------------------------------------------------------- CLOB market channel


def _ws_time(data: Row) -> datetime | None:
    return optional_unix_time(data.get("timestamp"), "timestamp")


def _price_changes(data: Row) -> list[MarketEvent]:
    condition = _text(data.get("market")).lower()
    timestamp = _ws_time(data)
    changes = data.get("price_changes")
    if changes is None:  # legacy flat shape (before ~Sept 2025)
        changes = [data]
    if not isinstance(changes, list):
        raise MalformedPayload("price_changes: expected an array")
    out: list[MarketEvent] = []
    for item in changes:
        change = _mapping(item, "price_change")
        out.append(
            PriceChange(
                token_id=_token(change.get("asset_id"), "asset_id"),
                condition_id=condition,
                price=to_decimal(change.get("price"), "price"),
                size=to_decimal(change.get("size"), "size"),
                side=_side(change.get("side")),
                timestamp=timestamp,
                best_bid=optional_decimal(change.get("best_bid"), "best_bid"),
                best_ask=optional_decimal(change.get("best_ask"), "best_ask"),
            )
        )
    return out


def _lifecycle(data: Row, kind: str) -> MarketLifecycle:
    tokens = data.get("assets_ids") or data.get("clob_token_ids") or []
    return MarketLifecycle(
        kind=kind,
        condition_id=_text(_first(data, "market", "condition_id")).lower(),
        question=_text(data.get("question")),
        slug=_text(data.get("slug")),
        token_ids=tuple(_token(t, "assets_ids") for t in json_list(tokens, "assets_ids")),
        outcomes=tuple(_text(o) for o in json_list(data.get("outcomes"), "outcomes")),
        timestamp=_ws_time(data),
        winning_token_id=_text(data.get("winning_asset_id")),
        winning_outcome=_text(data.get("winning_outcome")),
        tags=_tag_slugs(data.get("tags")),
    )


def market_event(obj: Any) -> list[MarketEvent]:
    """One market-channel event object -> domain events (price_change may hold several).
    Unknown event types give []."""
    data = _mapping(obj, "market event")
    kind = data.get("event_type")
    condition = _text(data.get("market")).lower()
    if kind == "book":
        return [
            BookSnapshot(
                token_id=_token(data.get("asset_id"), "asset_id"),
                condition_id=condition,
                bids=_levels(data.get("bids", data.get("buys")), "bids"),
                asks=_levels(data.get("asks", data.get("sells")), "asks"),
                timestamp=_ws_time(data),
                hash=_text(data.get("hash")),
            )
        ]
    if kind == "price_change":
        return _price_changes(data)
    if kind == "last_trade_price":
        side, size = data.get("side"), data.get("size")
        return [
            LastTradePrice(
                token_id=_token(data.get("asset_id"), "asset_id"),
                condition_id=condition,
                price=to_decimal(data.get("price"), "price"),
                timestamp=_ws_time(data),
                side=_side(side) if side else None,
                size=optional_decimal(size, "size"),
            )
        ]
    if kind == "tick_size_change":
        return [
            TickSizeChange(
                token_id=_token(data.get("asset_id"), "asset_id"),
                condition_id=condition,
                old_tick_size=to_decimal(data.get("old_tick_size"), "old_tick_size"),
                new_tick_size=to_decimal(data.get("new_tick_size"), "new_tick_size"),
                timestamp=_ws_time(data),
            )
        ]
    if kind == "best_bid_ask":
        return [
            BestBidAsk(
                token_id=_token(data.get("asset_id"), "asset_id"),
                condition_id=condition,
                best_bid=optional_decimal(data.get("best_bid"), "best_bid"),
                best_ask=optional_decimal(data.get("best_ask"), "best_ask"),
                timestamp=_ws_time(data),
            )
        ]
    if kind in ("new_market", "market_resolved"):
        return [_lifecycle(data, kind)]
    if kind is None:
        raise MalformedPayload("market event: missing event_type")
    return []


@dataclass(frozen=True, slots=True)
class MarketWsFrame:
    kind: str  # keepalive, events, malformed
    events: tuple[MarketEvent, ...] = ()
    errors: tuple[str, ...] = ()


def decode_market_ws(text: str | bytes) -> MarketWsFrame:
    """One CLOB market-channel frame: a single event object or an array of them. Never raises."""
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else text
    if raw.strip() in _KEEPALIVES:
        return MarketWsFrame("keepalive")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return MarketWsFrame("malformed", errors=(f"not JSON: {exc}",))
    events: list[MarketEvent] = []
    errors: list[str] = []
    for item in body if isinstance(body, list) else [body]:
        try:
            events.extend(market_event(item))
        except MalformedPayload as exc:
            errors.append(str(exc))
    return MarketWsFrame("events" if events or not errors else "malformed", tuple(events), tuple(errors))


def rows_of(body: Any, what: str) -> Sequence[Any]:
    rows, _ = rows_and_cursor(body, what)
    return rows
