"""Every query polyscan makes. Takes and returns scanner_core domain types; rows stay inside.

Writes that can repeat (a replay, a restart, a backfill overlapping the live feed) are idempotent:
trades and alerts carry a unique dedup key and a second save stores nothing. The batch writes of
the pipeline (trades, wallet stats, alerts, quarantine) raise scanner_core.stores.RowRefused or
StoreUnavailable (db/errors.py), so their writers can tell a bad row from an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from tortoise import BaseDBAsyncClient, connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from db.errors import translated
from db.models import (
    AlertRow,
    ChannelRuleRow,
    DeliveryRow,
    DeliveryWorkerRow,
    FeedStateRow,
    IngestCheckpointRow,
    MarketRow,
    QuarantineRow,
    SubscriptionRow,
    SystemMetricRow,
    TradeRow,
    WalletClassificationRow,
    WalletProfileRow,
    WalletTradeRow,
)
from db.serialise import (
    alert_from_row,
    alert_payload,
    classification_from_row,
    delivery_from_row,
    filters_to_json,
    market_from_row,
    market_metadata,
    profile_details,
    profile_from_row,
    resolution_fields,
    rule_from_row,
    signals_to_json,
    subscription_from_row,
    trade_from_row,
    trade_to_row,
)
from db.wallet_histories import WalletHistoryRepository
from scanner_core.models import (
    Alert,
    ChannelRule,
    Delivery,
    DeliveryStatus,
    DestinationKind,
    Market,
    MetricSample,
    Platform,
    QuarantineEntry,
    Severity,
    Subscription,
    SubscriptionFilters,
    Trade,
    WalletClassification,
    WalletProfile,
)

if TYPE_CHECKING:
    from db.funding import FundingRepository


def _dialect() -> str:
    return str(connections.get("default").capabilities.dialect)


def _placeholders(count: int, start: int = 1) -> str:
    if _dialect() == "postgres":
        return ", ".join(f"${i}" for i in range(start, start + count))
    return ", ".join("?" for _ in range(count))


T = TypeVar("T")


async def atomic(
    work: Callable[[BaseDBAsyncClient], Awaitable[T]], undo: Callable[[T], Awaitable[None]] | None = None
) -> T:
    """Run `work` in one transaction that a cancelled caller cannot cut in half.

    tortoise's SQLite transaction takes the connection lock before BEGIN and never frees it if
    cancelled there, after which every query waits forever. Shielded, the transaction always
    finishes; if the caller was cancelled meanwhile, `undo` gets the result it will never see
    (e.g. leased rows go back), then the caller sees its cancellation.
    """

    async def run() -> T:
        async with in_transaction() as conn:
            return await work(conn)

    inner = asyncio.ensure_future(run())
    try:
        return await asyncio.shield(inner)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            result = await asyncio.shield(inner)
            if undo is not None:
                await asyncio.shield(undo(result))
        raise


# ---------------------------------------------------------------- trades


async def insert_trades(trades: Sequence[Trade], conn: BaseDBAsyncClient | None = None) -> int:
    """Store trades not stored yet (by dedup key), on `conn` when inside a transaction; returns
    how many were new."""
    if not trades:
        return 0
    unique = {t.dedup_key: t for t in trades}
    keys = list(unique)
    existing = set(await TradeRow.filter(dedup_key__in=keys).using_db(conn).values_list("dedup_key", flat=True))
    fresh = [trade_to_row(t) for k, t in unique.items() if k not in existing]
    if fresh:
        await TradeRow.bulk_create(fresh, ignore_conflicts=True, using_db=conn)
    return len(fresh)


class TradeRepository:
    async def save_trade(self, trade: Trade) -> bool:
        """Store one trade; False when it was already stored."""
        return await self.save_trades([trade]) == 1

    @translated
    async def save_trades(self, trades: Sequence[Trade]) -> int:
        """Store a batch in one round trip; repeats (same dedup key) are ignored. Returns new rows."""
        return await insert_trades(trades)

    async def get_trade(self, dedup_key: str) -> Trade | None:
        row = await TradeRow.get_or_none(dedup_key=dedup_key)
        return trade_from_row(row) if row else None

    async def newest_trade_time(self) -> datetime | None:
        """Time of the newest stored trade: where the live feed backfills from after a restart."""
        row = await TradeRow.all().order_by("-timestamp").first()
        return trade_from_row(row).timestamp if row else None

    async def wallet_trades(
        self,
        wallet: str,
        *,
        limit: int = 100,
        offset: int = 0,
        since: datetime | None = None,
        until: datetime | None = None,
        min_usd: Decimal | None = None,
    ) -> list[Trade]:
        query = TradeRow.filter(wallet_address=wallet.lower())
        return await self._page(query, limit, offset, since, until, min_usd)

    async def market_trades(
        self,
        condition_id: str,
        *,
        limit: int = 100,
        offset: int = 0,
        since: datetime | None = None,
        until: datetime | None = None,
        min_usd: Decimal | None = None,
    ) -> list[Trade]:
        query = TradeRow.filter(market_id=condition_id.lower())
        return await self._page(query, limit, offset, since, until, min_usd)

    async def biggest_market_trades(self, condition_id: str, *, since: datetime, limit: int = 5) -> list[Trade]:
        rows = (
            await TradeRow.filter(market_id=condition_id.lower(), timestamp__gte=since)
            .order_by("-size_usd")
            .limit(limit)
        )
        return [trade_from_row(r) for r in rows]

    @staticmethod
    async def _page(
        query: Any,
        limit: int,
        offset: int,
        since: datetime | None,
        until: datetime | None,
        min_usd: Decimal | None,
    ) -> list[Trade]:
        if since is not None:
            query = query.filter(timestamp__gte=since)
        if until is not None:
            query = query.filter(timestamp__lte=until)
        if min_usd is not None:
            query = query.filter(size_usd__gte=min_usd)
        rows = await query.order_by("-timestamp", "-id").offset(offset).limit(limit)
        return [trade_from_row(r) for r in rows]

    async def count_since(self, since: datetime) -> int:
        return await TradeRow.filter(timestamp__gte=since).count()

    async def prune_before(self, cutoff: datetime) -> int:
        """Delete raw trades older than cutoff (alerts and wallet stats are kept). Trades of markets
        that `polyscan ingest` brought in (any market with an ingest checkpoint) are history kept on
        purpose for the backtest: retention never deletes them."""
        ingested = Subquery(IngestCheckpointRow.all().distinct().values("market_id"))
        return int(await TradeRow.filter(timestamp__lt=cutoff).exclude(market_id__in=ingested).delete())

    async def wallets_active_since(self, since: datetime, limit: int = 1000) -> list[str]:
        rows = (
            await TradeRow.filter(timestamp__gte=since)
            .group_by("wallet_address")
            .annotate(n=Count("id"))
            .order_by("-n")
            .limit(limit)
            .values_list("wallet_address", flat=True)
        )
        return [str(r) for r in rows]

    async def large_trade_wallets(self, since: datetime, min_usd: Decimal, limit: int = 5000) -> list[str]:
        rows = (
            await TradeRow.filter(timestamp__gte=since, size_usd__gte=min_usd)
            .distinct()
            .limit(limit)
            .values_list("wallet_address", flat=True)
        )
        return [str(r) for r in rows]


# ---------------------------------------------------------------- wallet history (wallet_trades)


class WalletTradeRepository:
    async def save_many(self, trades: Sequence[Trade]) -> int:
        if not trades:
            return 0
        unique = {t.dedup_key: t for t in trades}
        existing = set(await WalletTradeRow.filter(dedup_key__in=list(unique)).values_list("dedup_key", flat=True))
        rows = [
            WalletTradeRow(
                dedup_key=t.dedup_key,
                wallet_address=t.wallet,
                market_id=t.condition_id,
                token_id=t.token_id,
                side=t.side.value,
                timestamp=t.timestamp,
                size_usd=t.usd,
                price=t.price,
                outcome=t.outcome,
            )
            for k, t in unique.items()
            if k not in existing
        ]
        if rows:
            await WalletTradeRow.bulk_create(rows, ignore_conflicts=True)
        return len(rows)

    async def history(
        self, wallet: str, *, until: datetime | None = None, limit: int = 5000
    ) -> list[tuple[datetime, str, Decimal, Decimal, str]]:
        """(time, market, usd, price, side) newest first, up to `until` (no look-ahead)."""
        query = WalletTradeRow.filter(wallet_address=wallet.lower())
        if until is not None:
            query = query.filter(timestamp__lte=until)
        rows = await query.order_by("-timestamp").limit(limit)
        return [(r.timestamp, r.market_id, r.size_usd, r.price, r.side) for r in rows]


# ---------------------------------------------------------------- alerts


class AlertRepository:
    async def save_alert(self, alert: Alert) -> tuple[Alert, bool]:
        """Store an alert once. Returns (stored alert with id, created)."""
        existing = await AlertRow.get_or_none(dedup_key=alert.dedup_key)
        if existing is not None:
            return alert_from_row(existing), False
        try:
            row = await AlertRow.create(**self._row_fields(alert))
        except IntegrityError:  # a concurrent writer stored it first
            row = await AlertRow.get(dedup_key=alert.dedup_key)
            return alert_from_row(row), False
        return replace(alert, id=row.id), True

    @translated
    async def save_alerts(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Store a batch; returns only the alerts that were new (with ids), in input order."""
        if not alerts:
            return []
        unique = {a.dedup_key: a for a in alerts}
        existing = set(await AlertRow.filter(dedup_key__in=list(unique)).values_list("dedup_key", flat=True))
        fresh = [a for k, a in unique.items() if k not in existing]
        if not fresh:
            return []
        await AlertRow.bulk_create([AlertRow(**self._row_fields(a)) for a in fresh], ignore_conflicts=True)
        ids = dict(await AlertRow.filter(dedup_key__in=[a.dedup_key for a in fresh]).values_list("dedup_key", "id"))
        return [replace(a, id=ids[a.dedup_key]) for a in fresh if a.dedup_key in ids]

    @staticmethod
    def _row_fields(alert: Alert) -> dict[str, Any]:
        trade = alert.trade
        return {
            "dedup_key": alert.dedup_key,
            "kind": alert.kind.value,
            "severity": alert.severity.value,
            "confidence": alert.confidence,
            "title": alert.title,
            "trade_key": trade.dedup_key if trade else None,
            "market_id": alert.condition_id,
            "wallet_address": alert.wallet_address,
            "size_usd": trade.usd if trade else None,
            "signals": signals_to_json(alert.signals),
            "payload": alert_payload(alert),
            "timestamp": trade.timestamp if trade else alert.created_at,
            "created_at": alert.created_at,
        }

    async def get(self, alert_id: int) -> Alert | None:
        row = await AlertRow.get_or_none(id=alert_id)
        return alert_from_row(row) if row else None

    async def get_many(self, alert_ids: Iterable[int]) -> dict[int, Alert]:
        rows = await AlertRow.filter(id__in=list(alert_ids))
        return {r.id: alert_from_row(r) for r in rows}

    async def by_wallet(self, wallet: str, *, hours: float, now: datetime, limit: int = 50) -> list[Alert]:
        since = now - timedelta(hours=hours)
        rows = (
            await AlertRow.filter(wallet_address=wallet.lower(), timestamp__gte=since, timestamp__lte=now)
            .order_by("-timestamp")
            .limit(limit)
        )
        return [alert_from_row(r) for r in rows]

    async def by_market(self, condition_id: str, *, hours: float, now: datetime, limit: int = 20) -> list[Alert]:
        since = now - timedelta(hours=hours)
        rows = (
            await AlertRow.filter(market_id=condition_id.lower(), timestamp__gte=since)
            .order_by("-timestamp")
            .limit(limit)
        )
        return [alert_from_row(r) for r in rows]

    async def recent(self, *, limit: int = 20, since: datetime | None = None) -> list[Alert]:
        query = AlertRow.all()
        if since is not None:
            query = query.filter(created_at__gte=since)
        rows = await query.order_by("-created_at", "-id").limit(limit)
        return [alert_from_row(r) for r in rows]

    async def unrouted(self, *, limit: int = 500) -> list[Alert]:
        """Stored alerts whose deliveries were never written (oldest first)."""
        rows = await AlertRow.filter(routed_at__isnull=True).order_by("id").limit(limit)
        return [alert_from_row(r) for r in rows]

    async def mark_routed(self, alert_ids: Sequence[int], now: datetime) -> None:
        if alert_ids:
            await AlertRow.filter(id__in=list(alert_ids)).update(routed_at=now)

    async def exists(self, dedup_key: str) -> bool:
        return await AlertRow.filter(dedup_key=dedup_key).exists()

    async def counts_by_severity(self, since: datetime) -> dict[Severity, int]:
        rows = (
            await AlertRow.filter(created_at__gte=since)
            .group_by("severity")
            .annotate(n=Count("id"))
            .values_list("severity", "n")
        )
        return {Severity(s): int(n) for s, n in rows}

    async def count(self) -> int:
        return await AlertRow.all().count()


# ---------------------------------------------------------------- wallet profiles


class WalletRepository:
    async def get_profile(self, address: str) -> WalletProfile | None:
        row = await WalletProfileRow.get_or_none(address=address.lower())
        return profile_from_row(row) if row else None

    async def save_profile(self, profile: WalletProfile) -> None:
        fields = {
            "first_seen": profile.first_seen,
            "last_seen": profile.last_seen,
            "total_trades": profile.trade_count,
            "total_volume_usd": profile.total_volume,
            "avg_trade_size": profile.avg_trade_size,
            "median_trade_size": profile.median_trade_size,
            "realised_pnl": profile.realised_pnl,
            "win_rate": profile.win_rate,
            "resolved_positions": profile.resolved_positions,
            "winning_positions": profile.winning_positions,
            "is_suspected_lp": profile.is_market_maker,
            "lp_confidence": profile.mm_confidence,
            "details": profile_details(profile),
            "updated_at": profile.updated_at,
        }
        await WalletProfileRow.update_or_create(defaults=fields, address=profile.address)

    @translated
    async def update_stats(self, trades: Sequence[Trade], now: datetime) -> int:
        """Fold new trades into stored stats without refetching history: one statement per batch.

        Count, volume, average, first and last seen move exactly; the median and the rates wait
        for the next full profile refresh.
        """
        per_wallet: dict[str, list[Trade]] = defaultdict(list)
        for trade in trades:
            per_wallet[trade.wallet].append(trade)
        if not per_wallet:
            return 0
        values: list[list[Any]] = []
        for address, own in per_wallet.items():
            volume = sum((t.usd for t in own), Decimal(0))
            first = min(t.timestamp for t in own)
            last = max(t.timestamp for t in own)
            values.append([address, len(own), volume, volume / len(own), first, last, now])
        ph = _placeholders(7)
        # only placeholders are interpolated; every value is bound
        sql = (
            "INSERT INTO wallet_profiles (address, total_trades, total_volume_usd, avg_trade_size, "  # noqa: S608
            "first_seen, last_seen, updated_at, median_trade_size, realised_pnl, resolved_positions, "
            "winning_positions, is_suspected_lp, lp_confidence, details) "
            f"VALUES ({ph}, 0, 0, 0, 0, false, 0, '{{}}') "
            "ON CONFLICT (address) DO UPDATE SET "
            "total_trades = wallet_profiles.total_trades + excluded.total_trades, "
            "total_volume_usd = wallet_profiles.total_volume_usd + excluded.total_volume_usd, "
            "avg_trade_size = (wallet_profiles.total_volume_usd + excluded.total_volume_usd) "
            "/ (wallet_profiles.total_trades + excluded.total_trades), "
            "first_seen = CASE WHEN wallet_profiles.first_seen IS NULL "
            "OR excluded.first_seen < wallet_profiles.first_seen "
            "THEN excluded.first_seen ELSE wallet_profiles.first_seen END, "
            "last_seen = CASE WHEN wallet_profiles.last_seen IS NULL "
            "OR excluded.last_seen > wallet_profiles.last_seen "
            "THEN excluded.last_seen ELSE wallet_profiles.last_seen END, "
            "updated_at = excluded.updated_at"
        )
        if _dialect() == "sqlite":
            # SQLite keeps decimals as text and times as ISO text (as tortoise writes them).
            values = [
                [a, n, str(v), str(avg), f.isoformat(), last.isoformat(), u.isoformat()]
                for a, n, v, avg, f, last, u in values
            ]
        await connections.get("default").execute_many(sql, values)
        return len(values)

    async def stale_profiles(self, older_than: datetime, active_since: datetime, limit: int = 200) -> list[str]:
        rows = (
            await WalletProfileRow.filter(updated_at__lt=older_than, last_seen__gte=active_since)
            .order_by("-last_seen")
            .limit(limit)
            .values_list("address", flat=True)
        )
        return [str(r) for r in rows]


# ---------------------------------------------------------------- markets


class MarketRepository:
    async def get(self, condition_id: str) -> Market | None:
        row = await MarketRow.get_or_none(id=condition_id.lower())
        return market_from_row(row) if row else None

    async def get_by_slug(self, slug: str) -> Market | None:
        row = await MarketRow.filter(slug=slug).first()
        return market_from_row(row) if row else None

    async def get_by_gamma_id(self, gamma_id: str) -> Market | None:
        row = await MarketRow.filter(gamma_id=gamma_id).first()
        return market_from_row(row) if row else None

    async def save(self, market: Market, now: datetime) -> None:
        fields = {
            "gamma_id": market.market_id,
            "question": market.question,
            "slug": market.slug,
            "category": market.category,
            "end_date": market.end_date,
            "volume_24h": market.volume_24h,
            "liquidity": market.liquidity,
            "closed": market.closed,
            "metadata": market_metadata(market),
            "updated_at": now,
            **resolution_fields(market),
        }
        # one upsert statement: no transaction a cancelled caller could leave half-open
        await MarketRow.bulk_create(
            [MarketRow(id=market.condition_id.lower(), **fields)], on_conflict=["id"], update_fields=list(fields)
        )

    async def similar(self, market: Market, limit: int = 10) -> list[Market]:
        """Open stored markets of the same category, or ending within a day of it."""
        query = MarketRow.filter(closed=False).exclude(id=market.condition_id.lower())
        near = Q(category=market.category) if market.category else Q(id="")
        if market.end_date is not None:
            near |= Q(
                end_date__gte=market.end_date - timedelta(days=1), end_date__lte=market.end_date + timedelta(days=1)
            )
        rows = await query.filter(near).order_by("-volume_24h").limit(limit)
        return [market_from_row(r) for r in rows]

    async def stale(self, older_than: datetime, limit: int = 200) -> list[str]:
        rows = (
            await MarketRow.filter(updated_at__lt=older_than, closed=False)
            .order_by("updated_at")
            .limit(limit)
            .values_list("id", flat=True)
        )
        return [str(r) for r in rows]


# ---------------------------------------------------------------- subscriptions and channel rules


class SubscriptionRepository:
    async def get(self, kind: DestinationKind, destination_id: str) -> Subscription | None:
        row = await SubscriptionRow.get_or_none(destination_kind=kind.value, destination_id=destination_id)
        return subscription_from_row(row) if row else None

    async def save(self, sub: Subscription, now: datetime) -> Subscription:
        fields = subscription_fields(sub, now)
        row = await SubscriptionRow.get_or_none(
            destination_kind=sub.destination_kind.value, destination_id=sub.destination_id
        )
        if row is None:
            row = await SubscriptionRow.create(
                destination_kind=sub.destination_kind.value,
                destination_id=sub.destination_id,
                created_at=now,
                **fields,
            )
        else:
            await row.update_from_dict(fields).save()
        return subscription_from_row(row)

    async def active(self) -> list[Subscription]:
        return [subscription_from_row(r) for r in await SubscriptionRow.filter(active=True)]

    async def all(self) -> list[Subscription]:
        return [subscription_from_row(r) for r in await SubscriptionRow.all()]

    async def deactivate(self, kind: DestinationKind, destination_id: str) -> bool:
        return bool(
            await SubscriptionRow.filter(destination_kind=kind.value, destination_id=destination_id).update(
                active=False
            )
        )

    async def count_active(self) -> int:
        return await SubscriptionRow.filter(active=True).count()


def subscription_fields(sub: Subscription, now: datetime) -> dict[str, Any]:
    """A subscription's columns besides its destination and creation time."""
    return {
        "owner_id": sub.owner_id,
        "active": sub.active,
        "filters": filters_to_json(sub.filters),
        "quiet_start": sub.quiet_hours.start_minute if sub.quiet_hours else None,
        "quiet_end": sub.quiet_hours.end_minute if sub.quiet_hours else None,
        "timezone": sub.quiet_hours.tz if sub.quiet_hours else sub.timezone,
        "max_per_hour": sub.max_per_hour,
        "updated_at": now,
    }


def subscription_defaults(
    kind: DestinationKind, destination_id: str, *, owner_id: str = "", max_per_hour: int = 30
) -> Subscription:
    return Subscription(
        id=None,
        destination_kind=kind,
        destination_id=destination_id,
        owner_id=owner_id,
        filters=SubscriptionFilters(),
        max_per_hour=max_per_hour,
    )


class ChannelRuleRepository:
    async def add(self, rule: ChannelRule, now: datetime) -> ChannelRule:
        row, _ = await ChannelRuleRow.update_or_create(
            defaults={"role_id": rule.role_id, "created_by": rule.created_by, "created_at": now},
            guild_id=rule.guild_id,
            channel_id=rule.channel_id,
            match_type=rule.match_type,
            match_value=rule.match_value,
        )
        return rule_from_row(row)

    async def for_guild(self, guild_id: str) -> list[ChannelRule]:
        return [rule_from_row(r) for r in await ChannelRuleRow.filter(guild_id=guild_id).order_by("id")]

    async def all(self) -> list[ChannelRule]:
        return [rule_from_row(r) for r in await ChannelRuleRow.all().order_by("id")]

    async def remove(self, guild_id: str, rule_id: int) -> bool:
        return bool(await ChannelRuleRow.filter(guild_id=guild_id, id=rule_id).delete())

    async def remove_channel(self, channel_id: str) -> int:
        """Drop every rule that posts to a channel the bot can no longer reach."""
        return int(await ChannelRuleRow.filter(channel_id=channel_id).delete())


# ---------------------------------------------------------------- deliveries (the outbox)


@dataclass(frozen=True, slots=True)
class LeaseOwner:
    """A delivery worker holding claims: its name (one per process sharing the outbox) and its
    generation (one per start of that process)."""

    name: str
    generation: int


class DeliveryRepository:
    async def start_worker(self, name: str, now: datetime) -> LeaseOwner:
        """Count one more start of the worker `name`: what its earlier generations claimed is dead."""
        name_ph, started_ph = _placeholders(2).split(", ")
        table = DeliveryWorkerRow._meta.db_table
        # one atomic statement, so two processes starting at once still get distinct generations
        sql = (
            f"INSERT INTO {table} (name, generation, started_at) VALUES ({name_ph}, 1, {started_ph}) "  # noqa: S608
            f"ON CONFLICT (name) DO UPDATE SET generation = {table}.generation + 1, "
            "started_at = excluded.started_at RETURNING generation"
        )
        started: Any = now.isoformat() if _dialect() == "sqlite" else now
        rows = await connections.get("default").execute_query_dict(sql, [name, started])  # fetches RETURNING
        return LeaseOwner(name, int(rows[0]["generation"]))

    async def reclaim(self, owner: LeaseOwner, now: datetime) -> int:
        """Make the pending deliveries that earlier generations of `owner` claimed due at once (a
        crash left them leased); returns how many. Other workers' claims are not touched."""
        return int(
            await DeliveryRow.filter(
                status=DeliveryStatus.PENDING.value, lease_owner=owner.name, lease_generation__lt=owner.generation
            ).update(next_attempt_at=now, lease_owner=None, lease_generation=None)
        )

    async def enqueue(self, deliveries: Sequence[Delivery], now: datetime) -> int:
        """Write (alert x destination) rows before anything is sent; repeats are ignored."""
        if not deliveries:
            return 0
        rows = [
            DeliveryRow(
                alert_id=d.alert_id,
                destination_kind=d.destination_kind.value,
                destination_id=d.destination_id,
                platform=d.destination_kind.platform.value,
                status=d.status.value,
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at or now,
                mention_role_id=d.mention_role_id,
                created_at=now,
            )
            for d in deliveries
        ]
        await DeliveryRow.bulk_create(rows, ignore_conflicts=True)
        return len(rows)

    async def due(self, platform: Platform, now: datetime, limit: int = 50) -> list[Delivery]:
        """Pending deliveries whose time has come, oldest first (a read: `claim` takes them)."""
        rows = (
            await DeliveryRow.filter(
                platform=platform.value, status=DeliveryStatus.PENDING.value, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at", "id")
            .limit(limit)
        )
        return [delivery_from_row(r) for r in rows]

    async def claim(
        self, platform: Platform, now: datetime, lease: timedelta, limit: int = 50, *, owner: LeaseOwner | None = None
    ) -> list[Delivery]:
        """Take due deliveries and push their next attempt past `lease`, so a crash mid-send retries
        them after the lease (or as soon as `owner` starts again: `reclaim`), and a second worker
        does not take the same rows."""

        async def take(conn: BaseDBAsyncClient) -> list[DeliveryRow]:
            query = (
                DeliveryRow.filter(
                    platform=platform.value, status=DeliveryStatus.PENDING.value, next_attempt_at__lte=now
                )
                .order_by("next_attempt_at", "id")
                .limit(limit)
                .using_db(conn)
            )
            if _dialect() == "postgres":
                query = query.select_for_update(skip_locked=True)
            rows = await query
            if rows:
                await (
                    DeliveryRow.filter(id__in=[r.id for r in rows])
                    .using_db(conn)
                    .update(
                        next_attempt_at=now + lease,
                        lease_owner=owner.name if owner else None,
                        lease_generation=owner.generation if owner else None,
                    )
                )
            return list(rows)

        async def hand_back(rows: list[DeliveryRow]) -> None:  # the worker was stopped mid-claim
            if rows:
                await self.release([r.id for r in rows], now)

        return [delivery_from_row(r) for r in await atomic(take, hand_back)]

    async def mark_sent(
        self, delivery_ids: Sequence[int], now: datetime, status: DeliveryStatus = DeliveryStatus.SENT
    ) -> None:
        if delivery_ids:
            await DeliveryRow.filter(id__in=list(delivery_ids)).update(status=status.value, sent_at=now, last_error="")

    async def mark_retry(
        self, delivery_id: int, attempts: int, next_at: datetime, error: str, *, keep_claim: bool = False
    ) -> None:
        """Schedule the next attempt. The claim ends (a restart must not hurry a backoff) unless
        `keep_claim`: the worker retries it itself once `next_at` comes (a rate limit)."""
        changes: dict[str, Any] = {"attempts": attempts, "next_attempt_at": next_at, "last_error": error[:500]}
        if not keep_claim:
            changes |= {"lease_owner": None, "lease_generation": None}
        await DeliveryRow.filter(id=delivery_id).update(**changes)

    async def mark_status(self, delivery_ids: Sequence[int], status: DeliveryStatus, error: str = "") -> None:
        if delivery_ids:
            await DeliveryRow.filter(id__in=list(delivery_ids)).update(status=status.value, last_error=error[:500])

    async def mark_destination_dead(self, kind: DestinationKind, destination_id: str, error: str) -> int:
        return int(
            await DeliveryRow.filter(
                destination_kind=kind.value,
                destination_id=destination_id,
                status__in=[DeliveryStatus.PENDING.value, DeliveryStatus.HELD.value],
            ).update(status=DeliveryStatus.DEAD.value, last_error=error[:500])
        )

    async def held(self, kind: DestinationKind, destination_id: str) -> list[Delivery]:
        rows = await DeliveryRow.filter(
            destination_kind=kind.value, destination_id=destination_id, status=DeliveryStatus.HELD.value
        ).order_by("id")
        return [delivery_from_row(r) for r in rows]

    async def destinations_with_held(self) -> list[tuple[DestinationKind, str]]:
        rows = (
            await DeliveryRow.filter(status=DeliveryStatus.HELD.value)
            .distinct()
            .values_list("destination_kind", "destination_id")
        )
        return [(DestinationKind(k), str(d)) for k, d in rows]

    async def destination_loads(self, since: datetime) -> dict[tuple[DestinationKind, str], tuple[int, bool]]:
        """Per destination, in one query: (deliveries sent since `since` plus those still pending,
        whether any are held). The hourly cap counts pending ones too, so a burst cannot slip past."""
        rows = (
            await DeliveryRow.filter(
                Q(status__in=[DeliveryStatus.PENDING.value, DeliveryStatus.HELD.value])
                | Q(status=DeliveryStatus.SENT.value, sent_at__gte=since)
            )
            .group_by("destination_kind", "destination_id", "status")
            .annotate(n=Count("id"))
            .values_list("destination_kind", "destination_id", "status", "n")
        )
        out: dict[tuple[DestinationKind, str], tuple[int, bool]] = {}
        for kind, destination, status, n in rows:
            key = (DestinationKind(kind), str(destination))
            recent, holding = out.get(key, (0, False))
            if status == DeliveryStatus.HELD.value:
                out[key] = (recent, True)
            else:
                out[key] = (recent + int(n), holding)
        return out

    async def release(self, delivery_ids: Sequence[int], now: datetime) -> None:
        """Hand claimed but unsent deliveries back at once (a clean stop), instead of after the lease."""
        if delivery_ids:
            await DeliveryRow.filter(id__in=list(delivery_ids), status=DeliveryStatus.PENDING.value).update(
                next_attempt_at=now, lease_owner=None, lease_generation=None
            )

    async def backlog(self) -> dict[str, int]:
        rows = (
            await DeliveryRow.filter(status__in=[DeliveryStatus.PENDING.value, DeliveryStatus.HELD.value])
            .group_by("platform")
            .annotate(n=Count("id"))
            .values_list("platform", "n")
        )
        return {str(p): int(n) for p, n in rows}

    async def for_destination(self, kind: DestinationKind, destination_id: str, limit: int = 20) -> list[Delivery]:
        rows = (
            await DeliveryRow.filter(destination_kind=kind.value, destination_id=destination_id)
            .order_by("-id")
            .limit(limit)
        )
        return [delivery_from_row(r) for r in rows]

    async def all_for_alert(self, alert_id: int) -> list[Delivery]:
        return [delivery_from_row(r) for r in await DeliveryRow.filter(alert_id=alert_id).order_by("id")]

    async def counts(self) -> dict[tuple[str, str], int]:
        rows = (
            await DeliveryRow.all()
            .group_by("platform", "status")
            .annotate(n=Count("id"))
            .values_list("platform", "status", "n")
        )
        return {(str(p), str(s)): int(n) for p, s, n in rows}


# ---------------------------------------------------------------- wallet classifications


class ClassificationRepository:
    async def save(self, result: WalletClassification) -> WalletClassification | None:
        """Store a result; returns the previous classification (None if first time)."""
        previous = await WalletClassificationRow.get_or_none(address=result.address)
        await WalletClassificationRow.update_or_create(
            defaults={
                "classification": result.classification.value,
                "score": result.score,
                "stage": result.stage,
                "reasons": list(result.reasons),
                "details": dict(result.details),
                "classified_at": result.classified_at,
            },
            address=result.address,
        )
        return classification_from_row(previous) if previous else None

    async def save_many(self, results: Sequence[WalletClassification]) -> dict[str, WalletClassification | None]:
        """Store a batch (one read of the previous rows, one upsert); returns each address's
        previous classification (None if first time). A later result for one address wins."""
        latest = {r.address: r for r in results}
        if not latest:
            return {}

        async def upsert(conn: BaseDBAsyncClient) -> dict[str, WalletClassification]:
            rows = await WalletClassificationRow.filter(address__in=list(latest)).using_db(conn)
            previous = {row.address: classification_from_row(row) for row in rows}
            await WalletClassificationRow.bulk_create(
                [
                    WalletClassificationRow(
                        address=r.address,
                        classification=r.classification.value,
                        score=r.score,
                        stage=r.stage,
                        reasons=list(r.reasons),
                        details=dict(r.details),
                        classified_at=r.classified_at,
                    )
                    for r in latest.values()
                ],
                on_conflict=["address"],
                update_fields=["classification", "score", "stage", "reasons", "details", "classified_at"],
                using_db=conn,
            )
            return previous

        previous = await atomic(upsert)
        return {address: previous.get(address) for address in latest}

    async def classified_at(self, addresses: Sequence[str]) -> dict[str, datetime]:
        """When each of these addresses was last classified (absent: never)."""
        wanted = list({a.lower() for a in addresses})
        out: dict[str, datetime] = {}
        for start in range(0, len(wanted), 500):
            rows = await WalletClassificationRow.filter(address__in=wanted[start : start + 500]).values_list(
                "address", "classified_at"
            )
            out.update({str(address): when for address, when in rows})
        return out

    async def get(self, address: str) -> WalletClassification | None:
        row = await WalletClassificationRow.get_or_none(address=address.lower())
        return classification_from_row(row) if row else None

    async def by_class(self, classification: str, limit: int = 100) -> list[WalletClassification]:
        rows = await WalletClassificationRow.filter(classification=classification).order_by("-score").limit(limit)
        return [classification_from_row(r) for r in rows]


# ---------------------------------------------------------------- system metrics


class MetricsRepository:
    async def write(self, samples: Sequence[MetricSample]) -> None:
        if samples:
            await SystemMetricRow.bulk_create(
                [
                    SystemMetricRow(
                        timestamp=s.timestamp, metric_name=s.name, metric_value=s.value, labels=dict(s.labels)
                    )
                    for s in samples
                ]
            )

    async def latest(self, name: str) -> MetricSample | None:
        row = await SystemMetricRow.filter(metric_name=name).order_by("-timestamp").first()
        if row is None:
            return None
        return MetricSample(row.timestamp, row.metric_name, row.metric_value, row.labels)

    async def latest_snapshot(self, anchor: str, names: Sequence[str]) -> list[MetricSample]:
        """The samples of `names` written with the newest `anchor` sample (a metric every snapshot
        holds). Both lookups use the (metric_name, timestamp) index."""
        newest = await SystemMetricRow.filter(metric_name=anchor).order_by("-timestamp").first()
        if newest is None:
            return []
        wanted = sorted({anchor, *names})
        rows = await SystemMetricRow.filter(metric_name__in=wanted, timestamp=newest.timestamp).order_by(
            "metric_name", "id"
        )
        return [MetricSample(r.timestamp, r.metric_name, r.metric_value, r.labels) for r in rows]

    async def series(self, name: str, since: datetime) -> list[MetricSample]:
        rows = await SystemMetricRow.filter(metric_name=name, timestamp__gte=since).order_by("timestamp")
        return [MetricSample(r.timestamp, r.metric_name, r.metric_value, r.labels) for r in rows]

    async def prune_before(self, cutoff: datetime) -> int:
        return int(await SystemMetricRow.filter(timestamp__lt=cutoff).delete())


def _funding_repository() -> FundingRepository:
    from db.funding import FundingRepository  # db.funding imports this module (atomic)

    return FundingRepository()


class FeedStateRepository:
    """Named values of the live feed that outlive the process (scanner_core.watermark's store)."""

    async def load_watermark(self, name: str) -> datetime | None:
        row = await FeedStateRow.get_or_none(name=name)
        if row is None:
            return None
        try:
            value = datetime.fromisoformat(row.value)
        except ValueError:
            return None  # unreadable: as if never saved (the start-up falls back to the newest trade)
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    async def save_watermark(self, name: str, value: datetime, now: datetime) -> None:
        # update, else insert: no transaction to be cut in half when a stopping saver is cancelled
        text = value.astimezone(UTC).isoformat()
        if not await FeedStateRow.filter(name=name).update(value=text, updated_at=now):
            await FeedStateRow.create(name=name, value=text, updated_at=now)


# ---------------------------------------------------------------- quarantine


class QuarantineRepository:
    @translated
    async def save_many(self, entries: Sequence[QuarantineEntry]) -> int:
        if entries:
            await QuarantineRow.bulk_create(
                [
                    QuarantineRow(
                        source=e.source,
                        reason=e.reason,
                        detail=e.detail,
                        payload=e.payload,
                        received_at=e.received_at,
                    )
                    for e in entries
                ]
            )
        return len(entries)

    async def recent(self, *, limit: int = 50, source: str | None = None) -> list[QuarantineEntry]:
        query = QuarantineRow.all() if source is None else QuarantineRow.filter(source=source)
        rows = await query.order_by("-received_at", "-id").limit(limit)
        return [QuarantineEntry(r.source, r.reason, r.detail, r.payload, r.received_at) for r in rows]

    async def count(self) -> int:
        return await QuarantineRow.all().count()

    async def prune_before(self, cutoff: datetime) -> int:
        return int(await QuarantineRow.filter(received_at__lt=cutoff).delete())


class Repositories:
    """All repositories, built once by the composition root and handed to services."""

    def __init__(self) -> None:
        from db.history import HistoryRepository  # it imports this module's helpers
        from db.webhooks import WebhookRepository  # builds on this module's helpers: imported late

        self.history = HistoryRepository()
        self.trades = TradeRepository()
        self.wallet_trades = WalletTradeRepository()
        self.alerts = AlertRepository()
        self.wallets = WalletRepository()
        self.markets = MarketRepository()
        self.subscriptions = SubscriptionRepository()
        self.channel_rules = ChannelRuleRepository()
        self.deliveries = DeliveryRepository()
        self.classifications = ClassificationRepository()
        self.metrics = MetricsRepository()
        self.webhooks = WebhookRepository()
        self.funding = _funding_repository()
        self.feed_state = FeedStateRepository()
        self.wallet_histories = WalletHistoryRepository()
        self.quarantine = QuarantineRepository()


__all__ = [
    "AlertRepository",
    "ChannelRuleRepository",
    "ClassificationRepository",
    "DeliveryRepository",
    "FeedStateRepository",
    "MarketRepository",
    "MetricsRepository",
    "QuarantineRepository",
    "Repositories",
    "SubscriptionRepository",
    "TradeRepository",
    "WalletHistoryRepository",
    "WalletRepository",
    "WalletTradeRepository",
    "subscription_defaults",
]
