"""The wallet scanner's data: Data API calls behind the shared cache, fetched stage by stage.

Three levels, each fetched only for wallets the previous one did not reject:
`profile` (every wallet): markets traded (/traded) and the latest activity (/activity, 1 row),
both on the Data API's general budget of 1,000 a window; enough to reject newcomers, dormant
wallets and bots of extreme breadth. `basics`: the newest page of closed positions and the open
positions, on the scarce /closed-positions and /positions budgets (150 a window each).
`complete` (stage-1 survivors): older closed positions, 50 a page, and up to 500 trades.

Closed positions are asked for newest first (sortBy=TIMESTAMP). The API's default order is by
realised PnL, best first, so a capped fetch in that order would see only winners and inflate every
win rate: the survivorship bias the peers' copy-target scores suffer from.

Cache values are compact bytes (see codec.py) so a long run's memory stays flat; the shared
Cache bounds their number (L1) and their age (TTL), and shares them through Redis with the
codecs codec.HISTORY_BLOB and codec.MORE_BLOB.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol, TypeVar

from scanner_core.cache import Codec
from scanner_core.config import Settings
from scanner_core.models import WalletProfile, now_utc
from scanner_core.sources.errors import BadResponse, HttpStatusError
from scanner_core.sources.types import Activity, ClosedPosition, LeaderboardEntry, Position
from scanner_core.walletscan import codec
from scanner_core.walletscan.assemble import history_from_positions, trades_from_activity
from scanner_core.walletscan.history import WalletHistory
from scanner_core.walletscan.tasks import first_error

T = TypeVar("T")
CLOSED_PAGE = 50  # /closed-positions refuses more per page
LEADERBOARD_PAGE = 50
LEADERBOARD_MAX_OFFSET = 1000


class WalletDataApi(Protocol):
    """The Data API calls the scanner makes (scanner_core.sources.data_api.DataApiClient)."""

    async def closed_positions(
        self,
        user: str,
        *,
        sort_by: str | None = ...,
        sort_direction: str | None = ...,
        limit: int = ...,
        offset: int = ...,
    ) -> list[ClosedPosition]: ...

    async def positions(self, user: str, *, limit: int = ..., offset: int = ...) -> list[Position]: ...

    async def traded(self, user: str) -> int: ...

    async def activity(
        self, user: str, *, kinds: Sequence[str] = ..., limit: int = ..., offset: int = ...
    ) -> list[Activity]: ...

    async def leaderboard(
        self, *, category: str = ..., time_period: str = ..., order_by: str = ..., limit: int = ..., offset: int = ...
    ) -> list[LeaderboardEntry]: ...


class SharedCache(Protocol):
    async def get_with_cache(
        self, key: str, fetch: Callable[[], Awaitable[T]], ttl: float, *, codec: Codec[T] | None = None
    ) -> T: ...


class DataApiWalletSource:
    def __init__(
        self,
        api: WalletDataApi,
        cache: SharedCache,
        *,
        ttl_seconds: float = 1800.0,
        max_resolved: int = 200,
        max_open: int = 500,
        max_trades: int = 500,
        clock: Callable[[], datetime] = now_utc,
        stored_profile: Callable[[str], Awaitable[WalletProfile | None]] | None = None,
    ) -> None:
        self.api = api
        self.cache = cache
        # polyscan's own profile of a wallet (repos.wallets.get_profile): its market-maker marks
        self.stored_profile = stored_profile
        self.ttl = ttl_seconds
        self.max_pages = max(1, -(-max_resolved // CLOSED_PAGE))
        self.max_open = max_open
        self.max_trades = max_trades
        self.clock = clock

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        api: WalletDataApi,
        cache: SharedCache,
        *,
        clock: Callable[[], datetime] = now_utc,
        stored_profile: Callable[[str], Awaitable[WalletProfile | None]] | None = None,
    ) -> DataApiWalletSource:
        return cls(
            api,
            cache,
            ttl_seconds=settings.walletscan_cache_ttl_seconds,
            max_resolved=settings.walletscan_max_resolved_positions,
            max_open=settings.walletscan_max_open_positions,
            max_trades=settings.walletscan_max_trades,
            clock=clock,
            stored_profile=stored_profile,
        )

    # ---------------------------------------------------------------- WalletDataSource

    async def profile(self, address: str) -> WalletHistory:
        blob = await self.cache.get_with_cache(
            f"walletscan:profile:{address}", lambda: self._fetch_profile(address), self.ttl, codec=codec.HISTORY_BLOB
        )
        return codec.decode_history(blob)

    async def basics(self, history: WalletHistory) -> WalletHistory:
        address = history.address
        blob = await self.cache.get_with_cache(
            f"walletscan:basics:{address}", lambda: self._fetch_basics(history), self.ttl, codec=codec.HISTORY_BLOB
        )
        return codec.decode_history(blob)

    async def complete(self, history: WalletHistory) -> WalletHistory:
        address = history.address
        blob = await self.cache.get_with_cache(
            f"walletscan:more:{address}",
            lambda: self._fetch_more(address, history.bets_truncated),
            self.ttl,
            codec=codec.MORE_BLOB,
        )
        bets, trades, truncated = codec.decode_more(blob)
        return history.with_more(bets=bets, trades=trades, truncated=truncated)

    # ---------------------------------------------------------------- fetching

    async def _fetch_profile(self, address: str) -> bytes:
        """Markets traded and the latest activity: two calls on the general budget."""
        try:
            async with asyncio.TaskGroup() as group:
                traded = group.create_task(self._optional_traded(address))
                latest = group.create_task(self.api.activity(address, limit=1))
        except BaseExceptionGroup as error:
            raise first_error(error) from None
        rows = latest.result()
        named = [row.trade.trader_name for row in rows if row.trade is not None and row.trade.trader_name]
        known = await self.stored_profile(address) if self.stored_profile is not None else None
        history = WalletHistory(
            address=address,
            bets=(),
            markets_traded=traded.result(),
            last_activity=max((row.timestamp for row in rows), default=None),
            bets_fetched=False,
            username=named[0] if named else (known.username if known else ""),
            mm_confidence=known.mm_confidence if known else 0.0,
            mm_indicators=known.mm_indicators if known else (),
        )
        return codec.encode_history(history)

    async def _fetch_basics(self, profile: WalletHistory) -> bytes:
        """The newest page of closed positions and the open (and unredeemed) positions."""
        address = profile.address
        try:
            async with asyncio.TaskGroup() as group:
                closed = group.create_task(
                    self.api.closed_positions(address, sort_by="TIMESTAMP", sort_direction="DESC", limit=CLOSED_PAGE)
                )
                positions = group.create_task(self.api.positions(address, limit=self.max_open))
        except BaseExceptionGroup as error:
            raise first_error(error) from None
        history = history_from_positions(
            address,
            closed.result(),
            positions.result(),
            now=self.clock(),
            markets_traded=profile.markets_traded,
            last_activity=profile.last_activity,
            truncated=len(closed.result()) >= CLOSED_PAGE,
            username=profile.username,
        )
        history = replace(history, mm_confidence=profile.mm_confidence, mm_indicators=profile.mm_indicators)
        return codec.encode_history(history)

    async def _optional_traded(self, address: str) -> int | None:
        """Markets traded, or None when /traded fails: it only lets stage 1 reject early."""
        try:
            return await self.api.traded(address)
        except (HttpStatusError, BadResponse):
            return None

    async def _fetch_more(self, address: str, first_page_full: bool) -> bytes:
        try:
            async with asyncio.TaskGroup() as group:
                older = group.create_task(self._older_closed(address) if first_page_full else _nothing())
                activity = group.create_task(self.api.activity(address, kinds=("TRADE",), limit=self.max_trades))
        except BaseExceptionGroup as error:
            raise first_error(error) from None
        rows, truncated = older.result()
        history = history_from_positions(address, rows, (), now=self.clock())
        return codec.encode_more(history.bets, trades_from_activity(activity.result()), truncated)

    async def _older_closed(self, address: str) -> tuple[list[ClosedPosition], bool]:
        """Pages 2.. of closed positions, newest first, until a short page or the cap."""
        rows: list[ClosedPosition] = []
        for page in range(1, self.max_pages):
            batch = await self.api.closed_positions(
                address, sort_by="TIMESTAMP", sort_direction="DESC", limit=CLOSED_PAGE, offset=page * CLOSED_PAGE
            )
            rows.extend(batch)
            if len(batch) < CLOSED_PAGE:
                return rows, False
        return rows, True

    # ---------------------------------------------------------------- where wallets come from

    async def leaderboard_wallets(
        self, *, category: str = "OVERALL", period: str = "MONTH", limit: int = 200, order_by: str = "PNL"
    ) -> list[str]:
        """Up to `limit` wallets of one leaderboard (50 a page; the API serves offsets up to 1000)."""
        wallets: list[str] = []
        offset = 0
        while len(wallets) < limit and offset <= LEADERBOARD_MAX_OFFSET:
            page = await self.api.leaderboard(
                category=category.upper(),
                time_period=period.upper(),
                order_by=order_by.upper(),
                limit=min(LEADERBOARD_PAGE, limit - len(wallets)),
                offset=offset,
            )
            wallets.extend(entry.wallet for entry in page)
            if len(page) < LEADERBOARD_PAGE:
                break
            offset += LEADERBOARD_PAGE
        return list(dict.fromkeys(wallets))[:limit]


async def _nothing() -> tuple[list[ClosedPosition], bool]:
    return [], False
