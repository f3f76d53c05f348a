"""The wallet scanner as a process component: builds its runner at start (the cache exists by
then) and rescans recently seen wallets every `every_seconds` (walletscan_rescan_hours); with
`every_seconds=0` it runs no loop of its own and a scheduler calls `rescan_job`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

from scanner_core.logs import get_logger
from scanner_core.metrics import JOB_RUNS
from scanner_core.models import now_utc
from scanner_core.wallets.classifier.runner import ScanSummary, WalletScanRunner

log = get_logger("walletscan")


class WalletScanComponent:
    name = "walletscan"

    def __init__(
        self,
        build: Callable[[], WalletScanRunner],
        *,
        every_seconds: float,
        first_delay_seconds: float = 300.0,
        clock: Callable[[], datetime] = now_utc,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._build = build
        self.every_seconds = every_seconds
        self.first_delay_seconds = first_delay_seconds
        self._clock = clock
        self._sleep = sleep
        self.runner: WalletScanRunner | None = None
        self.last_summary: ScanSummary | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.runner = self._build()
        if self.every_seconds > 0:  # 0: an outside scheduler calls rescan_job instead
            self._task = asyncio.create_task(self._loop(), name="walletscan-rescan")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def rescan_job(self) -> ScanSummary | None:
        """One scheduled rescan (also callable from an apscheduler job). Failures are logged and counted."""
        if self.runner is None:
            return None
        try:
            summary = await self.runner.rescan_recent(self._clock())
        except Exception as exc:  # the next run tries again; the process keeps running
            JOB_RUNS.labels("walletscan_rescan", "error").inc()
            log.warning("walletscan_rescan_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            return None
        JOB_RUNS.labels("walletscan_rescan", "ok").inc()
        self.last_summary = summary
        return summary

    async def _loop(self) -> None:
        await self._sleep(self.first_delay_seconds)
        while True:
            await self.rescan_job()
            await self._sleep(self.every_seconds)
