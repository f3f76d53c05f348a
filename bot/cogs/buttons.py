"""Alert buttons (View / Mute market or wallet): AlertButton presses arrive as `alert_button`.

A component or modal this version does not know (a button of an old message, say) gets a private
answer from the service too, instead of Discord's "This interaction failed"."""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot.cogs.common import Interaction, send, service_of, user_ref
from scanner_core.commands import BUTTON_PATTERN, ServiceError
from scanner_core.presentation import error_view, result_view


class Buttons(commands.Cog):
    @commands.Cog.listener()
    async def on_alert_button(self, interaction: Interaction, data: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _press(interaction, data)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.component and BUTTON_PATTERN.match(custom_id):
            return  # an AlertButton: on_alert_button answers it
        await _press(interaction, custom_id)


async def _press(interaction: Interaction, data: str) -> None:
    try:
        result = await service_of(interaction).press(user_ref(interaction), data)
    except ServiceError as exc:
        await send(interaction, error_view(exc.user_message), private=True)
        return
    await send(interaction, result_view(result), private=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Buttons())
