"""Stage 2, risk behaviour: how the wallet sizes bets, how deep it falls, where its profit comes from.

Rejects martingale bettors (stakes grow after losses), wallets that gave back much of their peak
profit, wallets whose profit is one lucky market, and penny pickers (most money bought at 0.95+).
Needs the wallet's trades; the runner fetches them only for wallets that passed stage 1.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from scanner_core.models import ZERO, Side
from scanner_core.wallets.classifier.judged import Judged
from scanner_core.wallets.classifier.outcome import StageOutcome
from scanner_core.wallets.classifier.params import ClassifierParams
from scanner_core.wallets.history import ActivityRow, ResolvedPosition
from scanner_core.wallets.stats import drawdown, pct, pnl_by_market, usd


@dataclass(frozen=True, slots=True)
class Martingale:
    """Stake of the next new bet divided by the stake of a bet whose result had just come in."""

    after_loss: tuple[Decimal, ...]
    after_win: tuple[Decimal, ...]

    def escalations(self, growth: Decimal) -> int:
        return sum(1 for r in self.after_loss if r >= growth)


def evaluate(judged: Judged, params: ClassifierParams) -> StageOutcome:
    details: dict[str, Any] = {}
    checks: list[tuple[str, str]] = []
    checks += _martingale(judged, params, details)
    checks += _drawdown(judged.resolved, params, details)
    checks += _concentration(judged.resolved, params, details)
    checks += _extreme_prices(judged, params, details)
    return StageOutcome.of(checks, details)


def stake_ratios(bets: tuple[ResolvedPosition, ...], trades: tuple[ActivityRow, ...], window: timedelta) -> Martingale:
    """For each resolved bet, how big the wallet's next new bet was (within `window`) relative to it.

    A new bet is the first buy in a market; its stake is everything the wallet bought there.
    Only results already known when the next bet was placed count: no look-ahead.
    """
    first_buy: dict[str, datetime] = {}
    stake: dict[str, Decimal] = {}
    for trade in trades:
        if trade.side is not Side.BUY:
            continue
        market = trade.condition_id
        stake[market] = stake.get(market, ZERO) + trade.usd
        if market not in first_buy or trade.timestamp < first_buy[market]:
            first_buy[market] = trade.timestamp
    entries = sorted((when, market) for market, when in first_buy.items())
    times = [when for when, _ in entries]
    after_loss: list[Decimal] = []
    after_win: list[Decimal] = []
    for bet in bets:
        if bet.cost_usd <= ZERO:
            continue
        i = bisect.bisect_right(times, bet.resolved_at)
        while i < len(entries) and entries[i][1] == bet.condition_id:
            i += 1
        if i == len(entries) or entries[i][0] - bet.resolved_at > window:
            continue
        ratio = stake[entries[i][1]] / bet.cost_usd
        (after_win if bet.won else after_loss).append(ratio)
    return Martingale(tuple(after_loss), tuple(after_win))


def _martingale(judged: Judged, params: ClassifierParams, details: dict[str, Any]) -> list[tuple[str, str]]:
    if not judged.trades:
        details["martingale_judged"] = False
        return []
    window = timedelta(hours=params.martingale_window_hours)
    m = stake_ratios(judged.resolved, judged.trades, window)
    details["martingale_judged"] = True
    details["losses_followed"] = len(m.after_loss)
    if not m.after_loss:
        return []
    escalated = m.escalations(params.martingale_growth)
    share = escalated / len(m.after_loss)
    median_loss = statistics.median(m.after_loss)
    median_win = statistics.median(m.after_win) if m.after_win else None
    details.update(
        escalations=escalated,
        escalation_share=round(share, 4),
        median_ratio_after_loss=float(median_loss),
        median_ratio_after_win=float(median_win) if median_win is not None else None,
    )
    if len(m.after_loss) < params.martingale_min_losses or share < params.martingale_share:
        return []
    # A wallet that simply grows its stakes as its bankroll grows scales up after wins too.
    if median_win is not None and median_loss < median_win * params.martingale_growth:
        return []
    return [
        (
            "martingale",
            f"martingale sizing: the next stake was {params.martingale_growth}x+ the lost one after "
            f"{escalated} of {len(m.after_loss)} losses (median {median_loss:.1f}x"
            + (f", {median_win:.1f}x after wins)" if median_win is not None else ")"),
        )
    ]


def _drawdown(
    bets: tuple[ResolvedPosition, ...], params: ClassifierParams, details: dict[str, Any]
) -> list[tuple[str, str]]:
    worst, peak = drawdown(b.realised_pnl for b in bets)  # in the order their results became known
    share = float(worst / peak) if peak > ZERO else (1.0 if worst > ZERO else 0.0)
    details.update(max_drawdown_usd=str(worst), peak_pnl_usd=str(peak), drawdown_share=round(share, 4))
    if worst > ZERO and share >= params.max_drawdown:
        return [
            (
                "drawdown",
                f"drawdown of {usd(worst)}, {pct(share)} of its peak cumulative profit {usd(peak)}"
                f" (limit {pct(params.max_drawdown)})",
            )
        ]
    return []


def _concentration(
    bets: tuple[ResolvedPosition, ...], params: ClassifierParams, details: dict[str, Any]
) -> list[tuple[str, str]]:
    per_market = pnl_by_market(bets)
    gross = sum((v for v in per_market.values() if v > ZERO), ZERO)
    if gross <= ZERO:
        return []
    best_market = max(per_market, key=lambda m: per_market[m])
    best = per_market[best_market]
    share = float(best / gross)
    without_best = sum(per_market.values(), ZERO) - best
    details.update(
        best_market=best_market,
        best_market_pnl=str(best),
        best_market_share=round(share, 4),
        pnl_without_best_market=str(without_best),
    )
    if share < params.max_pnl_concentration:
        return []
    return [
        (
            "lucky_market",
            f"{pct(share)} of its winnings came from one market ({usd(best)});"
            f" without it the record is {usd(without_best)}",
        )
    ]


def _extreme_prices(judged: Judged, params: ClassifierParams, details: dict[str, Any]) -> list[tuple[str, str]]:
    """Share of the money bought at extreme prices: trades when known, else the resolved bets."""
    buys = [t for t in judged.trades if t.side is Side.BUY]
    if buys:
        total = sum((t.usd for t in buys), ZERO)
        extreme = sum((t.usd for t in buys if t.price >= params.extreme_price), ZERO)
        basis = "bought USD"
    else:
        total = sum((b.cost_usd for b in judged.resolved), ZERO)
        extreme = sum((b.cost_usd for b in judged.resolved if b.avg_price >= params.extreme_price), ZERO)
        basis = "resolved-position cost"
    share = float(extreme / total) if total > ZERO else 0.0
    details.update(extreme_price_share=round(share, 4), extreme_price_basis=basis)
    if share < params.max_extreme_share:
        return []
    return [
        (
            "penny_picking",
            f"{pct(share)} of {basis} at {params.extreme_price}+: picking up pennies in front of a steamroller",
        )
    ]
