"""The HTTP side of the process: /health, /health/live, /health/ready and /metrics.

- /health: liveness summary, always 200 while the process answers; status "ok" or "degraded"
  with every component's state, detail and last success time.
- /health/live: the process answers (the Docker HEALTHCHECK and Kubernetes liveness probe).
- /health/ready: 200 only when the readiness check passes (database, cache, trade feed: see
  scanner_core/monitoring.py), else 503; the Kubernetes readiness probe.
- /metrics: Prometheus text format.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from scanner_core import __version__
from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.monitoring import initialise_metrics

ReadinessCheck = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]
log = get_logger("web")


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


class WebServer:
    def __init__(
        self,
        health: HealthRegistry,
        *,
        host: str,
        port: int,
        started_at: datetime,
        clock: Callable[[], datetime],
        readiness: ReadinessCheck | None = None,
    ) -> None:
        self._health = health
        self._host = host
        self._port = port
        self._started_at = started_at
        self._clock = clock
        self._readiness = readiness
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/health", self.health)
        self.app.router.add_get("/health/live", self.live)
        self.app.router.add_get("/health/ready", self.ready)
        self.app.router.add_get("/metrics", self.metrics)
        self.bound_port: int | None = None

    def _base(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "uptime_seconds": round((self._clock() - self._started_at).total_seconds(), 1),
            "started_at": self._started_at.isoformat(),
        }

    async def health(self, _: web.Request) -> web.Response:
        components = {name: c.as_json() for name, c in sorted(self._health.all().items())}
        down = [n for n, c in self._health.all().items() if c.state is State.DOWN]
        status = "degraded" if down or any(c.state is State.DEGRADED for c in self._health.all().values()) else "ok"
        return _json({"status": status, **self._base(), "components": components})

    async def live(self, _: web.Request) -> web.Response:
        return _json({"status": "ok", **self._base()})

    async def ready(self, _: web.Request) -> web.Response:
        if self._readiness is None:
            return _json({"status": "ok", **self._base(), "components": {}})
        try:
            ready, components = await self._readiness()
        except Exception as exc:  # a broken check means not ready, never a 500
            log.warning("readiness_check_failed", error=type(exc).__name__)
            ready, components = False, {"readiness": {"state": "down", "detail": type(exc).__name__}}
        return _json(
            {"status": "ready" if ready else "not_ready", **self._base(), "components": components},
            status=200 if ready else 503,
        )

    async def metrics(self, _: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        response = web.Response(body=body)
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response

    async def start(self) -> None:
        initialise_metrics()
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server  # the bound port when port 0 was asked for
        sockets = getattr(server, "sockets", None) or []
        self.bound_port = sockets[0].getsockname()[1] if sockets else self._port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
