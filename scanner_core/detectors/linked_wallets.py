"""Linked wallets: wallets paid by one plain-wallet funder within days of each other, buying the
same outcome. Every insider case of 2026 (six and nine wallets on a strike, ten on one crypto
project, three on one military operation) was found this way: new wallets funded from one
source, then buying the same long shot.

Reads the funding context enrichment built from the stored transfers (never the chain, never
the clock): siblings exclude wallets funded by exchanges, bridges, on-ramps and busy services,
whose withdrawals would link strangers. At least `linked_min_wallets` wallets of one funding group,
this one included, on this outcome raise it; the same outcome name in another market of the event
raises it weaker (a deadline or candidate variant is related, not the same bet).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from scanner_core.detectors._common import short_address, signal, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.funding.models import SiblingBet
from scanner_core.models import Side, Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext

MAX_LISTED = 8
EVENT_FACTOR = 0.75  # the same outcome in another market of the event is related, not the same bet
_CENT = Decimal("0.01")


def detect_linked_wallets(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    funding = ctx.funding
    if trade.side is not Side.BUY or funding is None or not funding.bets:
        return None
    need = params.linked_min_wallets
    same = [b for b in funding.bets if b.scope == "outcome"]
    scope, bets = ("outcome", same) if len({b.wallet for b in same}) + 1 >= need else ("event", list(funding.bets))
    wallets = len({b.wallet for b in bets}) + 1
    if wallets < need:
        return None
    funder = Counter(b.funder for b in bets).most_common(1)[0][0]
    ranked: list[SiblingBet] = sorted(bets, key=lambda b: b.usd, reverse=True)[:MAX_LISTED]
    total = sum((b.usd for b in bets), trade.usd)
    gaps = [s.gap_hours for s in funding.siblings if s.wallet in {b.wallet for b in bets}]
    strength = min(1.0, 0.6 + 0.2 * (wallets - need)) * (1.0 if scope == "outcome" else EVENT_FACTOR)
    what = trade.outcome or "this outcome"
    where = "" if scope == "outcome" else " in this event"
    listed = ", ".join(f"{short_address(b.wallet)} {usd_text(b.usd)}" for b in ranked)
    return signal(
        SignalKind.LINKED_WALLETS,
        strength,
        f"Linked wallets: {wallets} wallets funded by {short_address(funder)} bought {what}{where} ({listed})",
        {
            "wallets": wallets,
            "funder": funder,
            "scope": scope,
            "total_usd": total,
            "funded_within_hours": round(max(gaps), 1) if gaps else None,
            "siblings": ",".join(b.wallet for b in ranked),
            "siblings_usd": ",".join(str(b.usd.quantize(_CENT)) for b in ranked),
            "siblings_markets": ",".join(b.condition_id for b in ranked),
        },
    )


__all__ = ["detect_linked_wallets"]
