"""Data API rows (as the sources normalise them) -> the classifier's WalletHistory. Pure.

`totalBought` counts shares, not dollars: a closed position bought at 0.27 with totalBought
1,500,000 and realised PnL 1,095,000 paid 405,000 and got 1,500,000 back. Cost is therefore
average price x shares bought.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from scanner_core.models import ONE, ZERO, Side
from scanner_core.sources.types import Activity, ClosedPosition, Position
from scanner_core.walletscan.categories import category_of
from scanner_core.walletscan.history import OpenBook, ResolvedBet, TradeFact, WalletHistory

CategoryOf = Callable[[str, str, str], str]


def bet_from_closed(row: ClosedPosition, category: CategoryOf = category_of) -> ResolvedBet:
    return ResolvedBet(
        condition_id=row.condition_id,
        category=category(row.slug, row.event_slug, row.title),
        avg_price=row.avg_price,
        cost_usd=row.avg_price * row.total_bought,
        realised_pnl=row.realised_pnl,
        resolved_at=row.timestamp or row.end_date,
        outcome_index=row.outcome_index,
    )


def is_resolved(position: Position, now: datetime) -> bool:
    """Redeemable means resolved. A price of exactly 0 or 1 after the end date means it too:
    losers are worth nothing to redeem, so some never get the flag a client would act on."""
    if position.redeemable:
        return True
    ended = position.end_date is not None and position.end_date <= now
    return ended and position.current_price in (ZERO, ONE)


def bet_from_open(position: Position, category: CategoryOf = category_of) -> ResolvedBet:
    """A resolved position nobody redeemed: its result is final, realised or not."""
    return ResolvedBet(
        condition_id=position.condition_id,
        category=category(position.slug, position.event_slug, position.title),
        avg_price=position.avg_price,
        cost_usd=position.avg_price * position.total_bought,
        realised_pnl=position.realised_pnl + position.cash_pnl,
        resolved_at=position.end_date,
        outcome_index=position.outcome_index,
        redeemed=False,
    )


def history_from_positions(
    address: str,
    closed: Sequence[ClosedPosition],
    positions: Sequence[Position],
    *,
    now: datetime,
    markets_traded: int | None = None,
    last_activity: datetime | None = None,
    truncated: bool = False,
    username: str = "",
    category: CategoryOf = category_of,
) -> WalletHistory:
    bets = [bet_from_closed(row, category) for row in closed]
    seen = {(b.condition_id, b.outcome_index) for b in bets}
    outcomes: dict[str, set[int | None]] = defaultdict(set)
    for row in closed:
        outcomes[row.condition_id].add(row.outcome_index)
    open_count, open_cost, open_value = 0, ZERO, ZERO
    for position in positions:
        outcomes[position.condition_id].add(position.outcome_index)
        if is_resolved(position, now):
            if (position.condition_id, position.outcome_index) not in seen:
                bets.append(bet_from_open(position, category))
            continue
        open_count += 1
        open_cost += position.initial_value
        open_value += position.current_value
    times = [row.timestamp for row in closed if row.timestamp is not None]
    last = max([*times, *([last_activity] if last_activity else [])], default=None)
    return WalletHistory(
        address=address.lower(),
        bets=tuple(bets),
        open_book=OpenBook(open_count, open_cost, open_value),
        markets_traded=max(markets_traded or 0, len(outcomes)),
        markets_seen=len(outcomes),
        both_sides_markets=sum(1 for seen_outcomes in outcomes.values() if len(seen_outcomes) >= 2),
        first_activity=min(times, default=None),
        last_activity=last,
        bets_truncated=truncated,
        username=username,
    )


def trades_from_activity(rows: Sequence[Activity]) -> tuple[TradeFact, ...]:
    """TRADE rows as TradeFacts, oldest first; other kinds (REDEEM, REWARD, ...) are not bets."""
    facts = [
        TradeFact(
            timestamp=row.trade.timestamp,
            condition_id=row.trade.condition_id,
            usd=row.usdc_size if row.usdc_size > ZERO else row.trade.usd,
            price=row.trade.price,
            side=row.trade.side,
        )
        for row in rows
        if row.trade is not None and row.trade.side in (Side.BUY, Side.SELL)
    ]
    facts.sort(key=lambda t: t.timestamp)
    return tuple(facts)
