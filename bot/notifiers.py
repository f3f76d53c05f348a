"""Discord, Telegram and console notifiers behind one interface (webhooks: bot/webhooks.py).

A notifier sends one rendered view to one destination and reports failure as
scanner_core.ports.DeliveryError: `retry_after` when rate limited, `permanent` when the destination
is gone (bot blocked, kicked, missing access, unknown chat), `MessageRejected` when the platform
refused this message but the destination is fine, `Deferred` when only this destination must wait.
Everything else is transient (network, 5xx).
The outbox (bot/delivery.py) decides what to do with each; notifiers never retry or sleep.
`idempotency_key` names one send: the same key means the same message. Discord gets it as the
message nonce with `enforce_nonce` (discord.py sets that flag with any nonce), so a send repeated
within a few minutes returns the first message instead of posting a second one. Telegram has no
such key.

Notifiers read the current bot through a callable, because a bot is re-created when a login is
retried (bot/bots.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TextIO, runtime_checkable

import aiohttp
import discord
import telegram
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.render import discord as discord_render
from bot.render import telegram as telegram_render
from scanner_core.models import Alert, DestinationKind, Platform
from scanner_core.ports import DeliveryError
from scanner_core.presentation import View, plain_text
from scanner_core.routing import Destination, HoldReason

NO_PREVIEW = telegram.LinkPreviewOptions(is_disabled=True)
# Telegram "Bad Request" texts that mean the chat itself is unreachable for this bot.
_TELEGRAM_GONE = ("chat not found", "user is deactivated", "bot was kicked", "not enough rights", "have no rights")


class MessageRejected(DeliveryError):
    """The platform refused this message (size, markup); the destination itself is fine."""


class Deferred(DeliveryError):
    """This destination alone cannot take it now (a webhook receiver that is down, rate limits or
    is paused): try again after `seconds`, spending no attempt and holding up no other destination.
    `seconds` None: the notifier has already rescheduled the delivery itself (a paused webhook parks
    it, under the same lock as a resume)."""

    def __init__(self, message: str, seconds: float | None) -> None:
        super().__init__(message)
        self.seconds = max(0.0, seconds) if seconds is not None else None


class Notifier(Protocol):
    platform: Platform

    @property
    def ready(self) -> bool:
        """Connected and able to send; the outbox waits (without spending attempts) until it is."""
        ...

    async def send_view(
        self,
        destination: Destination,
        view: View,
        *,
        mention_role_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None: ...

    async def send_text(self, destination_id: str, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a send carries besides its view: the alerts the view shows, the outbox rows it settles
    and, for a digest, why they were held."""

    alerts: tuple[Alert, ...]
    delivery_ids: tuple[int, ...]
    digest: HoldReason | None = None


@runtime_checkable
class AlertNotifier(Notifier, Protocol):
    """A notifier that sends the alerts themselves, not only their view (the webhooks' JSON)."""

    async def send_outgoing(self, destination: Destination, view: View, outgoing: Outgoing) -> None: ...


# ---------------------------------------------------------------- Telegram


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def telegram_error(exc: TelegramError) -> DeliveryError:
    """A python-telegram-bot exception as the outbox understands it."""
    message = str(exc)[:300]
    if isinstance(exc, RetryAfter):
        return DeliveryError(f"telegram flood control: {message}", retry_after=_seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return DeliveryError(f"telegram: {message}", permanent=True)
    if isinstance(exc, ChatMigrated):
        return DeliveryError(f"telegram: group moved to supergroup {exc.new_chat_id}", permanent=True)
    if isinstance(exc, BadRequest):
        if any(mark in message.lower() for mark in _TELEGRAM_GONE):
            return DeliveryError(f"telegram: {message}", permanent=True)
        return MessageRejected(f"telegram refused the message: {message}")
    return DeliveryError(f"telegram: {type(exc).__name__}: {message}")


def _chat_id(destination_id: str) -> int | str:
    try:
        return int(destination_id)
    except ValueError:
        return destination_id  # @channelusername


class TelegramNotifier:
    platform = Platform.TELEGRAM

    def __init__(self, bot: Callable[[], telegram.Bot | None]) -> None:
        self._bot = bot

    @property
    def ready(self) -> bool:
        return self._bot() is not None

    def _current(self) -> telegram.Bot:
        current = self._bot()
        if current is None:
            raise DeliveryError("telegram bot is not running")
        return current

    async def send_view(
        self,
        destination: Destination,
        view: View,
        *,
        mention_role_id: str | None = None,
        idempotency_key: str | None = None,  # the Bot API has nothing to carry it
    ) -> None:
        message = telegram_render.render(view)
        await self._send(destination.id, message.text, message.reply_markup)

    async def send_text(self, destination_id: str, text: str) -> None:
        await self._send(destination_id, telegram_render.render_text(text), None)

    async def _send(self, destination_id: str, html: str, markup: telegram.InlineKeyboardMarkup | None) -> None:
        bot = self._current()
        try:
            await bot.send_message(
                chat_id=_chat_id(destination_id),
                text=html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            )
        except TelegramError as exc:
            raise telegram_error(exc) from exc


# ---------------------------------------------------------------- Discord


def discord_error(exc: Exception) -> DeliveryError:
    """A discord.py exception as the outbox understands it."""
    if isinstance(exc, discord.RateLimited):
        return DeliveryError(f"discord rate limit: {exc.retry_after:.1f}s", retry_after=exc.retry_after)
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        # 50001 Missing Access, 50013 Missing Permissions, 50007 DMs closed, 10003 Unknown Channel
        return DeliveryError(f"discord {exc.status} {exc.code}: {exc.text[:200]}", permanent=True)
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            retry = exc.response.headers.get("Retry-After") if exc.response is not None else None
            return DeliveryError("discord rate limit", retry_after=float(retry) if retry else 1.0)
        if 400 <= exc.status < 500:
            return MessageRejected(f"discord refused the message: {exc.status} {exc.code} {exc.text[:200]}")
        return DeliveryError(f"discord {exc.status}: {exc.text[:200]}")
    return DeliveryError(f"discord: {type(exc).__name__}: {str(exc)[:200]}")


class DiscordNotifier:
    platform = Platform.DISCORD

    def __init__(self, client: Callable[[], discord.Client | None]) -> None:
        self._client = client

    @property
    def ready(self) -> bool:
        client = self._client()
        return client is not None and client.is_ready() and not client.is_closed()

    async def _target(self, client: discord.Client, destination: Destination) -> Any:
        ident = int(destination.id)
        if destination.kind is DestinationKind.DISCORD_USER:
            return client.get_user(ident) or await client.fetch_user(ident)
        return client.get_channel(ident) or await client.fetch_channel(ident)

    async def send_view(
        self,
        destination: Destination,
        view: View,
        *,
        mention_role_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        message = discord_render.render(view, mention_role_id=mention_role_id)
        kwargs = message.send_kwargs()
        if idempotency_key is not None:
            kwargs["nonce"] = idempotency_key  # sent with enforce_nonce: a repeat returns the first message
        await self._send(destination, kwargs)

    async def send_text(self, destination_id: str, text: str) -> None:
        destination = Destination(DestinationKind.DISCORD_CHANNEL, destination_id)
        await self._send(
            destination,
            {"content": discord_render.render_text(text), "allowed_mentions": discord.AllowedMentions.none()},
        )

    async def _send(self, destination: Destination, kwargs: dict[str, Any]) -> None:
        client = self._client()
        if client is None or client.is_closed():
            raise DeliveryError("discord bot is not running")
        try:
            target = await self._target(client, destination)
            await target.send(**kwargs)
        except (TimeoutError, discord.DiscordException, aiohttp.ClientError, OSError) as exc:
            raise discord_error(exc) from exc


# ---------------------------------------------------------------- console


class ConsoleNotifier:
    """Prints alerts: what `polyscan run` does without any bot token."""

    platform = Platform.CONSOLE
    ready = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(f"{text}\n{'─' * 60}\n")
        stream.flush()

    async def send_view(
        self,
        destination: Destination,
        view: View,
        *,
        mention_role_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        self._write(plain_text(view))

    async def send_text(self, destination_id: str, text: str) -> None:
        self._write(text)
