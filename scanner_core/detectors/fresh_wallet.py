"""Fresh wallet: first Polymarket activity within N days, or fewer than K trades.

Judged on the wallet's Polymarket history as of the trade (WalletProfile.first_seen/trade_count),
never on the on-chain nonce: proxy wallets are contracts with relayed transactions, so a nonce
makes nearly every trader look new (the flaw peers shipped). When the wallet's on-chain funding is
known (ctx.funding), its age is its true age: from its first funding or its first trade, whichever
is earlier, so a wallet funded a year ago that starts trading today is not new. Strength grows
with how new the wallet is and with the size of the bet, so a newcomer's $1k trade is a weak hint
and a newcomer's $10k trade a strong one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from scanner_core.detectors._common import hours_text, signal, usd_text
from scanner_core.detectors.params import DetectorParams
from scanner_core.funding.age import true_first_seen
from scanner_core.models import Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext


def size_factor(trade: Trade, params: DetectorParams) -> float:
    """0.5 at a tenth of the first size tier ($1k by default), 1.0 at the first tier ($10k)."""
    reference = params.large_trade_tiers[0] / 10
    if trade.usd <= 0 or reference <= 0:
        return 0.5
    return 0.5 + 0.5 * min(1.0, max(0.0, math.log10(float(trade.usd / reference))))


def detect_fresh_wallet(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    sized = size_factor(trade, params)
    wallet = ctx.wallet
    if wallet is None:
        # not profiled (offline replay, Data API down): unknown is not new, and saying "fresh"
        # during an outage would turn it into a storm of false insider alerts
        return None
    profile = ctx.funding.profile if ctx.funding is not None else None
    funded = profile.first_funded_at if profile is not None else None
    if funded is not None and funded > ctx.now:
        funded = None  # funded after the trade judged: not known then
        profile = None
    if wallet.trade_count <= 0 and wallet.first_seen is None and funded is None:
        return signal(
            SignalKind.FRESH_WALLET,
            sized,
            f"No earlier Polymarket activity: first bet is {usd_text(trade.usd)}",
            {"history": "none", "prior_trades": 0, "usd": trade.usd},
        )
    max_age, max_trades = params.fresh_wallet_max_age_days, params.fresh_wallet_max_trades
    first = true_first_seen(wallet.first_seen, profile)
    # a first_seen after the trade means the profile is as of later: age 0, not negative
    age = None if first is None else max(0.0, (ctx.now - first).total_seconds() / 86400)
    age_score = 0.0
    if age is not None and age <= max_age:
        age_score = 1.0 - 0.5 * (age / max_age if max_age > 0 else 0.0)
    count_score = 0.0
    if wallet.trade_count < max_trades:
        count_score = 1.0 - 0.5 * wallet.trade_count / max_trades
    if age_score == 0.0 and count_score == 0.0:
        return None
    evidence: dict[str, object] = {"prior_trades": wallet.trade_count, "usd": trade.usd}
    parts = []
    if age is not None:
        evidence["age_days"] = round(age, 3)
        if funded is not None and first == funded:
            evidence["age_basis"] = "first funding"
            parts.append(f"first funded {hours_text(age * 24)} ago")
        else:
            parts.append(f"first Polymarket activity {hours_text(age * 24)} ago")
    parts.append(f"{wallet.trade_count} earlier trade{'' if wallet.trade_count == 1 else 's'}")
    return signal(
        SignalKind.FRESH_WALLET,
        max(age_score, count_score) * sized,
        f"Fresh wallet: {', '.join(parts)}",
        evidence,
    )
