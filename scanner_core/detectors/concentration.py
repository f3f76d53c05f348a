"""Concentration: most of the wallet's volume is in this one market.

The share is a lower bound: this wallet's volume in this outcome that ScanState saw within the
accumulation window (this fill included), over the profile's total volume plus this fill. History
from before the scanner started is in the profile's total but cannot be attributed to a market
here, so an old, spread-out wallet never looks concentrated by mistake. A wallet we could not
profile is skipped (unknown history is not concentration); a profile with no trades counts its
first bet as 100% of its volume.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner_core.detectors._common import signal, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext


def detect_concentration(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    wallet = ctx.wallet
    if wallet is None:
        return None
    here = max(ctx.rolling.position_gross_usd, trade.usd)
    if here < params.concentration_min_volume_usd or here <= 0:
        return None
    total = max(wallet.total_volume, here - trade.usd) + trade.usd
    share = min(1.0, float(here / total))
    need = params.concentration_min_share
    if share < need:
        return None
    strength = 1.0 if need >= 1.0 else 0.5 + 0.5 * (share - need) / (1.0 - need)
    return signal(
        SignalKind.CONCENTRATION,
        strength,
        f"{share:.0%} of this wallet's volume is in this market ({usd_text(here)} of {usd_text(total)})",
        {"share": round(share, 4), "market_usd": here, "wallet_volume_usd": total},
    )
