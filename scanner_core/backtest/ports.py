"""What ingest needs from storage and from the wallets domain, as protocols.

db.repositories.Repositories satisfies `IngestStores`; the composition root hands it in. Wallet
histories come from the wallets domain (scanner_core/wallets/, `WalletService.ensure_histories`):
ingest depends on this one method only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from scanner_core.backtest.checkpoints import Checkpoint, Stage
from scanner_core.models import Market, Trade
from scanner_core.sources.types import PricePoint


class WalletHistories(Protocol):
    async def ensure_histories(self, addresses: Iterable[str], *, until: datetime | None = None) -> int:
        """Fetch and store the history of each wallet up to `until` (None: now) unless it is
        stored already; returns how many histories were fetched."""
        ...


class IngestMarkets(Protocol):
    async def get(self, condition_id: str) -> Market | None: ...

    async def save(self, market: Market, now: datetime) -> None: ...


class IngestTrades(Protocol):
    async def save_trades(self, trades: Sequence[Trade]) -> int: ...


class IngestHistory(Protocol):
    async def checkpoints(self, condition_id: str) -> dict[Stage, Checkpoint]: ...

    async def save_checkpoint(self, checkpoint: Checkpoint) -> None: ...

    async def save_trades_page(self, trades: Sequence[Trade], checkpoint: Checkpoint) -> int:
        """Store a page of trades and its checkpoint in one transaction; returns new trades."""
        ...

    async def save_price_points(
        self, token_id: str, condition_id: str, points: Sequence[PricePoint], checkpoint: Checkpoint
    ) -> int:
        """Store price points and the checkpoint in one transaction; returns new points."""
        ...

    async def market_wallets(self, condition_id: str) -> list[str]:
        """Every wallet with a stored trade in the market."""
        ...

    async def market_trade_span(self, condition_id: str) -> tuple[datetime, datetime] | None:
        """(oldest, newest) stored trade time in the market; None without trades."""
        ...


class IngestStores(Protocol):
    @property
    def markets(self) -> IngestMarkets: ...

    @property
    def trades(self) -> IngestTrades: ...

    @property
    def history(self) -> IngestHistory: ...
