"""`polyscan ingest`: history from Polymarket into the database, resumable and idempotent.

For each selected market, in stages with a checkpoint each (scanner_core.backtest.checkpoints):
  market   metadata with end date, closed time and resolution (Gamma);
  trades   every fill, maker and taker rows, paged with cursors (trades.py);
  prices   the CLOB price history of each outcome token (prices.py);
  wallets  the history of every wallet that traded it, through the wallets domain.
Markets go through `concurrency` workers on the one rate-limited HttpClient, so the binding
endpoint's budget (the Data API trades routes) is what paces a large ingest. Trades and prices of
one market are fetched side by side (different endpoints); wallets follow the trades.

Recorded files (`Data API /trades` pages or RTDS JSON lines, as `polyscan replay` reads them)
give trades directly: they are stored as read, and the markets they name get metadata,
resolution, price history and wallet histories from the APIs, never trade pages.

A stop (`StopSignal`, set on Ctrl-C or SIGTERM) lets no new request start, abandons the ones in
flight, keeps every page already written (each with its checkpoint, in one transaction) and
returns a report marked `interrupted`; running the same selection again continues from there.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scanner_core.backtest.checkpoints import Checkpoint, Stage
from scanner_core.backtest.discover import MarketFinder, NotFound
from scanner_core.backtest.ports import IngestStores, WalletHistories
from scanner_core.backtest.prices import PricePager
from scanner_core.backtest.selection import Selection
from scanner_core.backtest.stopping import Stopped, StopSignal
from scanner_core.backtest.trades import TradePager
from scanner_core.logs import get_logger
from scanner_core.models import Market, Trade
from scanner_core.sources.clob import ClobClient
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.errors import SourceError
from scanner_core.sources.gamma import GammaClient
from scanner_core.sources.replay import ReplayError, ReplaySource

log = get_logger("backtest.ingest")

FILE_BATCH = 2000  # trades from a file stored per transaction


@dataclass(frozen=True, slots=True)
class IngestOptions:
    concurrency: int = 8
    page_size: int = 500
    trades_api: str = "auto"
    prices_window: timedelta = timedelta(days=14)
    prices_max_points: int = 1500
    closed_slack: timedelta = timedelta(days=7)
    dedup_window: int = 200_000


@dataclass
class IngestReport:
    """What a run did. `markets` counts markets found; `resolutions` their states as stored."""

    markets: int = 0
    markets_done: int = 0
    resolutions: Counter[str] = field(default_factory=Counter)
    trades_fetched: int = 0
    trades_new: int = 0
    file_trades: int = 0  # read from --file recordings
    file_trades_new: int = 0
    price_points_new: int = 0
    wallets: set[str] = field(default_factory=set)  # every wallet whose history was asked for
    wallets_fetched: int = 0  # histories the wallets domain actually fetched
    failures: list[str] = field(default_factory=list)
    interrupted: bool = False
    file_error: str | None = None
    pending: int = 0  # markets found but not finished (interrupted or failed)


@dataclass(frozen=True, slots=True)
class _Job:
    market: Market
    from_file: bool = False  # trades came from a recorded file: no trade pages


class Ingestor:
    def __init__(
        self,
        *,
        gamma: GammaClient,
        data_api: DataApiClient,
        clob: ClobClient,
        stores: IngestStores,
        wallets: WalletHistories | None,
        clock: Callable[[], datetime],
        options: IngestOptions = IngestOptions(),
        stop: StopSignal | None = None,
        on_progress: Callable[[IngestReport], None] | None = None,
    ) -> None:
        self.stores = stores
        self.wallets = wallets
        self.clock = clock
        self.options = options
        self.stop = stop or StopSignal()
        self.report = IngestReport()
        self._on_progress = on_progress or (lambda report: None)
        self.finder = MarketFinder(gamma, stores.markets, closed_slack=options.closed_slack)
        self.trades = TradePager(
            data_api,
            stores.history,
            clock,
            self.stop,
            page_size=options.page_size,
            api=options.trades_api,
            on_page=self._progress,
        )
        self.prices = PricePager(
            clob,
            stores.history,
            clock,
            self.stop,
            window=options.prices_window,
            max_points=options.prices_max_points,
            on_page=self._progress,
        )
        self._seen: set[str] = set()

    def _progress(self) -> None:
        r = self.report
        r.trades_fetched, r.trades_new = self.trades.counts.fetched, self.trades.counts.new
        r.price_points_new = self.prices.counts.new
        self._on_progress(r)

    # ------------------------------------------------------------ the run

    async def run(self, selection: Selection) -> IngestReport:
        queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=self.options.concurrency * 4)
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(self.options.concurrency):
                    group.create_task(self._worker(queue))
                group.create_task(self._produce(selection, queue))
        except BaseExceptionGroup as failed:  # a worker hit something fatal (the database, a bug)
            raise failed.exceptions[0] from None
        self.report.interrupted = self.stop.is_set
        self.report.pending = self.report.markets - self.report.markets_done
        self._progress()
        return self.report

    async def _offer(self, queue: asyncio.Queue[_Job | None], markets: Sequence[Market], *, from_file: bool) -> None:
        for market in markets:
            if market.condition_id in self._seen:
                continue
            if self.stop.is_set:
                raise Stopped
            self._seen.add(market.condition_id)
            self.report.markets += 1
            self._on_progress(self.report)
            await queue.put(_Job(market, from_file))

    async def _produce(self, selection: Selection, queue: asyncio.Queue[_Job | None]) -> None:
        """Find the markets and hand them to the workers; then one end mark per worker."""
        try:
            if selection.files:
                await self._offer(queue, await self._read_files(selection.files), from_file=True)
            for slug in selection.events:
                await self._find(queue, self.finder.event(slug), f"--event {slug}")
            for ref in selection.markets:
                await self._find(queue, self.finder.market(ref), f"--market {ref.value}")
            window = selection.closed_window(self.clock())
            if window is not None:
                try:
                    async for page in self.finder.closed_between(*window):
                        await self._offer(queue, page, from_file=False)
                        if self.stop.is_set:
                            raise Stopped
                except SourceError as exc:
                    self._fail(f"--closed: {exc}")
        except Stopped:
            pass
        for _ in range(self.options.concurrency):
            await queue.put(None)

    async def _find(
        self, queue: asyncio.Queue[_Job | None], lookup: Coroutine[Any, Any, list[Market]], what: str
    ) -> None:
        try:
            markets = await self.stop.guard(lookup)
        except (NotFound, SourceError) as exc:
            self._fail(f"{what}: {exc}")
            return
        await self._offer(queue, markets, from_file=False)

    def _fail(self, message: str) -> None:
        log.warning("ingest_failed", error=message[:300])
        self.report.failures.append(message)

    # ------------------------------------------------------------ files

    async def _read_files(self, paths: Sequence[Path]) -> list[Market]:
        """Store every trade of the files; returns the markets they name (metadata from Gamma).
        A broken file stops the reading after its valid trades were stored."""
        source = ReplaySource(paths, dedup_window=self.options.dedup_window)
        order: dict[str, None] = {}
        batch: list[Trade] = []
        try:
            async for trade in source:
                order.setdefault(trade.condition_id)
                batch.append(trade)
                if len(batch) >= FILE_BATCH:
                    await self._store_file_trades(batch)
                    batch = []
                    if self.stop.is_set:
                        break
        except ReplayError as exc:
            self.report.file_error = str(exc)
        await self._store_file_trades(batch)
        if not order or self.stop.is_set:
            return []
        try:
            found = await self.stop.guard(self.finder.by_condition_ids(list(order)))
        except SourceError as exc:
            self._fail(f"--file markets: {exc}")
            return []
        now = self.clock()
        for cid in order:
            if cid not in found:  # trades are stored; the market stays unresolved until Gamma knows it
                self._fail(f"--file: market {cid} not found on Gamma (its trades are stored)")
                await self.stores.history.save_checkpoint(Checkpoint(cid, Stage.MARKET, updated_at=now))
        return [found[cid] for cid in order if cid in found]

    async def _store_file_trades(self, trades: list[Trade]) -> None:
        if trades:
            self.report.file_trades += len(trades)
            self.report.file_trades_new += await self.stores.trades.save_trades(trades)
            self._on_progress(self.report)

    # ------------------------------------------------------------ one market

    async def _worker(self, queue: asyncio.Queue[_Job | None]) -> None:
        while True:
            job = await queue.get()
            if job is None:
                return
            if self.stop.is_set:
                continue
            try:
                await self._market(job)
            except Stopped:
                continue
            except SourceError as exc:
                self._fail(f"market {job.market.condition_id} ({job.market.slug or job.market.question[:40]}): {exc}")
            else:
                self.report.markets_done += 1
            self._on_progress(self.report)

    async def _market(self, job: _Job) -> None:
        market = job.market
        cid = market.condition_id
        now = self.clock()
        checkpoints = await self.stores.history.checkpoints(cid)

        def checkpoint(stage: Stage) -> Checkpoint:
            return checkpoints.get(stage) or Checkpoint(cid, stage, updated_at=now)

        await self.stores.markets.save(market, now)
        meta = checkpoint(Stage.MARKET).finished(reached=now, done=market.resolution.is_final, added=0, now=now)
        await self.stores.history.save_checkpoint(meta)
        self.report.resolutions[market.resolution.status.value] += 1

        fetches = []
        if not job.from_file and not checkpoint(Stage.TRADES).done:
            fetches.append(self.trades.run(market, checkpoint(Stage.TRADES)))
        if not checkpoint(Stage.PRICES).done:
            fetches.append(self.prices.run(market, checkpoint(Stage.PRICES)))
        results = await asyncio.gather(*fetches, return_exceptions=True)
        for result in results:  # both ran to their end (their pages are stored) before raising
            if isinstance(result, BaseException):
                raise result
        if self.wallets is not None and not checkpoint(Stage.WALLETS).done:
            await self._wallets(market, checkpoint(Stage.WALLETS))

    async def _wallets(self, market: Market, checkpoint: Checkpoint) -> None:
        history = self.stores.history
        span = await history.market_trade_span(market.condition_id)
        wallets = await history.market_wallets(market.condition_id) if span else []
        until = span[1] if span else None
        fetched = 0
        if wallets and self.wallets is not None:
            fetched = await self.stop.guard(self.wallets.ensure_histories(wallets, until=until))
        self.report.wallets.update(wallets)
        self.report.wallets_fetched += fetched
        done = checkpoint.finished(reached=until, done=market.closed, added=len(wallets), now=self.clock())
        await history.save_checkpoint(done)
