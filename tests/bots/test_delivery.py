"""The outbox on the real database with in-memory notifiers: retries, rate limits, dead
destinations, platform isolation, leases, catch-up, digests, console and admin messages."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from structlog.testing import capture_logs
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.admin import ChatAdminNotifier, admin_text
from bot.bots import ChatBots, delivery_notifiers
from bot.delivery import DeliveryConfig, Dispatcher, TokenBucket, send_key
from bot.notifiers import ConsoleNotifier, MessageRejected, discord_error, telegram_error
from db.repositories import Repositories
from scanner_core.bus import AlertBus
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.models import (
    Alert,
    ChannelRule,
    Delivery,
    DeliveryStatus,
    DestinationKind,
    Platform,
    Subscription,
    now_utc,
)
from scanner_core.ports import DeliveryError
from scanner_core.presentation import View
from scanner_core.routing import Destination
from tests.bots.support import crash, eventually, trade_alert, wait_until

CHAT = "42"


@dataclass
class FakeNotifier:
    platform: Platform
    connected: bool = True
    sent: list[tuple[Destination, View, str | None]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    errors: list[BaseException | None] = field(default_factory=list)
    gate: asyncio.Event | None = None
    attempts: int = 0
    keys: list[str | None] = field(default_factory=list)  # the idempotency key of every attempt
    polls: int = 0  # how often a sender asked whether the platform is ready: one per sender step

    @property
    def ready(self) -> bool:
        self.polls += 1
        return self.connected

    async def send_view(
        self,
        destination: Destination,
        view: View,
        *,
        mention_role_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        self.attempts += 1
        self.keys.append(idempotency_key)
        if self.gate is not None:
            await self.gate.wait()
        if self.errors:
            error = self.errors.pop(0)
            if error is not None:
                raise error
        self.sent.append((destination, view, mention_role_id))

    async def send_text(self, destination_id: str, text: str) -> None:
        if self.errors:
            error = self.errors.pop(0)
            if error is not None:
                raise error
        self.texts.append((destination_id, text))


@dataclass
class RecordingAdmin:
    messages: list[tuple[str, str]] = field(default_factory=list)

    async def notify_admin(self, text: str, severity: str) -> None:
        self.messages.append((text, severity))


class Harness:
    def __init__(self, repos: Repositories, notifiers: list[FakeNotifier], **config: Any) -> None:
        self.repos = repos
        self.bus = AlertBus()
        self.admin = RecordingAdmin()
        self.sleeps: list[float] = []
        self.skipped = 0.0  # seconds the injected sleep pretended to wait
        self.health = HealthRegistry(now_utc)
        defaults: dict[str, Any] = {"idle_poll": 0.02, "digest_every": None, "backoff_base": 0.01, "max_attempts": 3}
        self.dispatcher = Dispatcher(
            repos,
            self.bus,
            notifiers,
            config=DeliveryConfig(**(defaults | config)),
            clock=now_utc,
            health=self.health,
            admin=self.admin,
            sleep=self._sleep,
            monotonic=lambda: time.monotonic() + self.skipped,
        )

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.skipped += seconds
        await asyncio.sleep(min(seconds, 0.01))

    async def subscribe(self, kind: DestinationKind = DestinationKind.TELEGRAM_CHAT, dest: str = CHAT) -> None:
        await self.repos.subscriptions.save(Subscription(None, kind, dest, max_per_hour=1000), now_utc())
        self.dispatcher.invalidate_routing()

    async def publish(self, alert: Alert) -> Alert:
        stored, _ = await self.repos.alerts.save_alert(alert)
        self.bus.publish(stored)
        return stored

    async def statuses(self, alert: Alert) -> list[DeliveryStatus]:
        return [d.status for d in await self.repos.deliveries.all_for_alert(alert.id or 0)]


@pytest.fixture
async def telegram(db: str) -> FakeNotifier:
    return FakeNotifier(Platform.TELEGRAM)


@pytest.fixture
async def running(repos: Repositories, telegram: FakeNotifier) -> AsyncIterator[Harness]:
    h = Harness(repos, [telegram])
    await h.dispatcher.start()
    try:
        yield h
    finally:
        await h.dispatcher.stop()


async def test_alerts_stored_before_start_are_routed_at_start(db: str, repos: Repositories) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM)
    h = Harness(repos, [telegram])
    await h.subscribe()
    early, _ = await repos.alerts.save_alert(trade_alert(1))  # stored, never published: a crash

    await h.dispatcher.start()
    try:
        await wait_until(lambda: len(telegram.sent) == 1, what="catch-up delivery")
    finally:
        await h.dispatcher.stop()

    assert await repos.alerts.unrouted() == []
    assert await h.statuses(early) == [DeliveryStatus.SENT]


async def test_transient_failures_retry_with_backoff(running: Harness, telegram: FakeNotifier) -> None:
    await running.subscribe()
    telegram.errors = [DeliveryError("502 bad gateway"), None]

    alert = await running.publish(trade_alert(1))
    await wait_until(lambda: len(telegram.sent) == 1, what="the retry")

    [delivery] = await eventually(lambda: _with_status(running, alert, DeliveryStatus.SENT))
    assert delivery.attempts == 1 and telegram.attempts == 2


async def _with_status(h: Harness, alert: Alert, status: DeliveryStatus) -> list[Delivery]:
    rows = await h.repos.deliveries.all_for_alert(alert.id or 0)
    return rows if rows and all(r.status is status for r in rows) else []


async def test_giving_up_after_max_attempts_tells_the_admin(running: Harness, telegram: FakeNotifier) -> None:
    await running.subscribe()
    telegram.errors = [DeliveryError("timeout")] * 3

    alert = await running.publish(trade_alert(1))
    [failed] = await eventually(lambda: _with_status(running, alert, DeliveryStatus.FAILED))

    assert failed.last_error == "timeout" and telegram.sent == []
    await wait_until(lambda: bool(running.admin.messages), what="admin message")
    assert running.admin.messages[0][0] == (
        f"Gave up on alert #{alert.id} for telegram_chat 42 after 3 attempts: timeout"
    )


async def test_a_refused_message_fails_alone(running: Harness, telegram: FakeNotifier) -> None:
    await running.subscribe()
    telegram.errors = [MessageRejected("message is too long")]

    bad = await running.publish(trade_alert(1))
    good = await running.publish(trade_alert(2))
    await wait_until(lambda: len(telegram.sent) == 1, what="the next alert")

    assert await eventually(lambda: _with_status(running, bad, DeliveryStatus.FAILED))
    assert await eventually(lambda: _with_status(running, good, DeliveryStatus.SENT))
    sub = await running.repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, CHAT)
    assert sub is not None and sub.active


async def test_a_rate_limit_pauses_and_retries_without_spending_an_attempt(
    running: Harness, telegram: FakeNotifier
) -> None:
    await running.subscribe()
    telegram.errors = [DeliveryError("flood", retry_after=7.5)]

    alert = await running.publish(trade_alert(1))
    await wait_until(lambda: len(telegram.sent) == 1, what="the send after the pause")

    assert sum(running.sleeps) >= 7.4 and max(running.sleeps) == pytest.approx(7.5, abs=0.05)
    [sent] = await eventually(lambda: _with_status(running, alert, DeliveryStatus.SENT))
    assert sent.attempts == 0


async def test_a_dead_destination_ends_its_deliveries_and_subscription(
    running: Harness, telegram: FakeNotifier
) -> None:
    await running.subscribe()
    telegram.errors = [DeliveryError("Forbidden: bot was blocked by the user", permanent=True)]

    first = await running.publish(trade_alert(1))
    await eventually(lambda: _with_status(running, first, DeliveryStatus.DEAD))
    second = await running.publish(trade_alert(2))
    await eventually(lambda: _is_routed(running, second), what="the second alert routed")
    polls = telegram.polls
    await wait_until(lambda: telegram.polls >= polls + 3, what="the sender looking for work again")

    assert telegram.sent == [] and await running.statuses(second) == []  # nobody is subscribed any more
    sub = await running.repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, CHAT)
    assert sub is not None and not sub.active
    await wait_until(lambda: bool(running.admin.messages), what="admin message")
    assert running.admin.messages[0][0].startswith(
        "Stopped delivering to telegram_chat 42: its subscription is now off"
    )


async def test_one_platform_stuck_does_not_delay_the_other(db: str, repos: Repositories) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM, gate=asyncio.Event())
    discord_ = FakeNotifier(Platform.DISCORD)
    h = Harness(repos, [telegram, discord_])
    await h.subscribe()
    await h.subscribe(DestinationKind.DISCORD_USER, "1001")
    await h.dispatcher.start()
    try:
        for i in range(1, 4):
            await h.publish(trade_alert(i))
        await wait_until(lambda: len(discord_.sent) == 3, what="discord deliveries")
        assert telegram.sent == [] and telegram.attempts == 1  # still stuck in its first send
    finally:
        assert telegram.gate is not None
        telegram.gate.set()
        await h.dispatcher.stop()
    assert len(telegram.sent) >= 1


async def test_a_platform_that_is_not_connected_waits_without_spending_attempts(db: str, repos: Repositories) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM, connected=False)
    h = Harness(repos, [telegram])
    await h.subscribe()
    await h.dispatcher.start()
    try:
        alert = await h.publish(trade_alert(1))
        await eventually(lambda: _with_status(h, alert, DeliveryStatus.PENDING))
        polls = telegram.polls
        await wait_until(lambda: telegram.polls >= polls + 3, what="the sender waiting for the platform")
        assert telegram.attempts == 0
        telegram.connected = True
        await wait_until(lambda: len(telegram.sent) == 1, what="delivery after connecting")
    finally:
        await h.dispatcher.stop()
    [sent] = await h.repos.deliveries.all_for_alert(alert.id or 0)
    assert sent.attempts == 0


async def test_a_claim_left_by_another_worker_is_sent_after_its_lease(db: str, repos: Repositories) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM)
    h = Harness(repos, [telegram], lease=timedelta(seconds=0.3))
    stored, _ = await repos.alerts.save_alert(trade_alert(1))
    assert stored.id is not None
    now = now_utc()
    await repos.alerts.mark_routed([stored.id], now)
    await repos.deliveries.enqueue([Delivery(stored.id, DestinationKind.TELEGRAM_CHAT, CHAT)], now)
    other = await repos.deliveries.start_worker("another-host", now)
    [claimed] = await repos.deliveries.claim(Platform.TELEGRAM, now, timedelta(seconds=0.3), owner=other)  # then gone

    await h.dispatcher.start()
    try:
        polls = telegram.polls
        await wait_until(lambda: telegram.polls >= polls + 2, what="the sender looking for work")
        checked_at, sent_early = now_utc(), list(telegram.sent)
        await wait_until(lambda: len(telegram.sent) == 1, what="delivery after the lease")
    finally:
        await h.dispatcher.stop()
    # still leased to the other worker while its lease ran (a slow machine may only look after it)
    assert sent_early == [] or checked_at - now >= timedelta(seconds=0.3)
    assert claimed.id is not None


async def test_after_a_crash_the_restarted_instance_sends_its_claimed_deliveries_at_once(
    db: str, repos: Repositories
) -> None:
    stuck = FakeNotifier(Platform.TELEGRAM, gate=asyncio.Event())  # the first send never returns
    before = Harness(repos, [stuck])  # the default 2-minute lease
    await before.subscribe()
    alerts = [(await repos.alerts.save_alert(trade_alert(i)))[0] for i in range(1, 4)]
    await before.dispatcher.start()
    await wait_until(lambda: stuck.attempts == 1, what="the first send on the wire")
    await crash(before.dispatcher)

    telegram = FakeNotifier(Platform.TELEGRAM)
    after = Harness(repos, [telegram])  # the same instance, started again
    await after.dispatcher.start()
    try:
        await wait_until(lambda: len(telegram.sent) == 3, what="every claimed delivery, well before the lease ends")
    finally:
        await after.dispatcher.stop()
    assert [await after.statuses(a) for a in alerts] == [[DeliveryStatus.SENT]] * 3
    assert stuck.keys[0] in telegram.keys  # the repeat carries the same key: Discord drops it (nonce)


async def test_the_leases_of_another_live_instance_are_left_alone(db: str, repos: Repositories) -> None:
    busy = FakeNotifier(Platform.TELEGRAM, gate=asyncio.Event())
    first = Harness(repos, [busy], worker_name="worker-a")
    await first.subscribe()
    held = [(await repos.alerts.save_alert(trade_alert(i)))[0] for i in range(1, 3)]
    await first.dispatcher.start()
    await wait_until(lambda: busy.attempts == 1, what="worker-a sending")

    telegram = FakeNotifier(Platform.TELEGRAM)
    second = Harness(repos, [telegram], worker_name="worker-b")
    await second.dispatcher.start()
    try:
        marker = await second.publish(trade_alert(9))  # routed and sent by worker-b after start-up
        await wait_until(lambda: len(telegram.sent) == 1, what="worker-b's own delivery")
        assert [f"alert #{marker.id} " in view.footer for _, view, _ in telegram.sent] == [True]
        assert [await second.statuses(a) for a in held] == [[DeliveryStatus.PENDING]] * 2  # still worker-a's
    finally:
        await second.dispatcher.stop()
        assert busy.gate is not None
        busy.gate.set()
        await first.dispatcher.stop()


async def test_a_worker_takes_back_only_its_own_dead_claims(db: str, repos: Repositories) -> None:
    now = now_utc()
    ids = []
    for i in range(1, 6):
        stored, _ = await repos.alerts.save_alert(trade_alert(i))
        assert stored.id is not None
        ids.append(stored.id)
    await repos.deliveries.enqueue([Delivery(i, DestinationKind.TELEGRAM_CHAT, CHAT) for i in ids], now)
    lease = timedelta(minutes=2)
    dead = await repos.deliveries.start_worker("host-a", now)
    other = await repos.deliveries.start_worker("host-b", now)
    mine_dead = await repos.deliveries.claim(Platform.TELEGRAM, now, lease, limit=2, owner=dead)
    backing_off = await repos.deliveries.claim(Platform.TELEGRAM, now, lease, limit=1, owner=dead)
    await repos.deliveries.mark_retry(backing_off[0].id or 0, 1, now + timedelta(minutes=5), "502")
    theirs = await repos.deliveries.claim(Platform.TELEGRAM, now, lease, limit=1, owner=other)

    restarted = await repos.deliveries.start_worker("host-a", now)
    current = await repos.deliveries.claim(Platform.TELEGRAM, now, lease, limit=1, owner=restarted)
    taken = await repos.deliveries.reclaim(restarted, now)

    assert (dead.generation, restarted.generation, other.generation) == (1, 2, 1)
    assert taken == 2
    due = {d.id for d in await repos.deliveries.due(Platform.TELEGRAM, now)}
    assert due == {d.id for d in mine_dead}  # not the backoff, not host-b's, not the new generation's
    assert not due & {d.id for d in [*backing_off, *theirs, *current]}


async def test_stop_finishes_the_send_on_the_wire_and_hands_back_the_rest(db: str, repos: Repositories) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM, gate=asyncio.Event())
    h = Harness(repos, [telegram])
    await h.subscribe()
    alerts = [(await repos.alerts.save_alert(trade_alert(i)))[0] for i in range(1, 4)]
    await h.dispatcher.start()
    await wait_until(lambda: telegram.attempts == 1, what="first send on the wire")

    sender_tasks = list(h.dispatcher._tasks)
    stopping = asyncio.create_task(h.dispatcher.stop())
    await wait_until(lambda: all(t.done() for t in sender_tasks), what="the sender cancelled")
    assert telegram.gate is not None
    telegram.gate.set()
    await stopping

    statuses = [await h.statuses(a) for a in alerts]
    assert statuses == [[DeliveryStatus.SENT], [DeliveryStatus.PENDING], [DeliveryStatus.PENDING]]
    due = await repos.deliveries.due(Platform.TELEGRAM, now_utc())
    assert len(due) == 2  # handed back at once, not after the lease


async def test_held_deliveries_of_an_unsubscribed_chat_are_cancelled(db: str, repos: Repositories) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM)
    h = Harness(repos, [telegram])
    stored, _ = await repos.alerts.save_alert(trade_alert(1))
    assert stored.id is not None
    await repos.subscriptions.save(Subscription(None, DestinationKind.TELEGRAM_CHAT, CHAT, active=False), now_utc())
    await repos.deliveries.enqueue(
        [Delivery(stored.id, DestinationKind.TELEGRAM_CHAT, CHAT, status=DeliveryStatus.HELD)], now_utc()
    )

    assert await h.dispatcher.deliver_due_digests() == 0

    [row] = await repos.deliveries.all_for_alert(stored.id)
    assert row.status is DeliveryStatus.FAILED and row.last_error == "unsubscribed before the digest"


async def test_channel_digest_and_channel_rules(db: str, repos: Repositories) -> None:
    discord_ = FakeNotifier(Platform.DISCORD)
    h = Harness(repos, [discord_], channel_max_per_hour=1)
    await repos.channel_rules.add(ChannelRule(None, "g", "555", "severity", "info", role_id="77"), now_utc())
    h.dispatcher.invalidate_routing()
    await h.dispatcher.start()
    try:
        for i in range(1, 4):
            await h.publish(trade_alert(i))
        await wait_until(lambda: len(discord_.sent) == 1, what="the first channel alert")
        assert discord_.sent[0][2] == "77"
        await eventually(lambda: repos.deliveries.held(DestinationKind.DISCORD_CHANNEL, "555"))
        later = datetime.now(UTC) + timedelta(hours=1, minutes=1)
        assert await h.dispatcher.deliver_due_digests(later) == 1
        await wait_until(lambda: len(discord_.sent) == 2, what="the channel digest")
    finally:
        await h.dispatcher.stop()
    assert discord_.sent[1][1].title == "⏸ 2 alerts held back by your hourly limit"
    assert all(discord_.keys) and len(set(discord_.keys)) == 2  # the alert and the digest: each its own key


def test_a_send_key_names_one_message_to_one_destination() -> None:
    key = send_key("alert-dedup-key", "telegram_chat", "42")
    assert key == send_key("alert-dedup-key", "telegram_chat", "42") and len(key) == 24  # a Discord nonce: <= 25
    assert key != send_key("alert-dedup-key", "telegram_chat", "43")
    assert send_key("a", "bc") != send_key("ab", "c")


async def test_without_bots_the_console_prints_every_alert(
    db: str, repos: Repositories, make_settings: Callable[..., Settings], service: CommandService
) -> None:
    settings = make_settings()
    bots = ChatBots(settings, HealthRegistry(now_utc), service)
    stream = io.StringIO()
    notifiers = delivery_notifiers(bots, ConsoleNotifier(stream))
    dispatcher = Dispatcher(
        repos,
        AlertBus(),
        notifiers,
        config=DeliveryConfig.from_settings(settings, settings, idle_poll=0.02, digest_every=None),
        clock=now_utc,
        console=not bots.configured,
    )
    await bots.start()
    await dispatcher.start()
    try:
        stored, _ = await repos.alerts.save_alert(trade_alert(1))
        dispatcher.bus.publish(stored)
        await wait_until(lambda: "🐋 $72,400 BUY Yes @ 42¢" in stream.getvalue(), what="console output")
    finally:
        await dispatcher.stop()
        await bots.stop()
    assert [n.platform for n in notifiers] == [Platform.CONSOLE]
    assert f"alert #{stored.id}" in stream.getvalue()


def test_token_bucket_spaces_sends_and_honours_pauses() -> None:
    clock = SimpleNamespace(t=0.0)
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        clock.t += seconds

    bucket = TokenBucket(2.0, monotonic=lambda: clock.t, sleep=fake_sleep)

    async def scenario() -> None:
        for _ in range(4):
            await bucket.acquire()
        bucket.pause(3.0)
        await bucket.acquire()

    asyncio.run(scenario())
    assert waits == [0.5, 0.5, 3.0]
    assert bucket.waited == pytest.approx(4.0)


def test_backoff_grows_to_its_ceiling() -> None:
    config = DeliveryConfig(backoff_base=2.0, backoff_max=30.0)
    assert [config.backoff(n) for n in range(1, 7)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


# ---------------------------------------------------------------- how platform errors are read


def test_telegram_errors() -> None:
    flood = telegram_error(RetryAfter(timedelta(seconds=5)))
    blocked = telegram_error(Forbidden("Forbidden: bot was blocked by the user"))
    gone = telegram_error(BadRequest("Chat not found"))
    migrated = telegram_error(ChatMigrated(-100777))
    too_long = telegram_error(BadRequest("Message is too long"))
    network = telegram_error(NetworkError("connection reset"))

    assert flood.retry_after == 5.0 and not flood.permanent
    assert blocked.permanent and gone.permanent and migrated.permanent and "-100777" in str(migrated)
    assert isinstance(too_long, MessageRejected) and not too_long.permanent
    assert network.retry_after is None and not network.permanent and not isinstance(network, MessageRejected)


def _response(status: int) -> Any:
    return SimpleNamespace(status=status, reason="x", headers={})


def test_discord_errors() -> None:
    limited = discord_error(discord.RateLimited(42.0))
    missing = discord_error(discord.Forbidden(_response(403), {"code": 50001, "message": "Missing Access"}))
    unknown = discord_error(discord.NotFound(_response(404), {"code": 10003, "message": "Unknown Channel"}))
    invalid = discord_error(discord.HTTPException(_response(400), {"code": 50035, "message": "Invalid Form Body"}))
    server = discord_error(discord.HTTPException(_response(503), "unavailable"))

    assert limited.retry_after == 42.0
    assert missing.permanent and "50001" in str(missing) and unknown.permanent
    assert isinstance(invalid, MessageRejected)
    assert not server.permanent and server.retry_after is None and not isinstance(server, MessageRejected)


# ---------------------------------------------------------------- the admin chat


async def test_admin_messages_go_to_every_ready_admin_chat() -> None:
    telegram = FakeNotifier(Platform.TELEGRAM)
    discord_ = FakeNotifier(Platform.DISCORD)
    offline = FakeNotifier(Platform.DISCORD, connected=False)
    admin = ChatAdminNotifier([(telegram, "999"), (discord_, "555"), (offline, "556")])

    await admin.notify_admin("feed down for 5m", "critical")

    expected = "🔴 polyscan CRITICAL: feed down for 5m"
    assert telegram.texts == [("999", expected)] and discord_.texts == [("555", expected)] and offline.texts == []


async def test_admin_message_failures_are_logged_never_raised() -> None:
    broken = FakeNotifier(Platform.TELEGRAM, errors=[DeliveryError("chat not found", permanent=True)])
    with capture_logs() as logs:
        await ChatAdminNotifier([(broken, "999")]).notify_admin("disk 91% full", "warning")
        await ChatAdminNotifier([]).notify_admin("nobody listens", "info")

    events = [(e["event"], e.get("text")) for e in logs]
    assert ("admin_send_failed", None) in events
    assert ("admin_alert", "disk 91% full") in events and ("admin_alert", "nobody listens") in events
    assert admin_text("recovered", "resolved") == "✅ polyscan RESOLVED: recovered"


def test_admin_targets_come_from_settings(make_settings: Callable[..., Settings]) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM)
    discord_ = FakeNotifier(Platform.DISCORD)
    both = make_settings(telegram_admin_chat_id=-100123, discord_admin_channel_id=555)
    only_telegram = make_settings(telegram_admin_chat_id=-100123)

    assert [(n.platform, d) for n, d in ChatAdminNotifier.from_settings(both, [telegram, discord_]).targets] == [
        (Platform.TELEGRAM, "-100123"),
        (Platform.DISCORD, "555"),
    ]
    assert len(ChatAdminNotifier.from_settings(only_telegram, [telegram, discord_]).targets) == 1
    assert ChatAdminNotifier.from_settings(both, []).targets == []


async def test_bots_without_tokens_are_reported_disabled(
    db: str, make_settings: Callable[..., Settings], service: CommandService
) -> None:
    health = HealthRegistry(now_utc)
    bots = ChatBots(make_settings(), health, service)
    await bots.start()
    await bots.stop()

    assert not bots.configured and bots.notifiers() == []
    assert {n: c.state for n, c in health.all().items()} == {"discord": State.DISABLED, "telegram": State.DISABLED}


async def test_routing_reads_subscriptions_again_when_told_or_when_the_cache_ages(db: str, repos: Repositories) -> None:
    telegram = FakeNotifier(Platform.TELEGRAM)
    h = Harness(repos, [telegram], routing_cache_seconds=3600)
    await h.dispatcher.start()
    try:
        first = await h.publish(trade_alert(9))  # routing it caches the subscriptions: nobody yet
        await eventually(lambda: _is_routed(h, first))
        await repos.subscriptions.save(Subscription(None, DestinationKind.TELEGRAM_CHAT, CHAT), now_utc())
        unseen = await h.publish(trade_alert(1))
        await eventually(lambda: _is_routed(h, unseen))
        assert await h.statuses(unseen) == []  # the cached copy did not know the new subscriber yet

        h.dispatcher.invalidate_routing()  # what CommandService.on_change does
        seen = await h.publish(trade_alert(2))
        await wait_until(lambda: len(telegram.sent) == 1, what="delivery to the new subscriber")
        # the "sent" mark is written just after the send returns
        await eventually(lambda: _statuses_are(h, seen, [DeliveryStatus.SENT]), what="the sent mark")
        assert await h.statuses(seen) == [DeliveryStatus.SENT]

        await repos.subscriptions.deactivate(DestinationKind.TELEGRAM_CHAT, CHAT)
        h.skipped += 3601  # the cache ages out even without being told
        after = await h.publish(trade_alert(3))
        await eventually(lambda: _is_routed(h, after))
        assert await h.statuses(after) == []
    finally:
        await h.dispatcher.stop()


async def _statuses_are(h: Harness, alert: Alert, expected: list[DeliveryStatus]) -> bool:
    return await h.statuses(alert) == expected


async def _is_routed(h: Harness, alert: Alert) -> bool:
    return alert.id not in {a.id for a in await h.repos.alerts.unrouted()}


async def test_the_backlog_gauge_follows_the_outbox(db: str, repos: Repositories) -> None:
    from prometheus_client import REGISTRY

    telegram = FakeNotifier(Platform.TELEGRAM, connected=False)
    h = Harness(repos, [telegram])
    await h.subscribe()
    await h.dispatcher.start()
    try:
        alert = await h.publish(trade_alert(1))
        await eventually(lambda: _with_status(h, alert, DeliveryStatus.PENDING))
        # the gauge is refreshed after the outbox write
        await wait_until(
            lambda: REGISTRY.get_sample_value("scanner_delivery_backlog", {"platform": "telegram"}) == 1,
            what="the backlog gauge",
        )
        assert REGISTRY.get_sample_value("scanner_delivery_backlog", {"platform": "telegram"}) == 1
    finally:
        await h.dispatcher.stop()
