"""The one command catalogue: names, arguments, descriptions and where each command exists.

Discord's command tree, Telegram's setMyCommands, the Telegram argument parser and /help are all
built from this table, so the two bots cannot drift apart (tests/bots/test_parity.py checks it).

Arguments users type are TEXT on both platforms: the command service parses and validates them,
so a bad value gets the same specific reply on Discord and Telegram. CHOICE arguments become
Discord choices and are checked against `choices` on Telegram. CHANNEL and ROLE exist only where
the platform has such entities (Discord).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from scanner_core.models import AlertKind, Platform, Severity, SignalKind

BOTH = frozenset({Platform.DISCORD, Platform.TELEGRAM})
DISCORD_ONLY = frozenset({Platform.DISCORD})
TELEGRAM_ONLY = frozenset({Platform.TELEGRAM})


class ArgType(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    CHANNEL = "channel"
    ROLE = "role"


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    description: str
    type: ArgType = ArgType.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    rest: bool = False  # Telegram: this argument takes the rest of the line (spaces included)

    @property
    def usage(self) -> str:
        return f"<{self.name}>" if self.required else f"[{self.name}]"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    description: str  # one line, at most 100 characters (Discord's limit)
    args: tuple[Arg, ...] = ()
    platforms: frozenset[Platform] = BOTH
    manage_server: bool = False  # Discord: only members with Manage Server
    private: bool = False  # personal answers (Discord: ephemeral)
    subcommands: tuple[Command, ...] = ()
    examples: tuple[str, ...] = ()
    group: str = "Alerts"

    def on(self, platform: Platform) -> bool:
        return platform in self.platforms

    def usage(self) -> str:
        if self.subcommands:
            return " | ".join(f"/{self.name} {sub.name}{_arg_usage(sub.args)}" for sub in self.subcommands)
        return f"/{self.name}{_arg_usage(self.args)}"

    def subcommand(self, name: str) -> Command | None:
        return next((s for s in self.subcommands if s.name == name), None)


def _arg_usage(args: tuple[Arg, ...]) -> str:
    return "".join(f" {a.usage}" for a in args)


class Setting(enum.StrEnum):
    """What /settings can change (the service parses each value)."""

    MIN_SIZE = "min_size"
    MIN_CONFIDENCE = "min_confidence"
    SEVERITY = "severity"
    KINDS = "kinds"
    CATEGORIES = "categories"
    EXCLUDE_CATEGORIES = "exclude_categories"
    MAX_PER_HOUR = "max_per_hour"


class RouteMatch(enum.StrEnum):
    SEVERITY = "severity"
    CATEGORY = "category"
    KIND = "kind"


# Kinds a subscriber may choose: alert kinds (SYSTEM is the admin chat's) and signal kinds.
SUBSCRIBABLE_ALERT_KINDS = tuple(k.value for k in AlertKind if k is not AlertKind.SYSTEM)
SIGNAL_KINDS = tuple(k.value for k in SignalKind)
SEVERITIES = tuple(s.value for s in Severity)

_WALLET = Arg("wallet", "0x address, Polymarket username or profile link", rest=True)
_MARKET = Arg("market", "Market id, slug, Polymarket link or condition id", rest=True)
_TARGET = Arg("target", "A market (id, slug, link, condition id) or a wallet (0x address)", rest=True)
_WEBHOOK_ID = Arg("webhook", "The webhook number shown by /webhook list")
_WEBHOOK_OPTIONS = "name=value: format=slack severity=high min_size=25k kinds categories follow mute max_per_hour"

COMMANDS: tuple[Command, ...] = (
    Command(
        "wallet",
        "Profile of a wallet: age, volume, PnL, win rate, recent large trades and alerts",
        (_WALLET,),
        examples=("/wallet 0x56687bf447db6ffa42ffe2204a05edaa20f55839", "/wallet Theo4"),
        group="Look up",
    ),
    Command(
        "market",
        "A market: prices, 24h volume, liquidity, spread and depth, biggest trades, alerts",
        (_MARKET,),
        examples=("/market will-bitcoin-reach-100k", "/market https://polymarket.com/event/..."),
        group="Look up",
    ),
    Command("stats", "Scanner status: uptime, trades seen, alerts, feed lag, delivery backlog", group="Look up"),
    Command("subscribe", "Receive alerts here", private=True),
    Command("unsubscribe", "Stop receiving alerts here", private=True),
    Command(
        "settings",
        "Show your alert settings, or change one",
        (
            Arg("setting", "What to change", ArgType.CHOICE, required=False, choices=tuple(s.value for s in Setting)),
            Arg(
                "value", "New value, e.g. 25k, 0.6, high, trade,wallet_target, politics, all", required=False, rest=True
            ),
        ),
        private=True,
        examples=("/settings min_size 25k", "/settings kinds trade,wallet_target", "/settings categories all"),
    ),
    Command(
        "quiet",
        "Quiet hours: alerts are held and arrive as one digest afterwards",
        (
            Arg("start", "Start time HH:MM, or off", required=False),
            Arg("end", "End time HH:MM", required=False),
            Arg("timezone", "IANA time zone, e.g. Europe/Berlin (default: yours, or UTC)", required=False),
        ),
        private=True,
        examples=("/quiet 23:00 07:00 Europe/Berlin", "/quiet off"),
    ),
    Command("follow", "Follow a wallet: its alerts reach you even below your minimum size", (_WALLET,), private=True),
    Command("unfollow", "Stop following a wallet", (_WALLET,), private=True),
    Command("mute", "Mute a market or a wallet", (_TARGET,), private=True),
    Command("unmute", "Unmute a market or a wallet", (_TARGET,), private=True),
    Command(
        "alerts",
        "Your recent alerts",
        (Arg("count", "How many (1-20, default 10)", required=False),),
        private=True,
    ),
    Command(
        "help",
        "What this bot does and how to use each command",
        (Arg("command", "A command to explain", required=False),),
        private=True,
        group="Help",
    ),
    Command("start", "Start: what this bot does", platforms=TELEGRAM_ONLY, private=True, group="Help"),
    Command(
        "route",
        "Send matching alerts to a channel (Manage Server)",
        platforms=DISCORD_ONLY,
        manage_server=True,
        private=True,
        group="Server",
        subcommands=(
            Command(
                "add",
                "Send alerts matching a severity, category or kind to a channel",
                (
                    Arg("what", "A severity and above (high), a category (politics) or a kind (wallet_target)"),
                    Arg("channel", "The channel to post in", ArgType.CHANNEL),
                    Arg("role", "Role to mention on high and critical alerts", ArgType.ROLE, required=False),
                ),
                platforms=DISCORD_ONLY,
                manage_server=True,
            ),
            Command("list", "Routing rules of this server", platforms=DISCORD_ONLY, manage_server=True),
            Command(
                "remove",
                "Remove a routing rule",
                (Arg("rule", "The rule number shown by /route list"),),
                platforms=DISCORD_ONLY,
                manage_server=True,
            ),
        ),
    ),
    Command(
        "webhook",
        "Send alerts as signed JSON to a URL (admins)",
        manage_server=True,
        private=True,
        group="Server",
        examples=(
            "/webhook add https://example.com/polyscan severity=high min_size=25k",
            "/webhook add https://hooks.slack.com/services/... format=slack categories=politics",
            "/webhook test 1",
        ),
        subcommands=(
            Command(
                "add",
                "Add a webhook (its secret is shown once), or change the options of one",
                (
                    Arg("url", "The http(s) URL that receives the alerts"),
                    Arg("options", _WEBHOOK_OPTIONS, required=False, rest=True),
                ),
                manage_server=True,
            ),
            Command("list", "Webhooks of this chat and how they are doing", manage_server=True),
            Command("test", "Send a test payload to a webhook now", (_WEBHOOK_ID,), manage_server=True),
            Command("resume", "Resume a paused webhook: its waiting alerts go out", (_WEBHOOK_ID,), manage_server=True),
            Command("remove", "Remove a webhook", (_WEBHOOK_ID,), manage_server=True),
        ),
    ),
)

_BY_NAME = {c.name: c for c in COMMANDS}


def command(name: str) -> Command:
    """The catalogue entry for `name`; KeyError for a name that is not in the catalogue."""
    return _BY_NAME[name]


def find(name: str) -> Command | None:
    return _BY_NAME.get(name.lower().lstrip("/"))


def for_platform(platform: Platform) -> tuple[Command, ...]:
    return tuple(c for c in COMMANDS if c.on(platform))


def arg(command_name: str, arg_name: str) -> Arg:
    for candidate in command(command_name).args:
        if candidate.name == arg_name:
            return candidate
    raise KeyError(f"/{command_name} has no argument {arg_name!r}")


def descriptions(command_name: str, sub: str | None = None) -> dict[str, str]:
    """Argument name -> description (feeds discord.py's `app_commands.describe`)."""
    entry = command(command_name)
    if sub is not None:
        found = entry.subcommand(sub)
        if found is None:
            raise KeyError(f"/{command_name} has no subcommand {sub!r}")
        entry = found
    return {a.name: a.description for a in entry.args}
