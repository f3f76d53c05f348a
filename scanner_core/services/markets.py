"""MarketService: market metadata, books, candles and related markets behind one call.

Gamma and the CLOB through the cache (market data 60 s, books 10 s), persisted in `markets`, with
the stored copy as a fallback when Polymarket cannot be reached. For a trade judged as of the
past (a replay), live-only numbers (liquidity, 24 h volume, prices, book) are left out, so no
alert is informed by what happened after its trade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from scanner_core import cache_codecs as codecs
from scanner_core.cache import Cache
from scanner_core.candles import INTERVALS, candles_from_points, candles_from_trades, merge_volume
from scanner_core.logs import get_logger
from scanner_core.marketref import MarketRef, RefKind, parse_market_ref
from scanner_core.models import LIVE_WINDOW, ZERO, Candle, Market, OrderBookSummary, is_past
from scanner_core.sources.clob import ClobClient
from scanner_core.sources.errors import SourceError
from scanner_core.sources.gamma import GammaClient
from scanner_core.stores import CoreStores

log = get_logger("markets")
_FIDELITY_MINUTES = {"1m": 1, "1h": 60, "1d": 1440}
_LOOKBACK = {"1m": timedelta(hours=6), "1h": timedelta(days=7), "1d": timedelta(days=90)}


class BookSource(Protocol):
    """Local order books kept from the CLOB market channel (optional)."""

    def book(self, token_id: str) -> OrderBookSummary | None: ...


def static_view(market: Market) -> Market:
    """The market without numbers that change over time (for judging a past trade)."""
    return replace(
        market,
        liquidity=None,
        volume_24h=None,
        outcome_prices=(),
        best_bid=None,
        best_ask=None,
        last_trade_price=None,
        unique_traders=None,
    )


class MarketService:
    def __init__(
        self,
        gamma: GammaClient,
        clob: ClobClient,
        cache: Cache,
        repos: CoreStores,
        clock: Callable[[], datetime],
        *,
        market_ttl: float = 60.0,
        book_ttl: float = 10.0,
        books: BookSource | None = None,
        historical_after: timedelta = LIVE_WINDOW,
    ) -> None:
        self.gamma = gamma
        self.clob = clob
        self.cache = cache
        self.repos = repos
        self.clock = clock
        self.market_ttl = market_ttl
        self.book_ttl = book_ttl
        self.books = books
        self.historical_after = historical_after

    def is_historical(self, as_of: datetime | None) -> bool:
        return is_past(as_of, self.clock(), self.historical_after)

    async def get_market(self, ref: str, *, as_of: datetime | None = None) -> Market | None:
        """Raises marketref.BadMarketRef for text that cannot name a market."""
        parsed = parse_market_ref(ref)
        market = await self.cache.get_with_cache(
            f"market:{parsed.kind.value}:{parsed.value}",
            lambda: self._fetch(parsed),
            self.market_ttl,
            codec=codecs.MARKET,
        )
        if market is not None and self.is_historical(as_of):
            return static_view(market)
        return market

    async def _fetch(self, ref: MarketRef) -> Market | None:
        try:
            market = await self._from_gamma(ref)
        except SourceError as exc:
            log.warning("gamma_unavailable", ref=ref.value, error=str(exc)[:200])
            return await self._from_store(ref)
        if market is not None:
            await self.repos.markets.save(market, self.clock())
        return market

    async def _from_gamma(self, ref: MarketRef) -> Market | None:
        if ref.kind is RefKind.CONDITION_ID:
            return await self.gamma.market_by_condition_id(ref.value)
        if ref.kind is RefKind.GAMMA_ID:
            return await self.gamma.market_by_id(ref.value)
        if ref.kind is RefKind.TOKEN_ID:
            return await self.gamma.market_by_token_id(ref.value)
        if ref.kind is RefKind.EVENT_SLUG:
            event = await self.gamma.event_by_slug(ref.value)
            if event is None or not event.markets:
                return None
            # an event link names its biggest market
            return max(event.markets, key=lambda m: m.volume_total or ZERO)
        market = await self.gamma.market_by_slug(ref.value)
        if market is None:
            event = await self.gamma.event_by_slug(ref.value)
            if event is not None and event.markets:
                return max(event.markets, key=lambda m: m.volume_total or ZERO)
        return market

    async def _from_store(self, ref: MarketRef) -> Market | None:
        if ref.kind is RefKind.CONDITION_ID:
            return await self.repos.markets.get(ref.value)
        if ref.kind is RefKind.GAMMA_ID:
            return await self.repos.markets.get_by_gamma_id(ref.value)
        if ref.kind in (RefKind.SLUG, RefKind.EVENT_SLUG):
            return await self.repos.markets.get_by_slug(ref.value)
        return None

    async def get_book(self, token_id: str) -> OrderBookSummary | None:
        if self.books is not None:
            local = self.books.book(token_id)
            if local is not None:
                return local

        async def fetch() -> OrderBookSummary | None:
            try:
                return await self.clob.book(token_id)
            except SourceError as exc:
                log.warning("book_unavailable", token_id=token_id[:20], error=str(exc)[:200])
                return None

        return await self.cache.get_with_cache(f"book:{token_id}", fetch, self.book_ttl, codec=codecs.BOOK)

    async def candles(self, market: Market, token_id: str, interval: str, *, until: datetime) -> list[Candle]:
        """OHLCV candles from /prices-history, with volume from our own stored trades; from our
        trades alone when the CLOB cannot be reached."""
        if interval not in INTERVALS:
            raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
        start = until - _LOOKBACK[interval]
        trades = await self.repos.trades.market_trades(market.condition_id, since=start, until=until, limit=5000)
        from_trades = candles_from_trades(trades, token_id, interval)

        async def fetch() -> list[Candle]:
            points = await self.clob.prices_history(
                token_id, start=start, end=until, fidelity=_FIDELITY_MINUTES[interval]
            )
            return candles_from_points(((p.timestamp, p.price, ZERO) for p in points), interval)

        key = f"candles:{token_id}:{interval}:{int(until.timestamp()) // 60}"
        try:
            priced = await self.cache.get_with_cache(key, fetch, self.market_ttl, codec=codecs.CANDLES)
        except SourceError as exc:
            log.warning("prices_history_unavailable", token_id=token_id[:20], error=str(exc)[:200])
            return from_trades
        return merge_volume(priced, from_trades) if priced else from_trades

    async def related(self, market: Market, limit: int = 5) -> list[Market]:
        """Markets of the same event first, then stored markets sharing its tags or end date."""
        found: dict[str, Market] = {}
        if market.event_slug:
            try:
                event = await self.cache.get_with_cache(
                    f"event:{market.event_slug}",
                    lambda: self.gamma.event_by_slug(market.event_slug),
                    self.market_ttl,
                    codec=codecs.EVENT,
                )
            except SourceError:
                event = None
            for other in event.markets if event else ():
                if other.condition_id != market.condition_id:
                    found.setdefault(other.condition_id, other)
        if len(found) < limit:
            for other in await self.repos.markets.similar(market, limit=limit * 2):
                if other.condition_id != market.condition_id:
                    found.setdefault(other.condition_id, other)
        return list(found.values())[:limit]
