"""The wallet classifier's thresholds and weights: one frozen value built from Settings.

The resolved-position minimum and the market-maker rules are the profile's (`profile`): the
classifier judges the same profile that `/wallet` shows and the pipeline filters on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from scanner_core.config import DetectorSettings, WalletSettings
from scanner_core.wallets.params import ProfileParams


@dataclass(frozen=True, slots=True)
class ClassifierParams:
    profile: ProfileParams = field(default_factory=ProfileParams)
    # stage 1
    max_inactive_days: float = 30.0
    generalist_min_categories: int = 5
    generalist_max_top_share: float = 0.35
    edge_min_bets: int = 5
    edge_win_rate: float = 0.55
    # stage 2
    martingale_growth: Decimal = Decimal("1.5")
    martingale_min_losses: int = 3
    martingale_share: float = 0.6
    martingale_window_hours: float = 72.0
    max_drawdown: float = 0.5
    max_pnl_concentration: float = 0.5
    extreme_price: Decimal = Decimal("0.95")
    max_extreme_share: float = 0.5
    # stage 3
    target_score: float = 70.0
    watchlist_score: float = 45.0
    target_min_edge: float = 0.0
    edge_target: float = 0.10
    roi_target: float = 0.25
    spread_target_markets: float = 10.0
    specialist_share: float = 0.6
    recent_days: float = 30.0
    weight_specialisation: float = 0.2
    weight_consistency: float = 0.35
    weight_efficiency: float = 0.3
    weight_recency: float = 0.15

    @property
    def min_resolved(self) -> int:
        return self.profile.min_resolved_positions

    @classmethod
    def from_settings(cls, s: WalletSettings, detectors: DetectorSettings) -> ClassifierParams:
        return cls(
            profile=ProfileParams.from_settings(s, detectors),
            max_inactive_days=s.walletscan_max_inactive_days,
            generalist_min_categories=s.walletscan_generalist_min_categories,
            generalist_max_top_share=s.walletscan_generalist_max_top_share,
            edge_min_bets=s.walletscan_edge_min_bets,
            edge_win_rate=s.walletscan_edge_win_rate,
            martingale_growth=Decimal(str(s.walletscan_martingale_growth)),
            martingale_min_losses=s.walletscan_martingale_min_losses,
            martingale_share=s.walletscan_martingale_share,
            martingale_window_hours=s.walletscan_martingale_window_hours,
            max_drawdown=s.walletscan_max_drawdown,
            max_pnl_concentration=s.walletscan_max_pnl_concentration,
            extreme_price=Decimal(str(s.walletscan_extreme_price)),
            max_extreme_share=s.walletscan_max_extreme_share,
            target_score=s.walletscan_target_score,
            watchlist_score=s.walletscan_watchlist_score,
            target_min_edge=s.walletscan_target_min_edge,
            edge_target=s.walletscan_edge_target,
            roi_target=s.walletscan_roi_target,
            spread_target_markets=s.walletscan_spread_target_markets,
            specialist_share=s.walletscan_specialist_share,
            recent_days=s.walletscan_recent_days,
            weight_specialisation=s.walletscan_weight_specialisation,
            weight_consistency=s.walletscan_weight_consistency,
            weight_efficiency=s.walletscan_weight_efficiency,
            weight_recency=s.walletscan_weight_recency,
        )
