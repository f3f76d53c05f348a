"""Queries of the funding graph: collateral transfers, funder edges, scanned block ranges and
traces. Takes and returns scanner_core funding values; rows stay inside db/.

Saving transfers is idempotent (one row per tx hash and log index) and folds only the new ones
into the edges, in the same transaction, so a rescan never counts a transfer twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from tortoise import BaseDBAsyncClient

from db.models import ChainScanRow, ChainTransferRow, FunderEdgeRow, FundingTraceRow, TradeRow
from db.repositories import atomic
from db.serialise import trade_from_row
from scanner_core.funding.models import Transfer
from scanner_core.funding.ranges import Range, merge
from scanner_core.models import Trade

MAX_ROWS = 20_000  # a funder's or wallet's transfers read at once


def _transfer(r: ChainTransferRow) -> Transfer:
    return Transfer(
        token=r.token,
        sender=r.sender,
        recipient=r.recipient,
        amount=Decimal(r.amount),
        block_number=int(r.block_number),
        log_index=int(r.log_index),
        tx_hash=r.tx_hash,
        timestamp=r.timestamp,
    )


class FundingRepository:
    async def save_transfers(self, transfers: Sequence[Transfer]) -> list[Transfer]:
        """Store transfers not stored yet and add them to the edges; returns the new ones."""
        unique = {t.key: t for t in transfers}
        if not unique:
            return []

        async def work(conn: BaseDBAsyncClient) -> list[Transfer]:
            hashes = list({tx for tx, _ in unique})
            stored = (
                await ChainTransferRow.filter(tx_hash__in=hashes).using_db(conn).values_list("tx_hash", "log_index")
            )
            known = {(str(tx), int(i)) for tx, i in stored}
            fresh = [t for k, t in unique.items() if k not in known]
            if not fresh:
                return []
            await ChainTransferRow.bulk_create(
                [
                    ChainTransferRow(
                        tx_hash=t.tx_hash,
                        log_index=t.log_index,
                        block_number=t.block_number,
                        token=t.token,
                        sender=t.sender,
                        recipient=t.recipient,
                        amount=t.amount,
                        timestamp=t.timestamp,
                    )
                    for t in fresh
                ],
                using_db=conn,
            )
            await self._fold_edges(fresh, conn)
            return fresh

        return await atomic(work)

    @staticmethod
    async def _fold_edges(fresh: Sequence[Transfer], conn: BaseDBAsyncClient) -> None:
        sums: dict[tuple[str, str], list[Transfer]] = {}
        for t in fresh:
            sums.setdefault((t.sender, t.recipient), []).append(t)
        funders = list({f for f, _ in sums})
        existing = {
            (e.funder, e.wallet): e
            for e in await FunderEdgeRow.filter(funder__in=funders).using_db(conn)
            if (e.funder, e.wallet) in sums
        }
        new_rows = []
        for pair, sent in sums.items():
            first = min(t.timestamp for t in sent)
            last = max(t.timestamp for t in sent)
            total = sum((t.amount for t in sent), Decimal(0))
            edge = existing.get(pair)
            if edge is None:
                new_rows.append(
                    FunderEdgeRow(
                        funder=pair[0],
                        wallet=pair[1],
                        first_at=first,
                        last_at=last,
                        total_usd=total,
                        transfers=len(sent),
                    )
                )
                continue
            edge.first_at = min(edge.first_at, first)
            edge.last_at = max(edge.last_at, last)
            edge.total_usd = Decimal(edge.total_usd) + total
            edge.transfers += len(sent)
            await edge.save(using_db=conn, update_fields=["first_at", "last_at", "total_usd", "transfers"])
        if new_rows:
            await FunderEdgeRow.bulk_create(new_rows, using_db=conn)

    async def inbound(self, wallet: str, *, until: datetime | None = None) -> list[Transfer]:
        query = ChainTransferRow.filter(recipient=wallet)
        if until is not None:
            query = query.filter(timestamp__lte=until)
        rows = await query.order_by("block_number", "log_index").limit(MAX_ROWS)
        return [_transfer(r) for r in rows]

    async def outbound(self, funder: str, *, since: datetime, until: datetime) -> list[Transfer]:
        rows = (
            await ChainTransferRow.filter(sender=funder, timestamp__gte=since, timestamp__lte=until)
            .order_by("block_number", "log_index")
            .limit(MAX_ROWS)
        )
        return [_transfer(r) for r in rows]

    async def has_funding(self, wallet: str) -> bool:
        """Whether anyone is known to have paid `wallet` (one indexed look at the edges)."""
        return bool(await FunderEdgeRow.filter(wallet=wallet).exists())

    # -- what was read already -------------------------------------------------------------------

    async def covered(self, address: str, direction: str) -> list[Range]:
        rows = await ChainScanRow.filter(address=address, direction=direction).values_list("from_block", "to_block")
        return merge((int(lo), int(hi)) for lo, hi in rows)

    async def add_covered(self, address: str, direction: str, ranges: Sequence[Range], now: datetime) -> None:
        """Record ranges read; overlapping and touching ones are stored merged."""
        if not ranges:
            return

        async def work(conn: BaseDBAsyncClient) -> None:
            rows = await ChainScanRow.filter(address=address, direction=direction).using_db(conn)
            joined = merge([*((int(r.from_block), int(r.to_block)) for r in rows), *ranges])
            if rows:
                await ChainScanRow.filter(id__in=[r.id for r in rows]).using_db(conn).delete()
            await ChainScanRow.bulk_create(
                [
                    ChainScanRow(address=address, direction=direction, from_block=lo, to_block=hi, scanned_at=now)
                    for lo, hi in joined
                ],
                using_db=conn,
            )

        await atomic(work)

    # -- traces ----------------------------------------------------------------------------------

    async def last_traced(self, wallet: str) -> datetime | None:
        row = await FundingTraceRow.get_or_none(wallet=wallet)
        return row.traced_at if row is not None and row.status == "ok" else None

    async def mark_traced(self, wallet: str, now: datetime, status: str, detail: str = "", requests: int = 0) -> None:
        await FundingTraceRow.update_or_create(
            wallet=wallet, defaults={"traced_at": now, "status": status, "detail": detail[:500], "requests": requests}
        )

    async def counts(self) -> dict[str, int]:
        return {
            "transfers": await ChainTransferRow.all().count(),
            "edges": await FunderEdgeRow.all().count(),
            "traces": await FundingTraceRow.all().count(),
        }

    # -- what siblings traded (trades polyscan stored) -------------------------------------------

    async def wallet_trades(self, wallets: Sequence[str], *, since: datetime, until: datetime) -> list[Trade]:
        if not wallets:
            return []
        rows = (
            await TradeRow.filter(wallet_address__in=list(wallets), timestamp__gte=since, timestamp__lte=until)
            .order_by("timestamp")
            .limit(MAX_ROWS)
        )
        return [trade_from_row(r) for r in rows]


__all__ = ["FundingRepository"]
