"""Stage 3, full scoring: specialisation, consistency, capital efficiency and recency -> 0-100.

Win rates are honest: unredeemed losers count, and a win rate is only credit where its 95 % lower
bound (Wilson) beats the average price the wallet paid, i.e. the win rate a bettor without edge
would get at those odds. Buying favourites at 0.90 and winning 90 % of the time is no skill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from scanner_core.models import ZERO, WalletClass
from scanner_core.wallets.classifier.judged import Judged
from scanner_core.wallets.classifier.params import ClassifierParams
from scanner_core.wallets.history import ResolvedPosition
from scanner_core.wallets.stats import WinRecord, clamp01, effective_count, mean_price, pct, pnl_by_market, usd


@dataclass(frozen=True, slots=True)
class Scored:
    classification: WalletClass
    score: float  # 0..100
    flags: tuple[str, ...]
    reasons: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Record:
    """A win record (the one rule: WinRecord) and the mean price paid for it."""

    n: int
    wins: int
    win_rate: float
    lower: float  # Wilson 95 % lower bound of the win rate
    price: float  # mean price paid

    @property
    def edge(self) -> float:
        """Lower bound of the win rate above the price paid: positive = beats the odds with confidence."""
        return self.lower - self.price

    @classmethod
    def of(cls, record: WinRecord, bets: Sequence[ResolvedPosition]) -> _Record:
        return cls(record.n, record.wins, record.rate or 0.0, record.lower or 0.0, mean_price(bets))


def evaluate(judged: Judged, params: ClassifierParams) -> Scored:
    bets = judged.resolved
    overall = _Record.of(judged.record, bets)  # the profile's own record: /wallet shows these numbers
    unredeemed_losers = sum(1 for b in bets if not b.redeemed and not b.won)
    net = sum((b.realised_pnl for b in bets), ZERO)
    cost = sum((b.cost_usd for b in bets), ZERO)
    reasons: list[str] = []
    flags: list[str] = []

    # specialisation: where the money goes, and whether the wallet wins there
    groups: dict[str, list[ResolvedPosition]] = defaultdict(list)
    for bet in bets:
        groups[bet.category or "other"].append(bet)
    volume = {cat: sum((b.cost_usd for b in g), ZERO) for cat, g in groups.items()}
    top = max(volume, key=lambda c: volume[c]) if volume else "other"
    share = float(volume[top] / cost) if cost > ZERO else 0.0
    top_bets = groups.get(top, [])
    top_record = _Record.of(WinRecord.of_positions(top_bets), top_bets)
    specialisation = 0.5 * clamp01(share / params.specialist_share) + 0.5 * clamp01(
        top_record.edge / params.edge_target
    )
    if share >= params.specialist_share:
        flags.append("specialist")
    reasons.append(
        f"{pct(share)} of volume in {top}: won {top_record.wins} of {top_record.n} there"
        f" ({pct(top_record.win_rate)}, at least {pct(top_record.lower)} at 95% confidence"
        f" vs {pct(top_record.price)} average price)"
    )

    # consistency: a proven edge over the odds, and profit spread over many markets
    per_market = pnl_by_market(bets)
    spread = effective_count(per_market.values())
    consistency = 0.6 * clamp01(overall.edge / params.edge_target) + 0.4 * clamp01(
        spread / params.spread_target_markets
    )
    truncated = " (the latest ones)" if judged.history.resolved_truncated else ""
    reasons.append(
        f"won {overall.wins} of {overall.n} resolved positions{truncated} ({pct(overall.win_rate)};"
        f" {unredeemed_losers} unredeemed losers counted): at least {pct(overall.lower)} at 95% confidence"
        f" vs {pct(overall.price)} average price paid"
    )
    reasons.append(f"profit spread over {len(per_market)} markets, worth {spread:.1f} equal ones")

    # capital efficiency: realised PnL per dollar deployed
    roi = float(net / cost) if cost > ZERO else 0.0
    efficiency = clamp01(roi / params.roi_target)
    reasons.append(f"realised PnL {usd(net)} on {usd(cost)} deployed ({pct(roi)} return)")

    # recency: active lately, and not losing lately
    recency, recency_text, recent_pnl = _recency(judged, params)
    reasons.append(recency_text)

    weights = (
        params.weight_specialisation,
        params.weight_consistency,
        params.weight_efficiency,
        params.weight_recency,
    )
    parts = (specialisation, consistency, efficiency, recency)
    total_weight = sum(weights)
    score = (
        round(100 * sum(w * p for w, p in zip(weights, parts, strict=True)) / total_weight, 1) if total_weight else 0.0
    )

    if score >= params.target_score and overall.edge >= params.target_min_edge:
        klass = WalletClass.TARGET
        verdict = f"score {score:.0f} (TARGET at {params.target_score:g}+)"
    elif score >= params.watchlist_score:
        klass = WalletClass.WATCHLIST
        verdict = f"score {score:.0f} (WATCHLIST at {params.watchlist_score:g}+)"
        if score >= params.target_score:
            flags.append("edge_unproven")
            verdict += ": its win rate is not yet proven above the prices it pays"
    else:
        klass = WalletClass.REJECT
        flags.append("low_score")
        verdict = f"score {score:.0f}, below the WATCHLIST mark {params.watchlist_score:g}"
    reasons.insert(0, verdict)

    details: dict[str, Any] = {
        "score_parts": {
            "specialisation": round(specialisation, 4),
            "consistency": round(consistency, 4),
            "efficiency": round(efficiency, 4),
            "recency": round(recency, 4),
        },
        "win_rate": round(overall.win_rate, 4),
        "win_rate_lower": round(overall.lower, 4),
        "mean_price": round(overall.price, 4),
        "edge_lower": round(overall.edge, 4),
        "top_category": top,
        "top_category_share": round(share, 4),
        "top_category_win_rate": round(top_record.win_rate, 4),
        "top_category_resolved": top_record.n,
        "effective_markets": round(spread, 2),
        "roi": round(roi, 4),
        "recent_pnl": str(recent_pnl),
    }
    return Scored(klass, score, tuple(flags), tuple(reasons), details)


def _recency(judged: Judged, params: ClassifierParams) -> tuple[float, str, Decimal]:
    now = judged.now
    recent_since = now - timedelta(days=params.recent_days)
    recent = [b for b in judged.resolved if b.resolved_at >= recent_since]
    recent_pnl = sum((b.realised_pnl for b in recent), ZERO)
    last = judged.last_activity
    if last is None:
        return 0.0, "no recorded activity", recent_pnl
    days = max(0.0, (now - last).total_seconds() / 86400)
    value = clamp01(1 - days / params.max_inactive_days)
    plural = "s" if days >= 1.5 else ""
    text = "last active today" if days < 1 else f"last active {days:.0f} day{plural} ago"
    if recent:
        text += f"; {usd(recent_pnl)} on {len(recent)} positions resolved in the last {params.recent_days:g} days"
        if recent_pnl < ZERO:
            value *= 0.5
    return value, text, recent_pnl
