"""Operations: health checks for /health/ready, observations for the system alerter, metric
snapshots for `system_metrics` and /stats, process memory, and the error counter.

The decisions (is the feed fresh, is the process ready) are pure functions; `Monitor` does the
I/O around them (database ping, Redis ping, reading the feed and the Prometheus metrics).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import psutil
from prometheus_client.metrics import MetricWrapperBase

from scanner_core.alerter import Observations, format_duration
from scanner_core.health import ComponentHealth, HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import (
    ALERTS_GENERATED,
    API_FORBIDDEN,
    API_LATENCY,
    API_RATE_LIMITED,
    API_REQUESTS,
    CACHE_DEGRADED,
    CACHE_HITS,
    CACHE_MISSES,
    CIRCUIT_OPEN,
    DELIVERIES_FAILED,
    DELIVERIES_SENT,
    DELIVERY_BACKLOG,
    ERRORS,
    FEED_LAG,
    FEED_QUEUE_DEPTH,
    PROCESS_MEMORY,
    QUEUE_DEPTH,
    SYSTEM_ALERTS_ACTIVE,
    TRADES_FILTERED,
    TRADES_RECEIVED,
    TRADES_STORED,
    WEBSOCKET_CONNECTED,
    WEBSOCKET_RECONNECTS,
)
from scanner_core.models import MetricSample, Platform, Severity
from scanner_core.ports import FeedStatus
from scanner_core.storage import WRITERS

log = get_logger("monitoring")

# Components that decide readiness; every other component is shown but does not gate.
READY_GATES = ("database", "cache", "feed")
_USABLE = (State.OK, State.DEGRADED)
# Label sets created at start so dashboards have series from the first scrape.
DELIVERY_PLATFORMS = (Platform.TELEGRAM.value, Platform.DISCORD.value, Platform.WEBHOOK.value)
CACHE_LEVELS = ("l1", "l2")
# Chat bots report their state to the health registry under these names (bot/bots.py).
BOT_COMPONENTS = (Platform.DISCORD.value, Platform.TELEGRAM.value)
_WORKING = (State.OK, State.DISABLED)  # a bot without a token is not "down"


# ---------------------------------------------------------------- pure decisions


def feed_health(
    connected: bool,
    last_trade_at: datetime | None,
    *,
    now: datetime,
    watching_since: datetime,
    max_trade_age_seconds: float,
    reconnects: int = 0,
    problem: str | None = None,
) -> ComponentHealth:
    """The trade feed's state: OK while connected and its last trade is young enough, DEGRADED
    when it is, but has a `problem` (a silent RTDS type; trades still come).

    Before the first trade, the age counts from `watching_since` (process start), so a process
    that just started is ready, and one that never saw a trade stops being ready in time.
    """
    if not connected:
        detail = "disconnected" + (f" ({reconnects} reconnects so far)" if reconnects else "")
        return ComponentHealth("feed", State.DOWN, detail, last_trade_at)
    if last_trade_at is None:
        waited = (now - watching_since).total_seconds()
        if waited <= max_trade_age_seconds:
            return ComponentHealth("feed", State.OK, "connected, waiting for the first trade", None)
        detail = f"connected but no trade in {format_duration(waited)} (max {format_duration(max_trade_age_seconds)})"
        return ComponentHealth("feed", State.DOWN, detail, None)
    age = max(0.0, (now - last_trade_at).total_seconds())
    if age > max_trade_age_seconds:
        detail = f"stalled: last trade {format_duration(age)} ago (max {format_duration(max_trade_age_seconds)})"
        return ComponentHealth("feed", State.DOWN, detail, last_trade_at)
    detail = f"connected, last trade {format_duration(age)} ago"
    if problem:
        return ComponentHealth("feed", State.DEGRADED, f"{detail}; {problem}", last_trade_at)
    return ComponentHealth("feed", State.OK, detail, last_trade_at)


def sqlite_file(database_url: str) -> Path | None:
    """The file behind a sqlite:// URL (None for a server database or an in-memory one)."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        return None
    location = parts.netloc + parts.path
    return None if not location or location == ":memory:" else Path(location)


def readiness_of(components: Mapping[str, ComponentHealth], gates: Iterable[str]) -> list[str]:
    """The gating components that are missing or unusable (empty: ready). DEGRADED still serves."""
    return [name for name in gates if name not in components or components[name].state not in _USABLE]


# ---------------------------------------------------------------- reading Prometheus metrics


def metric_values(metric: MetricWrapperBase) -> list[tuple[str, dict[str, str], float]]:
    """Current (sample name, labels, value) of one metric; no `_created` stamps or histogram buckets."""
    out: list[tuple[str, dict[str, str], float]] = []
    for family in metric.collect():
        for sample in family.samples:
            if sample.name.endswith(("_created", "_bucket")):
                continue
            out.append((sample.name, dict(sample.labels), float(sample.value)))
    return out


def values_by_label(metric: MetricWrapperBase, label: str) -> dict[str, float]:
    """A labelled counter or gauge summed per value of one label (e.g. errors per component)."""
    out: dict[str, float] = {}
    for name, labels, value in metric_values(metric):
        if name.endswith(("_sum", "_count")) or label not in labels:
            continue
        out[labels[label]] = out.get(labels[label], 0.0) + value
    return out


def forbidden_hosts() -> dict[str, tuple[str, ...]]:
    """Polymarket hosts answering 403 now (scanner_api_forbidden), each with the settings naming it."""
    out: dict[str, set[str]] = {}
    for _, labels, value in metric_values(API_FORBIDDEN):
        if value >= 1 and "host" in labels:
            out.setdefault(labels["host"], set()).add(labels.get("setting", ""))
    return {host: tuple(sorted(s for s in settings if s)) for host, settings in out.items()}


def rss_bytes() -> int:
    """Resident memory of this process."""
    return int(psutil.Process().memory_info().rss)


def initialise_metrics() -> None:
    """Process memory read at scrape time, and the label sets dashboards expect from the start."""
    PROCESS_MEMORY.set_function(rss_bytes)
    for level in CACHE_LEVELS:
        CACHE_HITS.labels(cache_level=level)
        CACHE_MISSES.labels(cache_level=level)
    for platform in DELIVERY_PLATFORMS:
        DELIVERIES_SENT.labels(platform=platform)
        DELIVERY_BACKLOG.labels(platform=platform)
    for severity in Severity:
        ALERTS_GENERATED.labels(severity=severity.value)


# ---------------------------------------------------------------- active checks


class CacheProbe(Protocol):
    """What the monitor needs of the two-level cache."""

    @property
    def has_l2(self) -> bool: ...

    async def ping(self) -> bool: ...


class Monitor:
    """Active health checks over the process's database, cache and trade feed.

    Shared by /health/ready (`readiness`) and the system alerter (`observe`). Keeps no state of
    its own besides the HealthRegistry it updates, so it can be built wherever it is needed.
    """

    def __init__(
        self,
        health: HealthRegistry,
        *,
        db_ping: Callable[[], Awaitable[object]],
        cache: CacheProbe | None,
        feed: FeedStatus | None,
        max_trade_age_seconds: float,
        started_at: datetime,
        clock: Callable[[], datetime],
        db_file: Path | None = None,
        db_timeout_seconds: float = 5.0,
        memory: Callable[[], int] = rss_bytes,
    ) -> None:
        self._health = health
        self._db_ping = db_ping
        self._cache = cache
        self._feed = feed
        self._max_trade_age = max_trade_age_seconds
        self._started_at = started_at
        self._clock = clock
        self._db_file = db_file
        self._db_timeout = db_timeout_seconds
        self._memory = memory

    async def check_database(self) -> ComponentHealth:
        """A server database must answer; an SQLite file must also still be where the settings say.

        (An open SQLite connection answers even after its file is deleted or its volume is gone,
        while everything written from then on is lost: that is "gone" too.)
        """
        try:
            await asyncio.wait_for(self._db_ping(), self._db_timeout)
        except (OSError, TimeoutError, Exception) as exc:  # drivers raise their own error types
            reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
            detail = f"does not answer: {type(exc).__name__}" + (f": {reason}" if reason else "")
            self._health.set("database", State.DOWN, detail)
        else:
            if self._db_file is not None and not self._db_file.exists():
                self._health.set("database", State.DOWN, f"does not answer: file {self._db_file} is gone")
            else:
                self._health.set("database", State.OK, "answers")
        current = self._health.get("database")
        assert current is not None
        return current

    async def check_cache(self) -> ComponentHealth | None:
        """Pings Redis when there is one; the cache reports its own state (degraded: memory only)."""
        if self._cache is None:
            return None
        if self._cache.has_l2:
            await self._cache.ping()
        return self._health.get("cache")

    def check_feed(self) -> ComponentHealth | None:
        if self._feed is None:
            return None
        now = self._clock()
        last = self._feed.last_trade_at
        if last is not None:
            FEED_LAG.set(max(0.0, (now - last).total_seconds()))
        verdict = feed_health(
            self._feed.connected,
            last,
            now=now,
            watching_since=self._started_at,
            max_trade_age_seconds=self._max_trade_age,
            reconnects=self._feed.reconnects,
            problem=self._feed.problem,
        )
        self._health.set(verdict.name, verdict.state, verdict.detail)  # /health shows it as last checked
        return verdict

    def gates(self) -> list[str]:
        return [
            name
            for name in READY_GATES
            if name == "database"
            or (name == "cache" and self._cache is not None)
            or (name == "feed" and self._feed is not None)
        ]

    async def components(self) -> dict[str, ComponentHealth]:
        """Every component after fresh database, cache and feed checks."""
        await self.check_database()
        await self.check_cache()
        components = self._health.all()
        feed = self.check_feed()
        if feed is not None:
            components["feed"] = feed
        return components

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """(ready, {component: {state, detail, last_success, required}}) for /health/ready."""
        components = await self.components()
        gates = self.gates()
        failing = readiness_of(components, gates)
        body = {
            name: {**component.as_json(), "required": name in gates} for name, component in sorted(components.items())
        }
        for name in failing:
            body.setdefault(name, {"state": "unknown", "detail": "not reported yet", "last_success": None})
            body[name]["required"] = True
        return not failing, body

    def _streams(self) -> dict[str, bool]:
        """WebSocket streams that were started (they report to the health registry), connected or not.

        A stream object that exists but was never run has a 0 gauge and no health entry: it is not
        "disconnected", so it is left out.
        """
        started = self._health.all()
        return {
            stream: value >= 1
            for stream, value in values_by_label(WEBSOCKET_CONNECTED, "stream").items()
            if stream in started and started[stream].state is not State.DISABLED
        }

    def _bots_down(self) -> dict[str, str]:
        """Chat bots that are not working right now, with the reason their health gives."""
        components = self._health.all()
        return {
            name: components[name].detail or components[name].state.value
            for name in BOT_COMPONENTS
            if name in components and components[name].state not in _WORKING
        }

    async def observe(self) -> Observations:
        """What the system alerter evaluates: fresh checks plus the metrics it watches."""
        database = await self.check_database()
        cache = await self.check_cache()
        feed = self._feed
        if feed is not None:
            self.check_feed()  # keeps the feed-lag gauge current
        redis_configured = self._cache is not None and self._cache.has_l2
        cache_ok = not redis_configured or (cache is not None and cache.state is State.OK)
        return Observations(
            database_ok=database.state is State.OK,
            database_detail=database.detail,
            cache_ok=cache_ok,
            cache_detail=cache.detail if cache is not None else "",
            streams=self._streams(),
            feed_enabled=feed is not None,
            last_trade_at=feed.last_trade_at if feed is not None else None,
            rate_limited_total=values_by_label(API_RATE_LIMITED, "endpoint"),
            circuits_open={host: value >= 1 for host, value in values_by_label(CIRCUIT_OPEN, "host").items()},
            memory_bytes=self._memory(),
            errors_total=values_by_label(ERRORS, "component"),
            bots_down=self._bots_down(),
            forbidden=forbidden_hosts(),
            writers_failing=self._writers_failing(),
        )

    def _writers_failing(self) -> dict[str, str]:
        """Writers (trades, alerts) that report DEGRADED: the database keeps refusing them service."""
        return {
            name: component.detail
            for name, component in self._health.all().items()
            if name in WRITERS and component.state in (State.DEGRADED, State.DOWN)
        }


# ---------------------------------------------------------------- metric snapshots


class MetricStore(Protocol):
    """Where snapshots go (db MetricsRepository)."""

    async def write(self, samples: Sequence[MetricSample]) -> None: ...

    async def latest_snapshot(self, anchor: str, names: Sequence[str]) -> list[MetricSample]: ...


class BacklogSource(Protocol):
    """Deliveries pending or held, per platform (db DeliveryRepository)."""

    async def backlog(self) -> dict[str, int]: ...


# The main metrics kept as history in system_metrics (read by /stats).
SNAPSHOT_METRICS: tuple[MetricWrapperBase, ...] = (
    TRADES_RECEIVED,
    TRADES_FILTERED,
    TRADES_STORED,
    ALERTS_GENERATED,
    FEED_LAG,
    FEED_QUEUE_DEPTH,
    QUEUE_DEPTH,
    WEBSOCKET_CONNECTED,
    WEBSOCKET_RECONNECTS,
    API_REQUESTS,
    API_LATENCY,
    API_RATE_LIMITED,
    CIRCUIT_OPEN,
    CACHE_HITS,
    CACHE_MISSES,
    CACHE_DEGRADED,
    DELIVERIES_SENT,
    DELIVERIES_FAILED,
    DELIVERY_BACKLOG,
    ERRORS,
    PROCESS_MEMORY,
    SYSTEM_ALERTS_ACTIVE,
)


# Always in a snapshot (unlabelled gauge): finds the newest snapshot through the name index.
SNAPSHOT_ANCHOR = "scanner_process_memory_bytes"


class MetricSnapshots:
    """Copies the main metrics' current values into `system_metrics` (history for /stats)."""

    def __init__(
        self,
        store: MetricStore,
        *,
        clock: Callable[[], datetime],
        metrics: Sequence[MetricWrapperBase] = SNAPSHOT_METRICS,
        backlog: BacklogSource | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._metrics = tuple(metrics)
        self._backlog = backlog
        initialise_metrics()  # process memory must be read live, not stay at 0

    def current(self, now: datetime) -> list[MetricSample]:
        samples = []
        for metric in self._metrics:
            for name, labels, value in metric_values(metric):
                samples.append(MetricSample(now, name, value, labels))
        return samples

    async def refresh_backlog(self) -> None:
        """The outbox is the truth for the delivery backlog: set the gauge from it."""
        if self._backlog is None:
            return
        counts = await self._backlog.backlog()
        for platform in {*DELIVERY_PLATFORMS, *counts}:
            DELIVERY_BACKLOG.labels(platform=platform).set(counts.get(platform, 0))

    async def write(self) -> int:
        """Write one snapshot; returns the number of samples stored."""
        await self.refresh_backlog()
        samples = self.current(self._clock())
        await self._store.write(samples)
        return len(samples)

    async def latest(self) -> list[MetricSample]:
        """The most recent stored snapshot (every sample of it), e.g. for /stats after a restart."""
        names = sorted({name for metric in self._metrics for name, _, _ in metric_values(metric)})
        return await self._store.latest_snapshot(SNAPSHOT_ANCHOR, names)


def latest_values(samples: Iterable[MetricSample]) -> dict[str, float]:
    """Samples summed per metric name across labels (e.g. deliveries sent on all platforms)."""
    out: dict[str, float] = {}
    for sample in samples:
        out[sample.name] = out.get(sample.name, 0.0) + sample.value
    return out


# ---------------------------------------------------------------- error counter


def _component_of(record: logging.LogRecord) -> str:
    # structlog hands the stdlib record its event dict as `msg` (ProcessorFormatter.wrap_for_formatter)
    if isinstance(record.msg, dict):
        component = record.msg.get("component")
        if isinstance(component, str) and component:
            return component
    return record.name or "polyscan"


class _CountingHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels(component=_component_of(record)).inc()


class ErrorCounter:
    """Counts ERROR-and-worse log lines per component in scanner_errors_total (the alerter's error rate).

    A Lifecycle component: `start` hooks a handler on the root logger (after logging is configured),
    `stop` removes it. Our structlog lines and third-party libraries' lines both pass there.
    """

    name = "error_counter"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger if logger is not None else logging.getLogger()
        self._handler = _CountingHandler(level=logging.ERROR)

    async def start(self) -> None:
        if self._handler not in self._logger.handlers:
            self._logger.addHandler(self._handler)

    async def stop(self) -> None:
        self._logger.removeHandler(self._handler)
