"""`polyscan scan-wallets`: classify wallets worth copying and store the verdicts.

    polyscan scan-wallets --leaderboard [--category POLITICS --period MONTH --limit N]
    polyscan scan-wallets --from-trades [--since-hours H --min-usd X]
    polyscan scan-wallets --file FILE

A progress bar while it runs, then a summary table (counts per class and deciding stage, top
TARGETs with score and reasons). Results go to wallet_classifications; a newly classified
TARGET's alert is stored for the running process's router to deliver.
"""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

LEADERBOARD_CATEGORIES = (
    "OVERALL",
    "POLITICS",
    "SPORTS",
    "CRYPTO",
    "CULTURE",
    "MENTIONS",
    "WEATHER",
    "ECONOMICS",
    "TECH",
    "FINANCE",
)
LEADERBOARD_PERIODS = ("DAY", "WEEK", "MONTH", "ALL")
HELP = "classify wallets worth copying (TARGET / WATCHLIST / REJECT) and store the verdicts"

if TYPE_CHECKING:
    from bot.scanner import Scanner


class WalletInputError(Exception):
    """The wallets to scan could not be read; `str()` says why in one line."""


def scan_wallets_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--leaderboard", action="store_true", help="wallets on a Polymarket leaderboard")
    source.add_argument("--from-trades", action="store_true", help="wallets behind large trades polyscan stored")
    source.add_argument("--file", metavar="FILE", help="addresses, one per line (or separated by commas/spaces)")
    parser.add_argument("--category", type=str.upper, choices=LEADERBOARD_CATEGORIES, default="OVERALL")
    parser.add_argument("--period", type=str.upper, choices=LEADERBOARD_PERIODS, default="MONTH")
    parser.add_argument("--order-by", type=str.upper, choices=("PNL", "VOL"), default="PNL")
    parser.add_argument("--limit", type=int, default=None, help="how many wallets at most")
    parser.add_argument("--since-hours", type=float, default=None, help="--from-trades: look back this far")
    parser.add_argument("--min-usd", default=None, help="--from-trades: smallest trade in USD")
    parser.add_argument("--top", type=int, default=10, help="TARGETs to list in the summary")


def read_address_file(path: str) -> list[str]:
    """Every token of the file (blank lines and # comments skipped); the scan validates them."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise WalletInputError(f"cannot read {path}: {reason}") from None
    tokens: list[str] = []
    for line in text.splitlines():
        content = line.split("#", 1)[0]
        tokens.extend(t for t in content.replace(",", " ").split() if t)
    return tokens


async def scan_wallets_run(args: argparse.Namespace, scanner: Scanner, console: Console) -> int:
    """The scan itself, on a connected database. Histories are fetched through the engine's one
    WalletService and stored: a later replay or `/wallet` reuses them."""
    from scanner_core.models import now_utc
    from scanner_core.wallets.classifier.runner import ScanSummary, WalletScanRunner

    settings, repos, source = scanner.settings, scanner.repos, scanner.wallets

    async def store_alert(alert: Any) -> None:
        # stored without routed_at: the running process's router delivers it (catch-up)
        await repos.alerts.save_alert(alert)

    runner = WalletScanRunner.from_settings(
        settings, source, repos.classifications, seen=repos.trades, on_alert=store_alert
    )
    if args.leaderboard:
        what = f"{args.category} {args.period} leaderboard"
        addresses = await source.leaderboard_wallets(
            category=args.category,
            period=args.period,
            limit=args.limit or settings.walletscan_leaderboard_limit,
            order_by=args.order_by,
        )
    elif args.from_trades:
        try:
            min_usd = Decimal(args.min_usd) if args.min_usd is not None else settings.walletscan_large_trade_usd
        except InvalidOperation:
            raise WalletInputError(f"--min-usd must be a number, got {args.min_usd!r}") from None
        hours = args.since_hours if args.since_hours is not None else settings.walletscan_large_trade_hours
        what = f"wallets with trades of ${min_usd:,}+ in the last {hours:g} h"
        addresses = await runner.large_trade_wallets(now_utc(), since_hours=hours, min_usd=min_usd)
    else:
        what = f"addresses in {args.file}"
        addresses = read_address_file(args.file)
    if args.limit is not None:
        addresses = addresses[: args.limit]
    console.print(f"scanning {len(addresses)} {what}")

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[rate]}"),
        console=console,
    ) as progress:
        task = progress.add_task("wallets", total=len(addresses), rate="")

        def advance(summary: ScanSummary) -> None:
            done = summary.judged + summary.invalid + summary.duplicates + summary.over_limit
            progress.update(task, completed=done, rate=f"{summary.per_minute:,.0f}/min")

        summary = await runner.scan(addresses, progress=advance, max_wallets=max(len(addresses), 1))
        progress.update(task, completed=len(addresses))
    print_summary(console, summary, args.top)
    return 0 if summary.classified or not addresses else 1


def print_summary(console: Console, summary: Any, top: int) -> None:
    counts = Table(title="wallets by class and deciding stage")
    counts.add_column("class")
    for stage in (1, 2, 3):
        counts.add_column(f"stage {stage}", justify="right")
    counts.add_column("total", justify="right")
    for klass in ("TARGET", "WATCHLIST", "REJECT"):
        cells = [str(summary.by_stage.get((klass, stage), 0)) for stage in (1, 2, 3)]
        counts.add_row(klass, *cells, str(summary.by_class.get(klass, 0)))
    console.print(counts)
    lines = [
        f"{summary.classified} classified in {summary.elapsed_seconds:.1f} s ({summary.per_minute:,.0f}/min)",
        f"{summary.new_targets} new TARGETs (alerts stored)",
    ]
    if summary.failed:
        kinds = ", ".join(f"{name} {n}" for name, n in summary.failures.most_common())
        lines.append(f"{summary.failed} not judged: data unavailable ({kinds})")
    if summary.invalid:
        lines.append(f"{summary.invalid} skipped: not a wallet address")
    if summary.duplicates:
        lines.append(f"{summary.duplicates} duplicates skipped")
    if summary.over_limit:
        lines.append(f"{summary.over_limit} beyond the run's wallet cap")
    console.print("; ".join(lines))
    targets = summary.top_targets[:top]
    if targets:
        table = Table(title=f"top {len(targets)} TARGETs")
        table.add_column("wallet")
        table.add_column("score", justify="right")
        table.add_column("why")
        for result in targets:
            table.add_row(result.address, f"{result.score:.0f}", "\n".join(result.reasons[1:4]))
        console.print(table)


async def scan_wallets_main(args: argparse.Namespace, settings: Any, *, console: Console | None = None) -> int:
    from bot.scanner import build_scanner
    from db import setup as db_setup

    out = console or Console()
    try:
        await db_setup.connect(settings.database_url, settings.db_pool_max)
        await db_setup.migrate(settings.database_url)
    except db_setup.DatabaseUnavailable as exc:
        out.print(f"polyscan: {exc}", style="red")
        await db_setup.close()
        return 1
    try:
        scanner = build_scanner(settings)
        try:
            return await scan_wallets_run(args, scanner, out)
        finally:
            await scanner.close()
    except WalletInputError as exc:
        out.print(f"polyscan: {exc}", style="red")
        return 2
    finally:
        await db_setup.close()


def cmd_scan_wallets(args: argparse.Namespace) -> int:
    from bot.cli import _configure, _settings_or_exit

    settings = _settings_or_exit()
    _configure(settings)
    return asyncio.run(scan_wallets_main(args, settings))
