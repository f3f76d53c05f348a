"""Build Alerts from a scored trade (pure): stable dedup key, title, snapshots, details.

Dedup keys (AlertRow.dedup_key, at most 64 characters) make a restart or a replay write nothing
twice: a trade alert is keyed on the fill ("trade:" + Trade.dedup_key), a follow-up on the
original fill and its watch window ("follow:" + Trade.dedup_key + ":" + hours), a linked-wallets
follow-up (its funding was traced after the alert went out) on the fill ("linked:" + dedup key).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from scanner_core.context import DetectionContext
from scanner_core.detectors._common import price_text, tier_index, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import (
    Alert,
    AlertKind,
    Market,
    MarketSnapshot,
    Signal,
    Trade,
    WalletProfile,
    WalletSnapshot,
    frozen_map,
)
from scanner_core.scoring import Score, ScoringParams, score

DEFAULT_TIERS = (Decimal(10_000), Decimal(50_000), Decimal(100_000))  # title of an alert stored without one
SIZE_EMOJI = ("🐟", "🦈", "🐋", "🐳")  # below the first tier, then one per tier (Polyloly's bands)
TITLE_QUESTION_MAX = 120


def trade_alert_key(trade: Trade) -> str:
    return f"trade:{trade.dedup_key}"


def follow_up_key(trade: Trade, within_hours: float) -> str:
    return f"follow:{trade.dedup_key}:{within_hours:g}h"


def linked_key(trade: Trade) -> str:
    return f"linked:{trade.dedup_key}"


def size_emoji(usd: Decimal, tiers: tuple[Decimal, ...]) -> str:
    """🐟 under the first tier, 🦈 / 🐋 / 🐳 from each tier up (the last emoji for any tier beyond)."""
    index = tier_index(usd, tiers) + 1
    return SIZE_EMOJI[min(index, len(SIZE_EMOJI) - 1)]


def trade_title(trade: Trade, market: Market | None, tiers: tuple[Decimal, ...]) -> str:
    """ "🐋 $52.3k BUY Yes @ 0.31 — Will X happen?"."""
    question = (market.question if market is not None else "") or trade.title or trade.slug or trade.condition_id
    if len(question) > TITLE_QUESTION_MAX:
        question = question[: TITLE_QUESTION_MAX - 1].rstrip() + "…"
    outcome = trade.outcome or (f"outcome {trade.outcome_index}" if trade.outcome_index is not None else "?")
    return (
        f"{size_emoji(trade.usd, tiers)} {usd_text(trade.usd)} {trade.side.value} {outcome} "
        f"@ {price_text(trade.price)} — {question}"
    )


def market_snapshot(trade: Trade, market: Market | None) -> MarketSnapshot:
    if market is None:
        return MarketSnapshot(condition_id=trade.condition_id, question=trade.title, slug=trade.slug)
    return MarketSnapshot(
        condition_id=market.condition_id or trade.condition_id,
        question=market.question or trade.title,
        slug=market.slug or trade.slug,
        category=market.category,
        end_date=market.end_date,
        liquidity=market.liquidity,
        volume_24h=market.volume_24h,
    )


def wallet_snapshot(trade: Trade, wallet: WalletProfile | None, now: datetime) -> WalletSnapshot:
    if wallet is None:
        return WalletSnapshot(address=trade.wallet, username=trade.trader_name)
    age = wallet.age_days(now)
    return WalletSnapshot(
        address=wallet.address or trade.wallet,
        age_days=None if age is None else round(max(0.0, age), 3),
        trade_count=wallet.trade_count,
        win_rate=wallet.win_rate,
        resolved_positions=wallet.resolved_positions,
        realised_pnl=wallet.realised_pnl,
        username=wallet.username or trade.trader_name,
    )


def build_trade_alert(
    trade: Trade,
    ctx: DetectionContext,
    result: Score,
    signals: tuple[Signal, ...],
    params: DetectorParams,
    *,
    created_at: datetime,
) -> Alert:
    """The Alert for one scored trade; signals are listed strongest contribution first."""
    order = {c.kind: i for i, c in enumerate(result.contributions)}
    ranked = tuple(sorted(signals, key=lambda s: order.get(s.kind, len(order))))
    details: dict[str, Any] = {
        "why": result.explanation(),
        "contributions": [c.as_dict() for c in result.contributions],
        "families": result.families,
    }
    if ctx.price_before is not None:
        details["price_before"] = ctx.price_before
    if ctx.price_after is not None:
        details["price_after"] = ctx.price_after
    if ctx.market is not None and ctx.market.end_date is not None:
        details["hours_to_end"] = round((ctx.market.end_date - ctx.now).total_seconds() / 3600.0, 2)
    if ctx.wallet is not None and ctx.wallet.mm_confidence > 0:
        details["mm_confidence"] = round(ctx.wallet.mm_confidence, 3)
    return Alert(
        dedup_key=trade_alert_key(trade),
        kind=AlertKind.TRADE,
        severity=result.severity,
        confidence=round(result.confidence, 4),
        created_at=created_at,
        title=trade_title(trade, ctx.market, params.large_trade_tiers),
        signals=ranked,
        trade=trade,
        market=market_snapshot(trade, ctx.market),
        wallet=wallet_snapshot(trade, ctx.wallet, ctx.now),
        details=frozen_map(details),
    )


def build_follow_up_alert(
    original: Alert,
    follow: Signal,
    params: DetectorParams,
    scoring: ScoringParams,
    *,
    created_at: datetime,
) -> Alert:
    """ "It moved after this trade": the original trade's signals plus the follow-through, rescored.

    Raises ValueError for an original alert without a trade (only trade alerts are followed up).
    """
    trade = original.trade
    if trade is None:
        raise ValueError(f"alert {original.dedup_key} has no trade to follow up")
    signals, result, details = _rescored(original, follow, scoring)
    move = follow.evidence.get("move")
    moved = f"{float(move) * 100:+.1f}¢" if isinstance(move, int | float | Decimal) else "moved"
    return Alert(
        dedup_key=follow_up_key(trade, params.followup_within_hours),
        kind=AlertKind.FOLLOW_UP,
        severity=result.severity,
        confidence=round(result.confidence, 4),
        created_at=created_at,
        title=f"📈 {moved} after {original.title or trade_title(trade, None, params.large_trade_tiers)}",
        signals=signals,
        trade=trade,
        market=original.market,
        wallet=original.wallet,
        details=frozen_map(details),
    )


def _rescored(
    original: Alert, added: Signal, scoring: ScoringParams
) -> tuple[tuple[Signal, ...], Score, dict[str, Any]]:
    """The original alert's signals with `added` first (replacing one of its kind), rescored, and
    the details every follow-up carries."""
    signals = (added, *(s for s in original.signals if s.kind is not added.kind))
    result = score(signals, scoring)
    details: dict[str, Any] = {
        "why": result.explanation(),
        "contributions": [c.as_dict() for c in result.contributions],
        "families": result.families,
        "original_alert_key": original.dedup_key,
        "original_severity": original.severity.value,
        "original_confidence": original.confidence,
    }
    if original.id is not None:
        details["original_alert_id"] = original.id
    return signals, result, details


def build_linked_alert(original: Alert, linked: Signal, scoring: ScoringParams, *, created_at: datetime) -> Alert:
    """ "Its wallets are linked": the original trade's signals plus linked_wallets, rescored, as a
    follow-up of its own (the funding trace finished after the original alert went out).

    Raises ValueError for an original alert without a trade.
    """
    trade = original.trade
    if trade is None:
        raise ValueError(f"alert {original.dedup_key} has no trade to follow up")
    signals, result, details = _rescored(original, linked, scoring)
    details["follow_up"] = "linked_wallets"
    wallets = linked.evidence.get("wallets")
    head = original.title or trade_title(trade, None, DEFAULT_TIERS)
    return Alert(
        dedup_key=linked_key(trade),
        kind=AlertKind.FOLLOW_UP,
        severity=result.severity,
        confidence=round(result.confidence, 4),
        created_at=created_at,
        title=f"🔗 {wallets} linked wallets behind {head}",
        signals=signals,
        trade=trade,
        market=original.market,
        wallet=original.wallet,
        details=frozen_map(details),
    )


__all__ = [
    "build_follow_up_alert",
    "build_linked_alert",
    "build_trade_alert",
    "follow_up_key",
    "linked_key",
    "market_snapshot",
    "size_emoji",
    "trade_alert_key",
    "trade_title",
    "wallet_snapshot",
]
