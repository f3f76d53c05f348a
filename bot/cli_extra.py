"""Subcommands contributed by later modules (replay, scan-wallets, ...). Each adds one entry."""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from bot.cli import Command
from scanner_core.models import Trade


def commands() -> list[Command]:
    from bot.replay import cmd_replay as pipeline_replay
    from bot.replay import replay_arguments

    return [
        (
            "replay",
            "run recorded trades (Data API pages, RTDS JSON lines) through the pipeline and print the alerts",
            replay_arguments,
            pipeline_replay,
        ),
        *_scan_wallets_command(),
        *_ingest_command(),
    ]


def _ingest_command() -> list[Command]:
    """`ingest` (history for the backtest; implemented in bot/ingest.py)."""
    from bot.ingest import HELP, cmd_ingest, ingest_arguments

    return [("ingest", HELP, ingest_arguments, cmd_ingest)]


def _scan_wallets_command() -> list[Command]:
    """`scan-wallets` (the wallet scanner; implemented in bot/scan_wallets.py)."""
    from bot.scan_wallets import HELP, cmd_scan_wallets, scan_wallets_arguments

    return [("scan-wallets", HELP, scan_wallets_arguments, cmd_scan_wallets)]


# --- replay ---


def trade_line(trade: Trade) -> str:
    """One readable line per trade (all fields grep-able: full wallet and tx hash)."""
    what = trade.slug or trade.title or trade.condition_id
    return (
        f"{trade.timestamp:%Y-%m-%d %H:%M:%S}Z {trade.side.value:<4} {trade.size} {trade.outcome or '?'} "
        f"@ {trade.price} (${trade.usd:,.2f}) {trade.wallet} {what} {trade.tx_hash}"
    )


def trade_json(trade: Trade) -> dict[str, Any]:
    return {
        "timestamp": trade.timestamp.isoformat().replace("+00:00", "Z"),
        "wallet": trade.wallet,
        "side": trade.side.value,
        "outcome": trade.outcome,
        "outcome_index": trade.outcome_index,
        "size": str(trade.size),
        "price": str(trade.price),
        "usd": str(trade.usd),
        "token_id": trade.token_id,
        "condition_id": trade.condition_id,
        "tx_hash": trade.tx_hash,
        "title": trade.title,
        "slug": trade.slug,
        "event_slug": trade.event_slug,
        "trader_name": trade.trader_name,
        "source": trade.source.value,
        "dedup_key": trade.dedup_key,
    }


async def replay_to(
    files: list[str], *, speed: float, as_json: bool, dedup_window: int, out: TextIO, err: TextIO
) -> int:
    from scanner_core.sources.replay import ReplayError, ReplaySource

    source = ReplaySource(files, speed=speed or None, dedup_window=dedup_window)
    try:
        async for trade in source:
            out.write((orjson.dumps(trade_json(trade)).decode() if as_json else trade_line(trade)) + "\n")
    except ReplayError as exc:
        out.flush()
        print(f"polyscan replay: {exc}", file=err)
        return 1
    print(
        f"replayed {source.counts['trades']} trades from {len(files)} file(s)"
        f" ({source.counts['duplicates']} repeated fills skipped)",
        file=err,
    )
    return 0
