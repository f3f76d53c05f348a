"""/subscribe, /unsubscribe, /settings, /quiet, /follow, /unfollow, /mute, /unmute, /alerts."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.cogs.common import Interaction, respond
from scanner_core import catalogue

C = catalogue.command
SETTING_CHOICES = [app_commands.Choice(name=c, value=c) for c in catalogue.arg("settings", "setting").choices]


class Preferences(commands.Cog):
    @app_commands.command(name="subscribe", description=C("subscribe").description)
    async def subscribe(self, interaction: Interaction) -> None:
        await respond(interaction, "subscribe")

    @app_commands.command(name="unsubscribe", description=C("unsubscribe").description)
    async def unsubscribe(self, interaction: Interaction) -> None:
        await respond(interaction, "unsubscribe")

    @app_commands.command(name="settings", description=C("settings").description)
    @app_commands.describe(**catalogue.descriptions("settings"))
    @app_commands.choices(setting=SETTING_CHOICES)
    async def settings(self, interaction: Interaction, setting: str | None = None, value: str | None = None) -> None:
        await respond(interaction, "settings", {"setting": setting, "value": value})

    @app_commands.command(name="quiet", description=C("quiet").description)
    @app_commands.describe(**catalogue.descriptions("quiet"))
    async def quiet(
        self, interaction: Interaction, start: str | None = None, end: str | None = None, timezone: str | None = None
    ) -> None:
        await respond(interaction, "quiet", {"start": start, "end": end, "timezone": timezone})

    @app_commands.command(name="follow", description=C("follow").description)
    @app_commands.describe(**catalogue.descriptions("follow"))
    async def follow(self, interaction: Interaction, wallet: str) -> None:
        await respond(interaction, "follow", {"wallet": wallet}, slow=True)

    @app_commands.command(name="unfollow", description=C("unfollow").description)
    @app_commands.describe(**catalogue.descriptions("unfollow"))
    async def unfollow(self, interaction: Interaction, wallet: str) -> None:
        await respond(interaction, "unfollow", {"wallet": wallet}, slow=True)

    @app_commands.command(name="mute", description=C("mute").description)
    @app_commands.describe(**catalogue.descriptions("mute"))
    async def mute(self, interaction: Interaction, target: str) -> None:
        await respond(interaction, "mute", {"target": target}, slow=True)

    @app_commands.command(name="unmute", description=C("unmute").description)
    @app_commands.describe(**catalogue.descriptions("unmute"))
    async def unmute(self, interaction: Interaction, target: str) -> None:
        await respond(interaction, "unmute", {"target": target}, slow=True)

    @app_commands.command(name="alerts", description=C("alerts").description)
    @app_commands.describe(**catalogue.descriptions("alerts"))
    async def alerts(self, interaction: Interaction, count: str | None = None) -> None:
        await respond(interaction, "alerts", {"count": count})


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Preferences())
