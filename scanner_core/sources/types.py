"""Small frozen types for what the Polymarket sources return besides Trade, Market and books.

They carry Polymarket facts in polyscan's terms (Decimal money, aware UTC time, lowercase
addresses); only normalise.py builds them from wire payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from scanner_core.models import Market, OrderBookLevel, Side, Trade


@dataclass(frozen=True, slots=True)
class Tag:
    tag_id: str
    label: str
    slug: str


@dataclass(frozen=True, slots=True)
class Event:
    """A Gamma event: a group of markets (N binary markets when neg-risk)."""

    event_id: str
    slug: str
    title: str
    category: str = ""
    tags: tuple[str, ...] = ()
    markets: tuple[Market, ...] = ()
    neg_risk: bool = False
    active: bool = True
    closed: bool = False
    end_date: datetime | None = None
    liquidity: Decimal | None = None
    volume_24h: Decimal | None = None
    volume_total: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Activity:
    """One /activity row. `trade` is set for TRADE rows; other kinds (REDEEM, REWARD, ...) only
    carry the wallet, kind, amounts and tx hash."""

    wallet: str
    kind: str
    timestamp: datetime
    tx_hash: str
    usdc_size: Decimal
    size: Decimal
    condition_id: str = ""
    token_id: str = ""
    title: str = ""
    trade: Trade | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """An open (or redeemable) position of one wallet in one outcome token."""

    wallet: str
    condition_id: str
    token_id: str
    size: Decimal
    avg_price: Decimal
    initial_value: Decimal
    current_value: Decimal
    cash_pnl: Decimal
    realised_pnl: Decimal
    total_bought: Decimal
    current_price: Decimal
    outcome: str
    outcome_index: int | None
    title: str = ""
    slug: str = ""
    event_slug: str = ""
    end_date: datetime | None = None
    redeemable: bool = False
    mergeable: bool = False
    neg_risk: bool = False


@dataclass(frozen=True, slots=True)
class ClosedPosition:
    wallet: str
    condition_id: str
    token_id: str
    avg_price: Decimal
    total_bought: Decimal
    realised_pnl: Decimal
    current_price: Decimal
    outcome: str
    outcome_index: int | None
    timestamp: datetime | None
    title: str = ""
    slug: str = ""
    event_slug: str = ""
    end_date: datetime | None = None

    @property
    def won(self) -> bool:
        return self.realised_pnl > 0


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    rank: int
    wallet: str
    username: str
    volume: Decimal
    pnl: Decimal
    verified: bool = False


@dataclass(frozen=True, slots=True)
class Holder:
    wallet: str
    token_id: str
    amount: Decimal
    outcome_index: int | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class TokenHolders:
    token_id: str
    holders: tuple[Holder, ...]


@dataclass(frozen=True, slots=True)
class PricePoint:
    timestamp: datetime
    price: Decimal


@dataclass(frozen=True, slots=True)
class TradePage:
    """One page of Data API trades. `rows` counts what the server sent (to know when paging is
    done), `skipped` the rows that did not parse (counted and logged, never fatal)."""

    trades: tuple[Trade, ...]
    rows: int
    skipped: int = 0
    next_cursor: str | None = None


# --- CLOB market channel events (section 4 of API.md) ---


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    token_id: str
    condition_id: str
    bids: tuple[OrderBookLevel, ...]
    asks: tuple[OrderBookLevel, ...]
    timestamp: datetime | None
    hash: str = ""


@dataclass(frozen=True, slots=True)
class PriceChange:
    """A resting level changed: `size` is the level's new size (0 removes it)."""

    token_id: str
    condition_id: str
    price: Decimal
    size: Decimal
    side: Side
    timestamp: datetime | None
    best_bid: Decimal | None = None
    best_ask: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LastTradePrice:
    token_id: str
    condition_id: str
    price: Decimal
    timestamp: datetime | None
    side: Side | None = None
    size: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TickSizeChange:
    token_id: str
    condition_id: str
    old_tick_size: Decimal
    new_tick_size: Decimal
    timestamp: datetime | None


@dataclass(frozen=True, slots=True)
class BestBidAsk:
    token_id: str
    condition_id: str
    best_bid: Decimal | None
    best_ask: Decimal | None
    timestamp: datetime | None


@dataclass(frozen=True, slots=True)
class MarketLifecycle:
    """`new_market` or `market_resolved` (then `winning_token_id` is set)."""

    kind: str
    condition_id: str
    question: str
    slug: str
    token_ids: tuple[str, ...]
    outcomes: tuple[str, ...]
    timestamp: datetime | None
    winning_token_id: str = ""
    winning_outcome: str = ""
    tags: tuple[str, ...] = ()


MarketEvent = BookSnapshot | PriceChange | LastTradePrice | TickSizeChange | BestBidAsk | MarketLifecycle
