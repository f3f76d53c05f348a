"""Timing: a trade close to the market's end date, and afterwards the follow-up "the price moved
in this trade's direction within T hours".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from scanner_core.detectors._common import hours_text, price_text, signal
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Side, Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext


def detect_near_resolution(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    """Within `timing_hours_before_end` of the end date; 0.5 at the limit, 1.0 at the end.

    A trade up to the same span past the scheduled end (markets often trade on while resolution
    is pending) counts at the base strength and says so; later than that it is stale, not timing.
    """
    market = ctx.market
    if market is None or market.end_date is None:
        return None
    limit = params.timing_hours_before_end
    hours = (market.end_date - ctx.now).total_seconds() / 3600.0
    if hours > limit or hours < -limit:
        return None
    if hours >= 0:
        return signal(
            SignalKind.NEAR_RESOLUTION,
            0.5 + 0.5 * (1.0 - hours / limit),
            f"{hours_text(hours)} before the market's end date",
            {"hours_to_end": round(hours, 2), "end_date": market.end_date.isoformat(), "limit_hours": limit},
        )
    return signal(
        SignalKind.NEAR_RESOLUTION,
        0.5,
        f"{hours_text(-hours)} after the scheduled end date, before resolution",
        {"hours_to_end": round(hours, 2), "end_date": market.end_date.isoformat(), "past_end": "yes"},
    )


def detect_follow_through(trade: Trade, price: Decimal, observed_at: datetime, params: DetectorParams) -> Signal | None:
    """PRICE_FOLLOW_THROUGH when `price` (of the trade's outcome, seen at `observed_at`) moved at
    least `followup_min_move` in the trade's direction within `followup_within_hours`.

    Pure: the caller supplies the observation (FollowUpTracker in context.py feeds it every print).
    """
    elapsed = (observed_at - trade.timestamp).total_seconds() / 3600.0
    if elapsed < 0 or elapsed > params.followup_within_hours:
        return None
    move = float(price - trade.price) if trade.side is Side.BUY else float(trade.price - price)
    threshold = params.followup_min_move
    if move < threshold or move <= 0:
        return None
    strength = 0.5 + 0.5 * min(1.0, (move - threshold) / max(threshold, 0.01) / 2)
    return signal(
        SignalKind.PRICE_FOLLOW_THROUGH,
        strength,
        f"{trade.outcome or 'Price'} went {price_text(trade.price)} → {price_text(price)} "
        f"({move * 100:+.1f}¢ for the trade) within {hours_text(elapsed)}",
        {
            "entry_price": trade.price,
            "observed_price": price,
            "move": round(move, 4),
            "hours_after": round(elapsed, 3),
            "observed_at": observed_at.isoformat(),
        },
    )
