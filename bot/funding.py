"""The funding tracer's worker as a process component (issue 17). The tracer itself is part of the
engine (bot/scanner.py build_funding): with POLYSCAN_POLYGON_RPC_URL unset there is none, /health
shows `polygon` disabled and everything else runs without it.

Started after the engine and before the pipeline: the pipeline enriches with the tracer's stored
lookups, the command service shows them on /wallet and traces followed wallets through this
worker, which also traces alerted wallets from the alert bus.
"""

from __future__ import annotations

from bot.app import Polyscan
from bot.components import ScannerComponent
from bot.scanner import first_seen_lookup
from scanner_core.bus import AlertBus
from scanner_core.funding.worker import FundingWorker
from scanner_core.models import Alert


class FundingComponent:
    name = "funding"

    def __init__(self, app: Polyscan, engine: ScannerComponent, bus: AlertBus) -> None:
        self.app = app
        self.engine = engine
        self.bus = bus
        self.worker: FundingWorker | None = None

    async def start(self) -> None:
        app, s, scanner = self.app, self.app.settings, self.engine.scanner
        if scanner.funding is None:
            return

        async def publish(alert: Alert) -> list[Alert]:  # the pipeline's path: stored once, then published
            stored = await app.repos.alerts.save_alerts([alert])
            for fresh in stored:
                self.bus.publish(fresh)
            return stored

        self.worker = FundingWorker(
            scanner.funding,
            publish=publish,
            detector_params=scanner.detector_params,
            scoring_params=scanner.scoring_params,
            clock=app.clock,
            bus=self.bus,
            queue_size=s.funding_queue_size,
            workers=s.funding_workers,
            first_seen=first_seen_lookup(scanner),
        )
        await self.worker.start()

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
