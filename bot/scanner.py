"""The engine's composition root: `build_scanner(settings, ...)` -> `Scanner`.

Every entry point builds the engine here: `polyscan run` (its components in bot/components.py),
`replay`, `scan-wallets`, the benches and the tests. Only here are the Polymarket clients, the
market and wallet services, the funding tracer and the pipeline put together; `Scanner.pipeline`
is the one place a Pipeline is assembled, so live, replay and backtest run the same stages with
the same parameters.

Online, the scanner owns an aiohttp session (unless one is handed in) and the Polymarket
clients on it; offline, it has neither: wallets are judged from stored histories only, markets
come from the database, and nothing reaches the network.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from db.repositories import Repositories
from scanner_core import filters
from scanner_core.bus import AlertBus
from scanner_core.cache import Cache
from scanner_core.config import Settings
from scanner_core.detectors.params import DetectorParams
from scanner_core.funding.known import FunderListError, load_book, shipped_book
from scanner_core.funding.service import HEALTH_NAME, DataApiSiblingTrades, FundingParams, FundingService
from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.models import Trade, now_utc
from scanner_core.pipeline import Enricher, Pipeline, ServiceEnricher, StoredEnricher
from scanner_core.quarantine import Quarantine
from scanner_core.scoring import ScoringParams
from scanner_core.services.markets import MarketService
from scanner_core.sources import Sources, build_sources
from scanner_core.sources.polygon import PolygonRpc
from scanner_core.wallets import WalletService

log = get_logger("scanner")
Clock = Callable[[], datetime]


@dataclass(slots=True)
class Scanner:
    """The engine's parts, built once from Settings."""

    settings: Settings
    clock: Clock
    repos: Repositories
    bus: AlertBus
    quarantine: Quarantine
    detector_params: DetectorParams
    scoring_params: ScoringParams
    wallets: WalletService
    sources: Sources | None = None  # None offline
    markets: MarketService | None = None  # None offline
    funding: FundingService | None = None  # None without POLYSCAN_POLYGON_RPC_URL (or offline)
    health: HealthRegistry | None = None
    _session: aiohttp.ClientSession | None = None  # closed with the scanner: it made it

    @property
    def offline(self) -> bool:
        return self.sources is None

    def enricher(self, *, live_books: bool = True) -> Enricher:
        """Online: market, wallet and book through the services; offline: what the database knows."""
        if self.markets is None:
            return StoredEnricher(self.repos, self.wallets)
        return ServiceEnricher(self.markets, self.wallets, live_books=live_books)

    def pipeline(
        self,
        *,
        replay: bool = False,
        enricher: Enricher | None = None,
        on_trades_stored: Callable[[list[Trade]], Awaitable[None]] | None = None,
        on_trade_not_stored: Callable[[Trade], None] | None = None,
    ) -> Pipeline:
        """The one assembly of the pipeline: `replay` takes the clock from the trades themselves."""
        s = self.settings
        return Pipeline(
            repos=self.repos,
            enricher=enricher or self.enricher(),
            bus=self.bus,
            detector_params=self.detector_params,
            scoring_params=self.scoring_params,
            clock=self.clock,
            replay=replay,
            window=s.pipeline_queue_size,
            batch_size=s.pipeline_batch_size,
            flush_seconds=s.pipeline_flush_seconds,
            on_trades_stored=on_trades_stored,
            funding=self.funding,
            on_trade_not_stored=on_trade_not_stored,
            quarantine=self.quarantine,
            health=self.health,
            retry_max_seconds=s.store_retry_max_seconds,
            degraded_after_seconds=s.store_degraded_after_seconds,
            max_pending_trades=s.store_max_pending_trades,
        )

    def prefetching(self, trades: AsyncIterable[Trade]) -> AsyncGenerator[Trade, None]:
        """`trades` as they come, while the histories of the wallets about to be enriched are
        fetched ahead (within the rate budget); close it with `aclose()`."""
        return self.wallets.lookahead(trades, filters.enrich_candidates(self.detector_params))

    async def close(self) -> None:
        await self.wallets.close()
        if self._session is not None:
            await self._session.close()
            self._session = None


def build_scanner(
    settings: Settings,
    *,
    clock: Clock = now_utc,
    repos: Repositories | None = None,
    cache: Cache | None = None,
    session: aiohttp.ClientSession | None = None,
    health: HealthRegistry | None = None,
    quarantine: Quarantine | None = None,
    bus: AlertBus | None = None,
    offline: bool = False,
) -> Scanner:
    """The engine from Settings. Nothing connects until the feed or the book channel starts
    (`scanner.sources.feed.start()`); a session handed in stays the caller's to close."""
    repos = repos or Repositories()
    quarantine = quarantine or Quarantine(
        repos.quarantine, clock=clock, max_per_minute=settings.quarantine_max_per_minute
    )
    bus = bus or AlertBus(queue_size=settings.pipeline_queue_size)

    def make(
        wallets: WalletService,
        sources: Sources | None = None,
        markets: MarketService | None = None,
        funding: FundingService | None = None,
        own_session: aiohttp.ClientSession | None = None,
    ) -> Scanner:
        return Scanner(
            settings=settings,
            clock=clock,
            repos=repos,
            bus=bus,
            quarantine=quarantine,
            detector_params=DetectorParams.from_settings(settings),
            scoring_params=ScoringParams.from_settings(settings),
            wallets=wallets,
            sources=sources,
            markets=markets,
            funding=funding,
            health=health,
            _session=own_session,
        )

    if offline:
        return make(WalletService.from_settings(settings, None, repos, clock, offline=True))
    owned = session is None
    session = session or aiohttp.ClientSession()
    sources = build_sources(settings, session, health=health, quarantine=quarantine)
    cache = cache or Cache(l1_max_items=settings.cache_l1_max_items)
    return make(
        WalletService.from_settings(settings, sources.data_api, repos, clock),
        sources,
        MarketService(sources.gamma, sources.clob, cache, repos, clock, books=sources.market_ws),
        build_funding(settings, sources, repos, clock=clock, health=health),
        session if owned else None,
    )


def build_funding(
    settings: Settings,
    sources: Sources,
    repos: Repositories,
    *,
    clock: Clock,
    health: HealthRegistry | None,
) -> FundingService | None:
    """The on-chain funding tracer, or None with POLYSCAN_POLYGON_RPC_URL unset (/health says so).
    A broken known-funders file is reported and the shipped list used instead."""

    def report(state: State, detail: str) -> None:
        if health is not None:
            health.set(HEALTH_NAME, state, detail)

    if settings.polygon_rpc_url is None:
        report(State.DISABLED, "POLYSCAN_POLYGON_RPC_URL not set")
        return None
    try:
        book = load_book(settings.funding_known_funders_file)
    except FunderListError as exc:  # run with the shipped list; say why on /health and in the log
        log.error("known_funders_file_unusable", error=str(exc)[:300])
        book = shipped_book()
        report(State.DEGRADED, f"POLYSCAN_FUNDING_KNOWN_FUNDERS_FILE: {exc}"[:300])
    else:
        report(State.OK, f"{len(book)} known funders ({book.version})")
    return FundingService(
        PolygonRpc.from_settings(settings, settings, sources.http.session),
        repos.funding,
        book,
        FundingParams.from_settings(settings),
        clock=clock,
        health=health,
        sibling_trades=DataApiSiblingTrades(sources.data_api, repos.funding),
    )


def first_seen_lookup(scanner: Scanner) -> Callable[[str], Awaitable[datetime | None]]:
    """A wallet's first Polymarket activity (what true age compares its first funding with)."""

    async def first_seen(address: str) -> datetime | None:
        profile = await scanner.wallets.get_profile(address)
        return profile.first_seen

    return first_seen


__all__: Sequence[str] = ("Scanner", "build_funding", "build_scanner", "first_seen_lookup")
