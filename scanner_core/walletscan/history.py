"""What the wallet classifier knows about one wallet: its resolved bets, open book and trades.

A `WalletHistory` is built by a data source (the Data API adapter, a test, the bench) and judged
by the pure stages. Honest records need the losers nobody redeems: a losing position pays nothing,
so it is never redeemed and never reaches `/closed-positions`; it stays in `/positions` with a
price of 0. Those come in as `ResolvedBet(redeemed=False)` and count like any other loss.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from scanner_core.models import ZERO, DomainError, Side


@dataclass(frozen=True, slots=True)
class ResolvedBet:
    """One position that is over: its market resolved, or the wallet sold out of it."""

    condition_id: str
    category: str
    avg_price: Decimal  # average price paid, 0..1 (the market's implied probability at entry)
    cost_usd: Decimal  # USD put in: average price x shares bought
    realised_pnl: Decimal
    resolved_at: datetime | None
    outcome_index: int | None = None
    redeemed: bool = True  # False: still sitting in /positions (unredeemed winner or loser)

    @property
    def won(self) -> bool:
        return self.realised_pnl > ZERO


@dataclass(frozen=True, slots=True)
class TradeFact:
    """One fill of the wallet: what stage 2 needs to see how it sizes bets."""

    timestamp: datetime
    condition_id: str
    usd: Decimal
    price: Decimal
    side: Side


@dataclass(frozen=True, slots=True)
class OpenBook:
    """The wallet's open (not yet resolved) positions, summarised."""

    positions: int = 0
    cost_usd: Decimal = ZERO
    value_usd: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class WalletHistory:
    address: str
    bets: tuple[ResolvedBet, ...]
    open_book: OpenBook = OpenBook()
    markets_traded: int | None = 0  # distinct markets traded, per /traded (None: unknown)
    markets_seen: int = 0  # distinct markets in the fetched positions
    both_sides_markets: int = 0  # of those, markets where the wallet held both outcomes (a market-maker mark)
    first_activity: datetime | None = None
    last_activity: datetime | None = None
    trades: tuple[TradeFact, ...] | None = None  # None until fetched: only stage-1 survivors need them
    bets_truncated: bool = False  # the wallet has more resolved positions than were fetched
    bets_fetched: bool = True  # False: only the profile (markets traded, last activity) is known yet
    mm_confidence: float = 0.0  # from a wallet profile, when one is known
    mm_indicators: tuple[str, ...] = ()
    username: str = ""

    def __post_init__(self) -> None:
        if self.address != self.address.lower():
            raise DomainError("WalletHistory.address must be lowercase")
        for moment in (self.first_activity, self.last_activity):
            if moment is not None and moment.tzinfo is None:
                raise DomainError("WalletHistory times must be timezone-aware")

    def with_more(
        self, *, bets: tuple[ResolvedBet, ...], trades: tuple[TradeFact, ...], truncated: bool
    ) -> WalletHistory:
        """This history with extra resolved bets (older pages) and the trades added."""
        seen = {(b.condition_id, b.outcome_index) for b in self.bets}
        extra = tuple(b for b in bets if (b.condition_id, b.outcome_index) not in seen)
        new_markets = {b.condition_id for b in extra} - {b.condition_id for b in self.bets}
        new_both = _two_sided(self.bets + extra) - _two_sided(self.bets)
        times = [t.timestamp for t in trades]
        first = min([*times, *([self.first_activity] if self.first_activity else [])], default=None)
        last = max([*times, *([self.last_activity] if self.last_activity else [])], default=None)
        return replace(
            self,
            bets=self.bets + extra,
            trades=trades,
            bets_truncated=truncated,
            markets_traded=max(self.markets_traded or 0, self.markets_seen + len(new_markets)),
            markets_seen=self.markets_seen + len(new_markets),
            both_sides_markets=self.both_sides_markets + len(new_both),
            first_activity=first,
            last_activity=last,
        )


def _two_sided(bets: tuple[ResolvedBet, ...]) -> set[str]:
    outcomes: dict[str, set[int | None]] = {}
    for bet in bets:
        outcomes.setdefault(bet.condition_id, set()).add(bet.outcome_index)
    return {market for market, held in outcomes.items() if len(held) >= 2}
