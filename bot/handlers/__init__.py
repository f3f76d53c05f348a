"""Telegram handlers: thin adapters from commands and inline buttons to the CommandService."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from bot.handlers.buttons import build_button_handlers
from bot.handlers.commands import build_command_handlers
from scanner_core.commands import CommandService


def build_handlers(service: CommandService) -> list[BaseHandler[Any, Any, Any]]:
    """Every handler the Telegram bot registers, built from the one catalogue."""
    return [*build_command_handlers(service), *build_button_handlers(service)]
