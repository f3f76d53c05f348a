"""Pure filters. Each returns the name of the filter that rejected the trade, or None.

The names double as the `filter_name` label of `scanner_trades_filtered_total`. Per trade, in
this order:

    excluded = excluded_market(trade, None, params)    # trade fields are enough
    rolling = None if excluded else state.observe(trade)
    if below_floor(trade, rolling, params): skip       # not stored, no alert of its own
    store the trade
    if excluded or extreme_price(trade, params): skip  # stored, never alerted
    ... enrich, then run_detectors (which applies market_maker itself)

Excluded markets are not observed at all: the short up/down markets are almost all bots with
many fills each, which would only crowd real positions out of the rolling state. `pre_enrich`
runs the three trade-only filters in that order for callers that do not store trades.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scanner_core.detectors import LP_ALLOWED_KINDS, is_market_maker
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import ONE, Market, Side, Trade, WalletProfile

if TYPE_CHECKING:
    from scanner_core.context import RollingView

__all__ = [
    "BELOW_FLOOR",
    "EXCLUDED_MARKET",
    "EXTREME_PRICE",
    "LP_ALLOWED_KINDS",
    "MARKET_MAKER",
    "below_floor",
    "enrich_candidates",
    "excluded_market",
    "extreme_price",
    "market_maker",
    "pre_enrich",
]

BELOW_FLOOR = "min_trade_usd"
EXCLUDED_MARKET = "excluded_market"
EXTREME_PRICE = "price_at_or_above"
MARKET_MAKER = "market_maker"


def below_floor(trade: Trade, rolling: RollingView | None, params: DetectorParams) -> str | None:
    """Under POLYSCAN_MIN_TRADE_USD: not stored, no alert of its own.

    Exception: the fill that makes a running position reach a size tier passes, because the
    accumulation alert hangs on it (otherwise splitting an order into sub-floor fills would hide
    it). ScanState.observe has already counted every fill either way.
    """
    if trade.usd >= params.min_trade_usd:
        return None
    if rolling is not None and rolling.accumulation_tier is not None:
        return None
    return BELOW_FLOOR


def excluded_market(trade: Trade, market: Market | None, params: DetectorParams) -> str | None:
    """A keyword of `excluded_market_keywords` in the title, slug or event slug (trade or market).

    Hyphens and underscores count as spaces, so "up or down" matches both the title "Bitcoin Up
    or Down - ..." and a slug "bitcoin-up-or-down-...".
    """
    keywords = params.excluded_market_keywords
    if not keywords:
        return None
    parts = [trade.title, trade.slug, trade.event_slug]
    if market is not None:
        parts += [market.question, market.slug, market.event_slug]
    text = " ".join(parts).lower().replace("-", " ").replace("_", " ")
    for keyword in keywords:
        if keyword in text:
            return EXCLUDED_MARKET
    return None


def extreme_price(trade: Trade, params: DetectorParams) -> str | None:
    """The trade happens in a decided market: a price of `exclude_price_at_or_above` or more.

    At such prices a BUY is buying the favourite for the last cents and a SELL is a winner cashing
    out; a SELL at 1 - threshold or less is a loser dumped for scraps. None of it is news. A BUY
    of a long shot (a low price) is kept: that is where insiders show. Set the threshold above 1
    to disable.
    """
    threshold = params.exclude_price_at_or_above
    price = trade.price
    if price >= threshold or (trade.side is Side.SELL and price <= ONE - threshold):
        return EXTREME_PRICE
    return None


def market_maker(wallet: WalletProfile | None, params: DetectorParams) -> str | None:
    """The wallet looks like a market maker / LP (mm_confidence at or above lp_filter_confidence).

    It does not drop the trade: run_detectors then runs only detectors.LP_DETECTORS, whose kinds
    (detectors.LP_ALLOWED_KINDS) a liquidity provider may still raise.
    """
    return MARKET_MAKER if is_market_maker(wallet, params) else None


def pre_enrich(trade: Trade, rolling: RollingView | None, params: DetectorParams) -> str | None:
    """The first of below_floor, excluded_market (trade fields only), extreme_price that rejects."""
    return below_floor(trade, rolling, params) or excluded_market(trade, None, params) or extreme_price(trade, params)


def enrich_candidates(params: DetectorParams) -> Callable[[Trade], bool]:
    """`pre_enrich(trade, None, params) is None` as a predicate for looking ahead (which trades will
    be enriched: their wallets are prefetched), with the market-keyword check remembered per market,
    since it is the costly part and a market's words do not change."""
    excluded: dict[str, bool] = {}

    def candidate(trade: Trade) -> bool:
        if below_floor(trade, None, params) or extreme_price(trade, params):
            return False
        known = excluded.get(trade.condition_id)
        if known is None:
            if len(excluded) >= 100_000:
                excluded.clear()
            known = excluded[trade.condition_id] = excluded_market(trade, None, params) is not None
        return not known

    return candidate
