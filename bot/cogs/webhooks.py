"""/webhook add|list|test|resume|remove: alerts as signed JSON to a URL (members with Manage Server).

Every answer is ephemeral (the catalogue marks /webhook private): the secret shown by `add` is seen
by the admin who asked, and only once.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import Interaction, respond
from scanner_core import catalogue

WEBHOOK = catalogue.command("webhook")


def _sub(name: str) -> catalogue.Command:
    found = WEBHOOK.subcommand(name)
    assert found is not None, f"/webhook {name} is in the catalogue"
    return found


class Webhooks(commands.Cog):
    webhook = app_commands.Group(
        name=WEBHOOK.name,
        description=WEBHOOK.description,
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @webhook.command(name="add", description=_sub("add").description)
    @app_commands.describe(**catalogue.descriptions("webhook", "add"))
    async def add(self, interaction: Interaction, url: str, options: str | None = None) -> None:
        # slow: follow= and mute= may look wallets and markets up on Polymarket
        await respond(interaction, "webhook add", {"url": url, "options": options}, slow=True)

    @webhook.command(name="list", description=_sub("list").description)
    async def list_(self, interaction: Interaction) -> None:
        await respond(interaction, "webhook list")

    @webhook.command(name="test", description=_sub("test").description)
    @app_commands.describe(**catalogue.descriptions("webhook", "test"))
    async def test(self, interaction: Interaction, webhook: str) -> None:
        # slow: waits for the receiver's answer (up to POLYSCAN_WEBHOOK_TIMEOUT_SECONDS)
        await respond(interaction, "webhook test", {"webhook": webhook}, slow=True)

    @webhook.command(name="resume", description=_sub("resume").description)
    @app_commands.describe(**catalogue.descriptions("webhook", "resume"))
    async def resume(self, interaction: Interaction, webhook: str) -> None:
        await respond(interaction, "webhook resume", {"webhook": webhook})

    @webhook.command(name="remove", description=_sub("remove").description)
    @app_commands.describe(**catalogue.descriptions("webhook", "remove"))
    async def remove(self, interaction: Interaction, webhook: str) -> None:
        await respond(interaction, "webhook remove", {"webhook": webhook})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Webhooks())
