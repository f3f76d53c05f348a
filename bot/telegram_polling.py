"""Telegram long polling that comes back after any failure.

python-telegram-bot's own Updater gives up for good on a 401 from getUpdates (InvalidToken ends
its loop and nothing restarts it), and tells of a recovered poll only when the next update comes.
So polyscan polls itself, with the same Bot and the same Application: every failure (401, 409
Conflict, flood control, a dropped connection, the Bot API unreachable, a reply it cannot read) is
retried after a capped, jittered backoff, forever, and every poll sets the bot's health: OK when a
poll succeeds, DEGRADED with the reason while polls fail, DOWN while the token is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from scanner_core.config import BotSettings
from scanner_core.health import State
from scanner_core.logs import get_logger

log = get_logger("telegram")

StateCallback = Callable[[State, str], None]
Sleep = Callable[[float], Awaitable[None]]
MAX_DOUBLINGS = 30  # the wait reaches its cap long before: this keeps 2**n a small number
STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class Backoff:
    """Wait before retry number `failures`: `minimum` doubling per failure in a row up to
    `maximum`; the `jitter` share of it is random, so retries do not fall into step."""

    minimum: float = 1.0
    maximum: float = 60.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: BotSettings) -> Backoff:
        return cls(settings.bot_retry_min_seconds, settings.bot_retry_max_seconds, settings.bot_retry_jitter)

    def delay(self, failures: int) -> float:
        ceiling = min(self.maximum, self.minimum * 2 ** min(MAX_DOUBLINGS, max(0, failures - 1)))
        return ceiling * (1 - self.jitter) + self.rng.uniform(0, ceiling * self.jitter)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def describe_failure(exc: BaseException, secrets: Sequence[str] = ()) -> tuple[State, str, float | None]:
    """(health state, reason for /health and the log, the wait Telegram asked for if it did)."""
    text = str(exc)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "****")
    text = text[:160]
    if isinstance(exc, InvalidToken):
        code = "404 Not Found" if "not found" in text.lower() else "401 Unauthorized"
        return State.DOWN, f"{code}: the token was refused (check POLYSCAN_TELEGRAM_TOKEN)", None
    if isinstance(exc, Conflict):
        return State.DEGRADED, "409 Conflict: another process polls with this token, or a webhook is set", None
    if isinstance(exc, RetryAfter):
        return State.DEGRADED, "429 flood control", _seconds(exc.retry_after)
    if isinstance(exc, TimedOut):
        return State.DEGRADED, "timed out waiting for the Bot API", None
    if isinstance(exc, NetworkError):
        return State.DEGRADED, f"network error: {text}", None
    if isinstance(exc, TelegramError):
        return State.DEGRADED, f"{type(exc).__name__}: {text}", None
    return State.DEGRADED, f"unexpected {type(exc).__name__}: {text}", None


class TelegramPoller:
    """getUpdates in a loop that only ends when stopped; updates go to the Application's queue."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        *,
        timeout: float,
        allowed_updates: Sequence[str],
        backoff: Backoff,
        on_state: StateCallback,
        ok_detail: str,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.application = application
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.backoff = backoff
        self.on_state = on_state
        self.ok_detail = ok_detail
        self._sleep = sleep
        self._offset = 0
        self._task: asyncio.Task[None] | None = None
        self.failures = 0  # failed polls in a row
        self._healthy = True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._offset:  # confirm what was handed on (as PTB's Updater does): not fetched again
            try:
                async with asyncio.timeout(STOP_TIMEOUT):
                    await self.application.bot.get_updates(offset=self._offset, timeout=dtm.timedelta(0))
            except (TelegramError, TimeoutError) as exc:
                log.info("telegram_confirm_skipped", error=type(exc).__name__)

    async def _run(self) -> None:
        bot = self.application.bot
        while True:
            try:
                updates = await bot.get_updates(
                    offset=self._offset or None,
                    timeout=dtm.timedelta(seconds=self.timeout),
                    allowed_updates=self.allowed_updates,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every failure is retried: the loop must outlive all of them
                await self._failed(exc)
                continue
            self._succeeded()
            for update in updates:
                await self.application.update_queue.put(update)
            if updates:
                self._offset = updates[-1].update_id + 1

    async def _failed(self, exc: Exception) -> None:
        self.failures += 1
        state, reason, asked = describe_failure(exc, (self.application.bot.token,))
        delay = asked if asked is not None else self.backoff.delay(self.failures)
        self._healthy = False
        self.on_state(state, f"polling: {reason}; retrying in {delay:.1f}s")
        log.warning("telegram_polling_failed", reason=reason, failures=self.failures, retry_seconds=round(delay, 2))
        await self._sleep(delay)

    def _succeeded(self) -> None:
        if self.failures:
            log.info("telegram_polling_recovered", failures=self.failures)
            self.failures = 0
        if not self._healthy:
            self._healthy = True
            self.on_state(State.OK, self.ok_detail)
