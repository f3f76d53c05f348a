"""Contracts between parts of polyscan: what a service offers, what a notifier must do.

Services and adapters depend on these protocols, not on each other's classes, so the command
service, the pipeline and the bots can be built and tested apart.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from scanner_core.models import (
    Candle,
    Market,
    OrderBookSummary,
    Trade,
    WalletClassification,
    WalletProfile,
)


class MarketLookup(Protocol):
    """Market metadata, books and history (MarketService)."""

    async def get_market(self, ref: str, *, as_of: datetime | None = None) -> Market | None:
        """By Gamma id, slug, Polymarket URL, condition id or token id; None when unknown."""
        ...

    async def get_book(self, token_id: str) -> OrderBookSummary | None: ...

    async def candles(self, market: Market, token_id: str, interval: str, *, until: datetime) -> list[Candle]: ...

    async def related(self, market: Market, limit: int = 5) -> list[Market]: ...


class WalletLookup(Protocol):
    """Wallet profiles (WalletService)."""

    async def get_profile(self, address: str, *, as_of: datetime | None = None) -> WalletProfile: ...

    async def resolve_username(self, name: str) -> str | None:
        """A Polymarket username to its proxy wallet address, or None."""
        ...

    async def recent_trades(self, address: str, *, limit: int = 10, min_usd: Decimal | None = None) -> list[Trade]: ...


class ClassificationLookup(Protocol):
    async def get_classification(self, address: str) -> WalletClassification | None: ...


class DeliveryError(Exception):
    """A send failed. `retry_after` set: rate limited; `permanent`: the destination is gone."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class AdminNotifier(Protocol):
    """Where system alerts go (the admin chat of each configured platform)."""

    async def notify_admin(self, text: str, severity: str) -> None: ...


class FeedStatus(Protocol):
    """What the live feed tells health checks and /stats."""

    @property
    def connected(self) -> bool: ...

    @property
    def last_trade_at(self) -> datetime | None: ...

    @property
    def reconnects(self) -> int: ...

    @property
    def problem(self) -> str | None:
        """Why the feed is degraded while it still delivers (e.g. one RTDS type gone silent)."""
        ...
