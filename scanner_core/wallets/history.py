"""One wallet's Polymarket history as polyscan knows it, with its watermark: the one record that the
profile, the detectors' enrichment and the copy-target classifier all read.

A history is complete up to `fetched_until` (the watermark): every row in it happened at or before
that moment, and a refresh fetches only what is newer. It holds

* `rows`: the wallet's activity, oldest first: trades (kind TRADE, with side and price) and the
  other kinds the Data API lists (REDEEM, SPLIT, MERGE, REWARD, CONVERSION, ...);
* `resolved`: positions that are over, each with the time it resolved. A position is resolved when
  it is redeemable OR its market ended with a price of exactly 0 or 1: losers pay nothing, so they
  are never redeemed and must still count as losses;
* `open_positions` and `markets_traded`: a snapshot taken at `observed_at` (None when the history
  was fetched as of a past moment), never used to judge an earlier one;
* `first_activity`: the wallet's oldest activity (the Data API, oldest first, one row);
* `depth`: which fetch stages it holds (the classifier stops early for most wallets).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from scanner_core.models import ZERO, DomainError, Side

if TYPE_CHECKING:
    from scanner_core.wallets.index import HistoryIndex

TRADE = "TRADE"


class Depth(enum.IntEnum):
    """How much of a history was fetched, cheapest stage first."""

    PROFILE = 1  # first activity and markets traded (/activity oldest first, /traded): the general budget
    POSITIONS = 2  # + resolved and open positions (/closed-positions, /positions): the scarce budgets
    FULL = 3  # + the activity rows (/activity pages)


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """One row of the wallet's activity: a trade (side and price set) or another kind of row."""

    timestamp: datetime
    kind: str  # TRADE, REDEEM, SPLIT, MERGE, REWARD, CONVERSION, ...
    condition_id: str
    usd: Decimal  # USDC moved (a trade's notional)
    key: str  # identity across refreshes (a trade's dedup key)
    outcome_index: int | None = None
    side: Side | None = None  # trades only
    price: Decimal = ZERO  # trades only
    category: str = ""

    @property
    def is_trade(self) -> bool:
        return self.kind == TRADE


@dataclass(frozen=True, slots=True)
class ResolvedPosition:
    """A position that is over: its market resolved (or the wallet sold out), with the result."""

    condition_id: str
    outcome_index: int | None
    avg_price: Decimal  # average price paid, 0..1
    cost_usd: Decimal  # USD put in: average price x shares bought
    realised_pnl: Decimal
    resolved_at: datetime  # when the result was known (never earlier than polyscan can prove)
    category: str = ""
    redeemed: bool = True  # False: a resolved position nobody redeemed (a loser, or a forgotten winner)

    @property
    def won(self) -> bool:
        return self.realised_pnl > ZERO


@dataclass(frozen=True, slots=True)
class OpenPosition:
    condition_id: str
    outcome_index: int | None
    size: Decimal  # shares
    avg_price: Decimal
    cost_usd: Decimal
    value_usd: Decimal
    end_date: datetime | None = None
    category: str = ""


@dataclass(frozen=True)
class WalletHistory:
    address: str
    fetched_until: datetime  # the watermark: complete up to here
    depth: Depth = Depth.FULL
    rows: tuple[ActivityRow, ...] = ()  # oldest first
    resolved: tuple[ResolvedPosition, ...] = ()  # by resolved_at
    open_positions: tuple[OpenPosition, ...] = ()
    observed_at: datetime | None = None  # when open_positions and markets_traded were true
    first_activity: datetime | None = None
    latest_activity: datetime | None = None  # known before the rows are (profile stage)
    markets_traded: int | None = None  # /traded at observed_at (None: unknown)
    trades_truncated: bool = False  # older activity exists beyond what was fetched
    resolved_truncated: bool = False  # older resolved positions exist beyond what was fetched
    username: str = ""
    fetched_at: datetime | None = None  # when the last fetch ran (the classifier's freshness)

    def __post_init__(self) -> None:
        if self.address != self.address.lower():
            raise DomainError("WalletHistory.address must be lowercase")
        if self.fetched_until.tzinfo is None:
            raise DomainError("WalletHistory.fetched_until must be timezone-aware")

    @classmethod
    def empty(cls, address: str, fetched_until: datetime, **fields: object) -> WalletHistory:
        """A wallet with no Polymarket activity at all (up to `fetched_until`)."""
        return cls(address=address, fetched_until=fetched_until, depth=Depth.FULL, **fields)  # type: ignore[arg-type]

    def compiled(self, contrarian_price: Decimal) -> HistoryIndex:
        """The history compiled for fast as-of queries, built once per history (and threshold)."""
        from scanner_core.wallets.index import HistoryIndex

        cache: dict[Decimal, HistoryIndex] = self.__dict__.setdefault("_compiled", {})
        index = cache.get(contrarian_price)
        if index is None:
            index = cache[contrarian_price] = HistoryIndex.build(self, contrarian_price)
        return index

    @property
    def trades(self) -> tuple[ActivityRow, ...]:
        return tuple(r for r in self.rows if r.is_trade)

    @property
    def last_activity(self) -> datetime | None:
        newest = self.rows[-1].timestamp if self.rows else None
        known = [t for t in (newest, self.latest_activity, self.first_activity) if t is not None]
        return max(known, default=None)

    def is_empty(self) -> bool:
        return not self.rows and not self.resolved and not self.open_positions and self.first_activity is None


def merge_rows(old: Iterable[ActivityRow], new: Iterable[ActivityRow]) -> tuple[ActivityRow, ...]:
    """Rows of two fetches, each kept once (the newer copy wins), oldest first."""
    rows = {r.key: r for r in old}
    rows.update((r.key, r) for r in new)
    return sort_rows(rows.values())


def merge_resolved(old: Iterable[ResolvedPosition], new: Iterable[ResolvedPosition]) -> tuple[ResolvedPosition, ...]:
    """Resolved positions of two fetches, one per (market, outcome) (the newer copy wins)."""
    positions = {(p.condition_id, p.outcome_index): p for p in old}
    positions.update(((p.condition_id, p.outcome_index), p) for p in new)
    return sort_resolved(positions.values())


def sort_rows(rows: Iterable[ActivityRow]) -> tuple[ActivityRow, ...]:
    return tuple(sorted(rows, key=lambda r: (r.timestamp, r.key)))


def sort_resolved(positions: Iterable[ResolvedPosition]) -> tuple[ResolvedPosition, ...]:
    return tuple(sorted(positions, key=lambda p: (p.resolved_at, p.condition_id, p.outcome_index or 0)))
