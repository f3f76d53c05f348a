"""WalletService: the one way to a wallet's history and its profile as of any moment, for `/wallet`,
the detectors' enrichment, the copy-target classifier and the backtest.

Each wallet's history is fetched at most once per need and stored with its watermark
(`wallet_histories`); a profile is then computed locally from the history cut at its moment. A
replay therefore fetches each wallet once (up to now), never per trade or per hour, and a second
replay of the same span fetches nothing. Live, a history younger than `refresh_after` (plus the
trades the pipeline saw since) serves; an older one is refreshed with what is newer than its
watermark. Compiled histories stay in a bounded LRU; the database holds the rest across restarts.

Offline (`offline=True`, the backtest): stored histories only, never the network. A wallet without
a stored history is unknown (None: no signal), never "fresh".

`lookahead` wraps a trade stream: it reads ahead and fetches the histories of the wallets coming
next, `concurrency` at a time, so the rate limiter and not the order of trades sets the pace.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from scanner_core.config import Settings, WalletSettings
from scanner_core.logs import get_logger
from scanner_core.models import LIVE_WINDOW, DomainError, Trade, WalletProfile, is_past, normalise_address
from scanner_core.sources.errors import SourceError
from scanner_core.sources.types import LeaderboardEntry, TradePage
from scanner_core.wallets.assemble import rows_from_trades
from scanner_core.wallets.fetcher import HistoryFetcher, WalletDataApi
from scanner_core.wallets.history import Depth, WalletHistory, sort_rows
from scanner_core.wallets.index import HistoryIndex
from scanner_core.wallets.params import FetchLimits, ProfileParams
from scanner_core.wallets.readahead import read_ahead

log = get_logger("wallets")
PREFETCH_QUEUE_PER_SLOT = 8  # read ahead while fewer histories than this x concurrency wait to be fetched
LOOKAHEAD_STRETCH = 10  # ... but never more than this x the lookahead
LEADERBOARD_PAGE = 50
LEADERBOARD_MAX_OFFSET = 1000


class WalletApi(WalletDataApi, Protocol):
    """The Data API calls of the wallet domain (scanner_core.sources.data_api.DataApiClient)."""

    async def leaderboard(
        self,
        *,
        category: str = ...,
        time_period: str = ...,
        order_by: str = ...,
        limit: int = ...,
        offset: int = ...,
        user: str | None = ...,
        user_name: str | None = ...,
    ) -> list[LeaderboardEntry]: ...

    async def trades(
        self,
        *,
        user: str | None = ...,
        taker_only: bool = ...,
        filter_type: str | None = ...,
        filter_amount: Decimal | float | None = ...,
        limit: int = ...,
    ) -> TradePage: ...


class HistoryStore(Protocol):
    """db.wallet_histories.WalletHistoryRepository."""

    async def load(self, address: str) -> WalletHistory | None: ...

    async def coverage(self, addresses: Sequence[str]) -> dict[str, tuple[datetime, Depth]]: ...

    async def save(self, history: WalletHistory, *, new_since: datetime | None) -> None: ...


class OwnTrades(Protocol):
    async def wallet_trades(
        self, wallet: str, *, limit: int = ..., until: datetime | None = ..., min_usd: Decimal | None = ...
    ) -> list[Trade]: ...


class ProfileRows(Protocol):
    async def get_profile(self, address: str) -> WalletProfile | None: ...

    async def save_profile(self, profile: WalletProfile) -> None: ...


class WalletStores(Protocol):
    """What the service keeps and reads (db.repositories.Repositories)."""

    @property
    def wallet_histories(self) -> HistoryStore: ...

    @property
    def trades(self) -> OwnTrades: ...

    @property
    def wallets(self) -> ProfileRows: ...


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    cache_size: int = 5000  # compiled histories kept in memory
    concurrency: int = 32  # histories fetched at once by prefetch and ensure_histories
    refresh_after: timedelta = timedelta(minutes=5)  # a live profile may rest on a history this old
    lookahead: int = 5000  # trades read ahead of the pipeline to prefetch their wallets (10x while fetching)
    historical_after: timedelta = LIVE_WINDOW  # older moments are the past: judged as of then, no tolerance

    @classmethod
    def from_settings(cls, s: WalletSettings) -> ServiceOptions:
        return cls(
            cache_size=s.wallet_history_cache_size,
            concurrency=s.wallet_fetch_concurrency,
            refresh_after=timedelta(seconds=s.wallet_history_refresh_seconds),
            lookahead=s.wallet_prefetch_lookahead,
        )


class WalletService:
    def __init__(
        self,
        data_api: WalletApi | None,
        stores: WalletStores,
        clock: Callable[[], datetime],
        *,
        params: ProfileParams | None = None,
        limits: FetchLimits | None = None,
        options: ServiceOptions | None = None,
        offline: bool = False,
    ) -> None:
        if data_api is None and not offline:
            raise ValueError("a WalletService without a Data API client must be offline")
        self.data_api = None if offline else data_api  # offline: never the network
        self.stores = stores
        self.clock = clock
        self.params = params or ProfileParams()
        self.options = options or ServiceOptions()
        self.offline = offline
        self.fetcher = HistoryFetcher(self.data_api, clock, limits) if self.data_api is not None else None
        self._cache: OrderedDict[str, HistoryIndex] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[HistoryIndex | None]] = {}
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._prefetching: set[str] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()  # a prefetch finished: a lookahead may read on
        self.fetched = 0  # histories fetched from the Data API (for benches and logs)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        data_api: WalletApi | None,
        stores: WalletStores,
        clock: Callable[[], datetime],
        *,
        offline: bool = False,
    ) -> WalletService:
        return cls(
            data_api,
            stores,
            clock,
            params=ProfileParams.from_settings(settings, settings),
            limits=FetchLimits.from_settings(settings),
            options=ServiceOptions.from_settings(settings),
            offline=offline,
        )

    # ---------------------------------------------------------------- profiles

    async def profile_as_of(self, address: str, moment: datetime) -> WalletProfile | None:
        """The wallet as known at `moment` (None: unknown: offline without a stored history, or
        the Data API unreachable with nothing stored)."""
        index = await self._index(address.lower(), moment)
        return index.profile(moment, self.params) if index is not None else None

    async def get_profile(self, address: str, *, as_of: datetime | None = None) -> WalletProfile:
        """For `/wallet` and the refresh job: the profile as of `as_of` (None: now). Without the
        Data API and without a stored history: polyscan's stored profile, else what our own
        trades say."""
        address = address.lower()
        moment = as_of or self.clock()
        index = await self._index(address, moment)
        if index is not None:
            return index.profile(moment, self.params)
        stored = await self.stores.wallets.get_profile(address)
        if stored is not None:
            return stored
        own = await self.stores.trades.wallet_trades(address, until=moment, limit=500)
        fallback = WalletHistory(address=address, fetched_until=moment, rows=sort_rows(rows_from_trades(own)))
        return fallback.compiled(self.params.contrarian_price).profile(moment, self.params)

    async def history(
        self, address: str, *, depth: Depth = Depth.FULL, max_age: timedelta = timedelta(minutes=30)
    ) -> WalletHistory:
        """The history itself (the classifier reads it): the stored one if it is deep enough and
        fetched less than `max_age` ago, else the missing stages (or everything newer) fetched and
        stored. Raises SourceError when the Data API fails."""
        address = address.lower()
        stored = await self.stores.wallet_histories.load(address)
        if self.fetcher is None:
            if stored is None:
                raise LookupError(f"no stored history of {address} (offline)")
            return stored
        now = self.clock()
        recent = stored is not None and stored.fetched_at is not None and now - stored.fetched_at <= max_age
        if stored is not None and recent and stored.depth >= depth:
            return stored
        history = await self.fetcher.fetch(address, depth=depth, previous=stored, refresh=not recent)
        self.fetched += 1
        await self._save(history, stored)
        if history.depth >= Depth.FULL:
            self._remember(history.compiled(self.params.contrarian_price))
        return history

    # ---------------------------------------------------------------- histories

    async def ensure_histories(self, addresses: Iterable[str], *, until: datetime | None = None) -> int:
        """Fetch and store the history of each wallet at most once, `concurrency` at a time within
        the rate budget, skipping wallets whose stored history already covers `until` (None: now).
        Bad addresses are logged and skipped. Returns how many histories were fetched."""
        if self.fetcher is None:
            return 0
        wanted: list[str] = []
        seen: set[str] = set()
        for raw in addresses:
            try:
                address = normalise_address(raw)
            except DomainError:
                log.warning("wallet_history_bad_address", value=str(raw)[:80])
                continue
            if address not in seen:
                seen.add(address)
                wanted.append(address)
        fetched = 0
        batch = 500
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            covered = await self.stores.wallet_histories.coverage(chunk)
            due = [a for a in chunk if not self._covers(covered.get(a), until)]
            results = await asyncio.gather(*(self._ensure_one(a, until) for a in due))
            fetched += sum(results)
        return fetched

    def _covers(self, coverage: tuple[datetime, Depth] | None, until: datetime | None) -> bool:
        """A stored (watermark, depth) covers `until`; up to now, a history as young as a live
        profile may rest on counts too (a second ingest right after the first fetches nothing)."""
        if coverage is None or coverage[1] < Depth.FULL:
            return False
        if until is not None:
            return coverage[0] >= until
        return self.clock() - coverage[0] <= self.options.refresh_after

    async def _ensure_one(self, address: str, until: datetime | None) -> int:
        assert self.fetcher is not None
        async with self._slots:
            try:
                previous = await self.stores.wallet_histories.load(address)
                history = await self.fetcher.fetch(address, until=until, previous=previous)
            except Exception as exc:  # one wallet's trouble must not stop the others: logged, skipped
                log.warning("wallet_history_unavailable", wallet=address, error=f"{type(exc).__name__}: {exc}"[:200])
                return 0
            self.fetched += 1
            await self._save(history, previous)
            return 1

    def prefetch(self, address: str, moment: datetime) -> None:
        """Start getting the wallet's history ready for `moment` in the background (at most
        `concurrency` at once); a later `profile_as_of` joins it instead of fetching again."""
        address = address.lower()
        if address in self._prefetching or address in self._inflight:
            return
        cached = self._cache.get(address)
        if cached is not None and self._fits(cached, moment):
            return
        self._prefetching.add(address)
        task = asyncio.create_task(self._prefetch(address, moment), name=f"prefetch-{address[:10]}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _prefetch(self, address: str, moment: datetime) -> None:
        try:
            async with self._slots:
                await self._index(address, moment)
        except Exception as exc:  # a failed prefetch only means the trade's own lookup tries again
            log.warning("wallet_prefetch_failed", wallet=address, error=f"{type(exc).__name__}: {exc}"[:200])
        finally:
            self._prefetching.discard(address)
            self._progress.set()

    def lookahead(
        self, trades: AsyncIterable[Trade], wanted: Callable[[Trade], bool], *, depth: int | None = None
    ) -> AsyncGenerator[Trade, None]:
        """`trades`, read up to `depth` ahead of the consumer; the wallet of every trade that
        `wanted` keeps (the trades that will be enriched) is prefetched as it is read. An error of
        the stream reaches the consumer after the trades read before it. One consumer after another
        may take from it (a restarted pipeline loses nothing read ahead); `aclose` it when done."""

        def read(trade: Trade) -> None:
            if wanted(trade):
                self.prefetch(trade.wallet, trade.timestamp)

        def more() -> bool:
            # histories are being fetched, but fewer than the budget could take: find the next ones
            return 0 < len(self._prefetching) < PREFETCH_QUEUE_PER_SLOT * self.options.concurrency

        depth = depth or self.options.lookahead
        return read_ahead(trades, read, depth, most=depth * LOOKAHEAD_STRETCH, more=more, wake=self._progress)

    async def observe(self, trades: Sequence[Trade]) -> None:
        """Fold the pipeline's new trades into cached histories, so the next alert counts them
        before the next refresh."""
        per_wallet: dict[str, list[Trade]] = {}
        for trade in trades:
            per_wallet.setdefault(trade.wallet, []).append(trade)
        for address, own in per_wallet.items():
            cached = self._cache.get(address)
            if cached is not None:
                self._cache[address] = cached.extended(rows_from_trades(own))

    async def close(self) -> None:
        """Stop background prefetches (the process is stopping)."""
        tasks = list(self._background) + list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---------------------------------------------------------------- internals

    def _fits(self, index: HistoryIndex, moment: datetime) -> bool:
        """Whether `index` may judge `moment`: it covers it, or the moment is live and the
        history recent (trades seen since are folded in by `observe`), or offline (all we have)."""
        if index.depth < Depth.FULL:
            return False
        if index.fetched_until >= moment or self.offline:
            return True
        now = self.clock()
        live = not is_past(moment, now, self.options.historical_after)
        return live and now - index.fetched_until <= self.options.refresh_after

    async def _index(self, address: str, moment: datetime) -> HistoryIndex | None:
        cached = self._cache.get(address)
        if cached is not None and self._fits(cached, moment):
            self._cache.move_to_end(address)
            return cached
        running = self._inflight.get(address)
        if running is not None:
            joined = await asyncio.shield(running)
            if joined is None or self._fits(joined, moment):
                return joined
        task = self._inflight.get(address)
        if task is None or task.done():
            task = asyncio.create_task(self._obtain(address, moment), name=f"wallet-{address[:10]}")
            self._inflight[address] = task
            task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[HistoryIndex | None]) -> None:
        for address, running in list(self._inflight.items()):
            if running is task:
                del self._inflight[address]

    async def _obtain(self, address: str, moment: datetime) -> HistoryIndex | None:
        """The wallet's index for `moment`: stored if that fits, else fetched (up to now) and stored."""
        stored = await self.stores.wallet_histories.load(address)
        index = stored.compiled(self.params.contrarian_price) if stored is not None else None
        if index is not None and self._fits(index, moment):
            return self._remember(index)
        if self.fetcher is None:
            return None
        try:
            history = await self.fetcher.fetch(address, previous=stored)
        except SourceError as exc:
            log.warning("wallet_history_unavailable", wallet=address, error=str(exc)[:200])
            return self._cache.get(address) or index  # stale knowledge beats none
        self.fetched += 1
        await self._save(history, stored)
        index = self._remember(history.compiled(self.params.contrarian_price))
        if not is_past(moment, self.clock(), self.options.historical_after):
            try:  # polyscan's own profile row: the stale-profile job and a fallback read it
                await self.stores.wallets.save_profile(index.profile(history.fetched_until, self.params))
            except Exception as exc:
                log.warning("wallet_profile_not_saved", wallet=address, error=f"{type(exc).__name__}: {exc}"[:200])
        return index

    async def _save(self, history: WalletHistory, previous: WalletHistory | None) -> None:
        new_since = previous.fetched_until if previous is not None and previous.depth >= Depth.FULL else None
        try:
            await self.stores.wallet_histories.save(history, new_since=new_since)
        except Exception as exc:  # the history still serves from memory; the next fetch stores it
            log.warning("wallet_history_not_saved", wallet=history.address, error=f"{type(exc).__name__}: {exc}"[:200])

    def _remember(self, index: HistoryIndex) -> HistoryIndex:
        self._cache[index.address] = index
        self._cache.move_to_end(index.address)
        while len(self._cache) > self.options.cache_size:
            self._cache.popitem(last=False)
        return index

    # ---------------------------------------------------------------- the rest of the Data API

    async def resolve_username(self, name: str) -> str | None:
        wanted = name.strip().lstrip("@").lower()
        if not wanted or self.data_api is None:
            return None
        try:
            entries = await self.data_api.leaderboard(time_period="ALL", user_name=wanted, limit=5)
        except SourceError as exc:
            log.warning("username_lookup_failed", error=str(exc)[:200])
            return None
        for entry in entries:
            if entry.username.lower() == wanted:
                return entry.wallet
        return None

    async def recent_trades(self, address: str, *, limit: int = 10, min_usd: Decimal | None = None) -> list[Trade]:
        address = address.lower()
        if self.data_api is not None:
            try:
                page = await self.data_api.trades(
                    user=address,
                    limit=limit,
                    taker_only=False,
                    filter_type="CASH" if min_usd else None,
                    filter_amount=min_usd if min_usd else None,
                )
                return list(page.trades)[:limit]
            except SourceError:
                pass
        return await self.stores.trades.wallet_trades(address, limit=limit, min_usd=min_usd)

    async def leaderboard_wallets(
        self, *, category: str = "OVERALL", period: str = "MONTH", limit: int = 200, order_by: str = "PNL"
    ) -> list[str]:
        """Up to `limit` wallets of one leaderboard (50 a page; the API serves offsets up to 1000)."""
        if self.data_api is None:
            return []
        wallets: list[str] = []
        offset = 0
        while len(wallets) < limit and offset <= LEADERBOARD_MAX_OFFSET:
            page = await self.data_api.leaderboard(
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
