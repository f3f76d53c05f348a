"""`polyscan ingest`: history from Polymarket into the database (the engine is
scanner_core/backtest/ingest.py; this is the command line around it).

    polyscan ingest --event SLUG [--event SLUG ...]
    polyscan ingest --market ID_SLUG_OR_URL [--market ...]
    polyscan ingest --closed --since 2026-07-01 [--until 2026-07-31]
    polyscan ingest --file trades.json frames.jsonl ...

The selections combine. Re-running the same command continues where the last run stopped and
adds nothing already stored. Ctrl-C or SIGTERM stops cleanly: no new request starts, what was
fetched is written with its checkpoint, and the command says how far it got (exit 130); a second
Ctrl-C quits at once (stored pages are still whole). A progress bar shows on a terminal; the
summary line is printed in any case. Exit codes: 0 done, 1 some market, lookup or file failed,
2 a bad flag or date, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, TextIO

from bot.scanner import build_scanner
from db import setup as db_setup
from scanner_core.backtest.ingest import IngestOptions, Ingestor, IngestReport
from scanner_core.backtest.ports import WalletHistories
from scanner_core.backtest.selection import BadSelection, Selection, parse_day_or_time
from scanner_core.backtest.stopping import StopSignal
from scanner_core.config import Settings
from scanner_core.marketref import BadMarketRef, MarketRef, RefKind, parse_market_ref
from scanner_core.models import now_utc

HELP = "bring markets' history (metadata and resolution, every trade, price history, wallets) into the database"
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _one_line_error(parser: argparse.ArgumentParser) -> Callable[[str], NoReturn]:
    def error(message: str) -> NoReturn:
        parser.exit(EXIT_BAD_INPUT, f"polyscan ingest: {message}\n")

    return error


def ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--event", action="append", default=[], metavar="SLUG", help="an event (slug or URL)")
    parser.add_argument(
        "--market", action="append", default=[], metavar="ID", help="a market: condition id, slug or polymarket.com URL"
    )
    parser.add_argument("--closed", action="store_true", help="markets resolved within --since .. --until")
    parser.add_argument("--since", metavar="DATE", help="with --closed: YYYY-MM-DD or an ISO-8601 time (UTC)")
    parser.add_argument("--until", metavar="DATE", help="with --closed: the period's last day (default: now)")
    parser.add_argument(
        "--file",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="recorded trades: Data API /trades pages (.json) or RTDS frames (.jsonl)",
    )
    parser.error = _one_line_error(parser)  # type: ignore[method-assign,assignment]


def selection_from_args(args: argparse.Namespace) -> Selection:
    """The selection the flags describe, or BadSelection naming the flag."""
    events: list[str] = []
    for text in args.event:
        try:
            ref = parse_market_ref(text)
        except BadMarketRef as exc:
            raise BadSelection(f"--event: {exc}") from None
        if ref.kind not in (RefKind.SLUG, RefKind.EVENT_SLUG):
            raise BadSelection(f"--event: {text!r} is not an event slug or polymarket.com/event link")
        events.append(ref.value)
    markets: list[MarketRef] = []
    for text in args.market:
        try:
            markets.append(parse_market_ref(text))
        except BadMarketRef as exc:
            raise BadSelection(f"--market: {exc}") from None
    since = until = None
    if args.closed:
        if not args.since:
            raise BadSelection("--closed: needs --since DATE")
        since = parse_day_or_time(args.since, "--since")
        until = parse_day_or_time(args.until, "--until", end_of_day=True) if args.until else None
    elif args.since or args.until:
        raise BadSelection(f"{'--since' if args.since else '--until'}: only goes with --closed")
    files = tuple(Path(p) for p in args.file)
    for path in files:
        if not path.is_file():
            raise BadSelection(f"--file: no such file: {path}")
    selection = Selection(tuple(events), tuple(markets), since, until, files)
    if selection.empty:
        raise BadSelection("say what to ingest: --event, --market, --closed --since or --file")
    return selection


def options_from_settings(settings: Settings) -> IngestOptions:
    s = settings
    return IngestOptions(
        concurrency=s.ingest_concurrency,
        page_size=s.ingest_page_size,
        trades_api=s.ingest_trades_api,
        prices_window=timedelta(days=s.ingest_prices_window_days),
        prices_max_points=s.ingest_prices_max_points,
        closed_slack=timedelta(days=s.ingest_closed_slack_days),
        dedup_window=s.feed_dedup_window,
    )


def summary_line(report: IngestReport, api_calls: int, seconds: float) -> str:
    states = ", ".join(f"{n} {state}" for state, n in sorted(report.resolutions.items())) or "none"
    trades = f"{report.trades_fetched:,} trades fetched ({report.trades_new:,} new)"
    if report.file_trades:
        trades += f", {report.file_trades:,} read from files ({report.file_trades_new:,} new)"
    return (
        f"ingested {report.markets_done} of {report.markets} markets ({states}); {trades}; "
        f"{report.price_points_new:,} new price points; {len(report.wallets):,} wallets "
        f"({report.wallets_fetched:,} histories fetched); {api_calls:,} API calls; {seconds:.1f} s"
    )


class _Bar:
    """A rich progress bar on a terminal (stderr); nothing otherwise."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("markets · {task.fields[trades]} trades · {task.fields[points]} price points"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self.task = self.progress.add_task("ingest", total=None, trades="0", points="0")

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def update(self, report: IngestReport) -> None:
        self.progress.update(
            self.task,
            total=report.markets or None,
            completed=report.markets_done,
            trades=f"{report.trades_fetched + report.file_trades:,}",
            points=f"{report.price_points_new:,}",
        )


async def run_ingest(
    settings: Settings,
    selection: Selection,
    *,
    wallets: WalletHistories | None = None,
    out: TextIO,
    err: TextIO,
    clock: Callable[[], datetime] = now_utc,
    stop: StopSignal | None = None,
    progress: bool = False,
) -> int:
    """The ingest on a connected, migrated database. Returns the exit code. Wallet histories go
    through the engine's WalletService (each fetched once and stored) unless `wallets` is given."""
    stop = stop or StopSignal()
    started = time.monotonic()
    bar = _Bar(err) if progress else None
    scanner = build_scanner(settings, clock=clock)  # REST clients only: the streams stay unstarted
    try:
        sources = scanner.sources
        assert sources is not None
        ingestor = Ingestor(
            gamma=sources.gamma,
            data_api=sources.data_api,
            clob=sources.clob,
            stores=scanner.repos,
            wallets=wallets if wallets is not None else scanner.wallets,
            clock=clock,
            options=options_from_settings(settings),
            stop=stop,
            on_progress=bar.update if bar is not None else None,
        )
        if bar is not None:
            with bar:
                report = await ingestor.run(selection)
        else:
            report = await ingestor.run(selection)
        calls = sum(sources.http.calls.values())
    finally:
        await scanner.close()
    print(summary_line(report, calls, time.monotonic() - started), file=out)
    for failure in report.failures:
        print(f"polyscan ingest: {failure}", file=err)
    if report.file_error:
        print(f"polyscan ingest: {report.file_error}", file=err)
    if report.interrupted:
        print(
            f"polyscan ingest: interrupted with {report.pending} of {report.markets} markets unfinished; "
            "everything fetched is stored: run the same command again to continue",
            file=err,
        )
        return EXIT_INTERRUPTED
    return EXIT_FAILED if report.failures or report.file_error else EXIT_OK


def _install_stop(stop: StopSignal, main: asyncio.Task[Any], err: TextIO) -> list[signal.Signals]:
    """First Ctrl-C / SIGTERM: stop gracefully; the second: cancel at once."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []

    def on_signal() -> None:
        if stop.is_set:
            main.cancel()
            return
        stop.set()
        print("polyscan ingest: stopping after the pages in flight (again to quit at once)", file=err)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal)
        except (NotImplementedError, RuntimeError):  # no signal support here (another thread, Windows)
            continue
        installed.append(sig)
    return installed


def cmd_ingest(args: argparse.Namespace) -> int:
    from bot.cli import _configure, _settings_or_exit

    try:
        selection = selection_from_args(args)
    except BadSelection as exc:
        print(f"polyscan ingest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    settings = _settings_or_exit()
    _configure(settings)

    async def main() -> int:
        try:
            await db_setup.connect(settings.database_url, settings.db_pool_max)
            await db_setup.migrate(settings.database_url)
        except db_setup.DatabaseUnavailable as exc:
            print(f"polyscan ingest: {exc}", file=sys.stderr)
            return EXIT_FAILED
        stop = StopSignal()
        this = asyncio.current_task()
        assert this is not None
        installed = _install_stop(stop, this, sys.stderr)
        try:
            return await run_ingest(
                settings,
                selection,
                out=sys.stdout,
                err=sys.stderr,
                stop=stop,
                progress=sys.stderr.isatty(),
            )
        except asyncio.CancelledError:
            print("polyscan ingest: quit at once; stored pages are whole: run again to continue", file=sys.stderr)
            return EXIT_INTERRUPTED
        finally:
            loop = asyncio.get_running_loop()
            for sig in installed:
                loop.remove_signal_handler(sig)
            await db_setup.close()

    return asyncio.run(main())
