"""Stage 1, basic validation: judged on positions alone, before any trade history is fetched.

Rejects wallets with too few resolved positions to judge, inactive ones, market makers and LPs,
net losers, and pure generalists (volume spread thin over many categories with no proven edge,
neither in one category nor overall).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from scanner_core.models import ZERO
from scanner_core.walletscan.history import ResolvedBet, WalletHistory
from scanner_core.walletscan.outcome import StageOutcome
from scanner_core.walletscan.params import WalletScanParams
from scanner_core.walletscan.stats import mean_price, pct, usd, wilson_lower_bound

MM_MIN_MARKETS = 10  # below this, holding both sides of a market or two says nothing


def evaluate(history: WalletHistory, params: WalletScanParams, now: datetime) -> StageOutcome:
    if not history.bets_fetched:
        return _profile_only(history, params, now)
    bets = history.bets
    n = len(bets)
    wins = sum(1 for b in bets if b.won)
    net = sum((b.realised_pnl for b in bets), ZERO)
    cost = sum((b.cost_usd for b in bets), ZERO)
    unredeemed_losers = sum(1 for b in bets if not b.redeemed and not b.won)
    details: dict[str, Any] = {
        "resolved": n,
        "wins": wins,
        "unredeemed_losers": unredeemed_losers,
        "net_pnl": str(net),
        "cost_usd": str(cost),
        "markets_traded": history.markets_traded,
        "markets_seen": history.markets_seen,
        "both_sides_markets": history.both_sides_markets,
        "open_positions": history.open_book.positions,
        "truncated": history.bets_truncated,
    }
    checks: list[tuple[str, str]] = []
    if n < params.min_resolved:
        checks.append(
            (
                "too_little_history",
                f"only {n} resolved positions: at least {params.min_resolved} are needed to judge a record",
            )
        )
    checks += _inactive(history, params, now, details)
    checks += _market_maker(history, params)
    if n >= params.min_resolved and net <= ZERO:
        checks.append(
            (
                "not_profitable",
                f"net realised PnL {usd(net)} over {n} resolved positions"
                f" ({unredeemed_losers} unredeemed losers counted)",
            )
        )
    if n >= params.min_resolved:
        checks += _generalist(bets, params, details)
    return StageOutcome.of(checks, details)


def _profile_only(history: WalletHistory, params: WalletScanParams, now: datetime) -> StageOutcome:
    """Before any position is fetched: markets traded and the latest activity already rule out
    newcomers, dormant wallets and bots of extreme breadth, from the API's generous general budget."""
    markets = history.markets_traded
    details: dict[str, Any] = {"markets_traded": markets, "positions_fetched": False}
    checks: list[tuple[str, str]] = []
    # a market has two outcomes, so a wallet holds at most two positions per market
    if markets is not None and markets * 2 < params.min_resolved:
        checks.append(
            (
                "too_little_history",
                f"traded in only {markets} markets: at least {params.min_resolved} resolved positions"
                " are needed to judge a record",
            )
        )
    checks += _inactive(history, params, now, details)
    checks += _market_maker(history, params)
    return StageOutcome.of(checks, details)


def _inactive(
    history: WalletHistory, params: WalletScanParams, now: datetime, details: dict[str, Any]
) -> list[tuple[str, str]]:
    last = history.last_activity
    if last is None:
        return [("inactive", "no recorded activity")]
    days = (now - last).total_seconds() / 86400
    details["days_inactive"] = round(days, 2)
    if days > params.max_inactive_days:
        return [("inactive", f"no activity for {days:.0f} days (limit {params.max_inactive_days:g})")]
    return []


def _market_maker(history: WalletHistory, params: WalletScanParams) -> list[tuple[str, str]]:
    marks: list[str] = []
    if history.mm_confidence >= params.mm_confidence:
        indicators = ", ".join(history.mm_indicators) or "profile"
        marks.append(f"market-maker confidence {history.mm_confidence:.2f} ({indicators})")
    markets = history.markets_traded or 0
    if markets >= params.mm_max_markets:
        marks.append(f"{markets} markets traded (bots and LPs spread that wide)")
    seen = history.markets_seen
    if seen >= MM_MIN_MARKETS:
        both = history.both_sides_markets / seen
        if both >= params.mm_both_sides_share:
            marks.append(f"held both outcomes in {pct(both)} of {seen} markets")
    if not marks:
        return []
    return [("market_maker", "market maker or liquidity provider: " + "; ".join(marks))]


def _generalist(
    bets: tuple[ResolvedBet, ...], params: WalletScanParams, details: dict[str, Any]
) -> list[tuple[str, str]]:
    by_category: dict[str, list[ResolvedBet]] = defaultdict(list)
    for bet in bets:
        by_category[bet.category or "OTHER"].append(bet)
    volume = {cat: sum((b.cost_usd for b in group), ZERO) for cat, group in by_category.items()}
    total = sum(volume.values(), ZERO)
    top_cat = max(volume, key=lambda c: volume[c])
    top_share = float(volume[top_cat] / total) if total > ZERO else 0.0
    edges = [cat for cat, group in by_category.items() if _has_edge(group, params)]
    details.update(categories=len(by_category), top_category=top_cat, top_category_share=round(top_share, 4))
    details["edge_categories"] = sorted(edges)
    if len(by_category) < params.generalist_min_categories or top_share >= params.generalist_max_top_share:
        return []
    if edges or _has_edge(list(bets), params):
        return []
    return [
        (
            "generalist",
            f"volume spread over {len(by_category)} categories (largest: {top_cat}, {pct(top_share)}) "
            f"with no category won at {pct(params.edge_win_rate)}+ over {params.edge_min_bets}+ bets",
        )
    ]


def _has_edge(group: list[ResolvedBet], params: WalletScanParams) -> bool:
    """An edge: enough bets, a good win rate, and a win rate whose 95 % lower bound beats the
    prices paid. With eight categories of ten bets, one looks good by chance; that is no edge."""
    if len(group) < params.edge_min_bets:
        return False
    wins = sum(1 for b in group if b.won)
    return wins / len(group) >= params.edge_win_rate and wilson_lower_bound(wins, len(group)) > mean_price(group)
