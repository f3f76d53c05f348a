"""End to end: the real discord.py against FakeDiscord (REST + gateway) on loopback, the real outbox
and database. Every slash command, a button, bad arguments, a routed channel alert with its role
mention, a DM alert, a 429 waited out, a channel that lost access, command sync and login retry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.admin import ChatAdminNotifier
from bot.bots import ChatBots
from bot.delivery import DeliveryConfig, Dispatcher
from bot.discord_app import PolyscanDiscordBot
from db.repositories import Repositories
from scanner_core import catalogue
from scanner_core.bus import AlertBus
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Alert, DeliveryStatus, DestinationKind, Platform, Severity
from tests.bots.support import CONDITION, SLUG, WALLET, crash_mid_send, eventually, trade_alert, wait_until
from tests.conftest import FakeClock
from tests.fakes.discord import MANAGE_GUILD, FakeDiscord, SentMessage

HIGH_COLOUR = 0xE67E22


def visible(markdown: str) -> str:
    """What a Discord user reads: without Markdown escapes and bold markers."""
    return markdown.replace("\\", "").replace("**", "")


@dataclass
class World:
    dc: FakeDiscord
    settings: Settings
    service: CommandService
    repos: Repositories
    clock: FakeClock
    health: HealthRegistry
    bus: AlertBus
    bots: ChatBots
    dispatcher: Dispatcher

    async def slash(
        self, name: str, user_id: int | None = None, subcommand: str | None = None, **options: Any
    ) -> SentMessage:
        given = [{"name": k, "value": v} for k, v in options.items()]
        handle = await self.dc.invoke_slash(
            name, given, user_id=self.dc.member_user_id if user_id is None else user_id, subcommand=subcommand
        )
        return await self.dc.wait_for_response(handle)

    async def publish(self, alert: Alert) -> Alert:
        stored, created = await self.repos.alerts.save_alert(alert)
        assert created
        self.bus.publish(stored)
        return stored


def discord_settings(make_settings: Callable[..., Settings], dc: FakeDiscord, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "discord_token": dc.token,
        "discord_dev_guild_id": dc.guild_id,
        "discord_admin_channel_id": dc.channel_ids[1],
        "discord_rate_per_second": 500,
        "default_max_alerts_per_hour": 1000,
    }
    return make_settings(**(values | overrides))


def bot_factory(service: CommandService, dev_guild_id: int | None) -> Callable[..., PolyscanDiscordBot]:
    def build(on_state: Callable[[State, str], None]) -> PolyscanDiscordBot:
        return PolyscanDiscordBot(service, dev_guild_id=dev_guild_id, on_state=on_state, guild_ready_timeout=0.05)

    return build


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake
        assert fake.unknown_routes == []


@pytest.fixture
async def world(
    db: str,
    dc: FakeDiscord,
    clock: FakeClock,
    repos: Repositories,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> AsyncIterator[World]:
    settings = discord_settings(make_settings, dc)
    service = make_service(settings, clock)
    health = HealthRegistry(clock)
    bots = ChatBots(settings, health, service, discord_factory=bot_factory(service, dc.guild_id))
    bus = AlertBus()
    notifiers = bots.notifiers()
    config = DeliveryConfig.from_settings(settings, settings, idle_poll=0.05, digest_every=None, backoff_base=0.05)
    admin = ChatAdminNotifier.from_settings(settings, notifiers)
    dispatcher = Dispatcher(repos, bus, notifiers, config=config, clock=clock, health=health, admin=admin)
    service.on_change = dispatcher.invalidate_routing
    await bots.start()
    await wait_until(lambda: notifiers[0].ready, what="discord ready")
    await dispatcher.start()
    try:
        yield World(dc, settings, service, repos, clock, health, bus, bots, dispatcher)
    finally:
        await dispatcher.stop()
        await bots.stop()


async def test_commands_are_synced_to_the_dev_guild_from_the_catalogue(world: World) -> None:
    synced = {c["name"]: c for c in world.dc.synced_commands[world.dc.guild_id]}

    assert set(synced) == {c.name for c in catalogue.for_platform(Platform.DISCORD)}
    assert str(synced["route"]["default_member_permissions"]) == str(MANAGE_GUILD)
    assert synced["wallet"]["description"] == catalogue.command("wallet").description
    assert None not in world.dc.synced_commands  # no global sync with a dev guild
    discord_health = world.health.get("discord")
    assert discord_health is not None and discord_health.state is State.OK


async def test_every_command_answers(world: World) -> None:
    w = world
    assert w.dc.members  # the fake guild has its members

    def title(message: SentMessage) -> str:
        return str(message.embeds[0]["title"])

    subscribed = await w.slash("subscribe")
    assert subscribed.ephemeral and "Alert settings" in title(subscribed)
    assert "Subscribed: alerts will arrive here." in subscribed.embeds[0]["description"]
    assert title(await w.slash("settings")) == "⚙️ Alert settings"
    changed = await w.slash("settings", setting="min_confidence", value="60%")
    assert "Minimum confidence set to 60%." in changed.embeds[0]["description"]
    quiet = await w.slash("quiet", start="22:30", end="06:00", timezone="America/New_York")
    assert "Quiet hours 22:30-06:00 America/New_York" in visible(quiet.embeds[0]["description"])
    off = await w.slash("quiet", start="off")
    assert "Quiet hours off." in off.embeds[0]["description"]
    assert title(await w.slash("follow", wallet="PPMT")).startswith("✅ Following 0x510f…a43c")
    assert title(await w.slash("unfollow", wallet=WALLET)) == "✅ Stopped following 0x510f…a43c."
    assert title(await w.slash("mute", target=CONDITION)).startswith("✅ Muted market Russia-Ukraine")
    assert title(await w.slash("unmute", target=SLUG)).startswith("✅ Unmuted market")
    wallet = await w.slash("wallet", wallet=WALLET)
    assert title(wallet) == "👛 PPMT" and not wallet.ephemeral
    fields = {f["name"]: f["value"] for f in wallet.embeds[0]["fields"]}
    assert fields["Win rate"] == "62% over 41 resolved" and fields["PnL"] == "+$12,300"
    market = await w.slash("market", market=f"https://polymarket.com/event/what-will-happen-before-gta-vi/{SLUG}")
    assert title(market) == "Russia-Ukraine Ceasefire before GTA VI?"
    assert market.embeds[0]["url"] == "https://polymarket.com/event/what-will-happen-before-gta-vi"
    assert title(await w.slash("stats")) == "📊 polyscan status"
    assert title(await w.slash("alerts")) == "🔔 Your recent alerts"
    help_ = await w.slash("help")
    assert "/route add <what> <channel> [role]" in str(help_.embeds[0]["fields"])
    assert title(await w.slash("help", command="route")) == "📖 /route"
    admin = w.dc.admin_user_id
    channel = w.dc.channel_ids[0]
    role = w.dc.role_ids["alerts"]
    added = await w.slash("route", admin, "add", what="high", channel=channel, role=role)
    assert f"<#{channel}>" in added.embeds[0]["description"] and f"<@&{role}>" in added.embeds[0]["description"]
    listed = await w.slash("route", admin, "list")
    assert "severity ≥ high" in listed.embeds[0]["description"]
    [rule] = await w.repos.channel_rules.for_guild(str(w.dc.guild_id))
    removed = await w.slash("route", admin, "remove", rule=str(rule.id))
    assert f"Rule #{rule.id} removed." in removed.embeds[0]["description"]
    assert title(await w.slash("unsubscribe")) == "✅ Unsubscribed: no more alerts here."
    sub = await w.repos.subscriptions.get(DestinationKind.DISCORD_USER, str(w.dc.member_user_id))
    assert sub is not None and not sub.active and sub.filters.min_confidence == 0.6


@pytest.mark.parametrize(
    ("command", "options", "reply"),
    [
        ("wallet", {"wallet": "0x123"}, "is not a wallet address"),
        ("market", {"market": "https://example.com/event/x"}, "Only polymarket.com links name a market."),
        ("settings", {"setting": "min_size", "value": "a lot"}, "is not a USD amount"),
        ("settings", {"setting": "max_per_hour", "value": "0"}, "max_per_hour takes 1-1000, not 0"),
        ("quiet", {"start": "25:00", "end": "07:00"}, "'25:00' is not a time"),
        ("quiet", {"start": "22:00", "end": "06:00", "timezone": "Nowhere/Land"}, "is not a time zone I know"),
        ("follow", {"wallet": "https://polymarket.com/event/x"}, "is not a Polymarket profile link"),
        ("unfollow", {"wallet": "0xnothex"}, "is not a wallet address"),
        ("mute", {"target": "not a market!"}, "is not a market id, slug, condition id or Polymarket URL."),
        ("unmute", {"target": "unknown-market"}, "No Polymarket market matches"),
        ("alerts", {"count": "99"}, "count takes 1-20, not 99"),
        ("help", {"command": "teleport"}, "There is no /teleport command"),
    ],
)
async def test_a_bad_argument_gets_a_specific_private_reply_and_stores_nothing(
    world: World, command: str, options: dict[str, str], reply: str
) -> None:
    message = await world.slash(command, **options)

    assert message.ephemeral
    assert message.embeds[0]["title"].startswith("⚠️ ") and reply in message.embeds[0]["title"]
    assert await world.repos.subscriptions.get(DestinationKind.DISCORD_USER, str(world.dc.member_user_id)) is None
    if command in ("wallet", "market"):  # deferred publicly: the "thinking" message was removed
        assert world.dc.deleted_message_ids


@pytest.mark.parametrize(
    ("sub", "options", "reply"),
    [
        ("add", {"what": "kind:telepathy"}, "Unknown kind 'telepathy'"),
        ("add", {"what": "severity:huge"}, "'huge' is not a severity"),
        ("add", {"what": "<b>"}, "is not a category name"),
        ("remove", {"rule": "12"}, "There is no rule #12 in this server"),
    ],
)
async def test_route_bad_arguments(world: World, sub: str, options: dict[str, Any], reply: str) -> None:
    if sub == "add":
        options = options | {"channel": world.dc.channel_ids[0]}
    message = await world.slash("route", world.dc.admin_user_id, sub, **options)

    assert message.ephemeral and reply in message.embeds[0]["title"]
    assert await world.repos.channel_rules.all() == []


async def test_route_needs_manage_server(world: World) -> None:
    with pytest.raises(PermissionError):
        await world.dc.invoke_slash("route", subcommand="list", user_id=world.dc.member_user_id)


async def test_routed_channel_gets_the_alert_with_role_mention_and_a_button_works(world: World) -> None:
    w = world
    channel, role = w.dc.channel_ids[0], w.dc.role_ids["alerts"]
    await w.slash("route", w.dc.admin_user_id, "add", what="politics", channel=channel, role=role)
    await w.slash("subscribe")

    high = await w.publish(trade_alert(1))
    notable = await w.publish(trade_alert(2, severity=Severity.NOTABLE))
    messages = await w.dc.wait_for_channel_messages(2, channel_id=channel)
    dm = w.dc.dm_channel_id(w.dc.member_user_id)
    assert dm is not None
    dms = await w.dc.wait_for_channel_messages(2, channel_id=dm)

    first, second = messages
    assert first.content == f"<@&{role}>" and first.allowed_mentions == {"parse": [], "roles": [role]}
    assert first.embeds[0]["title"] == "🐋 $72,400 BUY Yes @ 42¢" and first.embeds[0]["color"] == HIGH_COLOUR
    assert first.custom_ids() == [f"ps:vm:{high.id}", f"ps:vw:{high.id}", f"ps:mm:{high.id}", f"ps:mw:{high.id}"]
    assert second.content == "" and f"alert #{notable.id}" in second.embeds[0]["footer"]["text"]  # no ping
    assert {m.embeds[0]["footer"]["text"] for m in dms} == {m.embeds[0]["footer"]["text"] for m in messages}

    press = await w.dc.press_button(f"ps:vm:{high.id}", message_id=first.message_id, user_id=w.dc.member_user_id)
    view = await w.dc.wait_for_response(press)
    assert view.ephemeral and view.embeds[0]["title"] == "Russia-Ukraine Ceasefire before GTA VI?"
    mute = await w.dc.press_button(f"ps:mw:{high.id}", message_id=first.message_id, user_id=w.dc.member_user_id)
    muted = await w.dc.wait_for_response(mute)
    assert muted.embeds[0]["title"] == "✅ Muted wallet 0x510f…a43c."
    sub = await w.repos.subscriptions.get(DestinationKind.DISCORD_USER, str(w.dc.member_user_id))
    assert sub is not None and sub.filters.mute_wallets == {WALLET}


async def test_a_429_is_waited_out_and_nothing_is_lost(world: World) -> None:
    channel = world.dc.channel_ids[0]
    await world.slash("route", world.dc.admin_user_id, "add", what="info", channel=channel)
    world.dc.rate_limit_next(f"POST /channels/{channel}/messages", retry_after=0.3)

    stored = await world.publish(trade_alert(1))
    [message] = await world.dc.wait_for_channel_messages(1, channel_id=channel)

    attempts = [r for r in world.dc.requests if r.path == f"/channels/{channel}/messages"]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.3
    assert f"alert #{stored.id}" in message.embeds[0]["footer"]["text"]
    [delivery] = await eventually(lambda: _sent(world, stored))
    assert delivery.status is DeliveryStatus.SENT


async def _sent(world: World, alert: Alert) -> list[Any]:
    rows = await world.repos.deliveries.all_for_alert(alert.id or 0)
    return rows if rows and rows[0].status is DeliveryStatus.SENT else []


async def test_a_send_repeated_after_a_crash_shows_once(world: World) -> None:
    """The message reached Discord, then the process died before marking it sent: the restarted
    worker sends it again at once, with the same nonce, and Discord returns the first message."""
    w = world
    channel = w.dc.channel_ids[0]
    await w.slash("route", w.dc.admin_user_id, "add", what="info", channel=channel)
    await w.dispatcher.stop()  # this test runs its own outbox workers, one per "process"
    [notifier] = w.bots.notifiers()
    config = DeliveryConfig.from_settings(w.settings, w.settings, idle_poll=0.05, digest_every=None)

    def outbox(notifiers: list[Any]) -> Dispatcher:
        return Dispatcher(w.repos, w.bus, notifiers, config=config, clock=w.clock)

    stored = await crash_mid_send(outbox, notifier, lambda: w.publish(trade_alert(1)))
    [first] = await w.dc.wait_for_channel_messages(1, channel_id=channel)

    after = outbox([notifier])  # the restart
    await after.start()
    try:
        [delivery] = await eventually(lambda: _sent(world, stored), what="the delivery marked sent")
    finally:
        await after.stop()

    assert [m.message_id for m in w.dc.channel_messages if m.channel_id == channel] == [first.message_id]
    assert w.dc.nonce_repeats == [first.payload["nonce"]] and delivery.status is DeliveryStatus.SENT


async def test_a_channel_without_access_is_dropped_and_the_admin_told(world: World) -> None:
    channel, admin_channel = world.dc.channel_ids
    await world.slash("route", world.dc.admin_user_id, "add", what="info", channel=channel)
    world.dc.forbid_channel(channel)

    stored = await world.publish(trade_alert(1))
    [note] = await world.dc.wait_for_channel_messages(1, channel_id=admin_channel)

    assert f"Stopped delivering to Discord channel {channel}: removed its 1 routing rule(s)" in note.content
    assert "50001" in note.content and note.allowed_mentions == {"parse": []}
    assert await world.repos.channel_rules.all() == []
    [delivery] = await world.repos.deliveries.all_for_alert(stored.id or 0)
    assert delivery.status is DeliveryStatus.DEAD


async def test_global_sync_happens_only_when_the_commands_changed(
    db: str,
    dc: FakeDiscord,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    service = make_service(discord_settings(make_settings, dc), clock)
    syncs: list[str] = []
    for _ in range(2):
        bot = PolyscanDiscordBot(service, dev_guild_id=None, guild_ready_timeout=0.05)
        runner = asyncio.create_task(bot.start(dc.token))
        await wait_until(bot.is_ready, what="ready")
        syncs.append(bot.last_sync)
        await bot.close()
        await runner

    assert syncs == ["global", "unchanged"]
    puts = [r for r in dc.requests if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].path == f"/applications/{dc.application_id}/commands"
    assert {c["name"] for c in dc.synced_commands[None]} == {c.name for c in catalogue.for_platform(Platform.DISCORD)}


async def test_a_refused_login_is_reported_and_retried(
    db: str,
    dc: FakeDiscord,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    settings = discord_settings(make_settings, dc, bot_login_retry_seconds=5)
    service = make_service(settings, clock)
    health = HealthRegistry(clock)
    waits: list[float] = []
    real_token = dc.token

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)
        dc.token = real_token  # the operator fixed the token

    dc.token = "another-token"  # the fake refuses the configured one at first
    bots = ChatBots(settings, health, service, discord_factory=bot_factory(service, dc.guild_id), sleep=no_wait)
    states: list[tuple[str, str]] = []
    health.subscribe(lambda now, _: states.append((now.state.value, now.detail)) if now.name == "discord" else None)
    await bots.start()
    try:
        await wait_until(lambda: bots.discord_client is not None and bots.discord_client.is_ready(), what="login")
    finally:
        await bots.stop()

    assert waits == [5]
    assert ("down", "login refused: check POLYSCAN_DISCORD_TOKEN; retrying in 5s") in states
    assert ("ok", "connected as polyscan-test#0001 in 1 server(s)") in states
    assert all(real_token not in detail for _, detail in states)


async def test_a_failed_command_sync_does_not_keep_the_bot_offline(
    db: str,
    dc: FakeDiscord,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    service = make_service(discord_settings(make_settings, dc), clock)
    bot = PolyscanDiscordBot(service, dev_guild_id=12345, guild_ready_timeout=0.05)  # a guild it is not in
    runner = asyncio.create_task(bot.start(dc.token))
    try:
        await wait_until(bot.is_ready, what="ready")
        assert bot.last_sync == "failed"
    finally:
        await bot.close()
        await runner
    assert dc.synced_commands == {}
