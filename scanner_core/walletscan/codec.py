"""Compact bytes for wallet histories kept in the cache.

A resolved bet as a Python object costs about 580 bytes and a trade about 340. As JSON rows with
market ids interned per wallet, deflated (zlib level 1: about half the size, 20 us to inflate
10 kB), they cost a few dozen. Thousands of cached wallets therefore fit in tens of megabytes
instead of hundreds, and the same bytes go to Redis as they are. Money and prices travel as
decimal strings, so nothing is lost on the way.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from scanner_core.models import Side
from scanner_core.walletscan.history import OpenBook, ResolvedBet, TradeFact, WalletHistory

_SIDES = (Side.BUY, Side.SELL)


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


def _unpack(blob: bytes) -> Any:
    return orjson.loads(zlib.decompress(blob))


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


def _decode_bets(rows: list[list[Any]], markets: list[str], categories: list[str]) -> tuple[ResolvedBet, ...]:
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


def _decode_trades(rows: list[list[Any]], markets: list[str]) -> tuple[TradeFact, ...]:
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
    data = _unpack(blob)
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
    data = _unpack(blob)
    markets = data["m"]
    return _decode_bets(data["b"], markets, data["c"]), _decode_trades(data["t"], markets), bool(data["x"])
