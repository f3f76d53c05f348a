"""End to end: the real python-telegram-bot against FakeTelegram on loopback, the real outbox and
database. Every command, a button, bad arguments, alert delivery, quiet hours, the hourly cap,
flood control, a blocked chat, webhook mode and a restart in the middle of 100 alerts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.admin import ChatAdminNotifier
from bot.bots import ChatBots
from bot.delivery import DeliveryConfig, Dispatcher
from bot.telegram_app import SECRET_HEADER, TelegramBot, build_application
from db.repositories import Repositories
from scanner_core.bus import AlertBus
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Alert, DeliveryStatus, DestinationKind
from tests.bots.support import CONDITION, SLUG, WALLET, crash_mid_send, eventually, trade_alert, wait_until
from tests.conftest import FakeClock, free_port
from tests.fakes.telegram import FakeTelegram, html_to_text

CHAT = 42
ADMIN_CHAT = 999
FOOTER_ID = re.compile(r"alert #(\d+)")


@dataclass
class World:
    tg: FakeTelegram
    settings: Settings
    service: CommandService
    repos: Repositories
    clock: FakeClock
    health: HealthRegistry
    bus: AlertBus
    bots: ChatBots
    dispatcher: Dispatcher
    last_html: str = ""

    async def command(self, text: str, chat: int = CHAT) -> str:
        before = len(self.tg.messages_to(chat))
        self.tg.push_command(chat, text)
        messages = await self.tg.wait_for_messages(before + 1, chat_id=chat)
        self.last_html = messages[before]["text"]
        return html_to_text(self.last_html)

    async def publish(self, alert: Alert) -> Alert:
        stored, created = await self.repos.alerts.save_alert(alert)
        assert created
        self.bus.publish(stored)
        return stored


def telegram_settings(make_settings: Callable[..., Settings], tg: FakeTelegram, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_token": tg.token,
        "telegram_api_url": tg.base_url,
        "telegram_file_url": tg.base_file_url,
        "telegram_admin_chat_id": ADMIN_CHAT,
        "telegram_rate_per_second": 500,
    }
    return make_settings(**(values | overrides))


def build_world(
    tg: FakeTelegram,
    settings: Settings,
    service: CommandService,
    repos: Repositories,
    clock: FakeClock,
    bus: AlertBus,
    health: HealthRegistry,
) -> World:
    def telegram_factory(on_state: Callable[[State, str], None]) -> TelegramBot:
        return TelegramBot(build_application(settings, service), settings, on_state=on_state, poll_timeout=1)

    bots = ChatBots(settings, health, service, telegram_factory=telegram_factory)
    notifiers = bots.notifiers()
    config = DeliveryConfig.from_settings(settings, settings, idle_poll=0.05, digest_every=None, backoff_base=0.05)
    admin = ChatAdminNotifier.from_settings(settings, notifiers)
    dispatcher = Dispatcher(repos, bus, notifiers, config=config, clock=clock, health=health, admin=admin)
    service.on_change = dispatcher.invalidate_routing
    return World(tg, settings, service, repos, clock, health, bus, bots, dispatcher)


async def start(world: World) -> None:
    await world.bots.start()
    await wait_until(lambda: world.bots.telegram_bot is not None, what="telegram login")
    await world.dispatcher.start()


async def stop(world: World) -> None:
    await world.dispatcher.stop()
    await world.bots.stop()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="123:ABC") as fake:
        yield fake
        assert fake.unknown_methods == []


@pytest.fixture
async def world(
    db: str,
    tg: FakeTelegram,
    clock: FakeClock,
    repos: Repositories,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> AsyncIterator[World]:
    settings = telegram_settings(make_settings, tg)
    w = build_world(tg, settings, make_service(settings, clock), repos, clock, AlertBus(), HealthRegistry(clock))
    await start(w)
    try:
        yield w
    finally:
        await stop(w)


async def test_login_publishes_the_catalogue_commands_and_reports_health(world: World) -> None:
    names = [c["command"] for c in world.tg.commands]
    assert names == [
        "wallet",
        "market",
        "stats",
        "subscribe",
        "unsubscribe",
        "settings",
        "quiet",
        "follow",
        "unfollow",
        "mute",
        "unmute",
        "alerts",
        "help",
        "start",
        "webhook",
    ]
    telegram = world.health.get("telegram")
    assert telegram is not None and telegram.state is State.OK and "polling" in telegram.detail
    assert "123:ABC" not in telegram.detail


async def test_every_command_answers(world: World) -> None:
    w = world
    assert "/wallet" in await w.command("/start")
    help_text = await w.command("/help")
    assert "/quiet [start] [end] [timezone]" in help_text and "/route" not in help_text
    assert "📖 /quiet" in await w.command("/help quiet")
    assert "Subscribed: alerts will arrive here." in await w.command("/subscribe")
    shown = await w.command("/settings")
    assert "Alert settings" in shown and "Subscribed ✅" in shown
    assert "Minimum size set to $25,000." in await w.command("/settings min_size 25k")
    assert "Alert kinds set to trade, wallet_target." in await w.command("/settings kinds trade,wallet_target")
    quiet = await w.command("/quiet 23:00 07:00 Europe/Berlin")
    assert "Quiet hours 23:00-07:00 Europe/Berlin" in quiet
    assert "Quiet hours: 23:00-07:00 Europe/Berlin" in await w.command("/quiet")
    assert "Quiet hours off." in await w.command("/quiet off")
    assert "Following 0x510f…a43c" in await w.command("/follow PPMT")
    assert "Stopped following 0x510f…a43c." in await w.command(f"/unfollow {WALLET}")
    assert "Muted market Russia-Ukraine Ceasefire before GTA VI?" in await w.command(f"/mute {SLUG}")
    url = f"https://polymarket.com/event/what-will-happen-before-gta-vi/{SLUG}"
    assert "Unmuted market" in await w.command(f"/unmute {url}")
    wallet = await w.command("/wallet PPMT")
    assert "👛 PPMT" in wallet and "Win rate: 62% over 41 resolved" in wallet
    assert f'<a href="https://polygonscan.com/address/{WALLET}">Polygonscan</a>' in w.last_html
    market = await w.command(f"/market {url}")
    assert "Russia-Ukraine Ceasefire before GTA VI?" in market and "Yes 52.5¢ · No 47.5¢" in market
    assert "1¢ (52¢ / 53¢)" in market
    stats = await w.command("/stats")
    assert "polyscan status" in stats and "connected · last trade 3s ago · 2 reconnects" in stats
    assert "Your recent alerts" in await w.command("/alerts")
    assert "Unsubscribed: no more alerts here." in await w.command("/unsubscribe")
    sub = await w.repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, str(CHAT))
    assert sub is not None and not sub.active and sub.filters.min_usd == 25000


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("/wallet 0x123", "is not a wallet address: it needs 0x followed by 40 hex digits"),
        ("/market what is this!", "'what is this!' is not a market id, slug, condition id or Polymarket URL."),
        ("/market no-such-market", "No Polymarket market matches"),
        ("/stats now", "/stats takes no arguments"),
        ("/subscribe everything", "/subscribe takes no arguments"),
        ("/unsubscribe me", "/unsubscribe takes no arguments"),
        ("/settings min_size lots", "is not a USD amount"),
        ("/settings colour red", "is not a setting: choose one of min_size"),
        ("/quiet 25:00 07:00", "'25:00' is not a time: hours go 00-23"),
        ("/quiet 23:00 07:00 Mars/Olympus", "is not a time zone I know"),
        ("/follow nobody_here", "No Polymarket user named"),
        ("/unfollow 0xzz", "is not a wallet address"),
        ("/mute 0x12", "is not a wallet address"),
        ("/unmute ???", "'???' is not a market id, slug, condition id or Polymarket URL."),
        ("/alerts lots", "is not a whole number: count takes 1-20"),
        ("/help nosuch", "There is no /nosuch command"),
        ("/start again", "/start takes no arguments"),
    ],
)
async def test_a_bad_argument_gets_a_specific_reply_and_stores_nothing(world: World, command: str, reply: str) -> None:
    text = await world.command(command)

    assert text.startswith("⚠️ ") and reply in text
    assert await world.repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, str(CHAT)) is None


async def test_subscribed_chat_receives_the_alert_and_a_button_works(world: World) -> None:
    await world.command("/subscribe")

    stored = await world.publish(trade_alert(1))
    [_, alert] = await world.tg.wait_for_messages(2, chat_id=CHAT)

    assert alert["text"].startswith("<b>🐋 $72,400 BUY Yes @ 42¢</b>")
    assert f"alert #{stored.id}" in alert["text"] and alert["parse_mode"] == "HTML"
    assert alert["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "View market", "callback_data": f"ps:vm:{stored.id}"},
                {"text": "View wallet", "callback_data": f"ps:vw:{stored.id}"},
            ],
            [
                {"text": "Mute market", "callback_data": f"ps:mm:{stored.id}"},
                {"text": "Mute wallet", "callback_data": f"ps:mw:{stored.id}"},
            ],
        ]
    }
    world.tg.push_callback(CHAT, f"ps:vw:{stored.id}")
    [_, _, profile] = await world.tg.wait_for_messages(3, chat_id=CHAT)
    assert "👛 PPMT" in profile["text"] and profile["reply_markup"] is None
    world.tg.push_callback(CHAT, f"ps:mm:{stored.id}")
    answers = await world.tg.wait_for_callback_answers(2)
    assert answers[1]["text"] == "Muted market Russia-Ukraine Ceasefire before GTA VI?."
    sub = await world.repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, str(CHAT))
    assert sub is not None and sub.filters.mute_markets == {CONDITION}
    [delivery] = await world.repos.deliveries.all_for_alert(stored.id or 0)
    assert delivery.status is DeliveryStatus.SENT


async def test_quiet_hours_hold_the_alert_and_the_digest_arrives_after_them(world: World) -> None:
    await world.command("/subscribe")
    await world.command("/quiet 11:00 13:00 UTC")  # the clock says 12:00 UTC

    stored = await world.publish(trade_alert(1))
    [held] = await eventually(lambda: world.repos.deliveries.all_for_alert(stored.id or 0))
    assert held.status is DeliveryStatus.HELD
    assert await world.dispatcher.deliver_due_digests() == 0  # still quiet

    world.clock.advance(hours=1, minutes=1)
    assert await world.dispatcher.deliver_due_digests() == 1
    messages = await world.tg.wait_for_messages(3, chat_id=CHAT)

    digest = messages[2]["text"]
    assert digest.startswith("<b>🌙 Quiet hours are over: 1 alert while you were away</b>")
    assert "🐋 $72,400 BUY Yes @ 42¢" in digest
    await wait_until(lambda: not world.dispatcher.senders[held.destination_kind.platform].digests_in_flight)
    [done] = await world.repos.deliveries.all_for_alert(stored.id or 0)
    assert done.status is DeliveryStatus.DIGESTED


async def test_the_hourly_cap_turns_the_rest_into_a_digest(world: World) -> None:
    await world.command("/subscribe")
    await world.command("/settings max_per_hour 2")

    alerts = [await world.publish(trade_alert(i)) for i in range(1, 5)]
    await world.tg.wait_for_messages(2 + 2, chat_id=CHAT)
    # every delivery settled (two marked sent, two held): nothing is left that could still go out
    settled = [[DeliveryStatus.SENT]] * 2 + [[DeliveryStatus.HELD]] * 2
    await eventually(lambda: _statuses_are(world, alerts, settled), what="the deliveries settled")
    assert len(world.tg.messages_to(CHAT)) == 4  # two replies, two alerts: the cap holds the rest

    world.clock.advance(minutes=61)
    assert await world.dispatcher.deliver_due_digests() == 1
    messages = await world.tg.wait_for_messages(5, chat_id=CHAT)
    assert messages[4]["text"].startswith("<b>⏸ 2 alerts held back by your hourly limit</b>")


async def _statuses_are(world: World, alerts: list[Alert], expected: list[list[DeliveryStatus]]) -> bool:
    found = [[d.status for d in await world.repos.deliveries.all_for_alert(a.id or 0)] for a in alerts]
    return found == expected


async def test_a_message_in_flight_at_a_crash_arrives_at_most_twice(world: World) -> None:
    """The Bot API has no idempotency key: the message that was on the wire when the process died
    is sent once more after the restart (at once, not after the lease), and only that one."""
    await world.command("/subscribe")
    await world.dispatcher.stop()  # this test runs its own outbox workers, one per "process"
    [notifier] = world.bots.notifiers()
    config = DeliveryConfig.from_settings(world.settings, world.settings, idle_poll=0.05, digest_every=None)

    def outbox(notifiers: list[Any]) -> Dispatcher:
        return Dispatcher(world.repos, world.bus, notifiers, config=config, clock=world.clock)

    in_flight = await crash_mid_send(outbox, notifier, lambda: world.publish(trade_alert(1)))
    waiting = await world.publish(trade_alert(2))  # stored while the process is down

    after = outbox([notifier])  # the restart
    await after.start()
    try:
        sent = [[DeliveryStatus.SENT]] * 2
        await eventually(lambda: _statuses_are(world, [in_flight, waiting], sent), what="both marked sent")
    finally:
        await after.stop()

    ids = [int(m.group(1)) for msg in world.tg.messages_to(CHAT) if (m := FOOTER_ID.search(msg["text"]))]
    assert sorted(ids) == [in_flight.id, in_flight.id, waiting.id]


async def test_flood_control_is_waited_out_and_nothing_is_lost(world: World) -> None:
    await world.command("/subscribe")
    world.tg.fail_next("sendMessage", 1, error_code=429, retry_after=1)

    await world.publish(trade_alert(1))
    [_, alert] = await world.tg.wait_for_messages(2, chat_id=CHAT, timeout=5)

    sends = world.tg.calls("sendMessage")
    assert [c.error_code for c in sends[-2:]] == [429, None]
    assert sends[-1].at - sends[-2].at >= 1.0
    assert "🐋 $72,400 BUY Yes @ 42¢" in alert["text"]


async def test_blocked_chat_is_marked_dead_and_the_admin_is_told(world: World) -> None:
    await world.command("/subscribe")
    world.tg.block_chat(CHAT)

    stored = await world.publish(trade_alert(1))
    [note] = await world.tg.wait_for_messages(1, chat_id=ADMIN_CHAT)

    assert "Stopped delivering to telegram_chat 42" in note["text"] and "blocked" in note["text"]
    [delivery] = await world.repos.deliveries.all_for_alert(stored.id or 0)
    assert delivery.status is DeliveryStatus.DEAD
    sub = await world.repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, str(CHAT))
    assert sub is not None and not sub.active


async def test_restart_in_the_middle_of_100_alerts_delivers_each_exactly_once(
    db: str,
    tg: FakeTelegram,
    clock: FakeClock,
    repos: Repositories,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    settings = telegram_settings(make_settings, tg, telegram_rate_per_second=150)
    service = make_service(settings, clock)
    bus = AlertBus()
    first = build_world(tg, settings, service, repos, clock, bus, HealthRegistry(clock))
    await start(first)
    await first.command("/subscribe")
    await first.command("/settings max_per_hour 1000")
    alerts = [await first.publish(trade_alert(i, at=clock.now)) for i in range(1, 101)]

    await wait_until(lambda: len(tg.messages_to(CHAT)) >= 30, what="30 alerts before the restart")
    await stop(first)
    delivered_before = len(tg.messages_to(CHAT)) - 2
    assert 28 <= delivered_before < 100, "the restart must come in the middle"

    second = build_world(tg, settings, service, repos, clock, bus, HealthRegistry(clock))
    await start(second)
    try:
        await tg.wait_for_messages(102, chat_id=CHAT, timeout=10)
        # every delivery marked sent: nothing is pending that could still go out (a repeat included)
        await eventually(lambda: _all_sent(repos, 100), timeout=10, what="100 deliveries marked sent")
    finally:
        await stop(second)

    ids = [int(m.group(1)) for msg in tg.messages_to(CHAT) if (m := FOOTER_ID.search(msg["text"]))]
    assert sorted(ids) == sorted(a.id for a in alerts if a.id is not None)
    counts = await repos.deliveries.counts()
    assert counts == {("telegram", "sent"): 100}


async def _all_sent(repos: Repositories, n: int) -> bool:
    return await repos.deliveries.counts() == {("telegram", "sent"): n}


async def test_webhook_mode_receives_updates_with_the_secret(
    db: str,
    tg: FakeTelegram,
    clock: FakeClock,
    repos: Repositories,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    port = free_port()
    settings = telegram_settings(
        make_settings,
        tg,
        telegram_webhook_url="https://bot.example.org/tg/hook",
        telegram_webhook_secret="s3cret-token",
        telegram_webhook_port=port,
    )
    service = make_service(settings, clock)
    bot = TelegramBot(build_application(settings, service), settings)
    await bot.start()
    try:
        assert tg.webhook_url == "https://bot.example.org/tg/hook"
        [set_webhook] = tg.calls("setWebhook")
        assert set_webhook.params["secret_token"] == "s3cret-token"
        update = tg.push_command(CHAT, "/help")
        url = f"http://127.0.0.1:{port}/tg/hook"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as denied:
                assert denied.status == 403
            async with http.post(url, json=update, headers={SECRET_HEADER: "s3cret-token"}) as accepted:
                assert accepted.status == 200
        [reply] = await tg.wait_for_messages(1, chat_id=CHAT)
        assert "📖 polyscan" in reply["text"]
        assert tg.calls("getUpdates") == []
    finally:
        await bot.stop()


async def test_a_refused_login_is_reported_and_retried(
    db: str,
    tg: FakeTelegram,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    settings = telegram_settings(make_settings, tg, bot_login_retry_seconds=7)
    service = make_service(settings, clock)
    health = HealthRegistry(clock)
    waits: list[float] = []
    tokens = iter(["123:WRONG", tg.token])

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    def factory(on_state: Callable[[State, str], None]) -> TelegramBot:
        return TelegramBot(build_application(settings, service, token=next(tokens)), settings, on_state=on_state)

    bots = ChatBots(settings, health, service, telegram_factory=factory, sleep=no_wait)
    states: list[tuple[str, str]] = []
    health.subscribe(lambda now, _: states.append((now.state.value, now.detail)) if now.name == "telegram" else None)
    await bots.start()
    try:
        await wait_until(lambda: bots.telegram_bot is not None, what="second login")
    finally:
        await bots.stop()

    assert waits == [7]
    assert ("down", "login refused: check POLYSCAN_TELEGRAM_TOKEN; retrying in 7s") in states
    assert states[-1][0] == "ok"
    assert all("WRONG" not in detail and "ABC" not in detail for _, detail in states)
    assert bots.login_attempts["telegram"] == 2


async def test_a_refused_command_menu_does_not_stop_the_bot(
    db: str,
    tg: FakeTelegram,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    settings = telegram_settings(make_settings, tg)
    tg.fail_next("setMyCommands", 1, error_code=400, description="Bad Request: BOT_COMMANDS_TOO_MUCH")
    bot = TelegramBot(build_application(settings, make_service(settings, clock)), settings, poll_timeout=1)
    await bot.start()
    try:
        tg.push_command(CHAT, "/help")
        [reply] = await tg.wait_for_messages(1, chat_id=CHAT)
    finally:
        await bot.stop()
    assert "📖 polyscan" in reply["text"] and tg.commands == []
