"""The Discord bot: a commands.Bot subclass that is handed its services.

`setup_hook` loads the cogs (thin adapters over the CommandService), registers the alert buttons
and syncs the slash commands: to the dev guild when settings.discord_dev_guild_id is set (instant,
for development), otherwise globally, and only when the command set differs from what Discord
already has, never blindly on every start (global syncs are rate limited and slow to propagate).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import user_ref
from bot.render import discord as render
from bot.render.discord import AlertButton
from scanner_core.commands import CommandService, ServiceError, refuse_admin
from scanner_core.health import State
from scanner_core.logs import get_logger
from scanner_core.models import Platform
from scanner_core.presentation import error_view

log = get_logger("discord")

COGS = (
    "bot.cogs.lookup",
    "bot.cogs.prefs",
    "bot.cogs.help",
    "bot.cogs.routing",
    "bot.cogs.webhooks",
    "bot.cogs.buttons",
)
StateCallback = Callable[[State, str], None]
MANAGE_SERVER_NEEDED = "You need the Manage Server permission for that."
COMMANDS_CHANGING = "Discord is still updating my commands: try that again in a minute."


def _options(options: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": o.get("name"),
            "description": o.get("description"),
            "type": o.get("type"),
            "required": bool(o.get("required", False)),
            "choices": [(c.get("name"), c.get("value")) for c in o.get("choices") or []],
            "channel_types": sorted(o.get("channel_types") or []),
            "options": _options(o.get("options") or []),
        }
        for o in options
    ]


def command_signature(payloads: Iterable[tuple[Mapping[str, Any], int | None]]) -> str:
    """What matters of a command set, comparable between local definitions and Discord's copy."""
    items = [
        {
            "name": p.get("name"),
            "description": p.get("description"),
            "type": p.get("type", 1),
            "options": _options(p.get("options") or []),
            "default_member_permissions": str(perms) if perms is not None else None,
        }
        for p, perms in payloads
    ]
    return json.dumps(sorted(items, key=lambda i: str(i["name"])), sort_keys=True, default=str)


class PolyscanDiscordBot(commands.Bot):
    def __init__(
        self,
        service: CommandService,
        *,
        dev_guild_id: int | None = None,
        on_state: StateCallback | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
            guild_ready_timeout=guild_ready_timeout,
            # longer limits raise RateLimited, so the outbox pauses Discord instead of hanging a send
            max_ratelimit_timeout=30.0,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.service = service
        self.dev_guild_id = dev_guild_id
        self.on_state = on_state
        self.last_sync = ""  # "guild", "global" or "unchanged": what the last start did
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        for extension in COGS:
            await self.load_extension(extension)
        self.add_dynamic_items(AlertButton)
        try:
            self.last_sync = await self.sync_commands()
        except discord.HTTPException as exc:  # e.g. a dev guild the bot is not in: run without syncing
            log.warning("commands_sync_failed", status=exc.status, code=exc.code, detail=exc.text[:200])
            self.last_sync = "failed"

    async def sync_commands(self) -> str:
        if self.dev_guild_id is not None:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            log.info("commands_synced", scope="guild", guild_id=self.dev_guild_id)
            return "guild"
        local = command_signature(
            (c.to_dict(self.tree), c.to_dict(self.tree).get("default_member_permissions"))
            for c in self.tree.get_commands()
        )
        remote_commands = await self.tree.fetch_commands()
        remote = command_signature(
            (
                c.to_dict(),
                c.default_member_permissions.value if c.default_member_permissions is not None else None,
            )
            for c in remote_commands
        )
        if local == remote:
            log.info("commands_unchanged")
            return "unchanged"
        await self.tree.sync()
        log.info("commands_synced", scope="global", count=len(self.tree.get_commands()))
        return "global"

    def _state(self, state: State, detail: str) -> None:
        if self.on_state is not None:
            self.on_state(state, detail)

    async def on_ready(self) -> None:
        self._state(State.OK, f"connected as {self.user} in {len(self.guilds)} server(s)")

    async def on_resumed(self) -> None:
        self._state(State.OK, "gateway resumed")

    async def on_disconnect(self) -> None:
        self._state(State.DEGRADED, "gateway disconnected; reconnecting")

    async def _on_tree_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        """The one error hook for slash commands: a polite, private answer; the rest is logged."""
        if isinstance(error, app_commands.CommandNotFound):  # e.g. a command an older version synced
            try:
                self.service.help(Platform.DISCORD, error.name)
                text = COMMANDS_CHANGING
            except ServiceError as exc:
                text = exc.user_message
        elif isinstance(error, app_commands.CommandSignatureMismatch):
            text = COMMANDS_CHANGING
        elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            command = interaction.command.qualified_name if interaction.command is not None else "unknown"
            text = refuse_admin(user_ref(interaction), command, MANAGE_SERVER_NEEDED).user_message
        else:
            original = getattr(error, "original", error)
            log.error("command_error", error=type(original).__name__, detail=str(original)[:300], exc_info=original)
            text = "Something went wrong on my side; it has been logged."
        message = render.render(error_view(text), buttons=False)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=True, **message.send_kwargs())
            else:
                await interaction.response.send_message(ephemeral=True, **message.send_kwargs())
        except discord.HTTPException:
            log.warning("error_reply_failed")
