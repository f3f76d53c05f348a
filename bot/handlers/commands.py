"""Every Telegram command of the catalogue -> one CommandService call; other commands addressed to
the bot get a short help reply."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot.command_calls import calls, with_subcommands
from bot.handlers.common import command_handler, reply
from scanner_core import catalogue
from scanner_core.commands import CommandService, ServiceError
from scanner_core.models import Platform
from scanner_core.presentation import error_view, result_view


def build_command_handlers(service: CommandService) -> list[BaseHandler[Any, Any, Any]]:
    table = with_subcommands(calls(service))
    names = [c.name for c in catalogue.for_platform(Platform.TELEGRAM)]
    missing = set(names) - set(table)
    if missing:
        raise RuntimeError(f"no service call for the Telegram commands {sorted(missing)}")
    handlers: list[BaseHandler[Any, Any, Any]] = [command_handler(name, table[name]) for name in names]
    handlers.append(unknown_command_handler(service))  # last: only what no command handler took
    return handlers


def addressed_command(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The command a message starts with, when it is meant for this bot: `/cmd@thisbot`, or `/cmd`
    in a private chat or as a reply to this bot. In groups a bare `/cmd` may be for another bot."""
    if not message.entities or message.entities[0].offset != 0:
        return None
    name, _, target = message.parse_entity(message.entities[0]).removeprefix("/").partition("@")
    if target:
        return name if target.lower() == bot_username.lower() else None
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    return name if message.chat.type == ChatType.PRIVATE or to_bot else None


def unknown_command_handler(service: CommandService) -> MessageHandler[ContextTypes.DEFAULT_TYPE, None]:
    async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        name = addressed_command(message, context.bot.id, context.bot.username)
        if name is None:
            return
        try:
            result = service.help(Platform.TELEGRAM, name)
        except ServiceError as exc:
            await reply(update, error_view(exc.user_message))
            return
        await reply(update, result_view(result))

    return MessageHandler(filters.COMMAND, unknown)
