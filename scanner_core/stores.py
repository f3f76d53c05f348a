"""What the engine needs from storage, as protocols (db.repositories.Repositories satisfies them).

scanner_core never imports db/: the composition root hands the repositories in.

Writers that must tell a bad row from a database that is down (the pipeline's trade and alert
writers, the quarantine) rely on the two errors below: an implementation raises `RowRefused` when
the database refused the data itself (a constraint, a value out of range, a string too long: the
same rows will always fail) and `StoreUnavailable` for everything else (no connection, timeouts,
a locked or read-only database: the same rows may well succeed later).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from scanner_core.models import Alert, Market, QuarantineEntry, Trade, WalletProfile


class StoreError(Exception):
    """A write the database did not take (the original error is the `__cause__`)."""


class RowRefused(StoreError):
    """The database refused this data: retrying the same rows cannot help."""


class StoreUnavailable(StoreError):
    """The database could not be used (connection, timeout, lock): the rows may succeed later."""


class TradeStore(Protocol):
    async def save_trades(self, trades: Sequence[Trade]) -> int: ...

    async def wallet_trades(
        self,
        wallet: str,
        *,
        limit: int = 100,
        offset: int = 0,
        since: datetime | None = None,
        until: datetime | None = None,
        min_usd: Decimal | None = None,
    ) -> list[Trade]: ...

    async def market_trades(
        self,
        condition_id: str,
        *,
        limit: int = 100,
        offset: int = 0,
        since: datetime | None = None,
        until: datetime | None = None,
        min_usd: Decimal | None = None,
    ) -> list[Trade]: ...


class AlertStore(Protocol):
    async def save_alert(self, alert: Alert) -> tuple[Alert, bool]: ...

    async def save_alerts(self, alerts: Sequence[Alert]) -> list[Alert]: ...


class WalletStore(Protocol):
    async def get_profile(self, address: str) -> WalletProfile | None: ...

    async def save_profile(self, profile: WalletProfile) -> None: ...

    async def update_stats(self, trades: Sequence[Trade], now: datetime) -> int: ...


class MarketStore(Protocol):
    async def get(self, condition_id: str) -> Market | None: ...

    async def get_by_slug(self, slug: str) -> Market | None: ...

    async def get_by_gamma_id(self, gamma_id: str) -> Market | None: ...

    async def save(self, market: Market, now: datetime) -> None: ...

    async def similar(self, market: Market, limit: int = 10) -> list[Market]: ...


class QuarantineStore(Protocol):
    """Where refused rows are kept (db QuarantineRepository)."""

    async def save_many(self, entries: Sequence[QuarantineEntry]) -> int: ...


class CoreStores(Protocol):
    @property
    def trades(self) -> TradeStore: ...

    @property
    def alerts(self) -> AlertStore: ...

    @property
    def wallets(self) -> WalletStore: ...

    @property
    def markets(self) -> MarketStore: ...
