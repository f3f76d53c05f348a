"""The admin chat: system alerts to POLYSCAN_TELEGRAM_ADMIN_CHAT_ID and/or
POLYSCAN_DISCORD_ADMIN_CHANNEL_ID (scanner_core.ports.AdminNotifier).

An admin message must never take anything down: a platform that is not connected is skipped, a
failed send is logged, and when no chat received it the text still reaches the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.notifiers import Notifier
from scanner_core.config import BotSettings
from scanner_core.logs import get_logger
from scanner_core.models import Platform
from scanner_core.ports import DeliveryError

log = get_logger("admin")

SEVERITY_MARKS = {
    "critical": "🔴",
    "error": "🔴",
    "high": "🟠",
    "warning": "🟠",
    "notable": "🔵",
    "info": "ℹ️",
    "resolved": "✅",
    "ok": "✅",
}
SEND_TIMEOUT = 15.0


def admin_text(text: str, severity: str) -> str:
    mark = SEVERITY_MARKS.get(severity.lower(), "⚠️")
    return f"{mark} polyscan {severity.upper()}: {text}"


class ChatAdminNotifier:
    """Sends each system alert to every configured admin destination."""

    def __init__(self, targets: Sequence[tuple[Notifier, str]], *, timeout: float = SEND_TIMEOUT) -> None:
        self.targets = list(targets)
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: BotSettings, notifiers: Sequence[Notifier]) -> ChatAdminNotifier:
        by_platform = {n.platform: n for n in notifiers}
        targets: list[tuple[Notifier, str]] = []
        telegram = by_platform.get(Platform.TELEGRAM)
        if telegram is not None and settings.telegram_admin_chat_id is not None:
            targets.append((telegram, str(settings.telegram_admin_chat_id)))
        discord = by_platform.get(Platform.DISCORD)
        if discord is not None and settings.discord_admin_channel_id is not None:
            targets.append((discord, str(settings.discord_admin_channel_id)))
        return cls(targets)

    async def notify_admin(self, text: str, severity: str) -> None:
        message = admin_text(text, severity)
        delivered = 0
        for notifier, destination in self.targets:
            if not notifier.ready:
                continue
            try:
                async with asyncio.timeout(self.timeout):
                    await notifier.send_text(destination, message)
                delivered += 1
            except (DeliveryError, TimeoutError) as exc:
                log.warning("admin_send_failed", platform=notifier.platform.value, error=str(exc)[:200])
            except Exception:  # an admin message must never break its caller
                log.exception("admin_send_error", platform=notifier.platform.value)
        if not delivered:
            log.warning("admin_alert", severity=severity, text=text, delivered_to="log only")
