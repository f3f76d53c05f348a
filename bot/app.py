"""Composition root: builds settings-driven components and runs them in one event loop.

Only this module constructs concrete clients; everything else receives them as arguments.
Components with a lifetime implement `Lifecycle` (start/stop) and are stopped in reverse order.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from bot.web import WebServer
from db import setup as db_setup
from db.repositories import Repositories
from scanner_core.cache import Cache, build_cache
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import UP_SINCE
from scanner_core.models import now_utc
from scanner_core.monitoring import Monitor, sqlite_file
from scanner_core.ports import FeedStatus
from scanner_core.quarantine import Quarantine

log = get_logger("app")


class Lifecycle(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Polyscan:
    """The running process: database, cache, HTTP server and every component added to it."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = now_utc) -> None:
        self.settings = settings
        self.clock = clock
        self.started_at = clock()
        self.health = HealthRegistry(clock)
        self.repos = Repositories()
        # refused rows (sources and writers) on their way to the quarantine table; the pipeline flushes it
        self.quarantine = Quarantine(
            self.repos.quarantine, clock=clock, max_per_minute=settings.quarantine_max_per_minute
        )
        self.cache: Cache | None = None
        self.web: WebServer | None = None
        self.components: list[Lifecycle] = []
        self._started: list[Lifecycle] = []
        self.stopping = asyncio.Event()
        self.feed: FeedStatus | None = None  # the live trade feed, once the scanner component started it

    async def start(self) -> None:
        s = self.settings
        UP_SINCE.set(self.started_at.timestamp())
        self.health.set("database", State.STARTING)
        await db_setup.connect(s.database_url, s.db_pool_max)
        applied = await db_setup.migrate(s.database_url)
        if applied:
            log.info("migrations_applied", files=applied)
        self.health.set("database", State.OK, "postgres" if s.is_postgres else "sqlite")
        self.cache = build_cache(
            s.redis_url,
            l1_max_items=s.cache_l1_max_items,
            retry_seconds=s.cache_redis_retry_seconds,
            timeout=s.cache_redis_timeout_seconds,
            health=self.health,
        )
        if self.cache.has_l2:
            await self.cache.ping()
        self.web = WebServer(
            self.health,
            host=s.http_host,
            port=s.http_port,
            started_at=self.started_at,
            clock=self.clock,
            readiness=self.readiness,
        )
        await self.web.start()
        for component in self.components:
            await component.start()
            self._started.append(component)
        log.info(
            "started",
            http=f"http://{s.http_host}:{self.web.bound_port}",
            database="postgres" if s.is_postgres else "sqlite",
            cache="memory+redis" if self.cache.has_l2 else "memory",
            components=[c.name for c in self.components],
        )

    def monitor(self) -> Monitor:
        """Health checks over this process's database, cache and trade feed."""
        return Monitor(
            self.health,
            db_ping=db_setup.ping,
            db_file=sqlite_file(self.settings.database_url),
            cache=self.cache,
            feed=self.feed,
            max_trade_age_seconds=self.settings.ready_max_trade_age_seconds,
            started_at=self.started_at,
            clock=self.clock,
        )

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Ready when the database answers, the cache works (degraded allowed) and the feed is fresh."""
        return await self.monitor().readiness()

    async def stop(self) -> None:
        for component in reversed(self._started):
            try:
                await component.stop()
            except Exception:  # one component failing to stop must not keep the others running
                log.exception("stop_failed", component_name=component.name)
        self._started.clear()
        if self.web is not None:
            await self.web.stop()
        if self.cache is not None:
            await self.cache.close()
        await db_setup.close()
        log.info("stopped")

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        try:
            await self.start()
            await self.stopping.wait()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self.stop()
