"""The wallet scanner as a process component: builds its runner at start (the wallet service exists
by then); the scheduler (scanner_core.jobs, every POLYSCAN_WALLETSCAN_RESCAN_HOURS) calls `rescan`
to classify the wallets seen lately again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from scanner_core.logs import get_logger
from scanner_core.metrics import JOB_RUNS
from scanner_core.wallets.classifier.runner import ScanSummary, WalletScanRunner

log = get_logger("walletscan")


class WalletScanComponent:
    name = "walletscan"

    def __init__(self, build: Callable[[], WalletScanRunner]) -> None:
        self._build = build
        self.runner: WalletScanRunner | None = None
        self.last_summary: ScanSummary | None = None

    async def start(self) -> None:
        self.runner = self._build()

    async def stop(self) -> None:
        self.runner = None

    async def rescan(self, now: datetime) -> ScanSummary | None:
        """One scheduled rescan. Failures are logged and counted; the next run tries again."""
        if self.runner is None:
            return None
        try:
            summary = await self.runner.rescan_recent(now)
        except Exception as exc:  # the process keeps running
            JOB_RUNS.labels("walletscan_rescan", "error").inc()
            log.warning("walletscan_rescan_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            return None
        JOB_RUNS.labels("walletscan_rescan", "ok").inc()
        self.last_summary = summary
        return summary
