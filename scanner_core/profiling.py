"""Pure wallet profiling: a wallet's trades and positions -> WalletProfile.

Honest numbers: the win rate counts losing positions that were never redeemed (still open, worth
nothing after resolution) as losses, says how many positions it rests on, and is withheld (None)
below a minimum sample. Market-maker / LP indicators each say why they fired.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from scanner_core.models import ZERO, Trade, WalletProfile


@dataclass(frozen=True, slots=True)
class ResolvedPosition:
    """One position whose market resolved: won or lost, with its realised PnL."""

    condition_id: str
    token_id: str
    avg_price: Decimal
    cost: Decimal  # USD put in
    pnl: Decimal
    resolved_at: datetime | None

    @property
    def won(self) -> bool:
        return self.pnl > 0


@dataclass(frozen=True, slots=True)
class OpenHolding:
    condition_id: str
    token_id: str
    outcome_index: int | None
    size: Decimal
    value: Decimal


@dataclass(frozen=True, slots=True)
class ProfileParams:
    min_resolved_positions: int = 10
    contrarian_price: Decimal = Decimal("0.30")
    mm_high_frequency_per_hour: float = 10.0
    mm_min_trades_for_variance: int = 20
    mm_low_size_cv: float = 0.25
    mm_many_markets: int = 100
    mm_balance_ratio: float = 0.8


MM_WEIGHTS = {
    "balanced_holdings": 0.35,
    "high_frequency": 0.25,
    "low_size_variance": 0.2,
    "many_markets": 0.2,
}


def mm_indicators(
    trades: Sequence[Trade], holdings: Sequence[OpenHolding], params: ProfileParams
) -> tuple[float, tuple[str, ...]]:
    """Market-maker / LP confidence in [0, 1] and the indicators that fired."""
    fired: list[str] = []
    by_market: dict[str, dict[int | None, Decimal]] = defaultdict(dict)
    for h in holdings:
        by_market[h.condition_id][h.outcome_index] = h.size
    balanced = 0
    for sides in by_market.values():
        if len(sides) >= 2:
            sizes = sorted(sides.values())
            if sizes[-1] > 0 and float(sizes[0] / sizes[-1]) >= params.mm_balance_ratio:
                balanced += 1
    if by_market and balanced >= max(1, len(by_market) // 3):
        fired.append("balanced_holdings")
    if len(trades) >= 2:
        times = [t.timestamp for t in trades]
        span_hours = max((max(times) - min(times)).total_seconds() / 3600, 1.0)
        if len(trades) / span_hours > params.mm_high_frequency_per_hour:
            fired.append("high_frequency")
    if len(trades) >= params.mm_min_trades_for_variance:
        sizes_f = [float(t.usd) for t in trades]
        mean = statistics.fmean(sizes_f)
        if mean > 0 and statistics.pstdev(sizes_f) / mean < params.mm_low_size_cv:
            fired.append("low_size_variance")
    if len({t.condition_id for t in trades}) >= params.mm_many_markets:
        fired.append("many_markets")
    confidence = min(1.0, sum(MM_WEIGHTS[name] for name in fired))
    return confidence, tuple(fired)


def build_profile(
    address: str,
    *,
    trades: Sequence[Trade],
    resolved: Sequence[ResolvedPosition],
    holdings: Sequence[OpenHolding] = (),
    first_activity: datetime | None,
    category_of: Callable[[str], str],
    now: datetime,
    params: ProfileParams,
    username: str = "",
    extra_trade_count: int = 0,
) -> WalletProfile:
    """`trades` is the wallet's history up to `now` (any size); `first_activity` its oldest
    Polymarket activity if known exactly (else the oldest trade seen stands in)."""
    trades = [t for t in trades if t.timestamp <= now]
    sizes = sorted(t.usd for t in trades)
    volume = sum(sizes, ZERO)
    count = len(trades)
    first_seen = min((t.timestamp for t in trades), default=None)
    if first_activity is not None and (first_seen is None or first_activity < first_seen):
        first_seen = first_activity
    last_seen = max((t.timestamp for t in trades), default=None)

    per_market: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for t in trades:
        per_market[t.condition_id] += t.usd
    biggest = sorted(per_market.items(), key=lambda kv: kv[1], reverse=True)
    per_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for condition_id, usd in biggest[:25]:
        per_category[category_of(condition_id) or "other"] += usd
    top_categories = tuple(sorted(per_category.items(), key=lambda kv: kv[1], reverse=True)[:3])
    top_share = float(biggest[0][1] / volume) if volume > 0 and biggest else 0.0

    resolved = [r for r in resolved if r.resolved_at is None or r.resolved_at <= now]
    wins = sum(1 for r in resolved if r.won)
    win_rate = wins / len(resolved) if len(resolved) >= params.min_resolved_positions else None
    contrarian = [r for r in resolved if r.avg_price < params.contrarian_price]
    mm_conf, mm_fired = mm_indicators(trades, holdings, params)
    return WalletProfile(
        address=address,
        first_seen=first_seen,
        last_seen=last_seen,
        trade_count=count + extra_trade_count,
        total_volume=volume,
        avg_trade_size=volume / count if count else ZERO,
        median_trade_size=Decimal(statistics.median(sizes)) if sizes else ZERO,
        realised_pnl=sum((r.pnl for r in resolved), ZERO),
        win_rate=win_rate,
        resolved_positions=len(resolved),
        winning_positions=wins,
        top_categories=top_categories,
        top_market_share=round(top_share, 4),
        markets_traded=len(per_market),
        mm_confidence=mm_conf,
        mm_indicators=mm_fired,
        username=username,
        contrarian_trades=len(contrarian),
        contrarian_wins=sum(1 for r in contrarian if r.won),
        updated_at=now,
    )
