"""Frozen detector parameters, built once from Settings.

Detectors, filters and the rolling state read these instead of Settings so the hot path touches
plain attributes (no pydantic), money stays Decimal and ratios are floats converted once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scanner_core.config import DetectorSettings


@dataclass(frozen=True, slots=True)
class DetectorParams:
    # filters
    min_trade_usd: Decimal
    excluded_market_keywords: tuple[str, ...]
    exclude_price_at_or_above: Decimal
    lp_filter_confidence: float
    # size
    large_trade_tiers: tuple[Decimal, ...]
    # wallet
    fresh_wallet_max_age_days: float
    fresh_wallet_max_trades: int
    unusual_size_multiple: float
    unusual_size_min_history: int
    concentration_min_share: float
    concentration_min_volume_usd: Decimal
    # market
    impact_min_price_move: float
    impact_min_liquidity_share: float
    impact_min_volume_share: float
    impact_price_max_age_seconds: float
    niche_market_volume_usd: Decimal
    # coordination
    cluster_window_seconds: float
    cluster_min_wallets: int
    cluster_min_usd: Decimal
    pair_window_seconds: float
    pair_min_shared_markets: int
    # timing and follow-up
    timing_hours_before_end: float
    followup_min_move: float
    followup_within_hours: float
    followup_confirm_trades: int
    followup_max_pending: int
    # contrarian
    contrarian_low_price: Decimal
    contrarian_high_price: Decimal
    # accumulation
    accumulation_window_hours: float
    accumulation_min_fills: int
    # rolling-state capacity
    state_max_tokens: int
    state_max_positions: int
    state_max_pairs: int
    # linked wallets (funding)
    linked_min_wallets: int = 2

    @classmethod
    def from_settings(cls, s: DetectorSettings) -> DetectorParams:
        return cls(
            min_trade_usd=s.min_trade_usd,
            excluded_market_keywords=tuple(_keyword(k) for k in s.excluded_market_keywords if k.strip()),
            exclude_price_at_or_above=s.exclude_price_at_or_above,
            lp_filter_confidence=s.lp_filter_confidence,
            large_trade_tiers=tuple(s.large_trade_tiers),
            fresh_wallet_max_age_days=float(s.fresh_wallet_max_age_days),
            fresh_wallet_max_trades=s.fresh_wallet_max_trades,
            unusual_size_multiple=s.unusual_size_multiple,
            unusual_size_min_history=s.unusual_size_min_history,
            concentration_min_share=s.concentration_min_share,
            concentration_min_volume_usd=s.concentration_min_volume_usd,
            impact_min_price_move=s.impact_min_price_move,
            impact_min_liquidity_share=s.impact_min_liquidity_share,
            impact_min_volume_share=s.impact_min_volume_share,
            impact_price_max_age_seconds=s.impact_price_max_age_seconds,
            niche_market_volume_usd=s.niche_market_volume_usd,
            cluster_window_seconds=float(s.cluster_window_seconds),
            cluster_min_wallets=s.cluster_min_wallets,
            cluster_min_usd=s.cluster_min_usd,
            pair_window_seconds=float(s.pair_window_seconds),
            pair_min_shared_markets=s.pair_min_shared_markets,
            timing_hours_before_end=s.timing_hours_before_end,
            followup_min_move=s.followup_min_move,
            followup_within_hours=s.followup_within_hours,
            followup_confirm_trades=s.followup_confirm_trades,
            followup_max_pending=s.followup_max_pending,
            contrarian_low_price=Decimal(str(s.contrarian_low_price)),
            contrarian_high_price=Decimal(str(s.contrarian_high_price)),
            accumulation_window_hours=s.accumulation_window_hours,
            accumulation_min_fills=s.accumulation_min_fills,
            state_max_tokens=s.state_max_tokens,
            state_max_positions=s.state_max_positions,
            state_max_pairs=s.state_max_pairs,
            linked_min_wallets=s.linked_min_wallets,
        )


def _keyword(value: str) -> str:
    """Keywords match slugs and titles alike: lowercase, hyphens and underscores as spaces."""
    return " ".join(value.lower().replace("-", " ").replace("_", " ").split())
