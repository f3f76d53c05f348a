"""Alert buttons (View / Mute market or wallet): AlertButton presses arrive as `alert_button`."""

from __future__ import annotations

from discord.ext import commands

from bot.cogs.common import Interaction, send, service_of, user_ref
from scanner_core.commands import ServiceError
from scanner_core.presentation import error_view, result_view


class Buttons(commands.Cog):
    @commands.Cog.listener()
    async def on_alert_button(self, interaction: Interaction, data: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await service_of(interaction).press(user_ref(interaction), data)
        except ServiceError as exc:
            await send(interaction, error_view(exc.user_message), private=True)
            return
        await send(interaction, result_view(result), private=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Buttons())
