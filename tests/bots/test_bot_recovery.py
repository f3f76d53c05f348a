"""Bots that come back: the real python-telegram-bot polling the fake Bot API through 401, 409,
dropped connections and the fake going away; the Discord supervisor outliving a failing build; the
admin chat told when a bot stays down (through Discord when Telegram is the one down), once, and
told again when it is back."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from structlog.testing import capture_logs

from bot.admin import ChatAdminNotifier
from bot.bots import ChatBots
from bot.discord_app import PolyscanDiscordBot
from bot.telegram_app import TelegramBot, build_application
from bot.telegram_polling import Backoff
from bot.web import WebServer
from scanner_core.alerter import SystemAlerter, Thresholds
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.monitoring import Monitor
from tests.bots.support import wait_until
from tests.bots.test_e2e_telegram import ADMIN_CHAT, telegram_settings
from tests.conftest import FakeClock
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import DROPPED, FakeTelegram

CHAT = 42
FAST_RETRY = {"bot_retry_min_seconds": 0.05, "bot_retry_max_seconds": 0.2}


@dataclass
class TelegramWorld:
    tg: FakeTelegram
    bots: ChatBots
    health: HealthRegistry
    states: list[tuple[State, str]]

    @property
    def telegram(self) -> tuple[State, str]:
        current = self.health.get("telegram")
        assert current is not None
        return current.state, current.detail

    async def answered(self, text: str = "/help", chat: int = CHAT) -> str:
        before = len(self.tg.messages_to(chat))
        self.tg.push_command(chat, text)
        messages = await self.tg.wait_for_messages(before + 1, chat_id=chat, timeout=5)
        return messages[before]["text"]


def fast_settings(make_settings: Callable[..., Settings], tg: FakeTelegram, **overrides: object) -> Settings:
    """The e2e Telegram settings, with retries quick enough for a test."""
    return telegram_settings(make_settings, tg, **(FAST_RETRY | overrides))


def bot_monitor(health: HealthRegistry, clock: FakeClock) -> Monitor:
    """Health checks over the bots alone (the database and the rest are healthy)."""
    return Monitor(
        health,
        db_ping=lambda: asyncio.sleep(0),
        cache=None,
        feed=None,
        max_trade_age_seconds=600,
        started_at=clock.now,
        clock=clock,
        memory=lambda: 1,
    )


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
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> AsyncIterator[TelegramWorld]:
    settings = fast_settings(make_settings, tg)
    service = make_service(settings, clock)
    health = HealthRegistry(clock)
    states: list[tuple[State, str]] = []
    health.subscribe(lambda now, _: states.append((now.state, now.detail)) if now.name == "telegram" else None)

    def factory(on_state: Callable[[State, str], None]) -> TelegramBot:
        return TelegramBot(build_application(settings, service), settings, on_state=on_state, poll_timeout=1)

    bots = ChatBots(settings, health, service, telegram_factory=factory)
    await bots.start()
    await wait_until(lambda: bots.telegram_bot is not None, what="telegram login")
    try:
        yield TelegramWorld(tg, bots, health, states)
    finally:
        await bots.stop()


def failed_polls(tg: FakeTelegram, code: int) -> int:
    return sum(1 for c in tg.calls("getUpdates") if c.error_code == code)


@pytest.mark.parametrize(
    ("code", "state", "words"),
    [
        (401, State.DOWN, "401 Unauthorized: the token was refused"),
        (409, State.DEGRADED, "409 Conflict: another process polls with this token"),
        (DROPPED, State.DEGRADED, "network error"),
    ],
    ids=["401", "409", "dropped"],
)
async def test_polling_comes_back_after_a_fault_and_answers_the_next_command(
    world: TelegramWorld, code: int, state: State, words: str
) -> None:
    assert "📖 polyscan" in await world.answered()
    if code == DROPPED:
        world.tg.drop_next("getUpdates", 3)
    else:
        world.tg.fail_next("getUpdates", 3, error_code=code)

    await world.tg.wait_until(lambda: failed_polls(world.tg, code) >= 3, what="3 failed polls")
    # health said what was wrong while it was wrong
    assert any(s is state and words in detail and "retrying in" in detail for s, detail in world.states), world.states
    # and says OK again once a poll succeeds, before any command arrives (an idle bot is fine)
    await wait_until(lambda: world.telegram[0] is State.OK, what="telegram ok again")
    assert "polling" in world.telegram[1]

    assert "📖 polyscan" in await world.answered()
    assert all("123:ABC" not in detail for _, detail in world.states)


async def test_polling_comes_back_after_the_bot_api_went_away(world: TelegramWorld) -> None:
    assert "📖 polyscan" in await world.answered()
    await world.tg.stop()

    await wait_until(lambda: world.telegram[0] is not State.OK, what="telegram not ok")
    state, detail = world.telegram
    assert state is State.DEGRADED and "network error" in detail and "retrying in" in detail

    await world.tg.start()  # the same port again
    await wait_until(lambda: world.telegram[0] is State.OK, what="telegram ok again")
    assert "📖 polyscan" in await world.answered()


async def test_the_health_page_shows_the_real_polling_state(world: TelegramWorld, clock: FakeClock) -> None:
    """Found: after a 401 had ended polling for good, /health still said telegram "ok"."""
    web = WebServer(world.health, host="127.0.0.1", port=0, started_at=clock.now, clock=clock)
    await web.start()
    try:
        async with aiohttp.ClientSession() as http:

            async def health() -> dict[str, Any]:
                async with http.get(f"http://127.0.0.1:{web.bound_port}/health") as response:
                    return dict(await response.json())

            assert (await health())["components"]["telegram"]["state"] == "ok"
            world.tg.fail_next("getUpdates", 10_000, error_code=401)
            await wait_until(lambda: world.telegram[0] is State.DOWN, what="telegram down")
            down = await health()
            assert down["status"] == "degraded" and down["components"]["telegram"]["state"] == "down"
            assert "401 Unauthorized" in down["components"]["telegram"]["detail"]

            world.tg.clear_faults()
            await wait_until(lambda: world.telegram[0] is State.OK, what="telegram ok again")
            back = await health()
            assert back["status"] == "ok" and back["components"]["telegram"]["detail"].startswith("polling as @")
    finally:
        await web.stop()


async def test_a_command_queued_during_the_outage_is_answered_once_after_it(world: TelegramWorld) -> None:
    world.tg.fail_next("getUpdates", 4, error_code=401)
    await world.tg.wait_until(lambda: failed_polls(world.tg, 401) >= 1, what="a refused poll")
    world.tg.push_command(CHAT, "/stats")

    [reply] = await world.tg.wait_for_messages(1, chat_id=CHAT, timeout=5)
    assert "polyscan status" in reply["text"]
    await world.tg.wait_until(lambda: len(world.tg.calls("getUpdates")) >= failed_polls(world.tg, 401) + 3)
    assert len(world.tg.messages_to(CHAT)) == 1  # confirmed: not fetched and answered again


def test_backoff_doubles_up_to_its_cap_with_jitter_inside_bounds() -> None:
    backoff = Backoff(minimum=1.0, maximum=60.0, jitter=0.5, rng=random.Random(7))
    ceilings = [1, 2, 4, 8, 16, 32, 60, 60, 60]

    delays = [backoff.delay(failures) for failures in range(1, 10)]

    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling * 0.5 <= delay <= ceiling
    assert len({round(d, 6) for d in delays[-3:]}) == 3  # jittered, not the same wait each time
    assert Backoff(minimum=1.0, maximum=60.0, jitter=0.0).delay(3) == 4.0


# ---------------------------------------------------------------- Discord


async def test_the_discord_supervisor_survives_a_bot_that_cannot_be_built(
    db: str,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    async with FakeDiscord() as dc:
        settings = make_settings(discord_token=dc.token, discord_dev_guild_id=dc.guild_id, **FAST_RETRY)
        service = make_service(settings, clock)
        health = HealthRegistry(clock)
        builds = {"n": 0}

        def factory(on_state: Callable[[State, str], None]) -> PolyscanDiscordBot:
            builds["n"] += 1
            if builds["n"] == 1:
                raise RuntimeError("the first build fails")
            return PolyscanDiscordBot(service, dev_guild_id=dc.guild_id, on_state=on_state, guild_ready_timeout=0.05)

        waits: list[float] = []

        async def no_wait(seconds: float) -> None:
            waits.append(seconds)

        bots = ChatBots(settings, health, service, discord_factory=factory, sleep=no_wait)
        await bots.start()
        try:
            await wait_until(lambda: bots.discord_client is not None and bots.discord_client.is_ready(), what="login")
        finally:
            await bots.stop()
    assert builds["n"] == 2 and len(waits) == 1


# ---------------------------------------------------------------- the admin chat


async def test_the_admin_chat_hears_once_when_telegram_stays_down_and_again_when_it_is_back(
    db: str,
    tg: FakeTelegram,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    """Telegram's token is refused everywhere (so its admin chat is out of reach too): the Discord
    admin channel hears it once after alert_bot_down_seconds, and both hear the recovery."""
    async with FakeDiscord() as dc:
        admin_channel = dc.channel_ids[1]
        settings = fast_settings(
            make_settings,
            tg,
            discord_token=dc.token,
            discord_dev_guild_id=dc.guild_id,
            discord_admin_channel_id=admin_channel,
            alert_bot_down_seconds=120,
        )
        service = make_service(settings, clock)
        health = HealthRegistry(clock)

        def telegram_factory(on_state: Callable[[State, str], None]) -> TelegramBot:
            return TelegramBot(build_application(settings, service), settings, on_state=on_state, poll_timeout=1)

        def discord_factory(on_state: Callable[[State, str], None]) -> PolyscanDiscordBot:
            return PolyscanDiscordBot(service, dev_guild_id=dc.guild_id, on_state=on_state, guild_ready_timeout=0.05)

        bots = ChatBots(settings, health, service, telegram_factory=telegram_factory, discord_factory=discord_factory)
        admin = ChatAdminNotifier.from_settings(settings, bots.notifiers())
        monitor = bot_monitor(health, clock)
        alerter = SystemAlerter(
            Thresholds.from_settings(settings), observe=monitor.observe, notifier=admin, clock=clock
        )
        await bots.start()
        try:
            await wait_until(lambda: all(n.ready for n in bots.notifiers()), what="both bots up")
            await wait_until(lambda: health.get("discord") is not None and health.get("discord").state is State.OK)  # type: ignore[union-attr]
            assert await alerter.check() == []

            tg.fail_next("getUpdates", 10_000, error_code=401)
            tg.fail_next("sendMessage", 10_000, error_code=401)
            await wait_until(lambda: health.get("telegram").state is State.DOWN, what="telegram down")  # type: ignore[union-attr]
            assert await alerter.check() == []  # not yet: it has not lasted
            clock.advance(seconds=60)
            assert await alerter.check() == []
            clock.advance(seconds=61)
            with capture_logs() as logs:
                [fired] = await alerter.check()
            clock.advance(seconds=30)
            assert await alerter.check() == []  # once
            [message] = await dc.wait_for_channel_messages(1, admin_channel)
            assert "Telegram bot" in message.content and "401" in message.content
            assert fired.severity.value == "error"
            assert not bots.notifiers()[0].ready  # the token is refused: Telegram is not even tried
            assert not [e for e in logs if e["event"] == "admin_send_failed"]
            assert tg.messages_to(ADMIN_CHAT) == []

            tg.clear_faults()
            await wait_until(lambda: health.get("telegram").state is State.OK, what="telegram back")  # type: ignore[union-attr]
            clock.advance(seconds=30)
            [recovered] = await alerter.check()
            assert recovered.recovered
            [_, back] = await dc.wait_for_channel_messages(2, admin_channel)
            assert "Recovered" in back.content and "Telegram bot" in back.content
            [note] = await tg.wait_for_messages(1, chat_id=ADMIN_CHAT)
            assert "Recovered" in note["text"]
        finally:
            await bots.stop()


async def test_with_no_reachable_admin_chat_the_log_still_hears(
    db: str,
    tg: FakeTelegram,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> None:
    settings = fast_settings(make_settings, tg, alert_bot_down_seconds=60)
    service = make_service(settings, clock)
    health = HealthRegistry(clock)

    def factory(on_state: Callable[[State, str], None]) -> TelegramBot:
        return TelegramBot(build_application(settings, service), settings, on_state=on_state, poll_timeout=1)

    bots = ChatBots(settings, health, service, telegram_factory=factory)
    admin = ChatAdminNotifier.from_settings(settings, bots.notifiers())
    monitor = bot_monitor(health, clock)
    alerter = SystemAlerter(Thresholds.from_settings(settings), observe=monitor.observe, notifier=admin, clock=clock)
    await bots.start()
    try:
        await wait_until(lambda: bots.telegram_bot is not None, what="telegram login")
        tg.fail_next("getUpdates", 10_000, error_code=401)
        tg.fail_next("sendMessage", 10_000, error_code=401)
        await wait_until(lambda: health.get("telegram").state is State.DOWN, what="telegram down")  # type: ignore[union-attr]
        await alerter.check()
        clock.advance(seconds=61)
        with capture_logs() as logs:
            [fired] = await alerter.check()
    finally:
        await bots.stop()
    logged = [e for e in logs if e["event"] == "admin_alert"]
    assert len(logged) == 1 and logged[0]["delivered_to"] == "log only"
    assert "Telegram bot" in logged[0]["text"] and fired.subject == "telegram"
