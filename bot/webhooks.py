"""Outgoing webhooks: the third delivery platform of the outbox (bot/delivery.py).

`WebhookNotifier` is the outbox's notifier for Platform.WEBHOOK and a lifecycle component
("webhooks"): it owns the HTTP session, signs and posts each payload, and keeps every webhook's
health. Routing, filters, the hourly cap and digests are the outbox's, unchanged.

What a receiver's answer does:
- 2xx: sent; the webhook's failure count starts again from zero.
- 429: that webhook alone waits its `Retry-After` (or the backoff); no failure is counted.
- 413: this payload is refused (it fails alone); the webhook is fine.
- anything else (other 4xx and 5xx, a redirect, a timeout, a refused connection): one more failure
  in a row, and that webhook alone waits the backoff (or a 503's `Retry-After`); its deliveries
  spend no attempt, so a receiver that is down delays alerts but loses none.
- after `webhook_pause_after_failures` failures in a row the webhook is paused, its deliveries are
  parked in the outbox, and the admin chat is told once; `/webhook resume` (or re-adding the URL)
  sends them.

Every request carries `X-Polyscan-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<body>")>` and
`X-Polyscan-Delivery` (a receiver dedupes on it: after a crash between a send and its "sent" mark a
payload can come twice). URLs and secrets are decrypted only here and never logged; errors name
the host at most. Redirects are not followed, and unless `webhook_allow_private_hosts` is set no
request reaches a loopback, private or link-local address, whatever the host name resolves to.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.notifiers import Deferred, MessageRejected, Outgoing
from bot.render import slack
from db.webhooks import WebhookRepository
from scanner_core import __version__, payloads
from scanner_core.config import DeliverySettings, Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import (
    DELIVERIES_FAILED,
    WEBHOOK_BACKLOG,
    WEBHOOK_FAILED,
    WEBHOOK_FAILING,
    WEBHOOK_LAST_SUCCESS,
    WEBHOOK_PAUSED,
    WEBHOOK_SENT,
)
from scanner_core.models import DestinationKind, Platform
from scanner_core.ports import AdminNotifier, DeliveryError
from scanner_core.presentation import View, webhook_ping_view
from scanner_core.routing import Destination
from scanner_core.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    PingOutcome,
    SecretBox,
    SecretUnreadable,
    Webhook,
    WebhookFormat,
    health_detail,
    is_private_host,
    is_public_address,
    signature,
)

log = get_logger("webhooks")

PARKED = timedelta(days=3650)  # a paused webhook's deliveries wait "for ever": resume releases them
MAX_RETRY_AFTER = 3600.0  # a receiver asking for more waits this long, then is tried again
COMPONENT = "webhooks"
SUCCESS_WRITE_EVERY = timedelta(seconds=30)  # last_success_at in the database is this fresh (the gauge: exact)


@dataclass(frozen=True)
class WebhookPolicy:
    timeout: float = 10.0
    pause_after_failures: int = 30
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    allow_private: bool = False
    refresh_every: float = 15.0  # health and per-webhook gauges (backlog) are refreshed this often

    @classmethod
    def from_settings(cls, settings: DeliverySettings, **overrides: Any) -> WebhookPolicy:
        base = cls(
            timeout=settings.webhook_timeout_seconds,
            pause_after_failures=settings.webhook_pause_after_failures,
            backoff_max=settings.delivery_backoff_max_seconds,
            allow_private=settings.webhook_allow_private_hosts,
        )
        return replace(base, **overrides)

    def backoff(self, failures: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** max(0, failures - 1)))


@dataclass(frozen=True, slots=True)
class _Target:
    """A webhook opened for sending (URL and secret decrypted); `unreadable` when the key changed."""

    id: int
    url: str
    secret: str
    payload_format: WebhookFormat
    paused: bool
    unreadable: bool = False


@dataclass(frozen=True, slots=True)
class _Answer:
    ok: bool
    status: int | None
    detail: str  # safe to show and log: a status or an error class, at most a host name
    retry_after: float | None = None


class PrivateAddress(OSError):
    """A host name resolved only to addresses webhooks may not reach."""


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver without loopback, private, link-local and other non-public answers."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        public = [a for a in answers if is_public_address(ipaddress.ip_address(a["host"]))]
        if not public:
            raise PrivateAddress(f"{host} resolves to a local or private address")
        return public

    async def close(self) -> None:
        await self._inner.close()


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A `Retry-After` header (seconds or an HTTP date) as seconds, within 0..MAX_RETRY_AFTER."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - now).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    if seconds != seconds:  # NaN
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def _host(url: str) -> str:
    return urlsplit(url).hostname or "?"


class WebhookNotifier:
    """Notifier of Platform.WEBHOOK for the outbox, `/webhook test` sender and health reporter."""

    platform = Platform.WEBHOOK
    name = COMPONENT

    def __init__(
        self,
        store: WebhookRepository,
        box: SecretBox | None,
        *,
        policy: WebhookPolicy,
        clock: Callable[[], datetime],
        admin: AdminNotifier | None = None,
        health: HealthRegistry | None = None,
        min_resolved: int = 10,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.store = store
        self.box = box
        self.policy = policy
        self.clock = clock
        self.admin = admin
        self.health = health
        self.min_resolved = min_resolved
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._targets: dict[int, _Target] | None = None
        self._retry_at: dict[int, datetime] = {}  # a failing webhook waits until then
        self._success_written: dict[int, datetime] = {}  # when last_success_at was last stored
        self._labels: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._refresher: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        resolver = self._resolver or (None if self.policy.allow_private else GuardedResolver())
        connector = aiohttp.TCPConnector(resolver=resolver, limit=20) if resolver else aiohttp.TCPConnector(limit=20)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
            headers={"User-Agent": f"polyscan/{__version__} (webhooks)"},
        )
        await self.refresh()
        self._refresher = asyncio.create_task(self._refresh_loop(), name="webhooks-refresh")

    async def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
            self._refresher = None
        if self._background:
            await asyncio.wait(self._background, timeout=10)
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def ready(self) -> bool:
        """Sending needs the session and the key; without them the outbox waits, spending nothing."""
        return self._session is not None and self.box is not None

    def invalidate(self) -> None:
        """Webhooks were added, removed or resumed: read them afresh, and try failing ones again now."""
        self._targets = None
        self._retry_at.clear()
        self._spawn(self.refresh())

    # -- the outbox's notifier -------------------------------------------------------------------

    async def send_outgoing(self, destination: Destination, view: View, outgoing: Outgoing) -> None:
        target = await self._target(destination.id)
        now = self.clock()
        if target.paused:
            await self._park(target, outgoing, now)
        waiting_until = self._retry_at.get(target.id)
        if waiting_until is not None and now < waiting_until:
            raise Deferred(f"webhook #{target.id} waits to retry", (waiting_until - now).total_seconds())
        event, delivery, payload = self._payload(target, view, outgoing, now)
        answer = await self._deliver(target, payload, event, delivery, now)
        await self._settle(target, answer, now)

    async def send_view(
        self,
        destination: Destination,
        view: View,
        *,
        mention_role_id: str | None = None,
        idempotency_key: str | None = None,  # receivers dedupe on X-Polyscan-Delivery instead
    ) -> None:
        await self.send_outgoing(destination, view, Outgoing((), ()))

    async def send_text(self, destination_id: str, text: str) -> None:
        await self.send_outgoing(
            Destination(DestinationKind.WEBHOOK, destination_id), View(title=text), Outgoing((), ())
        )

    def _payload(
        self, target: _Target, view: View, outgoing: Outgoing, now: datetime
    ) -> tuple[str, str, dict[str, Any]]:
        """(event, delivery id header, body) in the webhook's format."""
        ids = outgoing.delivery_ids
        if outgoing.digest is not None:
            event, delivery = "digest", f"digest-{min(ids)}-{max(ids)}" if ids else "digest"
        elif outgoing.alerts:
            event, delivery = "alert", str(ids[0]) if ids else ""
        else:
            event, delivery = "message", ""
        if target.payload_format is WebhookFormat.SLACK:
            return event, delivery, slack.render(view)
        if outgoing.digest is not None:
            body = payloads.digest_payload(
                outgoing.alerts,
                view,
                reason=outgoing.digest,
                delivery_ids=ids,
                now=now,
                min_resolved=self.min_resolved,
            )
        elif outgoing.alerts:
            body = payloads.alert_payload(outgoing.alerts[0], view, delivery_id=ids[0] if ids else None, now=now)
        else:
            body = payloads.message_payload(view, now)
        return event, delivery, body

    async def _settle(self, target: _Target, answer: _Answer, now: datetime) -> None:
        label = str(target.id)
        if answer.ok:
            WEBHOOK_SENT.labels(webhook=label).inc()
            WEBHOOK_LAST_SUCCESS.labels(webhook=label).set(now.timestamp())
            WEBHOOK_FAILING.labels(webhook=label).set(0)
            recovered = self._retry_at.pop(target.id, None) is not None
            written = self._success_written.get(target.id)
            if recovered or written is None or now - written >= SUCCESS_WRITE_EVERY:  # not a write per send
                await self.store.record_success(target.id, now)
                self._success_written[target.id] = now
            if recovered:
                self._spawn(self.refresh())  # it had been failing: health recovers now
            return
        if answer.status == 429:
            wait = answer.retry_after if answer.retry_after is not None else self.policy.backoff(1)
            self._retry_at[target.id] = now + timedelta(seconds=wait)
            self._failed(label, "rate_limited")
            log.info("webhook_rate_limited", webhook_id=target.id, retry_after=wait)
            raise Deferred(f"webhook #{target.id}: {answer.detail}", wait)
        if answer.status == 413:
            self._failed(label, "rejected")
            raise MessageRejected(f"webhook #{target.id} refused the payload: {answer.detail}")
        self._failed(label, "error")
        failures = await self.store.record_failure(target.id, answer.detail, now)
        WEBHOOK_FAILING.labels(webhook=label).set(failures)
        log.warning(
            "webhook_failed", webhook_id=target.id, host=_host(target.url), failures=failures, error=answer.detail
        )
        if failures >= self.policy.pause_after_failures:
            await self._pause(target, failures, answer.detail, now)  # parks its pending deliveries, this one too
            raise Deferred(f"webhook #{target.id} paused: {answer.detail}", None)
        wait = self.policy.backoff(failures)
        if answer.status == 503 and answer.retry_after is not None:
            wait = answer.retry_after
        self._retry_at[target.id] = now + timedelta(seconds=wait)
        self._spawn(self.refresh())
        raise Deferred(f"webhook #{target.id}: {answer.detail}", wait)

    @staticmethod
    def _failed(label: str, reason: str) -> None:
        WEBHOOK_FAILED.labels(webhook=label, reason=reason).inc()
        DELIVERIES_FAILED.labels(platform=Platform.WEBHOOK.value, reason=reason).inc()

    async def _park(self, target: _Target, outgoing: Outgoing, now: datetime) -> None:
        """A paused webhook's delivery waits until a resume releases it (a digest stays held)."""
        if outgoing.digest is not None or len(outgoing.delivery_ids) != 1:
            raise Deferred(f"webhook #{target.id} is paused", PARKED.total_seconds())
        if not await self.store.park(outgoing.delivery_ids[0], target.id, now, now + PARKED):
            self._targets = None  # resumed meanwhile: the delivery is due again, the state stale
        raise Deferred(f"webhook #{target.id} is paused", None)

    async def _pause(self, target: _Target, failures: int, error: str, now: datetime) -> None:
        reason = f"{failures} failures in a row ({error})"
        if self._targets is not None:
            self._targets[target.id] = replace(target, paused=True)
        self._retry_at.pop(target.id, None)
        if await self.store.pause(target.id, reason, now, now + PARKED):
            log.warning("webhook_paused", webhook_id=target.id, host=_host(target.url), failures=failures)
            shown = await self.store.get(target.id)
            where = f" ({shown.url_display})" if shown is not None else ""
            self._tell_admin(
                f"Webhook #{target.id}{where} is paused after {failures} failed requests in a row; last error: "
                f"{error}. Its alerts wait in the outbox: /webhook resume {target.id} sends them once the "
                "receiver works again."
            )
        self._spawn(self.refresh())

    # -- HTTP ------------------------------------------------------------------------------------

    async def _deliver(
        self, target: _Target, payload: dict[str, Any], event: str, delivery: str, now: datetime
    ) -> _Answer:
        if target.unreadable:
            return _Answer(False, None, "its URL and secret do not open with the current POLYSCAN_WEBHOOK_KEY")
        body = payloads.encode(payload)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(target.secret, body, int(now.timestamp())),
            EVENT_HEADER: event,
            DELIVERY_HEADER: delivery,
        }
        return await self._post(target.url, body, headers)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> _Answer:
        session = self._session
        if session is None:
            raise DeliveryError("webhooks are not running")
        host = _host(url)
        if not self.policy.allow_private and is_private_host(host):
            return _Answer(False, None, f"{host} is a local or private address")
        try:
            async with session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                status = response.status
                retry_after = retry_after_seconds(response.headers.get("Retry-After"), self.clock())
                reason = response.reason or ""
        except TimeoutError:
            return _Answer(False, None, f"no answer within {self.policy.timeout:g}s")
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, PrivateAddress):
                return _Answer(False, None, str(exc.os_error))
            return _Answer(False, None, f"cannot connect to {host}")
        except (aiohttp.ClientError, OSError) as exc:  # the text of some of these holds the URL: not shown
            return _Answer(False, None, f"request failed ({type(exc).__name__})")
        if 200 <= status < 300:
            return _Answer(True, status, f"HTTP {status}")
        detail = f"HTTP {status} {reason}".strip()
        if 300 <= status < 400:
            detail += " (redirects are not followed)"
        return _Answer(False, status, detail, retry_after)

    # -- /webhook test ---------------------------------------------------------------------------

    async def send_test(self, webhook: Webhook) -> PingOutcome:
        """Post a test payload now, outside the outbox; the webhook's failure count is left alone."""
        if self.box is None:
            return PingOutcome(False, None, "POLYSCAN_WEBHOOK_KEY is not set", 0.0)
        try:
            target = await self._target(webhook.destination_id)
        except DeliveryError as exc:
            return PingOutcome(False, None, str(exc), 0.0)
        now = self.clock()
        view = webhook_ping_view(webhook.id, now)
        if target.payload_format is WebhookFormat.SLACK:
            payload = slack.render(view)
        else:
            payload = payloads.ping_payload(webhook.id, view, now)
        started = time.monotonic()
        answer = await self._deliver(target, payload, "test", f"test-{int(now.timestamp())}", now)
        elapsed = (time.monotonic() - started) * 1000
        return PingOutcome(answer.ok, answer.status, answer.detail, elapsed)

    # -- webhooks, health, metrics ---------------------------------------------------------------

    async def _target(self, destination_id: str) -> _Target:
        key = int(destination_id) if destination_id.isdigit() else None
        if self._targets is None or key not in self._targets:  # a miss reads afresh before giving up
            self._targets = await self._load()
        target = self._targets.get(key) if key is not None else None
        if target is None:
            raise DeliveryError(f"webhook #{destination_id[:20]} does not exist (removed)", permanent=True)
        return target

    async def _load(self) -> dict[int, _Target]:
        targets: dict[int, _Target] = {}
        for sealed in await self.store.sealed():
            try:
                if self.box is None:
                    raise SecretUnreadable("no key")
                url, secret = self.box.open(sealed.url_sealed), self.box.open(sealed.secret_sealed)
                targets[sealed.id] = _Target(sealed.id, url, secret, sealed.payload_format, sealed.paused)
            except SecretUnreadable:
                log.error("webhook_unreadable", webhook_id=sealed.id)
                targets[sealed.id] = _Target(sealed.id, "", "", sealed.payload_format, sealed.paused, unreadable=True)
        return targets

    async def refresh(self) -> None:
        """Per-webhook gauges and the "webhooks" health component, from the database."""
        try:
            webhooks = await self.store.listed(None)
            backlog = await self.store.backlog()
        except Exception as exc:  # the database hiccuped: the next refresh sets them
            log.warning("webhook_refresh_failed", error=type(exc).__name__)
            return
        labels = set()
        for w in webhooks:
            label = str(w.id)
            labels.add(label)
            WEBHOOK_BACKLOG.labels(webhook=label).set(backlog.get(w.id, 0))
            WEBHOOK_FAILING.labels(webhook=label).set(w.consecutive_failures)
            WEBHOOK_PAUSED.labels(webhook=label).set(1 if w.paused else 0)
            if w.last_success_at is not None:
                WEBHOOK_LAST_SUCCESS.labels(webhook=label).set(w.last_success_at.timestamp())
            WEBHOOK_SENT.labels(webhook=label)
        for gone in self._labels - labels:  # removed webhooks leave no series behind
            for gauge in (WEBHOOK_BACKLOG, WEBHOOK_FAILING, WEBHOOK_PAUSED, WEBHOOK_LAST_SUCCESS, WEBHOOK_SENT):
                with contextlib.suppress(KeyError):
                    gauge.remove(gone)
        self._labels = labels
        self._report(webhooks)

    def _report(self, webhooks: list[Webhook]) -> None:
        if self.health is None:
            return
        if not webhooks:
            self.health.set(COMPONENT, State.DISABLED, "no webhooks")
        elif self.box is None:
            self.health.set(COMPONENT, State.DOWN, f"POLYSCAN_WEBHOOK_KEY is not set: {len(webhooks)} webhook(s) wait")
        else:
            healthy, detail = health_detail(webhooks)
            self.health.set(COMPONENT, State.OK if healthy else State.DEGRADED, detail)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.policy.refresh_every)
            await self.refresh()

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _tell_admin(self, text: str) -> None:
        if self.admin is None:
            log.warning("admin_alert", text=text, delivered_to="log only")
            return
        self._spawn(self._notify_admin(text))

    async def _notify_admin(self, text: str) -> None:
        assert self.admin is not None
        try:
            await self.admin.notify_admin(text, "warning")
        except Exception:
            log.exception("admin_notify_failed")


def build_webhooks(
    settings: Settings,
    store: WebhookRepository,
    *,
    clock: Callable[[], datetime],
    admin: AdminNotifier | None,
    health: HealthRegistry | None,
    resolver: AbstractResolver | None = None,
    **policy: Any,
) -> WebhookNotifier:
    return WebhookNotifier(
        store,
        SecretBox.from_settings(settings),
        policy=WebhookPolicy.from_settings(settings, **policy),
        clock=clock,
        admin=admin,
        health=health,
        min_resolved=settings.wallet_min_resolved_positions,
        resolver=resolver,
    )
