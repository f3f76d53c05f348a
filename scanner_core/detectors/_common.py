"""Small pure helpers shared by detectors and alert building: strength scales and number text."""

from __future__ import annotations

import math
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from scanner_core.models import Signal, SignalKind, Trade

_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")
_LOW_BAND = Decimal("0.1")
_HIGH_BAND = Decimal("0.9")
_THOUSAND = Decimal(1000)
_MILLION = Decimal(1_000_000)
# below these, an amount rounds (half to even, as formatting does) under $1,000 / under $1,000k
_ROUNDS_TO_THOUSAND = Decimal("999.5")
_ROUNDS_TO_MILLION = Decimal("999950")


def signal(kind: SignalKind, strength: float, summary: str, evidence: dict[str, Any]) -> Signal:
    """A Signal with strength clamped to [0, 1] and a read-only evidence view (no copy)."""
    return Signal(kind, min(1.0, max(0.0, strength)), summary, MappingProxyType(evidence))


def tier_index(amount: Decimal, tiers: tuple[Decimal, ...]) -> int:
    """Index of the highest tier `amount` reaches, -1 below the first."""
    index = -1
    for i, tier in enumerate(tiers):
        if amount >= tier:
            index = i
        else:
            break
    return index


def tier_strength(index: int, count: int) -> float:
    """0.6 at the first tier rising evenly to 1.0 at the last (one tier alone: 0.8)."""
    if index < 0:
        return 0.0
    if count <= 1:
        return 0.8
    return 0.6 + 0.4 * index / (count - 1)


def ramp(value: float, threshold: float, span: float = 5.0) -> float:
    """0 below threshold; 0.5 at it, rising on a log scale to 1.0 at `span` x threshold."""
    if threshold <= 0:
        return 1.0 if value > 0 else 0.0
    if value < threshold:
        return 0.0
    return min(1.0, 0.5 + 0.5 * math.log(value / threshold) / math.log(span))


def bet_key(trade: Trade) -> str:
    """Which way the trade bets: BUY outcome i and SELL of the other outcome are the same bet.

    Counterparties of one fill always bet opposite ways (BUY/SELL of one token, or BUY Yes
    against BUY No in a mint), so equal bet keys never pair a trader with its own counterparty.
    """
    index = trade.outcome_index
    if index == 0 or index == 1:
        side = index if trade.side == "BUY" else 1 - index
        return f"{trade.condition_id}:{side}"
    return f"{trade.condition_id}:{trade.outcome}:{trade.side}"


def outcome_key(trade: Trade) -> str:
    """One outcome of one market: the token id, or market + outcome name when the id is missing."""
    return trade.token_id or f"{trade.condition_id}:{trade.outcome}"


def usd_text(amount: Decimal) -> str:
    """$950, $1.2k, $52.3k, $100k, $1.25M.

    Compares against the rounding thresholds instead of quantizing: `quantize` raises
    InvalidOperation past 28 digits, and a detector must never raise on any amount.
    """
    value = abs(amount)
    sign = "-" if amount < 0 else ""
    if value < _ROUNDS_TO_THOUSAND:
        return f"{sign}${value:.0f}"
    if value < _ROUNDS_TO_MILLION:
        text = f"{value / _THOUSAND:.1f}".removesuffix(".0")
        return f"{sign}${text}k"
    return f"{sign}${value / _MILLION:.2f}M"


def cents_text(amount: Decimal) -> str:
    """An amount with two decimals ("1234.50"), for any amount (no quantize: see usd_text)."""
    return f"{amount:.2f}"


def price_text(price: Decimal) -> str:
    """Two decimals in the middle of the range, three near 0 and 1 where cents matter."""
    if _LOW_BAND <= price <= _HIGH_BAND:
        return f"{price.quantize(_CENT)}"
    text = f"{price.quantize(_MILLI)}"
    return text[:-1] if text.endswith("0") else text


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def hours_text(hours: float) -> str:
    if hours < 1:
        return f"{max(0.0, hours) * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"
