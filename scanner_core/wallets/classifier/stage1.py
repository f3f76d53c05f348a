"""Stage 1, basic validation: judged on the profile and the positions, before the activity rows are
fetched.

Rejects wallets with too few resolved positions to judge, inactive ones, market makers and LPs (the
profile's one rule set), net losers, and pure generalists (volume spread thin over many
categories with no proven edge, neither in one category nor overall).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner_core.models import ZERO
from scanner_core.wallets.classifier.judged import Judged
from scanner_core.wallets.classifier.outcome import StageOutcome
from scanner_core.wallets.classifier.params import ClassifierParams
from scanner_core.wallets.history import ResolvedPosition
from scanner_core.wallets.stats import WinRecord, mean_price, pct, usd


def evaluate(judged: Judged, params: ClassifierParams) -> StageOutcome:
    if not judged.positions_known:
        return _profile_only(judged, params)
    profile = judged.profile
    n, wins, net = profile.resolved_positions, profile.winning_positions, profile.realised_pnl
    cost = sum((p.cost_usd for p in judged.resolved), ZERO)
    unredeemed_losers = sum(1 for p in judged.resolved if not p.redeemed and not p.won)
    details: dict[str, Any] = {
        "resolved": n,
        "wins": wins,
        "win_rate": profile.win_rate,
        "win_rate_lower": profile.win_rate_lower,
        "unredeemed_losers": unredeemed_losers,
        "net_pnl": str(net),
        "cost_usd": str(cost),
        "markets_traded": profile.markets_traded,
        "mm_confidence": profile.mm_confidence,
        "open_positions": len(judged.history.open_positions),
        "truncated": judged.history.resolved_truncated,
    }
    checks: list[tuple[str, str]] = []
    if n < params.min_resolved:
        checks.append(
            (
                "too_little_history",
                f"only {n} resolved positions: at least {params.min_resolved} are needed to judge a record",
            )
        )
    checks += _inactive(judged, params, details)
    checks += _market_maker(judged, params)
    if n >= params.min_resolved and net <= ZERO:
        checks.append(
            (
                "not_profitable",
                f"net realised PnL {usd(net)} over {n} resolved positions"
                f" ({unredeemed_losers} unredeemed losers counted)",
            )
        )
    if n >= params.min_resolved:
        checks += _generalist(judged.resolved, params, details)
    return StageOutcome.of(checks, details)


def _profile_only(judged: Judged, params: ClassifierParams) -> StageOutcome:
    """Before any position is fetched: markets traded and the latest activity already rule out
    newcomers, dormant wallets and bots of extreme breadth, from the API's generous general budget."""
    markets = judged.history.markets_traded
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
    checks += _inactive(judged, params, details)
    checks += _market_maker(judged, params)
    return StageOutcome.of(checks, details)


def _inactive(judged: Judged, params: ClassifierParams, details: dict[str, Any]) -> list[tuple[str, str]]:
    last = judged.last_activity
    if last is None:
        return [("inactive", "no recorded activity")]
    days = (judged.now - last).total_seconds() / 86400
    details["days_inactive"] = round(days, 2)
    if days > params.max_inactive_days:
        return [("inactive", f"no activity for {days:.0f} days (limit {params.max_inactive_days:g})")]
    return []


def _market_maker(judged: Judged, params: ClassifierParams) -> list[tuple[str, str]]:
    mm = judged.market_making
    if not mm.is_market_maker(params.profile.mm):
        return []
    why = "; ".join(mm.reasons)
    return [
        (
            "market_maker",
            f"market maker or liquidity provider (confidence {mm.confidence:.2f}): {why}",
        )
    ]


def _generalist(
    resolved: tuple[ResolvedPosition, ...], params: ClassifierParams, details: dict[str, Any]
) -> list[tuple[str, str]]:
    by_category: dict[str, list[ResolvedPosition]] = defaultdict(list)
    for position in resolved:
        by_category[position.category or "other"].append(position)
    volume = {cat: sum((p.cost_usd for p in group), ZERO) for cat, group in by_category.items()}
    total = sum(volume.values(), ZERO)
    top_cat = max(volume, key=lambda c: volume[c])
    top_share = float(volume[top_cat] / total) if total > ZERO else 0.0
    edges = [cat for cat, group in by_category.items() if _has_edge(group, params)]
    details.update(categories=len(by_category), top_category=top_cat, top_category_share=round(top_share, 4))
    details["edge_categories"] = sorted(edges)
    if len(by_category) < params.generalist_min_categories or top_share >= params.generalist_max_top_share:
        return []
    if edges or _has_edge(list(resolved), params):
        return []
    return [
        (
            "generalist",
            f"volume spread over {len(by_category)} categories (largest: {top_cat}, {pct(top_share)}) "
            f"with no category won at {pct(params.edge_win_rate)}+ over {params.edge_min_bets}+ bets",
        )
    ]


def _has_edge(group: list[ResolvedPosition], params: ClassifierParams) -> bool:
    """An edge: enough bets, a good win rate, and a win rate whose 95 % lower bound beats the
    prices paid. With eight categories of ten bets, one looks good by chance; that is no edge."""
    record = WinRecord.of_positions(group, params.edge_min_bets)
    if record.rate is None or record.lower is None:
        return False
    return record.rate >= params.edge_win_rate and record.lower > mean_price(group)
