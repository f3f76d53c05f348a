"""/webhook end to end: the real python-telegram-bot and discord.py against the fakes on loopback,
the real outbox with the webhook notifier beside the bots, and a receiver on loopback. Admins add
webhooks (the secret shown once: in the group's reply on Telegram, ephemeral on Discord), others
are refused, bad URLs get a clear reply, alerts arrive signed, and a receiver that keeps failing is
paused with one message in the admin chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.admin import ChatAdminNotifier
from bot.bots import ChatBots
from bot.delivery import DeliveryConfig, Dispatcher
from bot.notifiers import Notifier
from bot.telegram_app import TelegramBot, build_application
from bot.webhooks import WebhookNotifier, build_webhooks
from db.repositories import Repositories
from scanner_core.bus import AlertBus
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Alert, DeliveryStatus, now_utc
from scanner_core.webhooks import verify_signature
from tests.bots.support import eventually, trade_alert, wait_until
from tests.bots.test_e2e_discord import bot_factory, discord_settings
from tests.bots.test_e2e_telegram import telegram_settings
from tests.fakes.discord import MANAGE_GUILD, FakeDiscord
from tests.fakes.receiver import FakeReceiver
from tests.fakes.telegram import FakeTelegram, html_to_text

KEY = "test-webhook-key-" * 3
GROUP = -100777
GROUP_ADMIN = 501
GROUP_MEMBER = 502
ADMIN_CHAT = 999
SECRET = re.compile(r"whsec_[A-Za-z0-9_\-]{20,}")


@dataclass
class World:
    repos: Repositories
    service: CommandService
    bus: AlertBus
    bots: ChatBots
    webhooks: WebhookNotifier
    dispatcher: Dispatcher
    receiver: FakeReceiver
    health: HealthRegistry

    async def publish(self, alert: Alert) -> Alert:
        stored, created = await self.repos.alerts.save_alert(alert)
        assert created
        self.bus.publish(stored)
        return stored

    async def sent(self, *alerts: Alert) -> bool:
        rows = [await self.repos.deliveries.all_for_alert(a.id or 0) for a in alerts]
        return all(r and all(d.status is DeliveryStatus.SENT for d in r) for r in rows)


async def start_world(
    repos: Repositories, settings: Settings, service: CommandService, bots: ChatBots, receiver: FakeReceiver
) -> World:
    """Wired as bot/wiring.py wires `polyscan run`: the webhooks beside the bots' notifiers."""
    health = bots.health
    notifiers: list[Notifier] = list(bots.notifiers())
    admin = ChatAdminNotifier.from_settings(settings, notifiers)
    webhooks = build_webhooks(
        settings, repos.webhooks, clock=now_utc, admin=admin, health=health, backoff_base=0.05, backoff_max=0.3
    )
    bus = AlertBus()
    config = DeliveryConfig.from_settings(settings, settings, idle_poll=0.05, digest_every=None)
    dispatcher = Dispatcher(
        repos, bus, [*notifiers, webhooks], config=config, clock=now_utc, health=health, admin=admin
    )

    def changed() -> None:
        dispatcher.invalidate_routing()
        webhooks.invalidate()

    service.on_change = changed
    service.webhook_tester = webhooks
    await bots.start()
    await wait_until(lambda: all(n.ready for n in notifiers), what="bots ready")
    await webhooks.start()
    await dispatcher.start()
    return World(repos, service, bus, bots, webhooks, dispatcher, receiver, health)


async def stop_world(world: World) -> None:
    await world.dispatcher.stop()
    await world.webhooks.stop()
    await world.bots.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[FakeReceiver]:
    async with FakeReceiver() as fake:
        yield fake


# ---------------------------------------------------------------- Telegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="123:ABC") as fake:
        fake.set_chat_admin(GROUP, GROUP_ADMIN)
        yield fake
        assert fake.unknown_methods == []


@pytest.fixture
async def telegram(
    db: str,
    tg: FakeTelegram,
    receiver: FakeReceiver,
    repos: Repositories,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, Any], CommandService],
) -> AsyncIterator[World]:
    settings = telegram_settings(
        make_settings, tg, webhook_key=KEY, webhook_allow_private_hosts=True, webhook_pause_after_failures=2
    )
    service = make_service(settings, now_utc)

    def factory(on_state: Callable[[State, str], None]) -> TelegramBot:
        return TelegramBot(build_application(settings, service), settings, on_state=on_state, poll_timeout=1)

    bots = ChatBots(settings, HealthRegistry(now_utc), service, telegram_factory=factory)
    world = await start_world(repos, settings, service, bots, receiver)
    try:
        yield world
    finally:
        await stop_world(world)


async def say(tg: FakeTelegram, chat: int, text: str, user: int | None = None) -> str:
    """A command typed in a chat (a supergroup when the id is negative) -> the bot's reply, as read."""
    before = len(tg.messages_to(chat))
    tg.push_command(chat, text, user_id=user, chat_type="supergroup" if chat < 0 else "private")
    messages = await tg.wait_for_messages(before + 1, chat_id=chat)
    return html_to_text(messages[before]["text"])


async def test_telegram_group_admin_adds_a_webhook_and_alerts_arrive_signed(
    telegram: World, tg: FakeTelegram, receiver: FakeReceiver
) -> None:
    reply = await say(tg, GROUP, f"/webhook add {receiver.url()} severity=high kinds=trade", GROUP_ADMIN)

    assert "Webhook #1 added: matching alerts go to http://127.0.0.1" in reply
    assert "shown only this once" in reply
    [secret] = SECRET.findall(reply)
    listing = await say(tg, GROUP, "/webhook list", GROUP_ADMIN)
    assert "#1 http://127.0.0.1" in listing and "severity ≥ high" in listing and secret not in listing
    alert = await telegram.publish(trade_alert(1))
    [request] = await receiver.wait_for(1)
    assert request.json["alert"]["id"] == alert.id
    assert verify_signature(secret, request.body, request.headers["X-Polyscan-Signature"], now=now_utc().timestamp())
    assert await eventually(lambda: telegram.sent(alert))
    test = await say(tg, GROUP, "/webhook test 1", GROUP_ADMIN)
    assert "Test payload delivered to webhook #1: HTTP 200 in" in test


@pytest.mark.parametrize(
    ("chat", "user", "reply"),
    [
        (GROUP, GROUP_MEMBER, "⚠️ Only this group's admins can manage its webhooks."),
        (42, None, "⚠️ Webhooks are managed in a group, by its admins, or in the admin chat."),
    ],
)
async def test_telegram_a_non_admin_cannot_add_a_webhook(
    telegram: World, tg: FakeTelegram, receiver: FakeReceiver, chat: int, user: int | None, reply: str
) -> None:
    assert await say(tg, chat, f"/webhook add {receiver.url()}", user) == reply
    assert await telegram.repos.webhooks.listed(None) == []


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("/webhook add file:///etc/passwd", "Only http:// and https:// URLs can receive webhooks, not file://"),
        ("/webhook add https://", "'https://' has no host: write it like https://example.com/polyscan."),
        ("/webhook add https://example.com:70000/x", "has a malformed host or port"),
        ("/webhook add", "Missing url. Usage: /webhook add <url> [options]"),
        ("/webhook", "Say what to do: add, list, test, resume, remove."),
        ("/webhook frobnicate", "'frobnicate' is not one of add, list, test, resume, remove."),
        ("/webhook remove 9", "There is no webhook #9 here: /webhook list shows them."),
        ("/webhook list everything", "/webhook list takes no arguments. Usage: /webhook list"),
    ],
)
async def test_telegram_bad_webhook_commands_get_a_clear_reply(
    telegram: World, tg: FakeTelegram, command: str, reply: str
) -> None:
    text = await say(tg, GROUP, command, GROUP_ADMIN)

    assert text.startswith("⚠️ ") and reply in text
    assert await telegram.repos.webhooks.listed(None) == []


async def test_telegram_admin_chat_is_told_once_when_a_failing_receiver_is_paused(
    telegram: World, tg: FakeTelegram, receiver: FakeReceiver
) -> None:
    await say(tg, GROUP, f"/webhook add {receiver.url()}", GROUP_ADMIN)
    receiver.default = 500
    alerts = [await telegram.publish(trade_alert(i)) for i in (1, 2)]

    [note] = await tg.wait_for_messages(1, chat_id=ADMIN_CHAT)
    assert (
        "Webhook #1 (http://127.0.0.1" in note["text"] and "is paused after 2 failed requests in a row" in note["text"]
    )
    alerts.append(await telegram.publish(trade_alert(3)))  # while paused: it waits in the outbox
    await eventually(lambda: telegram.repos.deliveries.all_for_alert(alerts[2].id or 0), what="its delivery")
    listing = await say(tg, ADMIN_CHAT, "/webhook list")  # the admin chat sees every webhook
    assert "#1 http://127.0.0.1" in listing and "⏸ paused: 2 failures in a row (HTTP 500" in listing

    receiver.default = 200
    resumed = await say(tg, ADMIN_CHAT, "/webhook resume 1")
    assert "Webhook #1 resumed: 3 waiting alert(s) go out now." in resumed
    await receiver.wait_for(3)
    assert await eventually(lambda: telegram.sent(*alerts))
    assert sorted(r.json["alert"]["id"] for r in receiver.accepted) == sorted(a.id for a in alerts)
    assert len(tg.messages_to(ADMIN_CHAT)) == 3  # the one pause message, the list, the resume reply


# ---------------------------------------------------------------- Discord


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake
        assert fake.unknown_routes == []


@pytest.fixture
async def discord(
    db: str,
    dc: FakeDiscord,
    receiver: FakeReceiver,
    repos: Repositories,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, Any], CommandService],
) -> AsyncIterator[World]:
    settings = discord_settings(make_settings, dc, webhook_key=KEY, webhook_allow_private_hosts=True)
    service = make_service(settings, now_utc)
    bots = ChatBots(settings, HealthRegistry(now_utc), service, discord_factory=bot_factory(service, dc.guild_id))
    world = await start_world(repos, settings, service, bots, receiver)
    try:
        yield world
    finally:
        await stop_world(world)


async def test_discord_admin_adds_a_webhook_privately_and_slack_alerts_arrive(
    discord: World, dc: FakeDiscord, receiver: FakeReceiver
) -> None:
    synced = {c["name"]: c for c in dc.synced_commands[dc.guild_id]}
    assert str(synced["webhook"]["default_member_permissions"]) == str(MANAGE_GUILD)

    handle = await dc.invoke_slash(
        "webhook",
        [{"name": "url", "value": receiver.url("/slack")}, {"name": "options", "value": "format=slack"}],
        user_id=dc.admin_user_id,
        subcommand="add",
    )
    added = await dc.wait_for_response(handle)

    assert added.ephemeral and added.embeds[0]["title"] == "🪝 Webhooks"
    description = added.embeds[0]["description"]
    assert description.startswith("**Webhook #1 added: matching alerts go to http://127.0.0.1:")
    assert "as Slack messages" in description and "shown only this once" in description
    [secret] = SECRET.findall(description)
    alert = await discord.publish(trade_alert(1))
    [request] = await receiver.wait_for(1)
    assert set(request.json) == {"text", "blocks"} and request.json["text"].startswith("🐋 $72,400 BUY Yes @ 42¢")
    assert verify_signature(secret, request.body, request.headers["X-Polyscan-Signature"], now=now_utc().timestamp())
    assert await eventually(lambda: discord.sent(alert))
    listed = await dc.wait_for_response(await dc.invoke_slash("webhook", user_id=dc.admin_user_id, subcommand="list"))
    assert listed.ephemeral and secret not in str(listed.embeds) and "slack" in listed.embeds[0]["description"]


async def test_discord_a_member_without_manage_server_cannot_add_a_webhook(
    discord: World, dc: FakeDiscord, receiver: FakeReceiver
) -> None:
    with pytest.raises(PermissionError):  # Discord itself keeps the command from members
        await dc.invoke_slash(
            "webhook", [{"name": "url", "value": receiver.url()}], user_id=dc.member_user_id, subcommand="add"
        )
    assert await discord.repos.webhooks.listed(None) == []


@pytest.mark.parametrize(
    ("url", "reply"),
    [
        ("file:///etc/passwd", "Only http:// and https:// URLs can receive webhooks, not file://"),
        ("http//example.com", "not a bare address"),
        ("https://exa mple.com", "A webhook URL cannot contain spaces or control characters."),
    ],
)
async def test_discord_a_file_or_malformed_url_is_refused_with_a_clear_private_reply(
    discord: World, dc: FakeDiscord, url: str, reply: str
) -> None:
    handle = await dc.invoke_slash(
        "webhook", [{"name": "url", "value": url}], user_id=dc.admin_user_id, subcommand="add"
    )
    message = await dc.wait_for_response(handle)

    assert message.ephemeral and message.embeds[0]["title"].startswith("⚠️ ")
    assert reply in message.embeds[0]["title"].replace("\\", "")
    assert await discord.repos.webhooks.listed(None) == []
