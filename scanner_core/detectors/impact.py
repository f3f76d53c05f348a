"""Market impact (odds moved, share of liquidity and of 24 h volume) and niche markets.

The price move is signed in the trade's direction: a BUY that lifts its outcome, a SELL that
pushes it down. Without a price after the trade (no book or later print), the trade's own fill
price is used: a sweep that fills at 0.36 after the last print at 0.30 moved the odds at least
that far. Shares of liquidity and 24 h volume are skipped when those are zero or unknown (a
market with zero reported liquidity is usually one Gamma stopped reporting, not an empty book).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from scanner_core.detectors._common import price_text, ramp, signal, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Side, Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext


def detect_market_impact(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    evidence: dict[str, Any] = {}
    parts: list[str] = []
    scores: list[float] = []
    before = ctx.price_before
    if before is not None:
        after = ctx.price_after if ctx.price_after is not None else trade.price
        move = float(after - before) if trade.side is Side.BUY else float(before - after)
        evidence.update(price_before=before, price_after=after, price_move=round(move, 4))
        if move >= params.impact_min_price_move:
            scores.append(ramp(move, params.impact_min_price_move))
            parts.append(f"moved {trade.outcome or 'the price'} {price_text(before)} → {price_text(after)}")
    market = ctx.market
    if market is not None:
        _share(trade.usd, market.liquidity, params.impact_min_liquidity_share, "liquidity", evidence, parts, scores)
        _share(trade.usd, market.volume_24h, params.impact_min_volume_share, "volume_24h", evidence, parts, scores)
    if not scores:
        return None
    return signal(SignalKind.MARKET_IMPACT, max(scores), f"Market impact: {'; '.join(parts)}", evidence)


def _share(
    usd: Decimal,
    base: Decimal | None,
    threshold: float,
    name: str,
    evidence: dict[str, Any],
    parts: list[str],
    scores: list[float],
) -> None:
    if base is None or base <= 0:
        return
    share = float(usd / base)
    evidence[f"{name}_usd"] = base
    evidence[f"{name}_share"] = round(share, 4)
    if share >= threshold:
        scores.append(ramp(share, threshold))
        label = "liquidity" if name == "liquidity" else "24 h volume"
        parts.append(f"{share:.0%} of {label} ({usd_text(base)})")


def detect_niche_market(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    """24 h volume under `niche_market_volume_usd`: a thin market where one bet says more."""
    market = ctx.market
    if market is None or market.volume_24h is None:
        return None
    volume, niche = market.volume_24h, params.niche_market_volume_usd
    if niche <= 0 or volume >= niche:
        return None
    thinness = 1.0 - float(max(volume, Decimal(0)) / niche)
    evidence: dict[str, Any] = {"volume_24h_usd": volume, "niche_below_usd": niche}
    if volume > 0:
        evidence["volume_share"] = round(float(trade.usd / volume), 4)
    return signal(
        SignalKind.NICHE_MARKET,
        0.4 + 0.6 * thinness,
        f"Niche market: {usd_text(volume)} traded in 24 h (under {usd_text(niche)})",
        evidence,
    )
