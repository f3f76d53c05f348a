"""/help, from the catalogue."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.cogs.common import Interaction, respond
from scanner_core import catalogue


class Help(commands.Cog):
    @app_commands.command(name="help", description=catalogue.command("help").description)
    @app_commands.describe(**catalogue.descriptions("help"))
    async def help(self, interaction: Interaction, command: str | None = None) -> None:
        await respond(interaction, "help", {"command": command})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Help())
