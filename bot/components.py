"""Lifecycle components of the process: sources, services, pipeline. Built by bot/wiring.py.

Each builds its parts in `start()` (the database and cache exist by then), publishes what others
use in `app.extras`, and undoes it in `stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Sequence

import aiohttp

from bot.app import Polyscan
from scanner_core.bus import AlertBus
from scanner_core.detectors.params import DetectorParams
from scanner_core.logs import get_logger
from scanner_core.models import Trade
from scanner_core.pipeline import Pipeline, ServiceEnricher
from scanner_core.scoring import ScoringParams
from scanner_core.services.markets import MarketService
from scanner_core.services.wallets import WalletService
from scanner_core.sources import Sources, build_sources

log = get_logger("components")
WATCHED_TOKENS = 500  # order books kept live: the outcomes most recently traded at size


class SourcesComponent:
    """The HTTP session, Polymarket clients, the live trade feed and the CLOB book channel."""

    name = "sources"

    def __init__(self, app: Polyscan) -> None:
        self.app = app
        self.session: aiohttp.ClientSession | None = None
        self.sources: Sources | None = None

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()
        self.sources = build_sources(
            self.app.settings, self.session, health=self.app.health, quarantine=self.app.quarantine
        )
        self.app.extras["sources"] = self.sources
        self.app.extras["feed"] = self.sources.feed
        if self.app.settings.feed_enabled:
            await self.sources.feed.start(since=await self.app.repos.trades.newest_trade_time())
            await self.sources.market_ws.start()

    async def stop(self) -> None:
        if self.sources is not None:
            await self.sources.feed.stop()
            await self.sources.market_ws.stop()
        if self.session is not None:
            await self.session.close()


class ServicesComponent:
    """MarketService and WalletService over the sources, the cache and the database."""

    name = "services"

    def __init__(self, app: Polyscan) -> None:
        self.app = app

    async def start(self) -> None:
        sources: Sources = self.app.extras["sources"]
        assert self.app.cache is not None
        markets = MarketService(
            sources.gamma, sources.clob, self.app.cache, self.app.repos, self.app.clock, books=sources.market_ws
        )
        wallets = WalletService(sources.data_api, self.app.cache, self.app.repos, self.app.clock, markets=markets)
        self.app.extras["market_service"] = markets
        self.app.extras["wallet_service"] = wallets

    async def stop(self) -> None:
        return None


class PipelineComponent:
    """Runs the live feed through the pipeline onto the alert bus; restarts it if it ever fails."""

    name = "pipeline"

    def __init__(self, app: Polyscan, bus: AlertBus) -> None:
        self.app = app
        self.bus = bus
        self.pipeline: Pipeline | None = None
        self._task: asyncio.Task[None] | None = None
        self._watched: OrderedDict[str, None] = OrderedDict()

    async def start(self) -> None:
        s = self.app.settings
        wallets: WalletService = self.app.extras["wallet_service"]
        markets: MarketService = self.app.extras["market_service"]
        self.pipeline = Pipeline(
            repos=self.app.repos,
            enricher=ServiceEnricher(markets, wallets),
            bus=self.bus,
            detector_params=DetectorParams.from_settings(s),
            scoring_params=ScoringParams.from_settings(s),
            clock=self.app.clock,
            window=s.pipeline_queue_size,
            batch_size=s.pipeline_batch_size,
            flush_seconds=s.pipeline_flush_seconds,
            on_trades_stored=self._stored,
            quarantine=self.app.quarantine,
            health=self.app.health,
            retry_max_seconds=s.store_retry_max_seconds,
            degraded_after_seconds=s.store_degraded_after_seconds,
            max_pending_trades=s.store_max_pending_trades,
        )
        self.app.extras["pipeline"] = self.pipeline
        if s.feed_enabled:
            self._task = asyncio.create_task(self._run(), name="pipeline")

    async def _run(self) -> None:
        feed = self.app.extras["feed"]
        assert self.pipeline is not None
        while True:
            try:
                await self.pipeline.run(feed)
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # the scanner must keep scanning: log, pause, go on with the feed
                log.exception("pipeline_failed")
                await asyncio.sleep(1)

    async def _stored(self, trades: Sequence[Trade]) -> None:
        wallets: WalletService = self.app.extras["wallet_service"]
        await wallets.observe(trades)
        sources: Sources | None = self.app.extras.get("sources")
        if sources is None:
            return
        fresh = [t.token_id for t in trades if t.token_id not in self._watched]
        for token in (t.token_id for t in trades):
            self._watched[token] = None
            self._watched.move_to_end(token)
        if fresh:
            await sources.market_ws.subscribe(fresh)
        stale = []
        while len(self._watched) > WATCHED_TOKENS:
            stale.append(self._watched.popitem(last=False)[0])
        if stale:
            await sources.market_ws.unsubscribe(stale)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
