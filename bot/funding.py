"""The funding tracer as a process component (issue 17). With POLYSCAN_POLYGON_RPC_URL unset it
reports `polygon` disabled on /health and everything else runs without it.

Started after the services and before the pipeline: the pipeline enriches with its stored
lookups, the command service shows them on /wallet and traces followed wallets, and its worker
traces alerted wallets from the alert bus.
"""

from __future__ import annotations

from datetime import datetime

from bot.app import Polyscan
from scanner_core.bus import AlertBus
from scanner_core.detectors.params import DetectorParams
from scanner_core.funding.known import FunderListError, load_book, shipped_book
from scanner_core.funding.service import HEALTH_NAME, DataApiSiblingTrades, FundingParams, FundingService
from scanner_core.funding.worker import FundingWorker
from scanner_core.health import State
from scanner_core.logs import get_logger
from scanner_core.models import Alert
from scanner_core.scoring import ScoringParams
from scanner_core.sources import Sources
from scanner_core.sources.polygon import PolygonRpc

log = get_logger("funding")


class FundingComponent:
    name = "funding"

    def __init__(self, app: Polyscan, bus: AlertBus) -> None:
        self.app = app
        self.bus = bus
        self.worker: FundingWorker | None = None

    async def start(self) -> None:
        app, s = self.app, self.app.settings
        if s.polygon_rpc_url is None:
            app.health.set(HEALTH_NAME, State.DISABLED, "POLYSCAN_POLYGON_RPC_URL not set")
            return
        try:
            book = load_book(s.funding_known_funders_file)
        except FunderListError as exc:  # run with the shipped list; say why on /health and in the log
            log.error("known_funders_file_unusable", error=str(exc)[:300])
            book = shipped_book()
            app.health.set(HEALTH_NAME, State.DEGRADED, f"POLYSCAN_FUNDING_KNOWN_FUNDERS_FILE: {exc}"[:300])
        else:
            app.health.set(HEALTH_NAME, State.OK, f"{len(book)} known funders ({book.version})")
        sources: Sources = app.extras["sources"]
        rpc = PolygonRpc.from_settings(s, sources.http.session)
        store = app.repos.funding
        service = FundingService(
            rpc,
            store,
            book,
            FundingParams.from_settings(s),
            clock=app.clock,
            health=app.health,
            sibling_trades=DataApiSiblingTrades(sources.data_api, store),
        )
        wallets = app.extras.get("wallet_service")

        async def first_seen(address: str) -> datetime | None:
            if wallets is None:
                return None
            profile = await wallets.get_profile(address)
            return profile.first_seen  # type: ignore[no-any-return]

        async def publish(alert: Alert) -> list[Alert]:  # the pipeline's path: stored once, then published
            stored = await app.repos.alerts.save_alerts([alert])
            for fresh in stored:
                self.bus.publish(fresh)
            return stored

        self.worker = FundingWorker(
            service,
            publish=publish,
            detector_params=DetectorParams.from_settings(s),
            scoring_params=ScoringParams.from_settings(s),
            clock=app.clock,
            bus=self.bus,
            queue_size=s.funding_queue_size,
            workers=s.funding_workers,
            first_seen=first_seen,
        )
        app.extras.update(funding_service=service, funding_worker=self.worker)
        await self.worker.start()

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
