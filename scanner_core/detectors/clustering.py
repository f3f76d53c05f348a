"""Clustering (several wallets buying one outcome within minutes) and coordinated pairs (two
wallets that keep making the same bet in the same markets within seconds).

Both read the aggregates ScanState froze at observation time. A cluster needs distinct wallets
AND as many distinct transactions: one taker sweeping five resting bids makes five "buyers" in
one transaction, which is a single decision, not a cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner_core.detectors._common import cents_text, short_address, signal, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Side, Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext

MAX_LISTED = 8  # wallets named in evidence


def detect_cluster(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    if trade.side is not Side.BUY or trade.usd < params.cluster_min_usd:
        return None
    members = ctx.rolling.cluster
    wallets = len(members) + 1
    need = params.cluster_min_wallets
    if wallets < need or ctx.rolling.cluster_transactions < need:
        return None
    total = sum((m.usd for m in members), trade.usd)
    span = max(m.seconds_before for m in members)
    ranked = sorted(members, key=lambda m: m.usd, reverse=True)[:MAX_LISTED]
    return signal(
        SignalKind.CLUSTER,
        0.5 + 0.5 * min(1.0, (wallets - need) / need),
        f"{wallets} wallets bought {trade.outcome or 'this outcome'} within {span / 60:.1f} min "
        f"({usd_text(total)} together)",
        {
            "wallets": wallets,
            "transactions": ctx.rolling.cluster_transactions,
            "total_usd": total,
            "span_seconds": round(span, 1),
            "window_seconds": params.cluster_window_seconds,
            "others": ",".join(m.wallet for m in ranked),
            "others_usd": ",".join(cents_text(m.usd) for m in ranked),
            "others_seconds_before": ",".join(f"{m.seconds_before:.0f}" for m in ranked),
        },
    )


def detect_coordinated_pair(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    partners = ctx.rolling.partners
    if not partners:
        return None
    best = max(partners, key=lambda p: (p.shared_markets, p.co_trades))
    need = params.pair_min_shared_markets
    return signal(
        SignalKind.COORDINATED_PAIR,
        0.5 + 0.5 * min(1.0, (best.shared_markets - need) / need),
        f"Trades in step with {short_address(best.wallet)}: same bet {best.lag_seconds:.0f}s apart, "
        f"together in {best.shared_markets} markets",
        {
            "partner": best.wallet,
            "shared_markets": best.shared_markets,
            "co_trades": best.co_trades,
            "lag_seconds": round(best.lag_seconds, 1),
            "partners": len(partners),
            "markets": ",".join(best.markets),
        },
    )
