"""Lifecycle components of the process: the engine (sources, services) and the pipeline. Built by
bot/wiring.py, which hands each the components it uses.

Each builds its parts in `start()` (the database and cache exist by then) and undoes it in `stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Sequence

from bot.app import Polyscan
from bot.scanner import Scanner, build_scanner
from scanner_core.bus import AlertBus
from scanner_core.logs import get_logger
from scanner_core.models import Trade
from scanner_core.pipeline import Pipeline
from scanner_core.watermark import FeedWatermark

log = get_logger("components")
WATCHED_TOKENS = 500  # order books kept live: the outcomes most recently traded at size
WATERMARK_SAVE_SECONDS = 2.0  # how often the feed watermark is saved (when it moved)


class ScannerComponent:
    """The engine (bot/scanner.py) over the process's database, cache and health; starts the live
    trade feed (resuming from the saved feed watermark) and the CLOB book channel."""

    name = "scanner"

    def __init__(self, app: Polyscan, bus: AlertBus) -> None:
        self.app = app
        self.bus = bus
        self._scanner: Scanner | None = None
        self.watermark: FeedWatermark | None = None
        self._saver: asyncio.Task[None] | None = None

    @property
    def scanner(self) -> Scanner:
        assert self._scanner is not None, "the scanner component has not started"
        return self._scanner

    async def start(self) -> None:
        app, s = self.app, self.app.settings
        assert app.cache is not None
        scanner = build_scanner(
            s,
            clock=app.clock,
            repos=app.repos,
            cache=app.cache,
            health=app.health,
            quarantine=app.quarantine,
            bus=self.bus,
        )
        self._scanner = scanner
        assert scanner.sources is not None
        feed = scanner.sources.feed
        app.feed = feed
        self.watermark = FeedWatermark(
            app.repos.feed_state, feed, clock=app.clock, overlap_seconds=s.feed_watermark_overlap_seconds
        )
        feed.on_emit = self.watermark.taken
        if s.feed_enabled:
            saved = await self.watermark.restore()
            since = self.watermark.start_point(fallback=await app.repos.trades.newest_trade_time())
            log.info(
                "feed_resumes",
                watermark=saved.isoformat() if saved else None,
                backfill_from=since.isoformat() if since else None,
            )
            await feed.start(since=since)
            await scanner.sources.market_ws.start()
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
        if self._scanner is not None:
            if self._scanner.sources is not None:
                await self._scanner.sources.feed.stop()
                await self._scanner.sources.market_ws.stop()
            await self._scanner.close()


class PipelineComponent:
    """Runs the live feed through the pipeline onto the alert bus; restarts it if it ever fails."""

    name = "pipeline"

    def __init__(self, app: Polyscan, engine: ScannerComponent) -> None:
        self.app = app
        self.engine = engine
        self.pipeline: Pipeline | None = None
        self._task: asyncio.Task[None] | None = None
        self._watched: OrderedDict[str, None] = OrderedDict()

    async def start(self) -> None:
        self.pipeline = self.engine.scanner.pipeline(
            on_trades_stored=self._stored, on_trade_not_stored=self._not_stored
        )
        if self.app.settings.feed_enabled:
            self._task = asyncio.create_task(self._run(), name="pipeline")

    async def _run(self) -> None:
        scanner = self.engine.scanner
        assert self.pipeline is not None and scanner.sources is not None
        # the wallets of the trades that will be enriched are fetched as they arrive; one stream for
        # every run, so a restarted pipeline takes up what was read ahead
        stream = scanner.prefetching(scanner.sources.feed)
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
        if self.engine.watermark is not None:
            self.engine.watermark.handled_one(trade)

    async def _stored(self, trades: Sequence[Trade]) -> None:
        if self.engine.watermark is not None:
            self.engine.watermark.handled(trades)
        scanner = self.engine.scanner
        await scanner.wallets.observe(trades)
        sources = scanner.sources
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
