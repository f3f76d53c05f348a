"""Domain types that flow through polyscan.

Every value is immutable. Money and prices are Decimal, time is timezone-aware UTC, wallet
addresses are lowercase. Nothing here knows Polymarket's wire field names (see normalise.py) or
any database or chat SDK.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

ZERO = Decimal(0)
ONE = Decimal(1)
_ADDRESS_RE = re.compile(r"^0x[0-9a-f]{40}$")
_CONDITION_RE = re.compile(r"^0x[0-9a-f]{64}$")


class DomainError(ValueError):
    """A value that cannot be a valid domain object (bad address, naive time, ...)."""


def normalise_address(value: str) -> str:
    """Lowercase 0x address, or DomainError."""
    address = value.strip().lower()
    if not _ADDRESS_RE.match(address):
        raise DomainError(f"not a wallet address: {value!r} (expected 0x followed by 40 hex digits)")
    return address


def is_address(value: str) -> bool:
    return bool(_ADDRESS_RE.match(value.strip().lower()))


def is_condition_id(value: str) -> bool:
    return bool(_CONDITION_RE.match(value.strip().lower()))


def from_unix(seconds: float | int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def frozen_map(data: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(data or {}))


class Side(enum.StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class TradeSource(enum.StrEnum):
    RTDS = "rtds"
    BACKFILL = "backfill"
    DATA_API = "data_api"
    REPLAY = "replay"


class Severity(enum.StrEnum):
    INFO = "info"
    NOTABLE = "notable"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.NOTABLE: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class SignalKind(enum.StrEnum):
    LARGE_TRADE = "large_trade"
    FRESH_WALLET = "fresh_wallet"
    UNUSUAL_SIZE = "unusual_size"
    MARKET_IMPACT = "market_impact"
    NICHE_MARKET = "niche_market"
    CLUSTER = "cluster"
    COORDINATED_PAIR = "coordinated_pair"
    NEAR_RESOLUTION = "near_resolution"
    CONTRARIAN = "contrarian"
    ACCUMULATION = "accumulation"
    CONCENTRATION = "concentration"
    PRICE_FOLLOW_THROUGH = "price_follow_through"
    LINKED_WALLETS = "linked_wallets"


class AlertKind(enum.StrEnum):
    TRADE = "trade"  # a trade that matters (signals explain why)
    FOLLOW_UP = "follow_up"  # an alerted trade was followed by a price move
    WALLET_TARGET = "wallet_target"  # a wallet newly classified worth copying
    SYSTEM = "system"  # operator alerts (admin chat only)


class WalletClass(enum.StrEnum):
    TARGET = "TARGET"
    WATCHLIST = "WATCHLIST"
    REJECT = "REJECT"


class Platform(enum.StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    CONSOLE = "console"
    WEBHOOK = "webhook"


class DestinationKind(enum.StrEnum):
    TELEGRAM_CHAT = "telegram_chat"
    DISCORD_USER = "discord_user"
    DISCORD_CHANNEL = "discord_channel"
    CONSOLE = "console"
    WEBHOOK = "webhook"  # destination id: the webhook's id (scanner_core/webhooks.py)

    @property
    def platform(self) -> Platform:
        if self is DestinationKind.TELEGRAM_CHAT:
            return Platform.TELEGRAM
        if self is DestinationKind.CONSOLE:
            return Platform.CONSOLE
        if self is DestinationKind.WEBHOOK:
            return Platform.WEBHOOK
        return Platform.DISCORD


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    HELD = "held"  # quiet hours or hourly cap: goes out in a digest
    SENT = "sent"
    DIGESTED = "digested"  # went out as part of a digest
    FAILED = "failed"  # gave up after retries
    DEAD = "dead"  # destination gone (blocked, missing access)


def trade_dedup_key(tx_hash: str, token_id: str, wallet: str, side: str, size: Decimal, price: Decimal) -> str:
    """The identity of one fill row: a tx hash alone is not unique (several fills share one)."""
    raw = f"{tx_hash.lower()}|{token_id}|{wallet}|{side}|{size.normalize()}|{price.normalize()}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Trade:
    """One normalised fill row, as seen by one wallet."""

    tx_hash: str
    wallet: str
    condition_id: str
    token_id: str
    side: Side
    outcome: str
    outcome_index: int | None
    size: Decimal  # shares
    price: Decimal  # 0..1
    timestamp: datetime
    source: TradeSource
    title: str = ""
    slug: str = ""
    event_slug: str = ""
    trader_name: str = ""
    usd: Decimal = ZERO
    dedup_key: str = ""

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is None:
            raise DomainError("Trade.timestamp must be timezone-aware")
        if self.wallet != self.wallet.lower():
            raise DomainError("Trade.wallet must be lowercase")
        if self.usd == ZERO and self.size and self.price:
            object.__setattr__(self, "usd", self.size * self.price)
        if not self.dedup_key:
            key = trade_dedup_key(self.tx_hash, self.token_id, self.wallet, self.side, self.size, self.price)
            object.__setattr__(self, "dedup_key", key)


@dataclass(frozen=True, slots=True)
class OrderBookLevel:
    price: Decimal
    size: Decimal


@dataclass(frozen=True, slots=True)
class OrderBookSummary:
    token_id: str
    best_bid: Decimal | None
    best_ask: Decimal | None
    timestamp: datetime | None = None
    bids: tuple[OrderBookLevel, ...] = ()
    asks: tuple[OrderBookLevel, ...] = ()
    last_trade_price: Decimal | None = None
    tick_size: Decimal | None = None

    @property
    def mid(self) -> Decimal | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / 2

    @property
    def spread(self) -> Decimal | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return self.best_ask - self.best_bid

    def depth_within(self, fraction: Decimal) -> Decimal:
        """USD resting within `fraction` of the mid on both sides (0 without a mid)."""
        mid = self.mid
        if mid is None:
            return ZERO
        low, high = mid * (ONE - fraction), mid * (ONE + fraction)
        total = ZERO
        for level in (*self.bids, *self.asks):
            if low <= level.price <= high:
                total += level.price * level.size
        return total


@dataclass(frozen=True, slots=True)
class Candle:
    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = ZERO


class ResolutionStatus(enum.StrEnum):
    """How a market ended. Only RESOLVED and SPLIT pay out per outcome; UNRESOLVED (still open,
    closed but not final, or a proposal under dispute) and VOIDED are never judged as won or lost."""

    UNRESOLVED = "unresolved"
    RESOLVED = "resolved"  # one outcome pays 1, the others 0
    SPLIT = "split"  # the payout is shared across outcomes (the 50-50 split)
    VOIDED = "voided"  # closed as final with nothing identifiable paid (cancelled, delisted)


@dataclass(frozen=True, slots=True)
class Resolution:
    """A market's final answer: what one share of each outcome paid (`payouts`, in outcome
    order), the winning outcome when one outcome took everything, and when it was settled."""

    status: ResolutionStatus = ResolutionStatus.UNRESOLVED
    winning_index: int | None = None
    winning_token_id: str = ""
    payouts: tuple[Decimal, ...] = ()
    resolved_at: datetime | None = None

    @property
    def is_final(self) -> bool:
        return self.status in (ResolutionStatus.RESOLVED, ResolutionStatus.SPLIT, ResolutionStatus.VOIDED)

    def payout_of(self, outcome_index: int | None) -> Decimal | None:
        """What one share of this outcome paid at resolution (None: not paid out, or unknown)."""
        if self.status not in (ResolutionStatus.RESOLVED, ResolutionStatus.SPLIT) or outcome_index is None:
            return None
        if 0 <= outcome_index < len(self.payouts):
            return self.payouts[outcome_index]
        return None


UNRESOLVED = Resolution()


@dataclass(frozen=True, slots=True)
class Market:
    condition_id: str
    question: str
    market_id: str = ""  # Gamma id
    slug: str = ""
    event_id: str = ""
    event_slug: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    outcome_prices: tuple[Decimal, ...] = ()
    token_ids: tuple[str, ...] = ()
    end_date: datetime | None = None
    created_at: datetime | None = None
    liquidity: Decimal | None = None
    volume_24h: Decimal | None = None
    volume_total: Decimal | None = None
    unique_traders: int | None = None
    active: bool = True
    closed: bool = False
    neg_risk: bool = False
    version: str = "v1"
    best_bid: Decimal | None = None
    best_ask: Decimal | None = None
    last_trade_price: Decimal | None = None
    closed_time: datetime | None = None  # when trading closed (Gamma closedTime)
    resolution: Resolution = UNRESOLVED

    def price_of(self, token_id: str) -> Decimal | None:
        try:
            return self.outcome_prices[self.token_ids.index(token_id)]
        except (ValueError, IndexError):
            return None

    def payout_of(self, token_id: str) -> Decimal | None:
        """What one share of this outcome token paid at resolution (None: unresolved or voided)."""
        try:
            index = self.token_ids.index(token_id)
        except ValueError:
            return None
        return self.resolution.payout_of(index)


@dataclass(frozen=True, slots=True)
class WalletProfile:
    address: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    trade_count: int = 0
    total_volume: Decimal = ZERO
    avg_trade_size: Decimal = ZERO
    median_trade_size: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    win_rate: float | None = None  # None = not enough history
    win_rate_lower: float | None = None  # the win rate's 95 % Wilson lower bound (same sample)
    resolved_positions: int = 0
    winning_positions: int = 0
    top_categories: tuple[tuple[str, Decimal], ...] = ()
    top_market_share: float = 0.0
    markets_traded: int = 0
    mm_confidence: float = 0.0
    mm_indicators: tuple[str, ...] = ()
    username: str = ""
    contrarian_trades: int = 0
    contrarian_wins: int = 0
    updated_at: datetime | None = None

    @property
    def is_market_maker(self) -> bool:
        return self.mm_confidence >= 0.6

    def age_days(self, now: datetime) -> float | None:
        if self.first_seen is None:
            return None
        return (now - self.first_seen).total_seconds() / 86400


@dataclass(frozen=True, slots=True)
class Signal:
    kind: SignalKind
    strength: float  # 0..1
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class WalletSnapshot:
    """What an alert says about the wallet at alert time (kept with the alert)."""

    address: str
    age_days: float | None = None
    trade_count: int = 0
    win_rate: float | None = None
    resolved_positions: int = 0
    realised_pnl: Decimal | None = None
    username: str = ""
    classification: WalletClass | None = None


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    condition_id: str
    question: str = ""
    slug: str = ""
    category: str = ""
    end_date: datetime | None = None
    liquidity: Decimal | None = None
    volume_24h: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    dedup_key: str
    kind: AlertKind
    severity: Severity
    confidence: float
    created_at: datetime
    title: str
    signals: tuple[Signal, ...] = ()
    trade: Trade | None = None
    market: MarketSnapshot | None = None
    wallet: WalletSnapshot | None = None
    details: Mapping[str, Any] = field(default_factory=frozen_map)
    id: int | None = None

    @property
    def signal_kinds(self) -> tuple[str, ...]:
        return tuple(s.kind.value for s in self.signals)

    @property
    def wallet_address(self) -> str | None:
        if self.trade is not None:
            return self.trade.wallet
        return self.wallet.address if self.wallet else None

    @property
    def condition_id(self) -> str | None:
        if self.trade is not None:
            return self.trade.condition_id
        return self.market.condition_id if self.market else None


@dataclass(frozen=True, slots=True)
class QuietHours:
    start_minute: int  # minutes after local midnight
    end_minute: int
    tz: str = "UTC"


@dataclass(frozen=True, slots=True)
class SubscriptionFilters:
    min_usd: Decimal = ZERO
    min_confidence: float = 0.0
    min_severity: Severity = Severity.INFO
    kinds: frozenset[str] = frozenset()  # empty = every kind
    categories_in: frozenset[str] = frozenset()
    categories_out: frozenset[str] = frozenset()
    follow_wallets: frozenset[str] = frozenset()
    mute_wallets: frozenset[str] = frozenset()
    mute_markets: frozenset[str] = frozenset()
    followed_only: bool = False


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int | None
    destination_kind: DestinationKind
    destination_id: str
    active: bool = True
    filters: SubscriptionFilters = field(default_factory=SubscriptionFilters)
    quiet_hours: QuietHours | None = None
    timezone: str = "UTC"
    max_per_hour: int = 30
    owner_id: str = ""
    created_at: datetime | None = None

    @property
    def platform(self) -> Platform:
        return self.destination_kind.platform


@dataclass(frozen=True, slots=True)
class ChannelRule:
    id: int | None
    guild_id: str
    channel_id: str
    match_type: str  # severity | category | kind
    match_value: str
    role_id: str | None = None
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    alert_id: int
    destination_kind: DestinationKind
    destination_id: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    mention_role_id: str | None = None
    last_error: str = ""
    id: int | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WalletClassification:
    address: str
    classification: WalletClass
    score: float
    stage: int
    reasons: tuple[str, ...]
    classified_at: datetime
    details: Mapping[str, Any] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class MetricSample:
    timestamp: datetime
    name: str
    value: float
    labels: Mapping[str, str] = field(default_factory=frozen_map)


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """A row refused at the trade boundary (malformed) or by the database, kept for a person to
    look at: where it came from, why (a short reason code and the detail), and the raw payload
    as text (bounded)."""

    source: str  # rtds, data_api, replay, trade_writer, alert_writer, ...
    reason: str  # a short code: the field that failed, or db_refused
    detail: str
    payload: str
    received_at: datetime


def now_utc() -> datetime:
    """Wall-clock UTC. Only edges (sources, composition root, jobs) call this; pure code gets `now`."""
    return datetime.now(UTC)


# A trade older than this is judged as of its own time (a replay or backfill): no live-only data.
LIVE_WINDOW = timedelta(minutes=15)


def is_past(as_of: datetime | None, now: datetime, live_window: timedelta = LIVE_WINDOW) -> bool:
    return as_of is not None and now - as_of > live_window
