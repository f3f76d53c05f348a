"""Proves FakeTelegram against the real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

import aiohttp
import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram import DROPPED, MAX_MESSAGE_LENGTH, FakeTelegram

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

CHAT = 42
HARD_TIMEOUT = 5.0


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="123:ABC") as fake:
        yield fake


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ping", callback_data="ping")]])
    await update.effective_message.reply_text(
        f"Hello <b>{update.effective_user.first_name}</b> args={context.args}",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )


async def _ping_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("pong")
    await query.edit_message_text(f"pong for {query.data}")


@pytest.fixture
async def app(tg: FakeTelegram) -> AsyncIterator[App]:
    application = Application.builder().token(tg.token).base_url(tg.base_url).base_file_url(tg.base_file_url).build()
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_ping_button))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=1))
    try:
        yield application
    finally:
        # The fake (an earlier fixture) stops after this: updater.stop() sends one last getUpdates.
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_command_reaches_handler_and_reply_is_recorded(tg: FakeTelegram, app: App) -> None:
    tg.push_command(CHAT, "/start now")

    [reply] = await tg.wait_for_messages(1, chat_id=CHAT, timeout=HARD_TIMEOUT)

    assert reply["text"] == "Hello <b>User42</b> args=['now']"
    assert reply["parse_mode"] == "HTML"
    assert reply["reply_markup"] == {"inline_keyboard": [[{"text": "Ping", "callback_data": "ping"}]]}
    assert tg.calls("getMe") and tg.calls("deleteWebhook")


async def test_text_without_command_entity_is_ignored_by_command_handler(
    tg: FakeTelegram,
    app: App,
) -> None:
    tg.push_text(CHAT, "/start typed but without entity")
    tg.push_command(CHAT, "/start")

    replies = await tg.wait_for_messages(1, chat_id=CHAT, timeout=HARD_TIMEOUT)

    assert [r["text"] for r in replies] == ["Hello <b>User42</b> args=[]"]


async def test_button_press_is_answered_and_message_edited(tg: FakeTelegram, app: App) -> None:
    tg.push_command(CHAT, "/start")
    [reply] = await tg.wait_for_messages(1, chat_id=CHAT, timeout=HARD_TIMEOUT)

    update = tg.push_callback(CHAT, "ping")

    [answer] = await tg.wait_for_callback_answers(1, timeout=HARD_TIMEOUT)
    [edit] = await tg.wait_for_edits(1, timeout=HARD_TIMEOUT)
    assert answer["callback_query_id"] == update["callback_query"]["id"]
    assert answer["text"] == "pong"
    assert edit["message_id"] == reply["message_id"]
    assert edit["text"] == "pong for ping"
    with pytest.raises(ValueError, match="no button"):
        tg.push_callback(CHAT, "not-a-button", message_id=reply["message_id"])


async def test_injected_429_surfaces_as_retry_after(tg: FakeTelegram, app: App) -> None:
    tg.fail_next("sendMessage", error_code=429, retry_after=1)

    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(CHAT, "first")
    await app.bot.send_message(CHAT, "second")

    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert [m["text"] for m in tg.sent] == ["second"]
    assert [call.error_code for call in tg.calls("sendMessage")] == [429, None]


async def test_blocked_chat_and_chat_not_found(tg: FakeTelegram, app: App) -> None:
    tg.block_chat(7)
    tg.fail_next("sendMessage", error_code=400)

    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await app.bot.send_message(CHAT, "to a chat that vanished")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await app.bot.send_message(7, "to a user who blocked the bot")
    await app.bot.send_message(CHAT, "still delivered")

    assert [(m["chat_id"], m["text"]) for m in tg.sent] == [(CHAT, "still delivered")]


async def test_set_my_commands_is_recorded(tg: FakeTelegram, app: App) -> None:
    await app.bot.set_my_commands([BotCommand("start", "Start the bot"), BotCommand("alerts", "Your alerts")])

    assert tg.commands == [
        {"command": "start", "description": "Start the bot"},
        {"command": "alerts", "description": "Your alerts"},
    ]
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "alerts"]


async def test_message_length_and_html_are_enforced(tg: FakeTelegram, app: App) -> None:
    await app.bot.send_message(CHAT, "x" * MAX_MESSAGE_LENGTH)
    # The limit applies to the text after entity parsing: tags and escapes do not count.
    await app.bot.send_message(CHAT, "<b>" + "&lt;" * MAX_MESSAGE_LENGTH + "</b>", parse_mode=ParseMode.HTML)

    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await app.bot.send_message(CHAT, "x" * (MAX_MESSAGE_LENGTH + 1))
    with pytest.raises(BadRequest, match="(?i)unsupported start tag"):
        await app.bot.send_message(CHAT, "line<br/>break", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)end tag"):
        await app.bot.send_message(CHAT, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("too long", callback_data="d" * 65)]])
        await app.bot.send_message(CHAT, "buttons", reply_markup=markup)

    assert len(tg.sent) == 2


async def test_long_poll_is_held_and_released_by_an_update(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}{tg.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with session.post(url, data={"timeout": "0.3"}) as response:
            assert (await response.json()) == {"ok": True, "result": []}
        assert loop.time() - started >= 0.25

        poll = asyncio.create_task(session.post(url, data={"timeout": "30"}))
        await tg.wait_until(lambda: tg._poll_generation == 2, HARD_TIMEOUT, "second poll")
        update = tg.push_command(CHAT, "/start")
        async with await asyncio.wait_for(poll, HARD_TIMEOUT) as response:
            assert (await response.json())["result"] == [update]


async def test_newer_poll_ends_older_one_with_conflict(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}{tg.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        older = asyncio.create_task(session.post(url, data={"timeout": "30"}))
        await tg.wait_until(lambda: tg._poll_generation == 1, HARD_TIMEOUT, "first poll")
        async with session.post(url, data={"timeout": "0"}) as newer:
            assert newer.status == 200
        async with await asyncio.wait_for(older, HARD_TIMEOUT) as response:
            assert response.status == 409
            assert (await response.json())["description"].startswith("Conflict")


async def test_stop_releases_open_long_polls() -> None:
    fake = FakeTelegram()
    await fake.start()
    url = f"{fake.base_url}{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        poll = asyncio.create_task(session.post(url, data={"timeout": "30"}))
        await fake.wait_until(lambda: fake._poll_generation == 1, HARD_TIMEOUT, "poll")
        await asyncio.wait_for(fake.stop(), HARD_TIMEOUT)
        async with await asyncio.wait_for(poll, HARD_TIMEOUT) as response:
            assert (await response.json()) == {"ok": True, "result": []}


async def test_wrong_token_and_unknown_method(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{tg.base_url}999:WRONG/getMe") as response:
            assert response.status == 401
        async with session.post(f"{tg.base_url}{tg.token}/sendDice", data={"chat_id": "1"}) as response:
            assert response.status == 404
    assert tg.unknown_methods == ["sendDice"]


async def test_dropped_connections_then_cleared_faults(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}{tg.token}/getMe"
    tg.drop_next("getMe", 1)
    tg.fail_next("getMe", 5, error_code=401)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await session.post(url)
        async with session.post(url) as refused:
            assert refused.status == 401 and (await refused.json())["description"] == "Unauthorized"
        tg.clear_faults()
        async with session.post(url) as answered:
            assert answered.status == 200
    assert [c.error_code for c in tg.calls("getMe")] == [DROPPED, 401, None]


async def test_the_fake_comes_back_on_the_same_port() -> None:
    fake = FakeTelegram()
    await fake.start()
    port = fake.port
    url = f"{fake.base_url}{fake.token}/getMe"
    async with aiohttp.ClientSession() as session:
        await fake.stop()
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.post(url)
        await fake.start()
        try:
            async with session.post(url) as response:
                assert response.status == 200 and fake.port == port
        finally:
            await fake.stop()


async def test_group_admins_and_replies_to_the_bot(tg: FakeTelegram, app: App) -> None:
    tg.set_chat_admin(-100, 7)
    admin = await app.bot.get_chat_member(-100, 7)
    member = await app.bot.get_chat_member(-100, 8)
    assert (admin.status, member.status) == ("administrator", "member")

    sent = await app.bot.send_message(-100, "a message of the bot")
    update = tg.push_command(-100, "/whatever", chat_type="supergroup", reply_to=sent.message_id)
    assert update["message"]["reply_to_message"]["from"]["id"] == tg.bot_id
    with pytest.raises(ValueError, match="no message 999"):
        tg.push_command(-100, "/whatever", chat_type="supergroup", reply_to=999)
