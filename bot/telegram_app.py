"""The Telegram bot: a python-telegram-bot Application in the shared event loop.

Built with `base_url`/`base_file_url` from settings (operators may run their own Bot API server;
tests point it at a fake). The lifecycle is manual — initialize, start, then polling; on the way
out polling stops, then stop, shutdown — because run_polling/run_webhook own the loop. Polling is
bot/telegram_polling.py (not PTB's Updater, which stops for good on a 401 and keeps quiet about
it): it retries every failure with backoff and reports the real polling state to health.
Webhook mode (settings.telegram_webhook_url) runs a small aiohttp receiver that checks Telegram's
secret token header and feeds updates into the Application.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from urllib.parse import urlsplit

import telegram
from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.handlers import build_handlers
from bot.handlers.common import on_error
from bot.telegram_polling import Backoff, TelegramPoller
from scanner_core import catalogue
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from scanner_core.health import State
from scanner_core.logs import get_logger
from scanner_core.models import Platform

log = get_logger("telegram")

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)
StateCallback = Callable[[State, str], None]


def bot_commands() -> list[BotCommand]:
    """setMyCommands, from the one catalogue."""
    return [BotCommand(c.name, c.description[:256]) for c in catalogue.for_platform(Platform.TELEGRAM)]


def build_application(settings: Settings, service: CommandService, *, token: str | None = None) -> Application:  # type: ignore[type-arg]
    # PTB 22 warns on every int time period unless opted into timedelta (RetryAfter included).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    secret = token or (settings.telegram_token.get_secret_value() if settings.telegram_token else "")
    if not secret:
        raise ValueError("no Telegram token (POLYSCAN_TELEGRAM_TOKEN)")
    application = (
        Application.builder()
        .token(secret)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .updater(None)  # polling is TelegramPoller's
        .build()
    )
    application.add_handlers(build_handlers(service))
    application.add_error_handler(on_error)
    return application


class WebhookReceiver:
    """Receives Telegram's webhook POSTs and queues the updates for the Application."""

    def __init__(self, application: Application, *, host: str, port: int, path: str, secret: str) -> None:  # type: ignore[type-arg]
        self.application = application
        self.host = host
        self.port = port
        self.path = path or "/"
        self.secret = secret
        self.bound_port: int | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.bound_port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if self.secret and not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        await self.application.update_queue.put(update)
        return web.Response(status=200)


class TelegramBot:
    """One Application's lifetime: start it, keep it polling (or receiving webhooks), stop it."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        settings: Settings,
        *,
        on_state: StateCallback | None = None,
        poll_timeout: float = 10.0,
        backoff: Backoff | None = None,
    ) -> None:
        self.application = application
        self.settings = settings
        self.on_state = on_state
        self.poll_timeout = poll_timeout
        self.backoff = backoff or Backoff.from_settings(settings)
        self.webhook: WebhookReceiver | None = None
        self.poller: TelegramPoller | None = None
        self._initialized = False
        self._started = False
        application.add_handler(TypeHandler(Update, self._seen), group=-1)

    @property
    def bot(self) -> telegram.Bot:
        return self.application.bot

    async def _seen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.poller is None:  # webhook mode: an update is the only sign of life
            self._state(State.OK, "receiving updates")

    def _state(self, state: State, detail: str) -> None:
        if self.on_state is not None:
            self.on_state(state, detail)

    async def start(self) -> None:
        """Log in (getMe), publish the commands, then poll or receive webhooks. Raises on failure."""
        app = self.application
        await app.initialize()
        self._initialized = True
        try:
            await app.bot.set_my_commands(bot_commands())
        except TelegramError as exc:  # the menu is a convenience: the commands work without it
            log.warning("set_my_commands_failed", error=type(exc).__name__, detail=str(exc)[:200])
        await app.start()
        self._started = True
        s = self.settings
        if s.telegram_webhook_url:
            secret = s.telegram_webhook_secret.get_secret_value() if s.telegram_webhook_secret else ""
            self.webhook = WebhookReceiver(
                app,
                host=s.telegram_webhook_host,
                port=s.telegram_webhook_port,
                path=urlsplit(s.telegram_webhook_url).path,
                secret=secret,
            )
            await self.webhook.start()
            await app.bot.set_webhook(
                url=s.telegram_webhook_url, secret_token=secret or None, allowed_updates=ALLOWED_UPDATES
            )
            mode = "webhook"
        else:
            await app.bot.delete_webhook()  # getUpdates answers 409 while a webhook is set
            self.poller = TelegramPoller(
                app,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                backoff=self.backoff,
                on_state=self._state,
                ok_detail=f"polling as @{app.bot.username}",
            )
            self.poller.start()
            mode = "polling"
        log.info("telegram_started", mode=mode, username=app.bot.username)
        self._state(State.OK, f"{mode} as @{app.bot.username}")

    async def stop(self) -> None:
        app = self.application
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if self._started:
            await app.stop()
            self._started = False
        if self._initialized:
            await app.shutdown()
            self._initialized = False
        else:  # a failed initialize (token refused, network down) still opened the HTTP clients
            await app.bot.shutdown()
