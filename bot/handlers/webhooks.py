"""/webhook add|list|test|resume|remove on Telegram: group admins, and the admin chat.

The catalogue's argument parser picks the subcommand (bot/handlers/common.py `parse_command`);
this routes it to the service. The secret of a new webhook is in the reply, which says plainly
that it is shown only once.
"""

from __future__ import annotations

from bot.handlers.common import SUBCOMMAND, Args, Call
from scanner_core.commands import CommandService, UserRef, WebhooksResult


def _required(args: Args, name: str) -> str:
    value = args[name]
    assert value is not None, "parse_args fills required arguments"
    return value


def webhook_call(service: CommandService) -> Call:
    async def call(user: UserRef, args: Args) -> WebhooksResult:
        sub = args[SUBCOMMAND]
        if sub == "add":
            return await service.webhook_add(user, _required(args, "url"), args["options"])
        if sub == "test":
            return await service.webhook_test(user, _required(args, "webhook"))
        if sub == "resume":
            return await service.webhook_resume(user, _required(args, "webhook"))
        if sub == "remove":
            return await service.webhook_remove(user, _required(args, "webhook"))
        return await service.webhook_list(user)

    return call
