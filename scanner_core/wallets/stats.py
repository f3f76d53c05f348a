"""Small statistics of wallet records: the one win rate (with its sample and Wilson bound),
drawdown, how spread out PnL is, and the few formats reasons use."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from scanner_core.models import ZERO
from scanner_core.wallets.history import ResolvedPosition

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


@dataclass(frozen=True, slots=True)
class WinRecord:
    """The one win rate: wins / n over resolved positions, with the sample it rests on and the
    lower end of its 95 % Wilson interval. `rate` and `lower` are None below `min_sample`: a rate
    without enough positions behind it misleads."""

    wins: int
    n: int
    rate: float | None
    lower: float | None

    @classmethod
    def of(cls, wins: int, n: int, min_sample: int = 1) -> WinRecord:
        if n <= 0 or n < min_sample:
            return cls(wins, n, None, None)
        return cls(wins, n, wins / n, wilson_lower_bound(wins, n))

    @classmethod
    def of_positions(cls, positions: Sequence[ResolvedPosition], min_sample: int = 1) -> WinRecord:
        return cls.of(sum(1 for p in positions if p.won), len(positions), min_sample)


def mean_price(positions: Sequence[ResolvedPosition]) -> float:
    """Average price paid per position: the win rate a bettor without edge would expect."""
    if not positions:
        return 0.0
    return float(sum((p.avg_price for p in positions), ZERO) / len(positions))


def drawdown(pnls: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    """(largest fall of cumulative PnL from a running peak, highest cumulative PnL), starting at 0."""
    equity = peak = worst = ZERO
    for pnl in pnls:
        equity += pnl
        peak = max(peak, equity)
        worst = max(worst, peak - equity)
    return worst, peak


def pnl_by_market(positions: Iterable[ResolvedPosition]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for position in positions:
        out[position.condition_id] += position.realised_pnl
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
