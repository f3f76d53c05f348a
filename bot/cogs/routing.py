"""/route add|list|remove: which alerts go to which channel (members with Manage Server)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import Interaction, respond
from scanner_core import catalogue

ROUTE = catalogue.command("route")


def _sub(name: str) -> catalogue.Command:
    found = ROUTE.subcommand(name)
    assert found is not None, f"/route {name} is in the catalogue"
    return found


class Routing(commands.Cog):
    route = app_commands.Group(
        name=ROUTE.name,
        description=ROUTE.description,
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @route.command(name="add", description=_sub("add").description)
    @app_commands.describe(**catalogue.descriptions("route", "add"))
    async def add(
        self,
        interaction: Interaction,
        what: str,
        channel: discord.TextChannel,
        role: discord.Role | None = None,
    ) -> None:
        role_id = str(role.id) if role is not None else None
        await respond(interaction, "route add", {"what": what, "channel": str(channel.id), "role": role_id})

    @route.command(name="list", description=_sub("list").description)
    async def list_(self, interaction: Interaction) -> None:
        await respond(interaction, "route list")

    @route.command(name="remove", description=_sub("remove").description)
    @app_commands.describe(**catalogue.descriptions("route", "remove"))
    async def remove(self, interaction: Interaction, rule: str) -> None:
        await respond(interaction, "route remove", {"rule": rule})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Routing())
