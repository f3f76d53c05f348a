"""What every cog shares: who is asking, and the four steps (parse, call, render, reply) once.

A command that may take a while (Polymarket lookups) defers first: Discord wants an answer within
3 seconds. A ServiceError becomes a short private reply; if the command had already deferred
publicly, its "thinking..." message is removed so the error stays private.
"""

from __future__ import annotations

from typing import Any, cast

import discord

from bot.command_calls import Args, calls
from bot.render import discord as render
from scanner_core import catalogue
from scanner_core.commands import CommandService, ServiceError, UserRef
from scanner_core.models import Platform
from scanner_core.presentation import View, error_view, result_view

Interaction = discord.Interaction[Any]


def service_of(interaction: Interaction) -> CommandService:
    return cast(CommandService, interaction.client.service)  # type: ignore[attr-defined]


def user_ref(interaction: Interaction) -> UserRef:
    return UserRef(
        platform=Platform.DISCORD,
        user_id=str(interaction.user.id),
        chat_or_channel_id=str(interaction.channel_id or ""),
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        is_admin=interaction.permissions.manage_guild,
    )


async def send(interaction: Interaction, view: View, *, private: bool) -> None:
    message = render.render(view, buttons=False)
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=private, **message.send_kwargs())
    else:
        await interaction.response.send_message(ephemeral=private, **message.send_kwargs())


async def respond(interaction: Interaction, command: str, args: Args | None = None, *, slow: bool = False) -> None:
    """Run `command` ("settings", "route add", ...) of the shared table with the options in `args`."""
    private = catalogue.command(command.split()[0]).private
    if slow:
        await interaction.response.defer(ephemeral=private, thinking=True)
    service = service_of(interaction)
    try:
        result = await calls(service)[command](user_ref(interaction), args or {})
    except ServiceError as exc:
        if slow and not private:
            await interaction.delete_original_response()
        await send(interaction, error_view(exc.user_message), private=True)
        return
    await send(interaction, result_view(result), private=private)
