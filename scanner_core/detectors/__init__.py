"""Detectors: pure functions `(trade, ctx, params) -> Signal | None`, in one ordered registry.

Adding a detector: one module here, one entry in DETECTORS (and LP_DETECTORS if a market maker
may raise it), its knobs in Settings + DetectorParams, one test file in tests/unit/detectors/.
The follow-up detector (`timing.detect_follow_through`) is not in the registry: it judges a later
price observation of an alerted trade, fed by `context.FollowUpTracker`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scanner_core.detectors.accumulation import detect_accumulation
from scanner_core.detectors.clustering import detect_cluster, detect_coordinated_pair
from scanner_core.detectors.concentration import detect_concentration
from scanner_core.detectors.contrarian import detect_contrarian
from scanner_core.detectors.fresh_wallet import detect_fresh_wallet
from scanner_core.detectors.impact import detect_market_impact, detect_niche_market
from scanner_core.detectors.large_trade import detect_large_trade
from scanner_core.detectors.linked_wallets import detect_linked_wallets
from scanner_core.detectors.params import DetectorParams
from scanner_core.detectors.timing import detect_follow_through, detect_near_resolution
from scanner_core.detectors.unusual_size import detect_unusual_size
from scanner_core.models import Signal, SignalKind, Trade, WalletProfile

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext

Detector = Callable[[Trade, "DetectionContext", DetectorParams], Signal | None]

DETECTORS: tuple[Detector, ...] = (
    detect_large_trade,
    detect_fresh_wallet,
    detect_unusual_size,
    detect_market_impact,
    detect_niche_market,
    detect_cluster,
    detect_coordinated_pair,
    detect_near_resolution,
    detect_contrarian,
    detect_accumulation,
    detect_concentration,
    detect_linked_wallets,
)

# What a market maker / liquidity provider may still raise. Its size and its effect on the odds
# are facts about the market worth knowing (and an alerted trade's price follow-through too);
# everything that reads intent into a wallet (fresh, unusual for it, concentrated, contrarian,
# accumulating, clustering, timing) is what LP flow fakes all day, so that stays out.
LP_DETECTORS: tuple[Detector, ...] = (detect_large_trade, detect_market_impact)
LP_ALLOWED_KINDS = frozenset({SignalKind.LARGE_TRADE, SignalKind.MARKET_IMPACT, SignalKind.PRICE_FOLLOW_THROUGH})


def is_market_maker(wallet: WalletProfile | None, params: DetectorParams) -> bool:
    """mm_confidence at or above lp_filter_confidence (a missing profile is not a market maker)."""
    return wallet is not None and wallet.mm_confidence >= params.lp_filter_confidence


def run_detectors(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> tuple[Signal, ...]:
    """Every signal the trade raises, in registry order; market makers get LP_DETECTORS only."""
    found = []
    for detect in LP_DETECTORS if is_market_maker(ctx.wallet, params) else DETECTORS:
        hit = detect(trade, ctx, params)
        if hit is not None:
            found.append(hit)
    return tuple(found)


__all__ = [
    "DETECTORS",
    "LP_ALLOWED_KINDS",
    "LP_DETECTORS",
    "Detector",
    "DetectorParams",
    "detect_follow_through",
    "detect_linked_wallets",
    "is_market_maker",
    "run_detectors",
]
