"""Command name -> the CommandService call it makes, for both bots.

Each adapter turns its platform's input into `Args` (the catalogue's argument names: Telegram
parses the words of a message, Discord hands over typed options) and calls the entry of its
command; Discord's /route subcommands are "route add", "route list" and "route remove". One table,
so the two bots cannot call the service differently for the same command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from scanner_core.commands import CommandService, HelpResult, Result, ServiceError, UserRef

Args = dict[str, str | None]
Call = Callable[[UserRef, Args], Awaitable[Result]]
SUBCOMMAND = "subcommand"  # the Args key naming the subcommand Telegram's parser chose (e.g. /webhook add)


def _req(args: Args, name: str) -> str:
    value = args.get(name)
    if value is None:  # both parsers fill required arguments; this keeps a slip polite
        raise ServiceError(f"Missing {name}: /help shows how to use this command.")
    return value


def calls(service: CommandService) -> dict[str, Call]:
    async def help_(user: UserRef, args: Args) -> HelpResult:
        return service.help(user.platform, args.get("command"))

    return {
        "wallet": lambda user, args: service.wallet(user, _req(args, "wallet")),
        "market": lambda user, args: service.market(user, _req(args, "market")),
        "stats": lambda user, args: service.stats(user),
        "subscribe": lambda user, args: service.subscribe(user),
        "unsubscribe": lambda user, args: service.unsubscribe(user),
        "settings": lambda user, args: service.settings_command(user, args.get("setting"), args.get("value")),
        "quiet": lambda user, args: service.quiet(user, args.get("start"), args.get("end"), args.get("timezone")),
        "follow": lambda user, args: service.follow(user, _req(args, "wallet")),
        "unfollow": lambda user, args: service.unfollow(user, _req(args, "wallet")),
        "mute": lambda user, args: service.mute(user, _req(args, "target")),
        "unmute": lambda user, args: service.unmute(user, _req(args, "target")),
        "alerts": lambda user, args: service.recent_alerts(user, args.get("count")),
        "help": help_,
        "start": help_,
        "route add": lambda user, args: service.route_add(
            user, _req(args, "what"), _req(args, "channel"), args.get("role")
        ),
        "route list": lambda user, args: service.route_list(user),
        "route remove": lambda user, args: service.route_remove(user, _req(args, "rule")),
        "webhook add": lambda user, args: service.webhook_add(user, _req(args, "url"), args.get("options")),
        "webhook list": lambda user, args: service.webhook_list(user),
        "webhook test": lambda user, args: service.webhook_test(user, _req(args, "webhook")),
        "webhook resume": lambda user, args: service.webhook_resume(user, _req(args, "webhook")),
        "webhook remove": lambda user, args: service.webhook_remove(user, _req(args, "webhook")),
    }


def with_subcommands(table: dict[str, Call]) -> dict[str, Call]:
    """The table plus one entry per command with subcommands ("webhook"), which picks the
    subcommand's entry by the parsed `SUBCOMMAND` (Telegram parses `/webhook add URL` as one command)."""

    def pick(name: str) -> Call:
        async def call(user: UserRef, args: Args) -> Result:
            return await table[f"{name} {_req(args, SUBCOMMAND)}"](user, args)

        return call

    parents = {key.split()[0] for key in table if " " in key}
    return {**table, **{name: pick(name) for name in parents}}
