"""Queries for ingested history: price points, ingest checkpoints, and page writes that store a
page's rows and its checkpoint in one transaction (scanner_core.backtest.ports.IngestHistory)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise import BaseDBAsyncClient
from tortoise.functions import Max, Min

from db.models import IngestCheckpointRow, PricePointRow, TradeRow
from db.repositories import atomic, insert_trades
from scanner_core.backtest.checkpoints import Checkpoint, Stage
from scanner_core.models import Trade
from scanner_core.sources.types import PricePoint

_CHECKPOINT_FIELDS = ["cursor", "reached", "done", "rows", "updated_at"]


def _checkpoint_from_row(r: IngestCheckpointRow) -> Checkpoint:
    return Checkpoint(
        condition_id=r.market_id,
        stage=Stage(r.stage),
        cursor=r.cursor,
        reached=r.reached,
        done=r.done,
        rows=int(r.rows),
        updated_at=r.updated_at,
    )


async def _upsert_checkpoint(checkpoint: Checkpoint, conn: BaseDBAsyncClient | None) -> None:
    if checkpoint.updated_at is None:
        raise ValueError("a checkpoint needs updated_at")
    row = IngestCheckpointRow(
        market_id=checkpoint.condition_id.lower(),
        stage=checkpoint.stage.value,
        cursor=checkpoint.cursor,
        reached=checkpoint.reached,
        done=checkpoint.done,
        rows=checkpoint.rows,
        updated_at=checkpoint.updated_at,
    )
    await IngestCheckpointRow.bulk_create(
        [row], on_conflict=["market_id", "stage"], update_fields=_CHECKPOINT_FIELDS, using_db=conn
    )


class HistoryRepository:
    # --- checkpoints ---

    async def checkpoints(self, condition_id: str) -> dict[Stage, Checkpoint]:
        rows = await IngestCheckpointRow.filter(market_id=condition_id.lower())
        return {Stage(r.stage): _checkpoint_from_row(r) for r in rows}

    async def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        await _upsert_checkpoint(checkpoint, None)

    async def ingested_markets(self) -> list[str]:
        """Condition ids of every market an ingest has touched, in id order."""
        rows = await IngestCheckpointRow.all().distinct().order_by("market_id").values_list("market_id", flat=True)
        return [str(r) for r in rows]

    # --- page writes (rows and checkpoint together) ---

    async def save_trades_page(self, trades: Sequence[Trade], checkpoint: Checkpoint) -> int:
        async def write(conn: BaseDBAsyncClient) -> int:
            added = await insert_trades(trades, conn)
            await _upsert_checkpoint(checkpoint, conn)
            return added

        return await atomic(write)

    async def save_price_points(
        self, token_id: str, condition_id: str, points: Sequence[PricePoint], checkpoint: Checkpoint
    ) -> int:
        unique = {p.timestamp: p for p in points}

        async def write(conn: BaseDBAsyncClient) -> int:
            fresh: list[PricePointRow] = []
            if unique:
                existing = set(
                    await PricePointRow.filter(
                        token_id=token_id, timestamp__gte=min(unique), timestamp__lte=max(unique)
                    )
                    .using_db(conn)
                    .values_list("timestamp", flat=True)
                )
                fresh = [
                    PricePointRow(token_id=token_id, market_id=condition_id.lower(), timestamp=t, price=p.price)
                    for t, p in sorted(unique.items())
                    if t not in existing
                ]
                if fresh:
                    await PricePointRow.bulk_create(fresh, ignore_conflicts=True, using_db=conn)
            await _upsert_checkpoint(checkpoint, conn)
            return len(fresh)

        return await atomic(write)

    # --- reads ---

    async def price_points(
        self, token_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[PricePoint]:
        """Stored points of one token, oldest first, within [since, until]."""
        query = PricePointRow.filter(token_id=token_id)
        if since is not None:
            query = query.filter(timestamp__gte=since)
        if until is not None:
            query = query.filter(timestamp__lte=until)
        rows = await query.order_by("timestamp").values_list("timestamp", "price")
        return [PricePoint(t, p) for t, p in rows]

    async def market_wallets(self, condition_id: str) -> list[str]:
        rows = (
            await TradeRow.filter(market_id=condition_id.lower())
            .distinct()
            .order_by("wallet_address")
            .values_list("wallet_address", flat=True)
        )
        return [str(r) for r in rows]

    async def market_trade_span(self, condition_id: str) -> tuple[datetime, datetime] | None:
        row = (
            await TradeRow.filter(market_id=condition_id.lower())
            .annotate(first=Min("timestamp"), last=Max("timestamp"))
            .values("first", "last")
        )
        if not row or row[0]["first"] is None:
            return None
        first, last = row[0]["first"], row[0]["last"]
        return _aware(first), _aware(last)


def _aware(value: datetime | str) -> datetime:
    # aggregates come back as text on SQLite
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)
