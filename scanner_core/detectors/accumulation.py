"""Accumulation: a wallet's net position in one outcome, built from at least
`accumulation_min_fills` buys within `accumulation_window_hours`, reaches a size tier.

ScanState counts every fill (sub-floor ones too, so splitting an order hides nothing) and marks a
tier the first time the position reaches it; this detector turns that mark into a Signal, once per
tier. A position that is mostly one big fill is weaker evidence of a build-up (the large-trade
detector already speaks for that fill).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner_core.detectors._common import hours_text, signal, tier_strength, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext


def detect_accumulation(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    rolling = ctx.rolling
    index = rolling.accumulation_tier
    tiers = params.large_trade_tiers
    if index is None or not 0 <= index < len(tiers) or rolling.position_cents <= 0:
        return None
    largest_share = min(1.0, rolling.position_largest_fill_cents / rolling.position_cents)
    strength = tier_strength(index, len(tiers)) * (1.0 - 0.5 * largest_share)
    return signal(
        SignalKind.ACCUMULATION,
        strength,
        f"Built {usd_text(rolling.position_usd)} in {trade.outcome or 'one outcome'} over "
        f"{rolling.position_fills} buys in {hours_text(rolling.position_span_hours)} (tier {usd_text(tiers[index])})",
        {
            "position_usd": rolling.position_usd,
            "fills": rolling.position_fills,
            "span_hours": round(rolling.position_span_hours, 2),
            "largest_fill_usd": rolling.position_largest_fill_usd,
            "tier": index + 1,
            "tier_usd": tiers[index],
            "window_hours": params.accumulation_window_hours,
        },
    )
