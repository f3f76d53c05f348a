"""Every query about outgoing webhooks: the webhooks table, their subscriptions and their outbox rows.

A webhook's filters are an ordinary subscription (destination ("webhook", id)), so creating,
changing and removing one writes both rows in one transaction. A paused webhook's pending
deliveries are parked (their next attempt pushed far out) and released when it resumes: nothing
is dropped while a receiver is away.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.functions import Count

from db.models import DeliveryRow, SubscriptionRow, WebhookRow
from db.repositories import _dialect, atomic, subscription_fields
from db.serialise import subscription_from_row
from scanner_core.models import DeliveryStatus, DestinationKind, Subscription
from scanner_core.webhooks import SealedWebhook, Webhook, WebhookFormat, destination_id

_KIND = DestinationKind.WEBHOOK.value
_WAITING = [DeliveryStatus.PENDING.value, DeliveryStatus.HELD.value]


def webhook_from_row(r: WebhookRow) -> Webhook:
    return Webhook(
        id=r.id,
        url_display=r.url_display,
        payload_format=WebhookFormat(r.payload_format),
        scope=r.scope,
        created_by=r.created_by,
        created_at=r.created_at,
        paused=r.paused,
        paused_at=r.paused_at,
        pause_reason=r.pause_reason,
        consecutive_failures=r.consecutive_failures,
        failing_since=r.failing_since,
        last_success_at=r.last_success_at,
        last_failure_at=r.last_failure_at,
        last_error=r.last_error,
    )


def _healthy(now: datetime) -> dict[str, Any]:
    return {
        "paused": False,
        "paused_at": None,
        "pause_reason": "",
        "consecutive_failures": 0,
        "failing_since": None,
        "updated_at": now,
    }


def _deliveries(webhook_id: int, conn: BaseDBAsyncClient | None = None) -> Any:
    query = DeliveryRow.filter(destination_kind=_KIND, destination_id=destination_id(webhook_id))
    return query.using_db(conn) if conn is not None else query


class WebhookRepository:
    # -- what the command service uses -----------------------------------------------------------

    async def create(
        self, webhook: Webhook, url_sealed: str, url_hash: str, secret_sealed: str, subscription: Subscription
    ) -> tuple[Webhook, Subscription]:
        now = webhook.created_at

        async def work(conn: BaseDBAsyncClient) -> tuple[WebhookRow, SubscriptionRow]:
            row = await WebhookRow.create(
                using_db=conn,
                url_sealed=url_sealed,
                url_hash=url_hash,
                url_display=webhook.url_display[:300],
                payload_format=webhook.payload_format.value,
                secret_sealed=secret_sealed,
                scope=webhook.scope,
                created_by=webhook.created_by,
                created_at=now,
                updated_at=now,
            )
            sub = await SubscriptionRow.create(
                using_db=conn,
                destination_kind=_KIND,
                destination_id=destination_id(row.id),
                created_at=now,
                **subscription_fields(subscription, now),
            )
            return row, sub

        row, sub = await atomic(work)
        return webhook_from_row(row), subscription_from_row(sub)

    async def update(
        self, webhook_id: int, payload_format: WebhookFormat, subscription: Subscription, now: datetime
    ) -> Webhook | None:
        async def work(conn: BaseDBAsyncClient) -> WebhookRow | None:
            row = await WebhookRow.filter(id=webhook_id, removed_at=None).using_db(conn).first()
            if row is None:
                return None
            await row.update_from_dict({"payload_format": payload_format.value, **_healthy(now)}).save(using_db=conn)
            subs = SubscriptionRow.filter(destination_kind=_KIND, destination_id=destination_id(webhook_id))
            if not await subs.using_db(conn).update(**subscription_fields(subscription, now)):
                await SubscriptionRow.create(
                    using_db=conn,
                    destination_kind=_KIND,
                    destination_id=destination_id(webhook_id),
                    created_at=now,
                    **subscription_fields(subscription, now),
                )
            await _deliveries(webhook_id, conn).filter(status=DeliveryStatus.PENDING.value).update(next_attempt_at=now)
            return row

        row = await atomic(work)
        return webhook_from_row(row) if row is not None else None

    async def get(self, webhook_id: int) -> Webhook | None:
        row = await WebhookRow.filter(id=webhook_id, removed_at=None).first()
        return webhook_from_row(row) if row is not None else None

    async def find(self, scope: str, url_hash: str) -> Webhook | None:
        row = await WebhookRow.filter(scope=scope, url_hash=url_hash, removed_at=None).order_by("id").first()
        return webhook_from_row(row) if row is not None else None

    async def listed(self, scope: str | None) -> list[Webhook]:
        query = WebhookRow.filter(removed_at=None)
        if scope is not None:
            query = query.filter(scope=scope)
        return [webhook_from_row(r) for r in await query.order_by("id")]

    async def subscription(self, webhook_id: int) -> Subscription | None:
        row = await SubscriptionRow.get_or_none(destination_kind=_KIND, destination_id=destination_id(webhook_id))
        return subscription_from_row(row) if row is not None else None

    async def remove(self, webhook_id: int, now: datetime) -> int:
        async def work(conn: BaseDBAsyncClient) -> int:
            forgotten = (
                await WebhookRow.filter(id=webhook_id, removed_at=None)
                .using_db(conn)
                .update(removed_at=now, updated_at=now, url_sealed="", secret_sealed="", paused=False)
            )
            if not forgotten:
                return -1
            await (
                SubscriptionRow.filter(destination_kind=_KIND, destination_id=destination_id(webhook_id))
                .using_db(conn)
                .delete()
            )
            return int(
                await _deliveries(webhook_id, conn)
                .filter(status__in=_WAITING)
                .update(status=DeliveryStatus.DEAD.value, last_error="webhook removed")
            )

        return await atomic(work)

    async def resume(self, webhook_id: int, now: datetime) -> int:
        async def work(conn: BaseDBAsyncClient) -> int:
            await WebhookRow.filter(id=webhook_id, removed_at=None).using_db(conn).update(**_healthy(now))
            await _deliveries(webhook_id, conn).filter(status=DeliveryStatus.PENDING.value).update(next_attempt_at=now)
            return int(await _deliveries(webhook_id, conn).filter(status__in=_WAITING).count())

        return await atomic(work)

    async def backlog(self) -> dict[int, int]:
        rows = (
            await DeliveryRow.filter(destination_kind=_KIND, status__in=_WAITING)
            .group_by("destination_id")
            .annotate(n=Count("id"))
            .values_list("destination_id", "n")
        )
        return {int(d): int(n) for d, n in rows if str(d).isdigit()}

    # -- what the sender uses --------------------------------------------------------------------

    async def sealed(self) -> list[SealedWebhook]:
        rows = await WebhookRow.filter(removed_at=None).order_by("id")
        return [
            SealedWebhook(
                r.id, r.url_sealed, r.secret_sealed, WebhookFormat(r.payload_format), r.paused, r.consecutive_failures
            )
            for r in rows
        ]

    async def record_success(self, webhook_id: int, now: datetime) -> None:
        await WebhookRow.filter(id=webhook_id).update(
            consecutive_failures=0, failing_since=None, last_success_at=now, last_error="", updated_at=now
        )

    async def record_failure(self, webhook_id: int, error: str, now: datetime) -> int:
        """Count one more failed request; returns the failures in a row."""

        async def work(conn: BaseDBAsyncClient) -> int:
            row = await WebhookRow.filter(id=webhook_id).using_db(conn).first()
            if row is None:
                return 0
            failures = row.consecutive_failures + 1
            await (
                WebhookRow.filter(id=webhook_id)
                .using_db(conn)
                .update(
                    consecutive_failures=failures,
                    failing_since=row.failing_since or now,
                    last_failure_at=now,
                    last_error=error[:300],
                    updated_at=now,
                )
            )
            return failures

        return await atomic(work)

    async def park(self, delivery_id: int, webhook_id: int, now: datetime, until: datetime) -> bool:
        """A delivery of a webhook seen paused: parked until `until` if it is still paused, else
        (resumed meanwhile) due now. The webhook row is locked as `resume` locks it, so a delivery
        is never parked after the resume that should have released it."""

        async def work(conn: BaseDBAsyncClient) -> bool:
            query = WebhookRow.filter(id=webhook_id).using_db(conn)
            if _dialect() == "postgres":
                query = query.select_for_update()
            row = await query.first()
            paused = row is not None and row.paused and row.removed_at is None
            await (
                DeliveryRow.filter(id=delivery_id, status=DeliveryStatus.PENDING.value)
                .using_db(conn)
                .update(next_attempt_at=until if paused else now)
            )
            return paused

        return await atomic(work)

    async def pause(self, webhook_id: int, reason: str, now: datetime, park_until: datetime) -> bool:
        """Pause it and park its pending deliveries; True only for the call that paused it (so the
        admin chat is told once, however many senders or restarts see it fail)."""

        async def work(conn: BaseDBAsyncClient) -> bool:
            paused = (
                await WebhookRow.filter(id=webhook_id, paused=False, removed_at=None)
                .using_db(conn)
                .update(paused=True, paused_at=now, pause_reason=reason[:300], updated_at=now)
            )
            if paused:
                await (
                    _deliveries(webhook_id, conn)
                    .filter(status=DeliveryStatus.PENDING.value)
                    .update(next_attempt_at=park_until)
                )
            return bool(paused)

        return await atomic(work)
