"""Contrarian: buying an outcome the market prices below `contrarian_low_price` (or selling one
priced above `contrarian_high_price`), against a strong consensus.

Stronger the further from consensus, and stronger again when the wallet's record on such bets is
good. The record is shrunk toward a 25% base rate with four pseudo-bets, so 1 win out of 1 is
not read as skill (it reads as 40%); 10 out of 12 reads as 69%.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from scanner_core.detectors._common import price_text, signal
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Side, Signal, SignalKind, Trade

if TYPE_CHECKING:
    from scanner_core.context import DetectionContext

PRIOR_RATE = 0.25
PRIOR_WEIGHT = 4.0
_ONE = Decimal(1)


def record_skill(trades: int, wins: int) -> tuple[float, float]:
    """(shrunk win rate, skill 0..1): skill 0 at the prior rate or below, 1 at 75% and above."""
    if trades <= 0:
        return PRIOR_RATE, 0.0
    rate = (min(wins, trades) + PRIOR_RATE * PRIOR_WEIGHT) / (trades + PRIOR_WEIGHT)
    return rate, min(1.0, max(0.0, (rate - PRIOR_RATE) / 0.5))


def detect_contrarian(trade: Trade, ctx: DetectionContext, params: DetectorParams) -> Signal | None:
    price, low, high = trade.price, params.contrarian_low_price, params.contrarian_high_price
    if trade.side is Side.BUY and price < low:
        extremity = float((low - price) / low)
        against = f"bought {trade.outcome or 'an outcome'} at {price_text(price)}"
    elif trade.side is Side.SELL and price > high and high < _ONE:
        extremity = float((price - high) / (_ONE - high))
        against = f"sold {trade.outcome or 'an outcome'} at {price_text(price)}"
    else:
        return None
    extremity = min(1.0, max(0.0, extremity))
    base = 0.4 + 0.4 * extremity
    evidence: dict[str, Any] = {"price": price, "extremity": round(extremity, 3)}
    if ctx.price_before is not None:
        evidence["price_before"] = ctx.price_before
    summary = f"Against the consensus: {against}"
    strength = base
    wallet = ctx.wallet
    if wallet is not None and wallet.contrarian_trades > 0:
        rate, skill = record_skill(wallet.contrarian_trades, wallet.contrarian_wins)
        strength = base + (1.0 - base) * skill
        evidence.update(
            contrarian_trades=wallet.contrarian_trades,
            contrarian_wins=wallet.contrarian_wins,
            record_rate=round(rate, 3),
        )
        summary += f"; record on such bets {wallet.contrarian_wins}/{wallet.contrarian_trades}"
    return signal(SignalKind.CONTRARIAN, strength, summary, evidence)
