"""Small statistics the stages share: win-rate bounds, drawdown, how spread out PnL is."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from scanner_core.models import ZERO
from scanner_core.walletscan.history import ResolvedBet

Z_95 = 1.959964  # two-sided 95 %


def wilson_lower_bound(wins: int, n: int, z: float = Z_95) -> float:
    """Lower end of the Wilson score interval for a win rate: small samples are pulled towards 0.5.

    8 wins out of 10 and 80 out of 100 are both 80 %, but only the second is evidence (0.49 vs 0.71).
    """
    if n <= 0:
        return 0.0
    p = wins / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


def mean_price(bets: Sequence[ResolvedBet]) -> float:
    """Average price paid per bet: the win rate a bettor without edge would expect."""
    if not bets:
        return 0.0
    return float(sum((b.avg_price for b in bets), ZERO) / len(bets))


def by_resolution(bets: Iterable[ResolvedBet]) -> list[ResolvedBet]:
    """Bets in the order their results became known (undated ones last, in their given order)."""
    dated = sorted((b for b in bets if b.resolved_at is not None), key=_resolved_key)
    return dated + [b for b in bets if b.resolved_at is None]


def _resolved_key(bet: ResolvedBet) -> datetime:
    assert bet.resolved_at is not None
    return bet.resolved_at


def drawdown(pnls: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    """(largest fall of cumulative PnL from a running peak, highest cumulative PnL), starting at 0."""
    equity = peak = worst = ZERO
    for pnl in pnls:
        equity += pnl
        peak = max(peak, equity)
        worst = max(worst, peak - equity)
    return worst, peak


def pnl_by_market(bets: Iterable[ResolvedBet]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for bet in bets:
        out[bet.condition_id] += bet.realised_pnl
    return dict(out)


def effective_count(values: Iterable[Decimal]) -> float:
    """1 / Herfindahl index of the positive values: how many equal parts they are worth."""
    positive = [v for v in values if v > ZERO]
    total = sum(positive, ZERO)
    if total <= ZERO:
        return 0.0
    hhi = sum(float(v / total) ** 2 for v in positive)
    return 1.0 / hhi if hhi else 0.0


def clamp01(value: float) -> float:
    return 0.0 if value <= 0 else 1.0 if value >= 1 else value


def usd(value: Decimal) -> str:
    """Whole dollars with a thousands separator and sign, for reasons people read."""
    rounded = value.quantize(Decimal(1))
    return f"-${-rounded:,}" if rounded < 0 else f"${rounded:,}"


def pct(value: float) -> str:
    return f"{value * 100:.0f}%"
