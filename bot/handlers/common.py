"""What every Telegram handler shares: who is asking, the catalogue's argument parser, the reply,
and the one place a ServiceError becomes a polite answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from telegram import LinkPreviewOptions, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import CommandHandler, ContextTypes

from bot.command_calls import SUBCOMMAND, Args, Call
from bot.render import telegram as render
from scanner_core import catalogue
from scanner_core.commands import ServiceError, UserRef
from scanner_core.logs import get_logger
from scanner_core.models import Platform
from scanner_core.presentation import View, error_view, result_view
from scanner_core.userinput import echo

log = get_logger("telegram")

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


def parse_args(command: catalogue.Command, tokens: Sequence[str]) -> Args:
    """Positional words -> the catalogue's named arguments; a `rest` argument takes the rest."""
    args: Args = {a.name: None for a in command.args}
    words = list(tokens)
    for spec in command.args:
        if not words:
            break
        value = " ".join(words) if spec.rest else words[0]
        words = [] if spec.rest else words[1:]
        if spec.choices and value.lower() not in spec.choices:
            raise ServiceError(f"{echo(value)} is not a {spec.name}: choose one of {', '.join(spec.choices)}.")
        args[spec.name] = value.lower() if spec.choices else value
    if words:
        if not command.args:
            raise ServiceError(f"/{command.name} takes no arguments. Usage: {command.usage()}")
        raise ServiceError(f"Too many arguments. Usage: {command.usage()}")
    missing = [a.name for a in command.args if a.required and not args[a.name]]
    if missing:
        raise ServiceError(f"Missing {missing[0]}. Usage: {command.usage()}")
    return args


def parse_command(command: catalogue.Command, tokens: Sequence[str]) -> Args:
    """`parse_args`, after choosing a subcommand by the first word when the command has them."""
    if not command.subcommands:
        return parse_args(command, tokens)
    choices = ", ".join(s.name for s in command.subcommands)
    if not tokens:
        raise ServiceError(f"Say what to do: {choices}. Usage: {command.usage()}")
    sub = command.subcommand(tokens[0].lower())
    if sub is None:
        raise ServiceError(f"{echo(tokens[0])} is not one of {choices}. Usage: {command.usage()}")
    # named "/webhook add" so the usage in its errors reads right
    return {SUBCOMMAND: sub.name, **parse_args(replace(sub, name=f"{command.name} {sub.name}"), tokens[1:])}


async def user_ref(update: Update, context: ContextTypes.DEFAULT_TYPE) -> UserRef:
    """The caller; in a group, `is_admin` says whether they may change the group's alerts."""
    chat = update.effective_chat
    user = update.effective_user
    message = update.effective_message
    assert chat is not None, "commands and buttons always come from a chat"
    is_admin = chat.type == ChatType.PRIVATE
    if not is_admin and message is not None and message.sender_chat is not None:
        is_admin = message.sender_chat.id == chat.id  # an anonymous group admin
    elif not is_admin and user is not None:
        try:
            member = await context.bot.get_chat_member(chat.id, user.id)
            is_admin = member.status in ADMIN_STATUSES
        except TelegramError as exc:
            log.warning("admin_check_failed", chat_id=chat.id, error=type(exc).__name__)
    return UserRef(Platform.TELEGRAM, str(user.id if user else chat.id), str(chat.id), None, is_admin)


async def reply(update: Update, view: View, *, buttons: bool = True) -> None:
    message = update.effective_message
    if message is None:
        return
    rendered = render.render(view, buttons=buttons)
    await message.reply_text(
        rendered.text,
        parse_mode=ParseMode.HTML,
        reply_markup=rendered.reply_markup,
        link_preview_options=NO_PREVIEW,
    )


def command_handler(name: str, call: Call) -> CommandHandler[ContextTypes.DEFAULT_TYPE, None]:
    """Parse with the catalogue, call the service, render, reply: the four steps, once."""
    entry = catalogue.command(name)

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            args = parse_command(entry, context.args or [])
            user = await user_ref(update, context)
            result = await call(user, args)
        except ServiceError as exc:
            await reply(update, error_view(exc.user_message))
            return
        await reply(update, result_view(result))

    return CommandHandler(name, handle)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB's error hook: log it (the token never appears: logs scrub secrets) and apologise."""
    error = context.error
    log.error("handler_error", error=type(error).__name__, detail=str(error)[:300], exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await reply(update, error_view("Something went wrong on my side; it has been logged."))
        except TelegramError:
            log.warning("error_reply_failed")
