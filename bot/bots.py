"""Lifecycle component "bots": the Discord and Telegram bots inside the scanner's event loop.

A bot starts when its token is set (Discord with `bot.start(token)`, never `bot.run`; Telegram
with the manual PTB lifecycle). Each bot has a supervisor task: a bot that cannot be built or fails
to log in, or whose connection ends, is reported in health ("discord" / "telegram": DOWN with the
reason, never the token) and tried again every `bot_login_retry_seconds`. Once logged in, Discord's
gateway reconnects by itself (discord.py) and Telegram's polling retries every failure
(bot/telegram_polling.py); both report their real state to health, and the system alerter tells
the admin chat when one stays down. Nothing a bot does can take the scanner down. Without any
token the outbox uses the console notifier (`delivery_notifiers`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import discord
import telegram
from telegram.error import InvalidToken

from bot.discord_app import PolyscanDiscordBot, StateCallback
from bot.notifiers import ConsoleNotifier, DiscordNotifier, Notifier, TelegramNotifier
from bot.telegram_app import TelegramBot, build_application
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger

log = get_logger("bots")

DiscordFactory = Callable[[StateCallback], PolyscanDiscordBot]
TelegramFactory = Callable[[StateCallback], TelegramBot]
Sleep = Callable[[float], Awaitable[None]]


class ChatBots:
    name = "bots"

    def __init__(
        self,
        settings: Settings,
        health: HealthRegistry,
        service: CommandService,
        *,
        discord_factory: DiscordFactory | None = None,
        telegram_factory: TelegramFactory | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.health = health
        self.service = service
        self._sleep = sleep
        self._discord_factory = discord_factory or self._default_discord
        self._telegram_factory = telegram_factory or self._default_telegram
        self._discord: PolyscanDiscordBot | None = None
        self._telegram: TelegramBot | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._notifiers: list[Notifier] | None = None
        self._stopping = False
        self.login_attempts = {"discord": 0, "telegram": 0}

    # -- configuration ---------------------------------------------------------------------------

    @property
    def discord_enabled(self) -> bool:
        return self.settings.discord_token is not None and bool(self.settings.discord_token.get_secret_value())

    @property
    def telegram_enabled(self) -> bool:
        return self.settings.telegram_token is not None and bool(self.settings.telegram_token.get_secret_value())

    @property
    def configured(self) -> bool:
        return self.discord_enabled or self.telegram_enabled

    def _default_discord(self, on_state: StateCallback) -> PolyscanDiscordBot:
        return PolyscanDiscordBot(self.service, dev_guild_id=self.settings.discord_dev_guild_id, on_state=on_state)

    def _default_telegram(self, on_state: StateCallback) -> TelegramBot:
        return TelegramBot(build_application(self.settings, self.service), self.settings, on_state=on_state)

    # -- what the outbox and the admin chat use ------------------------------------------------

    @property
    def discord_client(self) -> discord.Client | None:
        return self._discord

    @property
    def telegram_bot(self) -> telegram.Bot | None:
        """The running bot; None while there is none, or while Telegram refuses its token (its
        polling reports DOWN): nothing can be sent then, so the outbox and the admin chat wait."""
        if self._telegram is None:
            return None
        current = self.health.get("telegram")
        if current is not None and current.state is State.DOWN:
            return None
        return self._telegram.bot

    def notifiers(self) -> list[Notifier]:
        """One notifier per configured platform (the same objects on every call)."""
        if self._notifiers is None:
            self._notifiers = []
            if self.telegram_enabled:
                self._notifiers.append(TelegramNotifier(lambda: self.telegram_bot))
            if self.discord_enabled:
                self._notifiers.append(DiscordNotifier(lambda: self.discord_client))
        return list(self._notifiers)

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the supervisors and returns at once: logging in happens in the background."""
        if self.discord_enabled:
            self._tasks.append(asyncio.create_task(self._supervise_discord(), name="discord-bot"))
        else:
            self.health.set("discord", State.DISABLED, "no POLYSCAN_DISCORD_TOKEN")
        if self.telegram_enabled:
            self._tasks.append(asyncio.create_task(self._supervise_telegram(), name="telegram-bot"))
        else:
            self.health.set("telegram", State.DISABLED, "no POLYSCAN_TELEGRAM_TOKEN")

    async def stop(self) -> None:
        self._stopping = True
        if self._discord is not None:
            with contextlib.suppress(Exception):
                await self._discord.close()  # ends bot.start() in its supervisor
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._telegram is not None:
            await self._stop_telegram(self._telegram)
            self._telegram = None

    def _safe(self, exc: BaseException) -> str:
        """An error's text without the tokens (a Telegram token is part of every request URL)."""
        text = str(exc)[:300]
        for secret in (self.settings.telegram_token, self.settings.discord_token):
            if secret is not None and secret.get_secret_value():
                text = text.replace(secret.get_secret_value(), "****")
        return text

    def _state_setter(self, component: str) -> StateCallback:
        def set_state(state: State, detail: str) -> None:
            self.health.set(component, state, detail)

        return set_state

    async def _down(self, component: str, reason: str) -> None:
        retry = self.settings.bot_login_retry_seconds
        self.health.set(component, State.DOWN, f"{reason}; retrying in {retry:g}s")
        log.warning("bot_down", bot=component, reason=reason, retry_seconds=retry)
        await self._sleep(retry)

    async def _supervise_discord(self) -> None:
        assert self.settings.discord_token is not None
        token = self.settings.discord_token.get_secret_value()
        while True:
            try:
                bot = self._discord_factory(self._state_setter("discord"))
            except Exception as exc:  # a bot that cannot be built is retried like one that cannot log in
                log.warning("discord_failed", error=type(exc).__name__, detail=self._safe(exc))
                await self._down("discord", f"cannot build the bot: {type(exc).__name__}")
                continue
            self._discord = bot
            self.login_attempts["discord"] += 1
            self.health.set("discord", State.STARTING, "logging in")
            reason = "connection closed"
            try:
                await bot.start(token)
            except asyncio.CancelledError:
                await self._close_discord(bot)
                raise
            except discord.LoginFailure:
                reason = "login refused: check POLYSCAN_DISCORD_TOKEN"
            except discord.PrivilegedIntentsRequired:
                reason = "the bot asks for intents not enabled in the developer portal"
            except Exception as exc:  # anything else a bot does must not reach the scanner
                reason = f"{type(exc).__name__}"
                log.warning("discord_failed", error=type(exc).__name__, detail=self._safe(exc))
            await self._close_discord(bot)
            self._discord = None
            if self._stopping:
                return
            await self._down("discord", reason)

    @staticmethod
    async def _close_discord(bot: PolyscanDiscordBot) -> None:
        if not bot.is_closed():
            with contextlib.suppress(Exception):
                await bot.close()

    async def _supervise_telegram(self) -> None:
        while True:
            self.login_attempts["telegram"] += 1
            self.health.set("telegram", State.STARTING, "logging in")
            try:
                tg = self._telegram_factory(self._state_setter("telegram"))
            except Exception as exc:
                await self._down("telegram", f"cannot build the bot: {type(exc).__name__}")
                continue
            try:
                await tg.start()
            except asyncio.CancelledError:
                await self._stop_telegram(tg)
                raise
            except InvalidToken:
                reason = "login refused: check POLYSCAN_TELEGRAM_TOKEN"
            except Exception as exc:  # network down, Bot API unreachable, ...
                reason = f"{type(exc).__name__}"
                log.warning("telegram_failed", error=type(exc).__name__, detail=self._safe(exc))
            else:
                self._telegram = tg
                return
            await self._stop_telegram(tg)
            await self._down("telegram", reason)

    @staticmethod
    async def _stop_telegram(tg: TelegramBot) -> None:
        try:
            await tg.stop()
        except Exception as exc:
            log.warning("telegram_stop_failed", error=type(exc).__name__)


def delivery_notifiers(bots: ChatBots, console: ConsoleNotifier | None = None) -> list[Notifier]:
    """The bots' notifiers, or the console when no bot is configured."""
    return bots.notifiers() or [console or ConsoleNotifier()]
