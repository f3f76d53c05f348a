"""Both bots expose the same commands, and both take them from the one catalogue."""

from __future__ import annotations

import re
from typing import Any

import pytest
from telegram.ext import CommandHandler

from bot.discord_app import COGS, PolyscanDiscordBot
from bot.handlers import build_handlers
from bot.telegram_app import bot_commands
from scanner_core import catalogue
from scanner_core.catalogue import ArgType
from scanner_core.commands import CommandService
from scanner_core.models import Platform

DISCORD_TYPES = {ArgType.TEXT: 3, ArgType.CHOICE: 3, ArgType.CHANNEL: 7, ArgType.ROLE: 8}


def _expected_options(args: tuple[catalogue.Arg, ...]) -> list[dict[str, Any]]:
    return [
        {
            "name": a.name,
            "description": a.description,
            "type": DISCORD_TYPES[a.type],
            "required": a.required,
            "choices": [{"name": c, "value": c} for c in a.choices],
        }
        for a in args
    ]


def _options(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": o["name"],
            "description": o["description"],
            "type": o["type"],
            "required": o.get("required", False),
            "choices": o.get("choices", []),
        }
        for o in payload.get("options", [])
    ]


@pytest.fixture
async def discord_tree(service: CommandService) -> dict[str, dict[str, Any]]:
    bot = PolyscanDiscordBot(service)
    for extension in COGS:
        await bot.load_extension(extension)
    try:
        return {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
    finally:
        await bot.close()


def test_both_bots_expose_the_same_commands_apart_from_declared_platform_ones(
    discord_tree: dict[str, dict[str, Any]], service: CommandService
) -> None:
    telegram_handlers = {name for h in build_handlers(service) if isinstance(h, CommandHandler) for name in h.commands}
    telegram_menu = {c.command for c in bot_commands()}
    discord_only = {c.name for c in catalogue.COMMANDS if c.platforms == catalogue.DISCORD_ONLY}
    telegram_only = {c.name for c in catalogue.COMMANDS if c.platforms == catalogue.TELEGRAM_ONLY}

    assert set(discord_tree) == {c.name for c in catalogue.for_platform(Platform.DISCORD)}
    assert telegram_handlers == telegram_menu == {c.name for c in catalogue.for_platform(Platform.TELEGRAM)}
    assert set(discord_tree) - discord_only == telegram_handlers - telegram_only
    assert discord_only == {"route"} and telegram_only == {"start"}


def test_discord_commands_carry_the_catalogue_descriptions_and_arguments(
    discord_tree: dict[str, dict[str, Any]],
) -> None:
    for entry in catalogue.for_platform(Platform.DISCORD):
        payload = discord_tree[entry.name]
        assert payload["description"] == entry.description
        if entry.subcommands:
            subs = {o["name"]: o for o in payload["options"]}
            assert list(subs) == [s.name for s in entry.subcommands]
            for sub in entry.subcommands:
                assert subs[sub.name]["description"] == sub.description
                assert _options(subs[sub.name]) == _expected_options(sub.args)
        else:
            assert _options(payload) == _expected_options(entry.args), entry.name
        expected = str(1 << 5) if entry.manage_server else None
        got = payload["default_member_permissions"]
        assert (str(got) if got is not None else None) == expected, entry.name


def test_telegram_menu_uses_the_catalogue_descriptions() -> None:
    menu = {c.command: c.description for c in bot_commands()}
    assert menu == {c.name: c.description for c in catalogue.for_platform(Platform.TELEGRAM)}


def test_catalogue_fits_both_platforms() -> None:
    for entry in catalogue.COMMANDS:
        for command in (entry, *entry.subcommands):
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name)
            assert 1 <= len(command.description) <= 100, command.name
            seen_optional = False
            for a in command.args:
                assert re.fullmatch(r"[a-z0-9_]{1,32}", a.name)
                assert 1 <= len(a.description) <= 100, (command.name, a.name)
                assert not (a.required and seen_optional), f"/{command.name}: required after optional"
                seen_optional = seen_optional or not a.required
                assert len(a.choices) <= 25
            # only the last argument may take the rest of a Telegram line
            assert not any(a.rest for a in command.args[:-1]), command.name
        if Platform.TELEGRAM in entry.platforms:  # Telegram has words only: subcommands are the first word
            for command in (entry, *entry.subcommands):
                assert all(a.type in (ArgType.TEXT, ArgType.CHOICE) for a in command.args), command.name


def test_help_lists_exactly_the_platforms_commands(service: CommandService) -> None:
    assert [c.name for c in service.help(Platform.TELEGRAM).commands] == [
        c.name for c in catalogue.for_platform(Platform.TELEGRAM)
    ]
    assert "route" in [c.name for c in service.help(Platform.DISCORD).commands]
