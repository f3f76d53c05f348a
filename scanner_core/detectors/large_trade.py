"""Large trade: the trade's USD size reaches one of the size tiers (default $10k / $50k / $100k)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner_core.detectors._common import signal, tier_index, tier_strength, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext


def detect_large_trade(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    tiers = params.large_trade_tiers
    index = tier_index(trade.usd, tiers)
    if index < 0:
        return None
    tier = tiers[index]
    return signal(
        SignalKind.LARGE_TRADE,
        tier_strength(index, len(tiers)),
        f"{usd_text(trade.usd)} {trade.side.value.lower()}: size tier {index + 1} of {len(tiers)} (≥ {usd_text(tier)})",
        {"usd": trade.usd, "tier": index + 1, "tier_usd": tier, "tiers": len(tiers)},
    )
