"""Every Telegram command of the catalogue -> one CommandService call."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from bot.handlers.common import Args, Call, command_handler
from bot.handlers.webhooks import webhook_call
from scanner_core import catalogue
from scanner_core.commands import CommandService, HelpResult, UserRef
from scanner_core.models import Platform


def _req(args: Args, name: str) -> str:
    value = args[name]
    assert value is not None, "parse_args fills required arguments"
    return value


def calls(service: CommandService) -> dict[str, Call]:
    """Command name -> what it asks of the service (Telegram's side of the catalogue)."""

    async def help_(user: UserRef, args: Args) -> HelpResult:
        return service.help(Platform.TELEGRAM, args.get("command"))

    return {
        "wallet": lambda user, args: service.wallet(user, _req(args, "wallet")),
        "market": lambda user, args: service.market(user, _req(args, "market")),
        "stats": lambda user, args: service.stats(user),
        "subscribe": lambda user, args: service.subscribe(user),
        "unsubscribe": lambda user, args: service.unsubscribe(user),
        "settings": lambda user, args: service.settings_command(user, args["setting"], args["value"]),
        "quiet": lambda user, args: service.quiet(user, args["start"], args["end"], args["timezone"]),
        "follow": lambda user, args: service.follow(user, _req(args, "wallet")),
        "unfollow": lambda user, args: service.unfollow(user, _req(args, "wallet")),
        "mute": lambda user, args: service.mute(user, _req(args, "target")),
        "unmute": lambda user, args: service.unmute(user, _req(args, "target")),
        "alerts": lambda user, args: service.recent_alerts(user, args["count"]),
        "help": help_,
        "start": help_,
        "webhook": webhook_call(service),
    }


def build_command_handlers(service: CommandService) -> list[BaseHandler[Any, Any, Any]]:
    table = calls(service)
    names = [c.name for c in catalogue.for_platform(Platform.TELEGRAM)]
    missing = set(names) ^ set(table)
    if missing:
        raise RuntimeError(f"Telegram handlers and the catalogue disagree on {sorted(missing)}")
    return [command_handler(name, table[name]) for name in names]
