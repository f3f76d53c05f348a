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
from scanner_core import filters
from scanner_core.bus import AlertBus
from scanner_core.detectors.params import DetectorParams
from scanner_core.logs import get_logger
from scanner_core.models import Trade
from scanner_core.pipeline import Pipeline, ServiceEnricher
from scanner_core.scoring import ScoringParams
from scanner_core.services.markets import MarketService
from scanner_core.sources import Sources, build_sources
from scanner_core.wallets import WalletService
from scanner_core.watermark import FeedWatermark

log = get_logger("components")
WATCHED_TOKENS = 500  # order books kept live: the outcomes most recently traded at size
WATERMARK_SAVE_SECONDS = 2.0  # how often the feed watermark is saved (when it moved)


class SourcesComponent:
    """The HTTP session, Polymarket clients, the live trade feed (resuming from the saved feed
    watermark) and the CLOB book channel."""

    name = "sources"

    def __init__(self, app: Polyscan) -> None:
        self.app = app
        self.session: aiohttp.ClientSession | None = None
        self.sources: Sources | None = None
        self.watermark: FeedWatermark | None = None
        self._saver: asyncio.Task[None] | None = None

    async def start(self) -> None:
        s, repos = self.app.settings, self.app.repos
        self.session = aiohttp.ClientSession()
        self.sources = build_sources(s, self.session, health=self.app.health, quarantine=self.app.quarantine)
        feed = self.sources.feed
        self.watermark = FeedWatermark(
            repos.feed_state, feed, clock=self.app.clock, overlap_seconds=s.feed_watermark_overlap_seconds
        )
        feed.on_emit = self.watermark.taken
        self.app.extras.update(sources=self.sources, feed=feed, feed_watermark=self.watermark)
        if s.feed_enabled:
            saved = await self.watermark.restore()
            since = self.watermark.start_point(fallback=await repos.trades.newest_trade_time())
            log.info(
                "feed_resumes",
                watermark=saved.isoformat() if saved else None,
                backfill_from=since.isoformat() if since else None,
            )
            await feed.start(since=since)
            await self.sources.market_ws.start()
            self._saver = asyncio.create_task(self.watermark.keep_saving(WATERMARK_SAVE_SECONDS), name="watermark")

    async def stop(self) -> None:
        if self._saver is not None:
            self._saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._saver
            try:  # the pipeline has stopped (and flushed) by now: keep how far it got
                assert self.watermark is not None
                await self.watermark.save()
            except Exception as exc:
                log.warning("watermark_save_failed", error=f"{type(exc).__name__}: {exc}"[:200])
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
        wallets = WalletService.from_settings(self.app.settings, sources.data_api, self.app.repos, self.app.clock)
        self.app.extras["market_service"] = markets
        self.app.extras["wallet_service"] = wallets

    async def stop(self) -> None:
        wallets: WalletService | None = self.app.extras.get("wallet_service")
        if wallets is not None:
            await wallets.close()


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
            funding=self.app.extras.get("funding_service"),
            on_trade_not_stored=self._not_stored,
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
        wallets: WalletService = self.app.extras["wallet_service"]
        assert self.pipeline is not None
        params = self.pipeline.dp
        # the wallets of the trades that will be enriched are fetched as they arrive; one stream for
        # every run, so a restarted pipeline takes up what was read ahead
        stream = wallets.lookahead(feed, filters.enrich_candidates(params))
        try:
            while True:
                try:
                    await self.pipeline.run(stream)
                    return
                except asyncio.CancelledError:
                    raise
                except Exception:  # the scanner must keep scanning: log, pause, go on with the feed
                    log.exception("pipeline_failed")
                    await asyncio.sleep(1)
        finally:
            await stream.aclose()

    def _not_stored(self, trade: Trade) -> None:
        watermark: FeedWatermark | None = self.app.extras.get("feed_watermark")
        if watermark is not None:
            watermark.handled_one(trade)

    async def _stored(self, trades: Sequence[Trade]) -> None:
        watermark: FeedWatermark | None = self.app.extras.get("feed_watermark")
        if watermark is not None:
            watermark.handled(trades)
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
