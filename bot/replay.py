"""`polyscan replay FILE...`: recorded trades through the whole pipeline, offline.

The clock is each trade's own time and nothing from after a trade informs its alert, so a replay
is an honest backtest. Alerts print as readable lines (or, with --json, one JSON object per line
for jq) followed by a summary. Trades and alerts are stored like live ones: replaying a file
again adds no alerts. A broken file stops with FILE:LINE after the valid lines before it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any, TextIO

import orjson

from bot.scanner import build_scanner
from db import setup as db_setup
from scanner_core.config import Settings
from scanner_core.models import Alert, now_utc
from scanner_core.payloads import alert_json
from scanner_core.pipeline import PipelineStats
from scanner_core.sources.replay import ReplayError, ReplaySource


def replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="Data API /trades pages (.json) or RTDS frames (.jsonl)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per alert (summary goes to stderr)")
    parser.add_argument("--speed", type=float, default=0.0, help="play at N x real time (default: as fast as possible)")
    parser.add_argument("--offline", action="store_true", help="enrich only from the database, never from Polymarket")
    parser.add_argument(
        "--trades", action="store_true", help="print the normalised trades instead of running the pipeline"
    )


def alert_line(alert: Alert) -> str:
    trade = alert.trade
    when = f"{trade.timestamp:%Y-%m-%d %H:%M:%S}Z " if trade else ""
    reasons = "; ".join(s.summary for s in alert.signals)
    who = alert.wallet_address or ""
    return f"{when}[{alert.severity.value.upper()} {alert.confidence:.2f}] {alert.title} | {who} | {reasons}"


def summary_lines(stats: PipelineStats, files: int, replayed: int, duplicates: int) -> list[str]:
    lines = [
        f"replayed {replayed} trades from {files} file(s) ({duplicates} repeated fills skipped)",
        f"stored {stats.stored} trades; filtered: "
        + (", ".join(f"{k} {v}" for k, v in sorted(stats.filtered.items())) or "none"),
    ]
    total = sum(stats.alerts_by_kind.values())
    by_severity = ", ".join(f"{k} {v}" for k, v in sorted(stats.alerts_by_severity.items())) or "none"
    lines.append(f"alerts: {total} new ({by_severity}); {stats.duplicate_alerts} already known")
    if stats.alerts_by_signal:
        lines.append("signals: " + ", ".join(f"{k} {v}" for k, v in stats.alerts_by_signal.most_common()))
    if stats.wallet_alerts:
        lines.append("top wallets by alerts: " + ", ".join(f"{w} ({n})" for w, n in stats.wallet_alerts.most_common(5)))
    if stats.wallet_volume:
        top = ", ".join(f"{w} (${v:,})" for w, v in stats.wallet_volume.most_common(5))
        lines.append(f"top wallets by stored volume: {top}")
    return lines


async def run_replay(
    settings: Settings,
    files: list[str],
    *,
    as_json: bool,
    speed: float,
    offline: bool,
    out: TextIO,
    err: TextIO,
    clock: Callable[[], Any] = now_utc,
) -> int:
    """The replay on a connected, migrated database. Returns the exit code."""
    scanner = build_scanner(settings, clock=clock, offline=offline)
    published = scanner.bus.subscribe("replay")
    source = ReplaySource(
        files, speed=speed or None, dedup_window=settings.feed_dedup_window, quarantine=scanner.quarantine
    )
    code = 0
    # offline: stored wallet histories only, each wallet judged as of each trade, unknown without one;
    # online: each wallet's history is fetched once (up to now) and stored, so a second replay fetches nothing
    pipeline = scanner.pipeline(replay=True)
    # the wallets of trades that will be enriched are prefetched while earlier trades flow
    trades = scanner.prefetching(source)
    try:

        async def printer() -> None:
            async for alert in published:
                out.write((orjson.dumps(alert_json(alert)).decode() if as_json else alert_line(alert)) + "\n")

        printing = asyncio.create_task(printer())
        error: ReplayError | None = None
        try:
            await pipeline.run(trades)
        except ReplayError as exc:
            error = exc
        finally:
            await trades.aclose()
        await asyncio.sleep(0)  # let the printer take what is queued
        while not published.queue.empty():
            alert = published.queue.get_nowait()
            out.write((orjson.dumps(alert_json(alert)).decode() if as_json else alert_line(alert)) + "\n")
        printing.cancel()
        await asyncio.gather(printing, return_exceptions=True)
    finally:
        await scanner.close()
    summary = summary_lines(pipeline.stats, len(files), source.counts["trades"], source.counts["duplicates"])
    summary.append(f"wallet histories fetched: {scanner.wallets.fetched}")
    target = err if as_json else out
    for line in summary:
        print(line, file=target)
    if error is not None:
        print(f"polyscan replay: {error}", file=err)
        code = 1
    return code


def cmd_replay(args: argparse.Namespace) -> int:
    from bot.cli import _configure, _settings_or_exit
    from bot.cli_extra import replay_to

    settings = _settings_or_exit()
    _configure(settings)
    if args.speed < 0:
        print("polyscan replay: --speed must be positive", file=sys.stderr)
        return 2
    if args.trades:
        return asyncio.run(
            replay_to(
                args.files,
                speed=args.speed,
                as_json=args.json,
                dedup_window=settings.feed_dedup_window,
                out=sys.stdout,
                err=sys.stderr,
            )
        )

    async def main() -> int:
        try:
            await db_setup.connect(settings.database_url, settings.db_pool_max)
            await db_setup.migrate(settings.database_url)
        except db_setup.DatabaseUnavailable as exc:
            print(f"polyscan replay: {exc}", file=sys.stderr)
            return 1
        try:
            return await run_replay(
                settings,
                args.files,
                as_json=args.json,
                speed=args.speed,
                offline=args.offline,
                out=sys.stdout,
                err=sys.stderr,
            )
        finally:
            await db_setup.close()

    return asyncio.run(main())
