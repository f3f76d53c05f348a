"""/wallet, /market, /stats."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.cogs.common import Interaction, respond
from scanner_core import catalogue

C = catalogue.command


class Lookup(commands.Cog):
    @app_commands.command(name="wallet", description=C("wallet").description)
    @app_commands.describe(**catalogue.descriptions("wallet"))
    async def wallet(self, interaction: Interaction, wallet: str) -> None:
        await respond(interaction, "wallet", {"wallet": wallet}, slow=True)

    @app_commands.command(name="market", description=C("market").description)
    @app_commands.describe(**catalogue.descriptions("market"))
    async def market(self, interaction: Interaction, market: str) -> None:
        await respond(interaction, "market", {"market": market}, slow=True)

    @app_commands.command(name="stats", description=C("stats").description)
    async def stats(self, interaction: Interaction) -> None:
        await respond(interaction, "stats")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Lookup())
