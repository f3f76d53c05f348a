"""Data API rows (as the sources normalise them) -> the history's records. Pure.

`totalBought` counts shares, not dollars: a closed position bought at 0.27 with totalBought
1,500,000 and realised PnL 1,095,000 paid 405,000 and got 1,500,000 back. Cost is therefore
average price x shares bought.

When a position resolved: a closed position's `timestamp` (its redemption or last sale, never
before the result was known), else its market's end date plus RESOLUTION_GRACE (the end date is
when trading stops; the result is proposed and settled after it, and a date-only end date means
the event itself can run all that day). Never later than the moment polyscan saw it resolved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from scanner_core.categories import category_of
from scanner_core.models import ONE, ZERO, Trade
from scanner_core.sources.types import Activity, ClosedPosition, Position
from scanner_core.wallets.history import TRADE, ActivityRow, OpenPosition, ResolvedPosition

RESOLUTION_GRACE = timedelta(days=1)
_MICRO = Decimal("0.000001")


def row_from_trade(trade: Trade, usd: Decimal | None = None) -> ActivityRow:
    """A trade as a history row (`usd`: its notional when the source says it, else size x price)."""
    return ActivityRow(
        timestamp=trade.timestamp,
        kind=TRADE,
        condition_id=trade.condition_id,
        usd=(usd if usd is not None and usd > ZERO else trade.usd).quantize(_MICRO),
        key=trade.dedup_key,
        outcome_index=trade.outcome_index,
        side=trade.side,
        price=trade.price,
        category=category_of(slug=trade.slug, event_slug=trade.event_slug, title=trade.title),
    )


def rows_from_trades(trades: Iterable[Trade]) -> list[ActivityRow]:
    return [row_from_trade(t) for t in trades]


def row_from_activity(row: Activity) -> ActivityRow:
    """One /activity row. A trade's notional is `usdcSize` when sent, else size x price."""
    if row.trade is not None and row.kind == TRADE:
        return row_from_trade(row.trade, row.usdc_size)
    raw = f"{row.tx_hash}|{row.kind}|{row.condition_id}|{row.token_id}|{row.usdc_size}|{row.size}|{row.timestamp}"
    return ActivityRow(
        timestamp=row.timestamp,
        kind=row.kind,
        condition_id=row.condition_id,
        usd=row.usdc_size.quantize(_MICRO),
        key=hashlib.blake2b(raw.encode(), digest_size=16).hexdigest(),
        category=category_of(title=row.title) if row.title else "",
    )


def rows_from_activity(rows: Iterable[Activity]) -> list[ActivityRow]:
    return [row_from_activity(r) for r in rows]


def resolved_from_closed(row: ClosedPosition, *, seen_at: datetime) -> ResolvedPosition:
    when = row.timestamp or (row.end_date + RESOLUTION_GRACE if row.end_date else seen_at)
    return ResolvedPosition(
        condition_id=row.condition_id,
        outcome_index=row.outcome_index,
        avg_price=row.avg_price,
        cost_usd=row.avg_price * row.total_bought,
        realised_pnl=row.realised_pnl,
        resolved_at=min(when, seen_at),
        category=category_of(slug=row.slug, event_slug=row.event_slug, title=row.title),
    )


def is_resolved(position: Position, now: datetime) -> bool:
    """Redeemable means resolved. So does a price of exactly 0 or 1 after the end date: losers are
    worth nothing to redeem, so some never get the flag a client would act on."""
    if position.redeemable:
        return True
    ended = position.end_date is not None and position.end_date <= now
    return ended and position.current_price in (ZERO, ONE)


def resolved_from_open(position: Position, *, seen_at: datetime) -> ResolvedPosition:
    """A resolved position nobody redeemed: its result is final, realised or not."""
    when = position.end_date + RESOLUTION_GRACE if position.end_date else seen_at
    return ResolvedPosition(
        condition_id=position.condition_id,
        outcome_index=position.outcome_index,
        avg_price=position.avg_price,
        cost_usd=position.avg_price * position.total_bought,
        realised_pnl=position.realised_pnl + position.cash_pnl,
        resolved_at=min(when, seen_at),
        category=category_of(slug=position.slug, event_slug=position.event_slug, title=position.title),
        redeemed=False,
    )


def open_from_position(position: Position) -> OpenPosition:
    return OpenPosition(
        condition_id=position.condition_id,
        outcome_index=position.outcome_index,
        size=position.size,
        avg_price=position.avg_price,
        cost_usd=position.initial_value,
        value_usd=position.current_value,
        end_date=position.end_date,
        category=category_of(slug=position.slug, event_slug=position.event_slug, title=position.title),
    )


def positions(
    closed: Sequence[ClosedPosition], current: Sequence[Position], *, seen_at: datetime
) -> tuple[list[ResolvedPosition], list[OpenPosition]]:
    """Resolved positions (closed ones, and resolved ones still sitting in /positions) and the open
    ones. A position both closed and still listed counts once, as closed."""
    resolved = [resolved_from_closed(row, seen_at=seen_at) for row in closed]
    seen = {(p.condition_id, p.outcome_index) for p in resolved}
    still_open: list[OpenPosition] = []
    for position in current:
        if is_resolved(position, seen_at):
            if (position.condition_id, position.outcome_index) not in seen:
                resolved.append(resolved_from_open(position, seen_at=seen_at))
        else:
            still_open.append(open_from_position(position))
    return resolved, still_open
