"""What judging a wallet takes: the profile's parameters (the one market-maker rule set among
them) and the fetcher's limits, each one frozen value built from Settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from scanner_core.config import DetectorSettings, WalletSettings


@dataclass(frozen=True, slots=True)
class MarketMakerParams:
    """The one market-maker / LP rule set (scanner_core.wallets.marketmaker)."""

    min_markets: int = 10  # holding both outcomes is judged over at least this many markets
    both_sides_share: float = 0.3  # share of those markets where both outcomes were held
    high_frequency_per_hour: float = 10.0
    min_trades_for_variance: int = 20
    low_size_cv: float = 0.25  # trade sizes this uniform (stdev / mean) look like a bot quoting
    many_markets: int = 100
    max_markets: int = 1000  # bots and LPs spread this wide
    confidence: float = 0.6  # at or above: a market maker (the pipeline's LP filter, the classifier's reject)


@dataclass(frozen=True, slots=True)
class ProfileParams:
    min_resolved_positions: int = 10  # below: no win rate (the sample is said instead)
    contrarian_price: Decimal = Decimal("0.30")  # positions bought below this are long shots
    mm: MarketMakerParams = field(default_factory=MarketMakerParams)

    @classmethod
    def from_settings(cls, s: WalletSettings, detectors: DetectorSettings) -> ProfileParams:
        """The wallets' own section, and the detectors' long-shot price and market-maker confidence
        (one threshold for what the profile says and what the pipeline filters)."""
        return cls(
            min_resolved_positions=s.wallet_min_resolved_positions,
            contrarian_price=Decimal(str(detectors.contrarian_low_price)),
            mm=MarketMakerParams(
                both_sides_share=s.walletscan_mm_both_sides_share,
                max_markets=s.walletscan_mm_max_markets,
                confidence=detectors.lp_filter_confidence,
            ),
        )


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How much of a history one fetch takes, within the Data API's documented limits."""

    max_resolved: int = 200  # resolved positions at or before the fetch's end (/closed-positions: 50 a page)
    max_open: int = 500  # /positions: one page of at most 500
    max_activity: int = 2000  # activity rows (/activity: 500 a page, offset <= 10,000, then by time window)

    @classmethod
    def from_settings(cls, s: WalletSettings) -> FetchLimits:
        return cls(
            max_resolved=s.walletscan_max_resolved_positions,
            max_open=s.walletscan_max_open_positions,
            max_activity=s.walletscan_max_trades,
        )
