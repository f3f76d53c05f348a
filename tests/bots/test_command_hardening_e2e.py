"""Unknown commands and refused admin attempts end to end: the real python-telegram-bot and discord.py
against the fakes on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from bot.discord_app import PolyscanDiscordBot
from bot.telegram_app import TelegramBot, build_application
from db.repositories import Repositories
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.models import DestinationKind
from tests.bots.support import wait_until
from tests.conftest import FakeClock
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import FakeTelegram, html_to_text

CHAT = 42
GROUP = -100777
MEMBER = 501
GROUP_ADMIN = 502
BOT_NAME = "polyscan_test_bot"


def refused(platform: str, command: str) -> float:
    return REGISTRY.get_sample_value("scanner_admin_refused_total", {"platform": platform, "command": command}) or 0.0


# ---------------------------------------------------------------- Telegram


@dataclass
class Telegram:
    tg: FakeTelegram
    bot: TelegramBot

    async def reply_to(self, text: str, chat: int = CHAT, **kwargs: object) -> str:
        before = len(self.tg.messages_to(chat))
        self.tg.push_command(chat, text, **kwargs)  # type: ignore[arg-type]
        messages = await self.tg.wait_for_messages(before + 1, chat_id=chat)
        return html_to_text(messages[before]["text"])


@pytest.fixture
async def telegram(
    db: str,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> AsyncIterator[Telegram]:
    async with FakeTelegram(token="123:ABC", bot_username=BOT_NAME) as tg:
        settings = make_settings(
            telegram_token=tg.token, telegram_api_url=tg.base_url, telegram_file_url=tg.base_file_url
        )
        bot = TelegramBot(build_application(settings, make_service(settings, clock)), settings, poll_timeout=1)
        await bot.start()
        try:
            yield Telegram(tg, bot)
        finally:
            await bot.stop()
        assert tg.unknown_methods == []


async def test_an_unknown_command_gets_a_short_help_reply(telegram: Telegram) -> None:
    """Found: unknown commands got no reply at all."""
    assert await telegram.reply_to("/frobnicate") == "⚠️ There is no /frobnicate command. /help lists them all."
    long = await telegram.reply_to("/" + "x" * 30 + " and some arguments " * 50)
    assert long.startswith("⚠️ There is no /xxx") and len(long) < 120
    assert "There is no /route command" in await telegram.reply_to("/route add high")  # Discord only


async def test_in_a_group_only_commands_addressed_to_the_bot_get_the_help_reply(telegram: Telegram) -> None:
    tg = telegram.tg
    group = {"chat_type": "supergroup", "user_id": MEMBER}
    for text in ("/frobnicate", "/frobnicate@other_bot", "/help@other_bot", "/settings@other_bot min_size 1"):
        tg.push_command(GROUP, text, **group)  # type: ignore[arg-type]
    # the positive signal that all of the above were handled: updates are handled in order
    first = await telegram.reply_to(f"/frobnicate@{BOT_NAME}", GROUP, **group)
    assert first == "⚠️ There is no /frobnicate command. /help lists them all."
    assert len(tg.messages_to(GROUP)) == 1

    bot_message = tg.messages_to(GROUP)[0]["message_id"]
    answer = await telegram.reply_to("/whatnow", GROUP, reply_to=bot_message, **group)
    assert answer == "⚠️ There is no /whatnow command. /help lists them all."
    assert "📖 polyscan" in await telegram.reply_to(f"/HELP@{BOT_NAME.upper()}", GROUP, **group)


async def test_a_group_member_changing_the_groups_alerts_is_refused_logged_and_counted(
    telegram: Telegram, repos: Repositories
) -> None:
    tg = telegram.tg
    tg.set_chat_admin(GROUP, GROUP_ADMIN)
    before = refused("telegram", "subscribe")

    with capture_logs() as logs:
        text = await telegram.reply_to("/subscribe", GROUP, chat_type="supergroup", user_id=MEMBER)

    assert text == "⚠️ Only this group's admins can change its alerts."
    assert refused("telegram", "subscribe") == before + 1
    [entry] = [e for e in logs if e["event"] == "admin_refused"]
    assert (entry["user_id"], entry["chat_id"], entry["command"]) == (str(MEMBER), str(GROUP), "subscribe")
    assert await repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, str(GROUP)) is None

    ok = await telegram.reply_to("/subscribe", GROUP, chat_type="supergroup", user_id=GROUP_ADMIN)
    assert ok.startswith("⚙️ Alert settings") and refused("telegram", "subscribe") == before + 1


# ---------------------------------------------------------------- Discord


@pytest.fixture
async def discord(
    db: str,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    make_service: Callable[[Settings, FakeClock], CommandService],
) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as dc:
        service = make_service(make_settings(discord_token=dc.token), clock)
        bot = PolyscanDiscordBot(service, dev_guild_id=dc.guild_id, guild_ready_timeout=0.05)
        runner = asyncio.create_task(bot.start(dc.token))
        try:
            await wait_until(bot.is_ready, what="discord ready")
            yield dc
        finally:
            await bot.close()
            await runner
        assert dc.unknown_routes == []


async def test_an_unknown_button_gets_a_private_short_reply(discord: FakeDiscord) -> None:
    with capture_logs() as logs:
        press = await discord.press_unknown_button("legacy:view:12", user_id=discord.member_user_id)
        reply = await discord.wait_for_response(press)
    assert reply.ephemeral
    assert reply.embeds[0]["title"] == "⚠️ That button is not one of mine."
    assert not [e for e in logs if e.get("log_level") == "error"]


async def test_an_unknown_slash_command_gets_a_short_help_reply(discord: FakeDiscord) -> None:
    with capture_logs() as logs:
        handle = await discord.invoke_unsynced("oldcommand", user_id=discord.member_user_id)
        reply = await discord.wait_for_response(handle)
    assert reply.ephemeral
    assert reply.embeds[0]["title"] == "⚠️ There is no /oldcommand command. /help lists them all."
    assert not [e for e in logs if e.get("log_level") == "error"]


async def test_route_without_manage_server_is_refused_logged_and_counted(discord: FakeDiscord) -> None:
    """Found: refused /route attempts left no trace. A server may let members without Manage Server
    see /route (Integrations settings); the service still refuses them."""
    discord.allow_command("route", discord.member_user_id)
    before = refused("discord", "route add")

    with capture_logs() as logs:
        handle = await discord.invoke_slash(
            "route",
            [{"name": "what", "value": "high"}, {"name": "channel", "value": str(discord.channel_ids[0])}],
            user_id=discord.member_user_id,
            subcommand="add",
        )
        reply = await discord.wait_for_response(handle)

    assert reply.ephemeral and "Manage Server" in reply.embeds[0]["title"]
    assert refused("discord", "route add") == before + 1
    [entry] = [e for e in logs if e["event"] == "admin_refused"]
    assert entry["user_id"] == str(discord.member_user_id) and entry["guild_id"] == str(discord.guild_id)
