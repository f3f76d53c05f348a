"""Webhooks through the real outbox, database and HTTP on loopback, against a receiver that records
every request: the README's signature check, the Slack variant, 500 then success, 429 with
Retry-After, a receiver down across a restart, pausing after the threshold (the admin chat told
once), resuming, filters and the hourly cap's digest, /webhook test, private addresses, metrics,
health and logs without secrets."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from bot.delivery import DeliveryConfig, Dispatcher
from bot.notifiers import Notifier
from bot.webhooks import GuardedResolver, PrivateAddress, WebhookNotifier, build_webhooks
from db.repositories import Repositories
from scanner_core.bus import AlertBus
from scanner_core.commands import CommandService, UserRef, WebhooksResult
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Alert, DeliveryStatus, Platform, Severity, now_utc
from scanner_core.webhooks import signature
from tests.bots.support import eventually, trade_alert, wait_until
from tests.bots.test_delivery import RecordingAdmin
from tests.fakes.receiver import FakeReceiver

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-webhook-key-" * 3
ADMIN = UserRef(Platform.TELEGRAM, "7", "-100123", None, True)


class Hooks:
    """The outbox with only the webhook platform, as `polyscan run` wires it."""

    def __init__(
        self,
        repos: Repositories,
        settings: Settings,
        service: CommandService,
        resolver: AbstractResolver | None = None,
        **policy: Any,
    ) -> None:
        self.repos = repos
        self.service = service
        self.bus = AlertBus()
        self.admin = RecordingAdmin()
        self.health = HealthRegistry(now_utc)
        defaults: dict[str, Any] = {"backoff_base": 0.05, "backoff_max": 0.4, "timeout": 3.0, "refresh_every": 0.05}
        self.notifier: WebhookNotifier = build_webhooks(
            settings,
            repos.webhooks,
            clock=now_utc,
            admin=self.admin,
            health=self.health,
            resolver=resolver,
            **(defaults | policy),
        )
        notifiers: list[Notifier] = [self.notifier]
        config = DeliveryConfig(idle_poll=0.02, digest_every=None, rates={Platform.WEBHOOK: 1000.0})
        self.dispatcher = Dispatcher(repos, self.bus, notifiers, config=config, clock=now_utc, health=self.health)

        def changed() -> None:
            self.dispatcher.invalidate_routing()
            self.notifier.invalidate()

        service.on_change = changed
        service.webhook_tester = self.notifier

    async def start(self) -> None:
        await self.notifier.start()
        await self.dispatcher.start()

    async def stop(self) -> None:
        await self.dispatcher.stop()
        await self.notifier.stop()

    async def add(self, url: str, options: str = "") -> WebhooksResult:
        return await self.service.webhook_add(ADMIN, url, options)

    async def publish(self, alert: Alert) -> Alert:
        stored, created = await self.repos.alerts.save_alert(alert)
        assert created
        self.bus.publish(stored)
        return stored

    async def statuses(self, alert: Alert) -> list[DeliveryStatus]:
        return [d.status for d in await self.repos.deliveries.all_for_alert(alert.id or 0)]

    async def sent(self, *alerts: Alert) -> bool:
        return [await self.statuses(a) for a in alerts] == [[DeliveryStatus.SENT]] * len(alerts)


@pytest.fixture
def webhook_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(webhook_key=KEY, webhook_allow_private_hosts=True)


@pytest.fixture
def service(
    db: str, webhook_settings: Settings, make_service: Callable[[Settings, Any], CommandService]
) -> CommandService:
    return make_service(webhook_settings, now_utc)


@pytest.fixture
async def receiver() -> AsyncIterator[FakeReceiver]:
    async with FakeReceiver() as fake:
        yield fake


@pytest.fixture
async def hooks(repos: Repositories, webhook_settings: Settings, service: CommandService) -> AsyncIterator[Hooks]:
    h = Hooks(repos, webhook_settings, service)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def readme_verify() -> Callable[[str, bytes, str], bool]:
    """Exactly the snippet the README shows receivers."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- webhook-verify -->\s*```python\n(.*?)```", text, re.S)
    assert match is not None, "README.md has no python block after <!-- webhook-verify -->"
    namespace: dict[str, Any] = {}
    exec(match.group(1), namespace)
    return namespace["verify"]  # type: ignore[no-any-return]


async def test_the_signature_verifies_with_the_readme_snippet(hooks: Hooks, receiver: FakeReceiver) -> None:
    created = await hooks.add(receiver.url())
    alert = await hooks.publish(trade_alert(1))

    [request] = await receiver.wait_for(1)

    verify = readme_verify()
    header = request.headers["X-Polyscan-Signature"]
    assert verify(created.secret, request.body, header)
    assert not verify(created.secret, request.body.replace(b"72400", b"99999"), header)  # tampered
    assert not verify("whsec_someone-else", request.body, header)
    stale = signature(created.secret, request.body, int(time.time()) - 600)
    assert not verify(created.secret, request.body, stale)  # a replay of an old request
    payload = request.json
    assert payload["type"] == "polyscan.alert" and payload["alert"]["id"] == alert.id
    assert request.headers["X-Polyscan-Event"] == "alert"
    assert request.headers["X-Polyscan-Delivery"] == str(payload["delivery_id"])
    assert request.headers["Content-Type"] == "application/json" and request.path == "/hook"
    assert await eventually(lambda: hooks.sent(alert))


async def test_the_slack_variant_arrives_rendered(hooks: Hooks, receiver: FakeReceiver) -> None:
    created = await hooks.add(receiver.url("/slack"), "format=slack")
    await hooks.publish(trade_alert(1))

    [request] = await receiver.wait_for(1)

    message = request.json
    assert set(message) == {"text", "blocks"} and message["text"].startswith("🐋 $72,400 BUY Yes @ 42¢\n")
    assert message["blocks"][0]["text"]["text"].endswith("|🐋 $72,400 BUY Yes @ 42¢>*")
    assert readme_verify()(created.secret, request.body, request.headers["X-Polyscan-Signature"])


async def test_a_500_then_success_delivers_once(hooks: Hooks, receiver: FakeReceiver) -> None:
    webhook = (await hooks.add(receiver.url())).entries[0].webhook
    label = str(webhook.id)
    failed_before = sample("scanner_webhook_failed_total", webhook=label, reason="error")
    sent_before = sample("scanner_webhook_sent_total", webhook=label)  # counters outlive a test's database
    receiver.answer(500)

    alert = await hooks.publish(trade_alert(1))
    await receiver.wait_for(1)
    assert await eventually(lambda: hooks.sent(alert))

    assert [r.status for r in receiver.requests] == [500, 200]
    [delivery] = await hooks.repos.deliveries.all_for_alert(alert.id or 0)
    assert delivery.attempts == 0  # a receiver that is down spends no delivery attempt
    stored = await hooks.repos.webhooks.get(webhook.id)
    assert stored is not None and stored.consecutive_failures == 0 and stored.last_success_at is not None
    assert sample("scanner_webhook_failed_total", webhook=label, reason="error") == failed_before + 1
    assert sample("scanner_webhook_sent_total", webhook=label) == sent_before + 1
    assert sample("scanner_webhook_last_success_timestamp_seconds", webhook=label) > time.time() - 60
    await wait_until(lambda: sample("scanner_webhook_backlog", webhook=label) == 0, what="backlog gauge")
    await wait_until(lambda: _state(hooks) is State.OK, what="webhooks healthy")


def _state(hooks: Hooks) -> State | None:
    current = hooks.health.get("webhooks")
    return current.state if current is not None else None


async def test_a_429_with_retry_after_is_waited_out(hooks: Hooks, receiver: FakeReceiver) -> None:
    webhook = (await hooks.add(receiver.url())).entries[0].webhook
    receiver.answer((429, {"Retry-After": "1"}))

    first = await hooks.publish(trade_alert(1))
    second = await hooks.publish(trade_alert(2))
    await receiver.wait_for(2)
    assert await eventually(lambda: hooks.sent(first, second))

    limited, *accepted = receiver.requests
    assert limited.status == 429 and [r.status for r in accepted] == [200, 200]
    assert accepted[0].at - limited.at >= 0.9  # waited out, for both alerts of this webhook
    assert sorted(r.json["alert"]["id"] for r in accepted) == sorted([first.id, second.id])
    stored = await hooks.repos.webhooks.get(webhook.id)
    assert stored is not None and stored.consecutive_failures == 0  # a 429 is no failure
    assert hooks.admin.messages == []


async def test_a_receiver_down_across_a_restart_gets_every_alert_exactly_once(
    repos: Repositories, webhook_settings: Settings, service: CommandService, receiver: FakeReceiver
) -> None:
    first = Hooks(repos, webhook_settings, service)
    await first.start()
    webhook = (await first.add(receiver.url())).entries[0].webhook
    await receiver.stop()  # the receiver is down
    try:
        alerts = [await first.publish(trade_alert(i)) for i in range(1, 5)]
        await eventually(lambda: _failures(repos, webhook.id), what="a failed attempt")
    finally:
        await first.stop()  # polyscan restarts while the receiver is still down
    late = [(await repos.alerts.save_alert(trade_alert(i)))[0] for i in (5, 6)]  # stored, never routed

    await receiver.start()
    second = Hooks(repos, webhook_settings, service)
    await second.start()
    try:
        await receiver.wait_for(6)
        assert await eventually(lambda: second.sent(*alerts, *late))
    finally:
        await second.stop()

    ids = [r.json["alert"]["id"] for r in receiver.accepted]
    assert sorted(ids) == sorted(a.id for a in [*alerts, *late])  # every alert, none twice
    assert len(receiver.requests) == 6  # the requests made while it was down never reached it


async def _failures(repos: Repositories, webhook_id: int) -> int:
    webhook = await repos.webhooks.get(webhook_id)
    return webhook.consecutive_failures if webhook is not None else 0


async def test_a_failing_receiver_is_paused_after_the_threshold_and_the_admin_told_once(
    repos: Repositories, webhook_settings: Settings, service: CommandService, receiver: FakeReceiver
) -> None:
    hooks = Hooks(repos, webhook_settings, service, pause_after_failures=3)
    await hooks.start()
    try:
        webhook = (await hooks.add(receiver.url())).entries[0].webhook
        receiver.default = 500
        first = await hooks.publish(trade_alert(1))
        second = await hooks.publish(trade_alert(2))

        await eventually(lambda: _paused(repos, webhook.id), what="the pause")
        await wait_until(lambda: bool(hooks.admin.messages), what="the admin message")
        third = await hooks.publish(trade_alert(3))  # arrives while paused: parked, not sent
        await eventually(lambda: _parked(repos, third), what="the third alert parked")

        assert [r.status for r in receiver.requests] == [500, 500, 500]
        [(text, severity)] = hooks.admin.messages
        assert severity == "warning"
        assert text.startswith(
            f"Webhook #{webhook.id} (http://127.0.0.1:{receiver.port}/…) is paused after 3 failed requests in a "
            "row; last error: HTTP 500 Internal Server Error."
        )
        assert f"/webhook resume {webhook.id}" in text
        await wait_until(lambda: _state(hooks) is State.DEGRADED, what="webhooks degraded")
        health = hooks.health.get("webhooks")
        assert health is not None and f"#{webhook.id} paused: 3 failures in a row (HTTP 500" in health.detail
        assert "127.0.0.1" not in health.detail
        await wait_until(lambda: sample("scanner_webhook_paused", webhook=str(webhook.id)) == 1, what="paused gauge")
        await wait_until(lambda: sample("scanner_webhook_backlog", webhook=str(webhook.id)) == 3, what="backlog 3")

        receiver.default = 200  # fixed; an admin resumes it
        resumed = await service.webhook_resume(ADMIN, str(webhook.id))
        assert resumed.note == f"Webhook #{webhook.id} resumed: 3 waiting alert(s) go out now."
        await receiver.wait_for(3)
        assert await eventually(lambda: hooks.sent(first, second, third))
    finally:
        await hooks.stop()

    assert sorted(r.json["alert"]["id"] for r in receiver.accepted) == sorted([first.id, second.id, third.id])
    assert len(hooks.admin.messages) == 1  # told once
    assert _state(hooks) is State.OK


async def _paused(repos: Repositories, webhook_id: int) -> bool:
    webhook = await repos.webhooks.get(webhook_id)
    return webhook is not None and webhook.paused


async def _parked(repos: Repositories, alert: Alert) -> bool:
    rows = await repos.deliveries.all_for_alert(alert.id or 0)
    return bool(rows) and all(r.next_attempt_at and r.next_attempt_at > now_utc() + timedelta(days=365) for r in rows)


async def test_filters_apply_and_the_hourly_cap_sends_a_digest(hooks: Hooks, receiver: FakeReceiver) -> None:
    await hooks.add(receiver.url(), "severity=high max_per_hour=1")

    quiet = await hooks.publish(trade_alert(1, severity=Severity.NOTABLE))  # below the webhook's severity
    sent = await hooks.publish(trade_alert(2))
    held = [await hooks.publish(trade_alert(i)) for i in (3, 4)]  # over the cap of 1 an hour
    [request] = await receiver.wait_for(1)
    await eventually(lambda: _statuses_are(hooks, held, DeliveryStatus.HELD), what="held deliveries")

    assert request.json["alert"]["id"] == sent.id
    assert await hooks.statuses(quiet) == []
    assert await eventually(lambda: hooks.sent(sent))  # marked sent: the hour's count is settled
    queued = await hooks.dispatcher.deliver_due_digests(now_utc() + timedelta(hours=1, minutes=1))
    assert queued == 1
    _, digest = await receiver.wait_for(2)
    assert digest.headers["X-Polyscan-Event"] == "digest"
    body = digest.json
    assert body["type"] == "polyscan.digest" and body["reason"] == "cap"
    assert [item["alert"]["id"] for item in body["items"]] == [a.id for a in held]
    assert body["headline"] == "⏸ 2 alerts held back by your hourly limit"
    await eventually(lambda: _statuses_are(hooks, held, DeliveryStatus.DIGESTED), what="digested")


async def _statuses_are(hooks: Hooks, alerts: list[Alert], status: DeliveryStatus) -> bool:
    return [await hooks.statuses(a) for a in alerts] == [[status]] * len(alerts)


async def test_a_payload_the_receiver_refuses_as_too_large_fails_alone(hooks: Hooks, receiver: FakeReceiver) -> None:
    webhook = (await hooks.add(receiver.url())).entries[0].webhook
    receiver.answer(413)

    refused = await hooks.publish(trade_alert(1))
    fine = await hooks.publish(trade_alert(2))
    await receiver.wait_for(1)

    assert await eventually(lambda: hooks.sent(fine))
    assert await hooks.statuses(refused) == [DeliveryStatus.FAILED]
    stored = await hooks.repos.webhooks.get(webhook.id)
    assert stored is not None and stored.consecutive_failures == 0


async def test_webhook_test_posts_a_signed_test_payload_and_reports_the_answer(
    hooks: Hooks, receiver: FakeReceiver
) -> None:
    created = await hooks.add(receiver.url())
    webhook = created.entries[0].webhook

    ok = await hooks.service.webhook_test(ADMIN, str(webhook.id))
    receiver.answer(500)
    failed = await hooks.service.webhook_test(ADMIN, str(webhook.id))

    first, second = receiver.requests
    assert first.json["type"] == "polyscan.test" and first.json["webhook_id"] == webhook.id
    assert first.headers["X-Polyscan-Event"] == "test"
    assert readme_verify()(created.secret, first.body, first.headers["X-Polyscan-Signature"])
    assert (
        ok.ping is not None
        and ok.ping.ok
        and ok.note.startswith(f"Test payload delivered to webhook #{webhook.id}: HTTP 200 in ")
    )
    assert failed.note == f"Test payload to webhook #{webhook.id} failed: HTTP 500 Internal Server Error."
    assert second.status == 500
    stored = await hooks.repos.webhooks.get(webhook.id)
    assert stored is not None and stored.consecutive_failures == 0  # a test does not count


class MapResolver(AbstractResolver):
    """Resolves names from a table, as DNS would (tests have no DNS)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> list[ResolveResult]:
        address = self.table[host]
        return [{"hostname": host, "host": address, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        return None


async def test_private_addresses_are_refused_at_send_time_whatever_the_name(
    repos: Repositories, service: CommandService, receiver: FakeReceiver, make_settings: Callable[..., Settings]
) -> None:
    assert (await service.webhook_add(ADMIN, f"http://receiver.test:{receiver.port}/hook")).entries
    names = MapResolver({"receiver.test": "127.0.0.1", "public.test": "93.184.216.34"})
    with pytest.raises(PrivateAddress, match="receiver.test resolves to a local or private address"):
        await GuardedResolver(names).resolve("receiver.test", 80)
    assert [a["host"] for a in await GuardedResolver(names).resolve("public.test", 80)] == ["93.184.216.34"]

    strict = make_settings(webhook_key=KEY)  # private hosts not allowed
    hooks = Hooks(repos, strict, service, resolver=GuardedResolver(names), pause_after_failures=100)
    await hooks.start()
    try:
        alert = await hooks.publish(trade_alert(1))
        webhook_id = (await repos.webhooks.listed(None))[0].id
        await eventually(lambda: _failures(repos, webhook_id), what="a refused attempt")
    finally:
        await hooks.stop()
    stored = await repos.webhooks.get(webhook_id)
    assert stored is not None and stored.last_error == "receiver.test resolves to a local or private address"
    assert receiver.requests == [] and await hooks.statuses(alert) == [DeliveryStatus.PENDING]

    allowed = Hooks(repos, make_settings(webhook_key=KEY, webhook_allow_private_hosts=True), service, resolver=names)
    await allowed.start()
    try:
        await service.webhook_resume(ADMIN, str(webhook_id))  # forget the failures: send now
        [request] = await receiver.wait_for(1)
    finally:
        await allowed.stop()
    assert request.json["alert"]["id"] == alert.id


async def test_without_the_key_webhooks_wait_and_health_says_why(
    repos: Repositories, service: CommandService, make_settings: Callable[..., Settings]
) -> None:
    await service.webhook_add(ADMIN, "http://127.0.0.1:9/hook")
    notifier = build_webhooks(
        make_settings(), repos.webhooks, clock=now_utc, admin=None, health=HealthRegistry(now_utc)
    )

    await notifier.start()
    try:
        assert not notifier.ready  # the outbox waits, spending no attempt
        assert notifier.health is not None
        health = notifier.health.get("webhooks")
        assert health is not None and health.state is State.DOWN
        assert health.detail == "POLYSCAN_WEBHOOK_KEY is not set: 1 webhook(s) wait"
    finally:
        await notifier.stop()


async def test_no_secret_or_url_path_reaches_the_logs(hooks: Hooks, receiver: FakeReceiver) -> None:
    receiver.answer(500)
    with capture_logs() as logs:
        created = await hooks.add(receiver.url("/hook/PRIVATE-PATH-TOKEN"))
        alert = await hooks.publish(trade_alert(1))
        await receiver.wait_for(1)
        assert await eventually(lambda: hooks.sent(alert))

    everything = repr(logs)
    assert {"webhook_added", "webhook_failed"} <= {entry["event"] for entry in logs}
    assert created.secret not in everything and "PRIVATE-PATH-TOKEN" not in everything
    assert created.secret not in repr(created)
