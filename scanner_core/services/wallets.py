"""WalletService: a wallet's profile from the Data API and our own trades, behind one call.

Profiles are cached 5 minutes for wallets active in the last hour and 1 hour otherwise, persisted
in `wallet_profiles`, and kept current between refreshes by folding in new trades (`observe`).
Judged as of the past (a replay), history is fetched with an end time and positions resolved
later are left out: no look-ahead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from scanner_core.cache import Cache
from scanner_core.cache_codecs import WALLET_PROFILE
from scanner_core.logs import get_logger
from scanner_core.models import LIVE_WINDOW, Trade, WalletProfile, is_past
from scanner_core.ports import MarketLookup
from scanner_core.profiling import OpenHolding, ProfileParams, ResolvedPosition, build_profile
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.errors import SourceError
from scanner_core.sources.types import ClosedPosition, Position
from scanner_core.stores import CoreStores

log = get_logger("wallets")
CATEGORY_LOOKUPS = 5  # markets per wallet whose category is looked up (by volume)


def resolved_from_closed(rows: Sequence[ClosedPosition]) -> list[ResolvedPosition]:
    return [
        ResolvedPosition(
            r.condition_id, r.token_id, r.avg_price, r.total_bought * r.avg_price, r.realised_pnl, r.timestamp
        )
        for r in rows
    ]


def resolved_from_open(rows: Sequence[Position]) -> list[ResolvedPosition]:
    """Redeemable positions sit in resolved markets: worth something = an unredeemed win, worth
    nothing = a loser never redeemed (peers that skip these overstate win rates)."""
    return [
        ResolvedPosition(
            p.condition_id, p.token_id, p.avg_price, p.initial_value, p.current_value - p.initial_value, None
        )
        for p in rows
        if p.redeemable
    ]


def holdings_from_open(rows: Sequence[Position]) -> list[OpenHolding]:
    return [OpenHolding(p.condition_id, p.token_id, p.outcome_index, p.size, p.current_value) for p in rows]


def fold_trades(profile: WalletProfile, trades: Sequence[Trade]) -> WalletProfile:
    """The profile with new trades counted (count, volume, average, first/last seen)."""
    if not trades:
        return profile
    volume = profile.total_volume + sum((t.usd for t in trades), Decimal(0))
    count = profile.trade_count + len(trades)
    first = min(t.timestamp for t in trades)
    last = max(t.timestamp for t in trades)
    return replace(
        profile,
        trade_count=count,
        total_volume=volume,
        avg_trade_size=volume / count,
        first_seen=first if profile.first_seen is None or first < profile.first_seen else profile.first_seen,
        last_seen=last if profile.last_seen is None or last > profile.last_seen else profile.last_seen,
    )


class WalletService:
    def __init__(
        self,
        data_api: DataApiClient,
        cache: Cache,
        repos: CoreStores,
        clock: Callable[[], datetime],
        *,
        markets: MarketLookup | None = None,
        params: ProfileParams | None = None,
        active_ttl: float = 300.0,
        idle_ttl: float = 3600.0,
        history_limit: int = 500,
        closed_pages: int = 4,
        historical_after: timedelta = LIVE_WINDOW,
    ) -> None:
        self.data_api = data_api
        self.cache = cache
        self.repos = repos
        self.clock = clock
        self.markets = markets
        self.params = params or ProfileParams()
        self.active_ttl = active_ttl
        self.idle_ttl = idle_ttl
        self.history_limit = history_limit
        self.closed_pages = closed_pages
        self.historical_after = historical_after

    def _key(self, address: str, as_of: datetime | None) -> tuple[str, datetime | None]:
        """Cache key and the end time of the history to fetch (None = up to now)."""
        if as_of is not None and is_past(as_of, self.clock(), self.historical_after):
            # a past trade: history up to the start of its hour, so never after the trade
            end = as_of.replace(minute=0, second=0, microsecond=0)
            return f"wallet:{address}:{int(end.timestamp())}", end
        return f"wallet:{address}", None

    async def get_profile(self, address: str, *, as_of: datetime | None = None) -> WalletProfile:
        address = address.lower()
        key, end = self._key(address, as_of)
        fetched: list[bool] = []

        async def fetch() -> WalletProfile:
            fetched.append(True)
            return await self._build(address, end)

        profile = await self.cache.get_with_cache(key, fetch, self.active_ttl, codec=WALLET_PROFILE)
        if fetched and end is None:
            now = self.clock()
            idle = profile.last_seen is None or now - profile.last_seen > timedelta(hours=1)
            if idle:
                await self.cache.set(key, profile, self.idle_ttl, codec=WALLET_PROFILE)
            await self.repos.wallets.save_profile(profile)
        return profile

    async def _build(self, address: str, end: datetime | None) -> WalletProfile:
        now = end or self.clock()
        try:
            activity, oldest, closed, open_positions = await asyncio.gather(
                self.data_api.activity(address, kinds=["TRADE"], limit=self.history_limit, end=end),
                self.data_api.activity(address, limit=1, sort_by="TIMESTAMP", sort_direction="ASC", end=end),
                self.data_api.all_closed_positions(address, max_pages=self.closed_pages),
                self.data_api.positions(address, limit=500) if end is None else _no_positions(),
            )
        except SourceError as exc:
            log.warning("wallet_history_unavailable", wallet=address, error=str(exc)[:200])
            return await self._fallback(address, now)
        trades = [a.trade for a in activity if a.trade is not None]
        own = await self.repos.trades.wallet_trades(address, until=now, limit=self.history_limit)
        known = {t.dedup_key for t in trades}
        trades += [t for t in own if t.dedup_key not in known]
        resolved = resolved_from_closed(closed) + resolved_from_open(open_positions)
        categories = await self._categories(trades)
        username = next((t.trader_name for t in trades if t.trader_name), "")
        return build_profile(
            address,
            trades=trades,
            resolved=resolved,
            holdings=holdings_from_open(open_positions),
            first_activity=oldest[0].timestamp if oldest else None,
            category_of=lambda cid: categories.get(cid, ""),
            now=now,
            params=self.params,
            username=username,
        )

    async def _fallback(self, address: str, now: datetime) -> WalletProfile:
        """Without the Data API: the stored profile, else what our own trades say."""
        stored = await self.repos.wallets.get_profile(address)
        if stored is not None:
            return stored
        own = await self.repos.trades.wallet_trades(address, until=now, limit=self.history_limit)
        return build_profile(
            address, trades=own, resolved=[], first_activity=None, category_of=lambda _: "", now=now, params=self.params
        )

    async def _categories(self, trades: Sequence[Trade]) -> dict[str, str]:
        if self.markets is None:
            return {}
        volume: dict[str, Decimal] = {}
        for t in trades:
            volume[t.condition_id] = volume.get(t.condition_id, Decimal(0)) + t.usd
        top = sorted(volume, key=lambda cid: volume[cid], reverse=True)[:CATEGORY_LOOKUPS]
        out: dict[str, str] = {}
        for cid in top:
            try:
                market = await self.markets.get_market(cid)
            except (SourceError, ValueError):
                continue
            if market is not None:
                out[cid] = market.category
        return out

    async def observe(self, trades: Sequence[Trade]) -> None:
        """Fold new trades into cached live profiles, so the next alert sees them without a refetch."""
        per_wallet: dict[str, list[Trade]] = {}
        for t in trades:
            per_wallet.setdefault(t.wallet, []).append(t)
        for address, own in per_wallet.items():
            key = f"wallet:{address}"
            cached = await self.cache.get(key, codec=WALLET_PROFILE)
            if isinstance(cached, WalletProfile):
                await self.cache.set(key, fold_trades(cached, own), self.active_ttl, codec=WALLET_PROFILE)

    async def resolve_username(self, name: str) -> str | None:
        wanted = name.strip().lstrip("@").lower()
        if not wanted:
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
            return await self.repos.trades.wallet_trades(address, limit=limit, min_usd=min_usd)


async def _no_positions() -> list[Position]:
    return []
