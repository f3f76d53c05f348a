"""Unusual size: this trade against the wallet's own typical trade.

The baseline is the larger of the wallet's average and median trade: sizes are heavy-tailed, so
the median alone would call a whale's ordinary trade "unusual", and the average alone hides a
small trader's sudden big bet less well than it sounds. Needs `unusual_size_min_history` trades.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner_core.detectors._common import ramp, signal, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext


def detect_unusual_size(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    wallet = ctx.wallet
    if wallet is None or wallet.trade_count < params.unusual_size_min_history:
        return None
    baseline = max(wallet.avg_trade_size, wallet.median_trade_size)
    if baseline <= 0 or trade.usd <= 0:
        return None
    ratio = float(trade.usd / baseline)
    multiple = params.unusual_size_multiple
    if ratio < multiple:
        return None
    return signal(
        SignalKind.UNUSUAL_SIZE,
        ramp(ratio, multiple, span=max(multiple, 2.0)),
        f"{ratio:.0f}x this wallet's typical trade ({usd_text(trade.usd)} vs {usd_text(baseline)})",
        {
            "usd": trade.usd,
            "ratio": round(ratio, 2),
            "avg_trade_usd": wallet.avg_trade_size,
            "median_trade_usd": wallet.median_trade_size,
            "prior_trades": wallet.trade_count,
        },
    )
