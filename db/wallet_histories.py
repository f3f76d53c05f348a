"""Stored wallet histories (scanner_core.wallets.service.HistoryStore): each wallet's history with
its watermark, so histories survive a restart and a refresh fetches only what is newer.

A save writes the header (watermark, flags), the activity rows that are new since the previous
watermark (repeats of stored rows are ignored), and the positions (replaced: open positions are a
snapshot, resolved ones a short list), in one transaction.

Activity rows are many (thousands per active wallet, every one read back to judge the wallet), so
they are written and read with plain SQL, in the representation tortoise uses per dialect
(SQLite: text decimals with 10 places and `str(datetime)`; PostgreSQL: native types), instead of
one model object per row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from tortoise import BaseDBAsyncClient, connections

from db.models import WalletActivityRow, WalletHistoryRow, WalletPositionRow
from scanner_core.models import Side
from scanner_core.wallets.history import (
    ActivityRow,
    Depth,
    OpenPosition,
    ResolvedPosition,
    WalletHistory,
    sort_resolved,
    sort_rows,
)

_ACTIVITY_COLUMNS = (
    "address",
    "key",
    "timestamp",
    "kind",
    "condition_id",
    "outcome_index",
    "side",
    "usd",
    "price",
    "category",
)
_PLACES = Decimal("1E-10")  # the money columns' decimal places
_HEADER_COLUMNS = (
    "address",
    "fetched_until",
    "fetched_at",
    "depth",
    "first_activity",
    "latest_activity",
    "markets_traded",
    "observed_at",
    "trades_truncated",
    "resolved_truncated",
    "username",
)
_POSITION_FIELDS = (
    "condition_id",
    "outcome_index",
    "is_open",
    "category",
    "avg_price",
    "cost_usd",
    "realised_pnl",
    "value_usd",
    "size",
    "resolved_at",
    "end_date",
    "redeemed",
)
_BATCH = 5000
T = TypeVar("T")
_SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}


class WalletHistoryRepository:
    async def load(self, address: str) -> WalletHistory | None:
        conn = connections.get("default")
        sqlite = conn.capabilities.dialect == "sqlite"
        mark = "?" if sqlite else "$1"
        when, amount = (_sqlite_time, Decimal) if sqlite else (_same, _same)
        # only a placeholder and column names are interpolated; the address is bound
        _, found = await conn.execute_query(
            f"SELECT {', '.join(_HEADER_COLUMNS)} FROM wallet_histories WHERE address = {mark}",  # noqa: S608
            [address.lower()],
        )
        if not found:
            return None
        (address, until, at, depth, first, latest, markets, observed, cut_trades, cut_resolved, username) = found[0]
        _, activity = await conn.execute_query(
            f"SELECT {', '.join(_ACTIVITY_COLUMNS[1:])} FROM wallet_history_activity WHERE address = {mark}",  # noqa: S608
            [address],
        )
        _, positions = await conn.execute_query(
            f"SELECT {', '.join(_POSITION_FIELDS)} FROM wallet_history_positions WHERE address = {mark}",  # noqa: S608
            [address],
        )
        rows = sort_rows(
            ActivityRow(
                timestamp=when(t),
                kind=kind,
                condition_id=cid,
                usd=amount(usd),
                key=key,
                outcome_index=index,
                side=_SIDES.get(side),
                price=amount(price),
                category=category,
            )
            for key, t, kind, cid, index, side, usd, price, category in activity
        )
        resolved: list[ResolvedPosition] = []
        still_open: list[OpenPosition] = []
        for cid, index, is_open, category, avg, cost, pnl, value, size, resolved_at, end, redeemed in positions:
            avg, cost = amount(avg), amount(cost)
            if is_open:
                still_open.append(
                    OpenPosition(cid, index, amount(size), avg, cost, amount(value), _maybe(when, end), category)
                )
            else:
                resolved.append(
                    ResolvedPosition(cid, index, avg, cost, amount(pnl), when(resolved_at), category, bool(redeemed))
                )
        return WalletHistory(
            address=address,
            fetched_until=when(until),
            depth=Depth(depth),
            rows=rows,
            resolved=sort_resolved(resolved),
            open_positions=tuple(still_open),
            observed_at=_maybe(when, observed),
            first_activity=_maybe(when, first),
            latest_activity=_maybe(when, latest),
            markets_traded=markets,
            trades_truncated=bool(cut_trades),
            resolved_truncated=bool(cut_resolved),
            username=username,
            fetched_at=when(at),
        )

    async def coverage(self, addresses: Sequence[str]) -> dict[str, tuple[datetime, Depth]]:
        """(watermark, depth) of each stored history among `addresses`."""
        found: dict[str, tuple[datetime, Depth]] = {}
        for start in range(0, len(addresses), _BATCH):
            chunk = [a.lower() for a in addresses[start : start + _BATCH]]
            rows = await WalletHistoryRow.filter(address__in=chunk).values_list("address", "fetched_until", "depth")
            found.update((address, (until, Depth(depth))) for address, until, depth in rows)
        return found

    async def save(self, history: WalletHistory, *, new_since: datetime | None) -> None:
        """Store `history`; only its activity rows at or after `new_since` are written (None: all)."""
        address = history.address
        header = {
            "fetched_until": history.fetched_until,
            "fetched_at": history.fetched_at or history.fetched_until,
            "depth": int(history.depth),
            "first_activity": history.first_activity,
            "latest_activity": history.latest_activity,
            "markets_traded": history.markets_traded,
            "observed_at": history.observed_at,
            "trades_truncated": history.trades_truncated,
            "resolved_truncated": history.resolved_truncated,
            "username": history.username[:255],
        }
        sqlite = connections.get("default").capabilities.dialect == "sqlite"
        when, amount = (str, _sqlite_money) if sqlite else (_same, _same)
        activity: list[list[Any]] = [
            [
                address,
                r.key,
                when(r.timestamp),
                r.kind[:16],
                r.condition_id,
                r.outcome_index,
                r.side.value if r.side is not None else "",
                amount(r.usd),
                amount(r.price),
                r.category[:32],
            ]
            for r in history.rows
            if new_since is None or r.timestamp >= new_since
        ]
        marks = ", ".join("?" if sqlite else f"${i}" for i in range(1, len(_ACTIVITY_COLUMNS) + 1))
        insert = (  # only placeholders are interpolated; every value is bound
            f"INSERT INTO wallet_history_activity ({', '.join(_ACTIVITY_COLUMNS)}) VALUES ({marks}) "  # noqa: S608
            "ON CONFLICT (address, key) DO NOTHING"
        )
        positions = [
            WalletPositionRow(
                address=address,
                condition_id=p.condition_id,
                outcome_index=p.outcome_index,
                is_open=False,
                category=p.category[:32],
                avg_price=p.avg_price,
                cost_usd=p.cost_usd,
                realised_pnl=p.realised_pnl,
                resolved_at=p.resolved_at,
                redeemed=p.redeemed,
            )
            for p in history.resolved
        ] + [
            WalletPositionRow(
                address=address,
                condition_id=p.condition_id,
                outcome_index=p.outcome_index,
                is_open=True,
                category=p.category[:32],
                avg_price=p.avg_price,
                cost_usd=p.cost_usd,
                value_usd=p.value_usd,
                size=p.size,
                end_date=p.end_date,
            )
            for p in history.open_positions
        ]

        async def write(conn: BaseDBAsyncClient) -> None:
            await WalletHistoryRow.update_or_create(defaults=header, address=address, using_db=conn)
            if activity:
                await conn.execute_many(insert, activity)
            await WalletPositionRow.filter(address=address).using_db(conn).delete()
            if positions:
                await WalletPositionRow.bulk_create(positions, batch_size=_BATCH, using_db=conn)

        await _atomic(write)

    async def prune_before(self, cutoff: datetime) -> int:
        """Forget histories last fetched before `cutoff` (the retention); returns how many."""
        stale = [str(a) for a in await WalletHistoryRow.filter(fetched_at__lt=cutoff).values_list("address", flat=True)]
        for start in range(0, len(stale), _BATCH):
            chunk = stale[start : start + _BATCH]

            async def forget(conn: BaseDBAsyncClient, chunk: list[str] = chunk) -> None:
                await WalletActivityRow.filter(address__in=chunk).using_db(conn).delete()
                await WalletPositionRow.filter(address__in=chunk).using_db(conn).delete()
                await WalletHistoryRow.filter(address__in=chunk).using_db(conn).delete()

            await _atomic(forget)
        return len(stale)


def _same(value: T) -> T:
    return value


def _sqlite_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe(convert: Callable[[Any], datetime], value: Any) -> datetime | None:
    return convert(value) if value is not None else None


def _sqlite_money(value: Decimal) -> str:
    return str(value.quantize(_PLACES))


async def _atomic(work: Callable[[BaseDBAsyncClient], Awaitable[None]]) -> None:
    from db.repositories import atomic  # here: db.repositories imports this module

    await atomic(work)
