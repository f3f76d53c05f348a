"""Compact bytes for wallet histories kept in the cache.

A resolved bet as a Python object costs about 580 bytes and a trade about 340. As JSON rows with
market ids interned per wallet, deflated (zlib level 1: about half the size, 20 us to inflate
10 kB), they cost a few dozen. Thousands of cached wallets therefore fit in tens of megabytes
instead of hundreds. Money and prices travel as decimal strings, so nothing is lost on the way.

The same bytes go to Redis (base64 in the cache's JSON, codecs HISTORY_BLOB and MORE_BLOB), so
decoding trusts nothing: the JSON is checked strictly against the row shapes below, and anything
else raises CodecError (the cache reads it as a miss).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import Field, TypeAdapter
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from scanner_core.cache import Codec, CodecError
from scanner_core.models import Side
from scanner_core.walletscan.history import OpenBook, ResolvedBet, TradeFact, WalletHistory

_SIDES = (Side.BUY, Side.SELL)
_Index = Annotated[int, Field(ge=0)]
# market, category, avg price, cost, pnl, resolved at, outcome index, redeemed
_BetRow = tuple[_Index, _Index, Decimal, Decimal, Decimal, float | None, int | None, Literal[0, 1]]
_TradeRow = tuple[float, _Index, Decimal, Decimal, Literal[0, 1]]  # time, market, usd, price, side


class _HistoryDoc(TypedDict):
    a: str
    m: list[str]
    c: list[str]
    b: list[_BetRow]
    t: list[_TradeRow] | None
    o: tuple[int, Decimal, Decimal]
    n: int | None
    v: int
    s: int
    f: float | None
    l: float | None  # noqa: E741 - the compact format's key
    x: bool
    p: bool
    q: float
    i: list[str]
    u: str


class _MoreDoc(TypedDict):
    m: list[str]
    c: list[str]
    b: list[_BetRow]
    t: list[_TradeRow]
    x: bool


_HISTORY_DOC = TypeAdapter(_HistoryDoc)
_MORE_DOC = TypeAdapter(_MoreDoc)
Doc = TypeVar("Doc", _HistoryDoc, _MoreDoc)


class _Interner:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found

    def table(self) -> list[str]:
        return list(self.index)


def _pack(value: Any) -> bytes:
    # zlib allocates the result at its exact size (orjson's own buffer keeps its spare capacity)
    return zlib.compress(orjson.dumps(value), 1)


def _unpack(blob: bytes, shape: TypeAdapter[Doc]) -> Doc:
    return shape.validate_json(zlib.decompress(blob), strict=True)


def _ts(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _dt(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def _encode_bets(bets: tuple[ResolvedBet, ...], markets: _Interner, categories: _Interner) -> list[list[Any]]:
    return [
        [
            markets(b.condition_id),
            categories(b.category),
            str(b.avg_price),
            str(b.cost_usd),
            str(b.realised_pnl),
            _ts(b.resolved_at),
            b.outcome_index,
            1 if b.redeemed else 0,
        ]
        for b in bets
    ]


def _decode_bets(rows: Sequence[Sequence[Any]], markets: list[str], categories: list[str]) -> tuple[ResolvedBet, ...]:
    return tuple(
        ResolvedBet(
            condition_id=markets[r[0]],
            category=categories[r[1]],
            avg_price=Decimal(r[2]),
            cost_usd=Decimal(r[3]),
            realised_pnl=Decimal(r[4]),
            resolved_at=_dt(r[5]),
            outcome_index=r[6],
            redeemed=bool(r[7]),
        )
        for r in rows
    )


def _encode_trades(trades: tuple[TradeFact, ...], markets: _Interner) -> list[list[Any]]:
    return [
        [t.timestamp.timestamp(), markets(t.condition_id), str(t.usd), str(t.price), 0 if t.side is Side.BUY else 1]
        for t in trades
    ]


def _decode_trades(rows: Sequence[Sequence[Any]], markets: list[str]) -> tuple[TradeFact, ...]:
    return tuple(
        TradeFact(datetime.fromtimestamp(r[0], UTC), markets[r[1]], Decimal(r[2]), Decimal(r[3]), _SIDES[r[4]])
        for r in rows
    )


def encode_history(history: WalletHistory) -> bytes:
    markets, categories = _Interner(), _Interner()
    bets = _encode_bets(history.bets, markets, categories)
    trades = _encode_trades(history.trades, markets) if history.trades is not None else None
    book = history.open_book
    return _pack(
        {
            "a": history.address,
            "m": markets.table(),
            "c": categories.table(),
            "b": bets,
            "t": trades,
            "o": [book.positions, str(book.cost_usd), str(book.value_usd)],
            "n": history.markets_traded,
            "v": history.markets_seen,
            "s": history.both_sides_markets,
            "f": _ts(history.first_activity),
            "l": _ts(history.last_activity),
            "x": history.bets_truncated,
            "p": history.bets_fetched,
            "q": history.mm_confidence,
            "i": list(history.mm_indicators),
            "u": history.username,
        }
    )


def decode_history(blob: bytes) -> WalletHistory:
    """The history `encode_history` packed, or CodecError for bytes that are not one."""
    try:
        return _decode_history(blob)
    except Exception as exc:  # zlib, pydantic, a bad index or time: all mean "not a history"
        raise CodecError(f"not a wallet history: {type(exc).__name__}: {exc}"[:300]) from exc


def _decode_history(blob: bytes) -> WalletHistory:
    data = _unpack(blob, _HISTORY_DOC)
    markets, categories = data["m"], data["c"]
    positions, cost, value = data["o"]
    return WalletHistory(
        address=data["a"],
        bets=_decode_bets(data["b"], markets, categories),
        open_book=OpenBook(positions, Decimal(cost), Decimal(value)),
        markets_traded=data["n"],
        markets_seen=data["v"],
        both_sides_markets=data["s"],
        first_activity=_dt(data["f"]),
        last_activity=_dt(data["l"]),
        trades=_decode_trades(data["t"], markets) if data["t"] is not None else None,
        bets_truncated=data["x"],
        bets_fetched=data["p"],
        mm_confidence=data["q"],
        mm_indicators=tuple(data["i"]),
        username=data["u"],
    )


def encode_more(bets: tuple[ResolvedBet, ...], trades: tuple[TradeFact, ...], truncated: bool) -> bytes:
    """What stage 2 adds to a history: older resolved bets, the trades, whether bets ran out."""
    markets, categories = _Interner(), _Interner()
    encoded_bets = _encode_bets(bets, markets, categories)
    encoded_trades = _encode_trades(trades, markets)
    return _pack(
        {"m": markets.table(), "c": categories.table(), "b": encoded_bets, "t": encoded_trades, "x": truncated}
    )


def decode_more(blob: bytes) -> tuple[tuple[ResolvedBet, ...], tuple[TradeFact, ...], bool]:
    """What `encode_more` packed, or CodecError for bytes that are not that."""
    try:
        data = _unpack(blob, _MORE_DOC)
        markets = data["m"]
        return _decode_bets(data["b"], markets, data["c"]), _decode_trades(data["t"], markets), bool(data["x"])
    except Exception as exc:  # zlib, pydantic, a bad index or time: all mean "not stage-2 data"
        raise CodecError(f"not a wallet's stage-2 data: {type(exc).__name__}: {exc}"[:300]) from exc


# The cache codecs of the two blobs (scanner_core/cache.py): decoding checks the whole blob.
HISTORY_BLOB: Codec[bytes] = Codec("walletscan-history/1", bytes, check=decode_history)
MORE_BLOB: Codec[bytes] = Codec("walletscan-more/1", bytes, check=decode_more)
