"""`polyscan` command line: run, migrate, doctor (and the commands other modules add)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import Any

from db import setup as db_setup
from scanner_core.config import Settings, SettingsError, load_settings
from scanner_core.logs import configure_logging

EXIT_OK, EXIT_FAILURE, EXIT_BAD_SETTINGS = 0, 1, 2


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"polyscan: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None


def _configure(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_format, settings.secrets())


async def _run(settings: Settings) -> int:
    from bot.app import Polyscan
    from bot.wiring import add_components

    app = Polyscan(settings)
    add_components(app)
    try:
        await app.run_forever()
    except db_setup.DatabaseUnavailable as exc:
        print(f"polyscan: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


async def _migrate(settings: Settings) -> int:
    try:
        await db_setup.connect(settings.database_url, settings.db_pool_max)
        applied = await db_setup.migrate(settings.database_url)
    except db_setup.DatabaseUnavailable as exc:
        print(f"polyscan: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await db_setup.close()
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _configure(settings)
    return asyncio.run(_run(settings))


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    _configure(settings)
    return asyncio.run(_migrate(settings))


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import doctor

    settings = _settings_or_exit()
    _configure(settings)
    return asyncio.run(doctor(settings, out=print))


Command = tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]


def _no_args(_: argparse.ArgumentParser) -> None:
    return None


def commands() -> list[Command]:
    """(name, help, add_arguments, handler) of every subcommand."""
    from bot import cli_extra

    return [
        ("run", "run the scanner, bots and HTTP server (migrates first)", _no_args, cmd_run),
        ("migrate", "apply database migrations", _no_args, cmd_migrate),
        ("doctor", "print effective settings (secrets masked) and check each dependency", _no_args, cmd_doctor),
        *cli_extra.commands(),
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="polyscan", description="Polymarket whale and insider-trade scanner")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text, add_arguments, handler in commands():
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> Any:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:  # one line naming the flag, not the usage text
        where = f"polyscan {args.command}" if getattr(args, "command", None) else "polyscan"
        print(f"{where}: unrecognized arguments: {' '.join(extras)}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS)
    try:
        code = args.handler(args)
    except KeyboardInterrupt:
        code = EXIT_OK
    raise SystemExit(code)
