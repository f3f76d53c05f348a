"""The one market-maker / liquidity-provider rule set. Pure.

Read by the profile (the pipeline's LP filter and every alert's wallet line) and by the
classifier's first stage, from the same facts of the same history as of the same moment, so the
two never disagree. Each indicator says why it fired.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner_core.wallets.params import MarketMakerParams
from scanner_core.wallets.stats import pct

WEIGHTS = {
    "two_sided": 0.6,  # held both outcomes of many markets: quoting both sides
    "very_broad": 0.6,  # a thousand markets: only bots and LPs spread that wide
    "high_frequency": 0.25,
    "low_size_variance": 0.2,
    "many_markets": 0.2,
}


@dataclass(frozen=True, slots=True)
class MarketFacts:
    """What the rules read about a wallet as of one moment."""

    trades: int
    trades_per_hour: float  # over the span from its first trade to its latest (at least an hour)
    size_cv: float | None  # stdev / mean of trade sizes (None: too few trades to say)
    markets: int  # markets traded
    position_markets: int  # markets where it held a position
    two_sided_markets: int  # of those, markets where it held both outcomes


@dataclass(frozen=True, slots=True)
class MarketMaking:
    confidence: float  # 0..1
    indicators: tuple[str, ...]
    reasons: tuple[str, ...]  # one per indicator, for people

    def is_market_maker(self, params: MarketMakerParams) -> bool:
        return self.confidence >= params.confidence


def market_making(facts: MarketFacts, params: MarketMakerParams, *, explain: bool = True) -> MarketMaking:
    """The rules' verdict; `explain=False` leaves the reasons out (a profile only keeps the names)."""
    fired: list[str] = []
    reasons: list[str] = []
    if facts.position_markets >= params.min_markets:
        share = facts.two_sided_markets / facts.position_markets
        if share >= params.both_sides_share:
            fired.append("two_sided")
            if explain:
                reasons.append(f"held both outcomes in {pct(share)} of {facts.position_markets} markets")
    if facts.markets >= params.max_markets:
        fired.append("very_broad")
        if explain:
            reasons.append(f"{facts.markets} markets traded (bots and LPs spread that wide)")
    elif facts.markets >= params.many_markets:
        fired.append("many_markets")
        if explain:
            reasons.append(f"{facts.markets} markets traded")
    if facts.trades >= 2 and facts.trades_per_hour > params.high_frequency_per_hour:
        fired.append("high_frequency")
        if explain:
            reasons.append(f"{facts.trades_per_hour:.0f} trades an hour")
    cv = facts.size_cv
    if facts.trades >= params.min_trades_for_variance and cv is not None and cv < params.low_size_cv:
        fired.append("low_size_variance")
        if explain:
            reasons.append(f"trade sizes within {pct(cv)} of their mean")
    confidence = min(1.0, sum(WEIGHTS[name] for name in fired))
    return MarketMaking(round(confidence, 4), tuple(fired), tuple(reasons))
