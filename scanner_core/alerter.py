"""System alerts for operators: conditions that need a person, sent once to the admin chat.

`AlertPolicy.evaluate(observations, now)` is the pure part: it turns what the monitor saw into
transitions (a condition started, a condition cleared), so each condition sends one alert when it
starts and one "recovered" message when it clears, and nothing while it lasts. `SystemAlerter`
does the I/O around it: observe, evaluate, notify the admin chat (retrying failed sends on the next
check) and report to Sentry when POLYSCAN_SENTRY_DSN is set.
"""

from __future__ import annotations

import asyncio
import enum
import importlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from scanner_core.config import OperationsSettings
from scanner_core.logs import get_logger
from scanner_core.metrics import SYSTEM_ALERTS_ACTIVE
from scanner_core.ports import AdminNotifier

log = get_logger("alerter")


class Condition(enum.StrEnum):
    WS_DOWN = "ws_down"
    NO_TRADES = "no_trades"
    DATABASE = "database_unreachable"
    REDIS = "redis_unreachable"
    RATE_LIMITED = "api_rate_limited"
    CIRCUIT_OPEN = "circuit_open"
    MEMORY = "memory_high"
    ERRORS = "error_rate"
    BOT_DOWN = "bot_down"
    FORBIDDEN = "api_forbidden"  # Polymarket answers 403: geo-blocked
    STORAGE = "storage_failing"  # writers (trades, alerts) cannot store: rows wait for retry


class AlertLevel(enum.StrEnum):
    """Severity passed to AdminNotifier.notify_admin; recoveries go out as INFO."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


SEVERITY = {
    Condition.WS_DOWN: AlertLevel.ERROR,
    Condition.NO_TRADES: AlertLevel.ERROR,
    Condition.DATABASE: AlertLevel.CRITICAL,
    Condition.REDIS: AlertLevel.WARNING,
    Condition.RATE_LIMITED: AlertLevel.WARNING,
    Condition.CIRCUIT_OPEN: AlertLevel.ERROR,
    Condition.MEMORY: AlertLevel.ERROR,
    Condition.ERRORS: AlertLevel.ERROR,
    Condition.BOT_DOWN: AlertLevel.ERROR,
    Condition.FORBIDDEN: AlertLevel.CRITICAL,
    Condition.STORAGE: AlertLevel.ERROR,
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    ws_down_seconds: float = 300.0
    no_trades_seconds: float = 600.0
    errors_per_minute: int = 10
    memory_limit_mb: int = 1024
    memory_alert_fraction: float = 0.9
    window_seconds: float = 60.0  # rates (errors, 429 answers) are counted over this window
    bot_down_seconds: float = 300.0

    @classmethod
    def from_settings(cls, settings: OperationsSettings) -> Thresholds:
        return cls(
            ws_down_seconds=settings.alert_ws_down_seconds,
            no_trades_seconds=settings.alert_no_trades_seconds,
            errors_per_minute=settings.alert_errors_per_minute,
            memory_limit_mb=settings.memory_limit_mb,
            memory_alert_fraction=settings.memory_alert_fraction,
            bot_down_seconds=settings.alert_bot_down_seconds,
        )

    @property
    def memory_alert_bytes(self) -> float:
        return self.memory_limit_mb * 1024 * 1024 * self.memory_alert_fraction


@dataclass(frozen=True, slots=True)
class Observations:
    """One look at the process (built by monitoring.Monitor.observe). Counters are running totals."""

    database_ok: bool = True
    database_detail: str = ""
    cache_ok: bool = True  # False only when Redis is configured and does not answer
    cache_detail: str = ""
    streams: Mapping[str, bool] = field(default_factory=dict)  # WebSocket stream -> connected
    feed_enabled: bool = False
    last_trade_at: datetime | None = None
    rate_limited_total: Mapping[str, float] = field(default_factory=dict)  # endpoint -> 429 answers
    circuits_open: Mapping[str, bool] = field(default_factory=dict)  # host -> open
    memory_bytes: int | None = None
    errors_total: Mapping[str, float] = field(default_factory=dict)  # component -> errors logged
    bots_down: Mapping[str, str] = field(default_factory=dict)  # chat bot not working -> why (health detail)
    forbidden: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # host answering 403 -> its settings
    writers_failing: Mapping[str, str] = field(default_factory=dict)  # writer -> why (DEGRADED writers)


@dataclass(frozen=True, slots=True)
class Finding:
    """A condition that holds right now."""

    condition: Condition
    subject: str  # the stream, endpoint or host it concerns; "" for process-wide conditions
    text: str

    @property
    def key(self) -> str:
        return f"{self.condition.value}:{self.subject}" if self.subject else self.condition.value

    @property
    def severity(self) -> AlertLevel:
        return SEVERITY[self.condition]


@dataclass(frozen=True, slots=True)
class Transition:
    """A condition started (`recovered` False) or cleared (`recovered` True)."""

    condition: Condition
    subject: str
    recovered: bool
    severity: AlertLevel  # what notify_admin receives: the condition's, or INFO for a recovery
    text: str
    at: datetime

    @property
    def key(self) -> str:
        return f"{self.condition.value}:{self.subject}" if self.subject else self.condition.value


@dataclass(frozen=True, slots=True)
class _Active:
    finding: Finding
    since: datetime


@dataclass(frozen=True, slots=True)
class _Counters:
    at: datetime
    rate_limited: Mapping[str, float]
    errors: Mapping[str, float]


def _increase(current: Mapping[str, float], base: Mapping[str, float]) -> dict[str, float]:
    out = {}
    for key, value in current.items():
        grown = value - base.get(key, 0.0)
        if grown > 0:
            out[key] = grown
    return out


def format_duration(seconds: float) -> str:
    """Short human duration: 45s, 5m 3s, 2h 10m, 3d 4h."""
    total = int(max(0.0, seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


class AlertPolicy:
    """Pure evaluation with memory: which conditions hold, which started, which cleared.

    No I/O and no clock: the caller passes `now`. The memory it keeps is what the conditions need
    over time (since when a stream is down, the counters a minute ago, what is already alerted).
    """

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self._active: dict[str, _Active] = {}
        self._down_since: dict[str, datetime] = {}
        self._bot_down_since: dict[str, datetime] = {}
        self._counters: deque[_Counters] = deque()
        self._first_seen: datetime | None = None

    @property
    def active(self) -> dict[str, Finding]:
        return {key: a.finding for key, a in self._active.items()}

    def evaluate(self, obs: Observations, now: datetime) -> list[Transition]:
        if self._first_seen is None:
            self._first_seen = now
        current = {f.key: f for f in self.findings(obs, now)}
        transitions: list[Transition] = []
        for key, finding in current.items():
            if key not in self._active:
                self._active[key] = _Active(finding, now)
                transitions.append(
                    Transition(finding.condition, finding.subject, False, finding.severity, finding.text, now)
                )
        for key in [k for k in self._active if k not in current]:
            ended = self._active.pop(key)
            lasted = format_duration((now - ended.since).total_seconds())
            text = f"Recovered: {self._recovery(ended.finding)} (lasted {lasted})."
            transitions.append(
                Transition(ended.finding.condition, ended.finding.subject, True, AlertLevel.INFO, text, now)
            )
        return transitions

    def findings(self, obs: Observations, now: datetime) -> list[Finding]:
        """Every condition that holds now (updates the down-since and counter memory)."""
        found = [*self._streams(obs, now), *self._bots(obs, now), *self._counter_findings(obs, now)]
        t = self.thresholds
        if obs.feed_enabled:
            since = obs.last_trade_at or self._first_seen or now
            quiet = (now - since).total_seconds()
            if quiet > t.no_trades_seconds:
                last = f" (last one at {obs.last_trade_at:%Y-%m-%d %H:%M:%S} UTC)" if obs.last_trade_at else ""
                found.append(
                    Finding(
                        Condition.NO_TRADES,
                        "",
                        f"No trades received for {format_duration(quiet)}{last}: no alert can fire.",
                    )
                )
        if not obs.database_ok:
            why = f" ({obs.database_detail})" if obs.database_detail else ""
            text = f"Database unreachable{why}: trades and alerts cannot be stored."
            found.append(Finding(Condition.DATABASE, "", text))
        if not obs.cache_ok:
            why = f" ({obs.cache_detail})" if obs.cache_detail else ""
            found.append(Finding(Condition.REDIS, "", f"Redis unreachable{why}: the cache serves from memory only."))
        if obs.writers_failing and obs.database_ok:  # an unreachable database has its own alert
            why = "; ".join(f"{writer}: {detail}" for writer, detail in sorted(obs.writers_failing.items()))
            found.append(
                Finding(Condition.STORAGE, "", f"Storage failing, the database answers but refuses writes: {why}.")
            )
        for host, is_open in sorted(obs.circuits_open.items()):
            if is_open:
                text = f"Circuit breaker open for {host}: requests to it are paused."
                found.append(Finding(Condition.CIRCUIT_OPEN, host, text))
        if obs.forbidden:
            found.append(Finding(Condition.FORBIDDEN, "", forbidden_text(obs.forbidden)))
        if obs.memory_bytes is not None and obs.memory_bytes > t.memory_alert_bytes:
            mb = obs.memory_bytes / (1024 * 1024)
            text = (
                f"Memory {mb:.0f} MB is above {t.memory_alert_fraction:.0%} of the {t.memory_limit_mb} MB limit "
                f"(POLYSCAN_MEMORY_LIMIT_MB)."
            )
            found.append(Finding(Condition.MEMORY, "", text))
        return found

    def _streams(self, obs: Observations, now: datetime) -> list[Finding]:
        for stream in [s for s in self._down_since if obs.streams.get(s, True)]:
            del self._down_since[stream]
        found = []
        for stream, connected in sorted(obs.streams.items()):
            if connected:
                continue
            since = self._down_since.setdefault(stream, now)
            down = (now - since).total_seconds()
            if down >= self.thresholds.ws_down_seconds:
                text = f"WebSocket {stream} disconnected for {format_duration(down)}: its live data has stopped."
                found.append(Finding(Condition.WS_DOWN, stream, text))
        return found

    def _bots(self, obs: Observations, now: datetime) -> list[Finding]:
        """A chat bot not working (down, degraded, still logging in) for the whole threshold: its
        users' commands go unanswered. Flapping between states is one outage; working again ends it."""
        for bot in [b for b in self._bot_down_since if b not in obs.bots_down]:
            del self._bot_down_since[bot]
        found = []
        for bot, reason in sorted(obs.bots_down.items()):
            lasted = (now - self._bot_down_since.setdefault(bot, now)).total_seconds()
            if lasted >= self.thresholds.bot_down_seconds:
                text = (
                    f"The {bot.title()} bot has not been working for {format_duration(lasted)}: {reason}. "
                    "Its commands go unanswered until it is back."
                )
                found.append(Finding(Condition.BOT_DOWN, bot, text))
        return found

    def _counter_findings(self, obs: Observations, now: datetime) -> list[Finding]:
        window = self.thresholds.window_seconds
        self._counters.append(_Counters(now, dict(obs.rate_limited_total), dict(obs.errors_total)))
        cutoff = now - timedelta(seconds=window)
        # keep the newest point at least a window old as the baseline, drop the ones before it
        while len(self._counters) > 1 and self._counters[1].at <= cutoff:
            self._counters.popleft()
        base, latest = self._counters[0], self._counters[-1]
        elapsed = (now - base.at).total_seconds()
        found = []
        for endpoint, count in sorted(_increase(latest.rate_limited, base.rate_limited).items()):
            text = (
                f"Polymarket API {endpoint} is rate-limiting us: {count:.0f} answers 429 "
                f"in the last {format_duration(max(elapsed, window))}."
            )
            found.append(Finding(Condition.RATE_LIMITED, endpoint, text))
        errors = _increase(latest.errors, base.errors)
        per_minute = sum(errors.values()) * 60.0 / max(elapsed, window)
        if per_minute > self.thresholds.errors_per_minute:
            top = ", ".join(f"{name} {n:.0f}" for name, n in sorted(errors.items(), key=lambda kv: -kv[1])[:3])
            text = (
                f"{per_minute:.0f} errors a minute (more than {self.thresholds.errors_per_minute}); most from: {top}."
            )
            found.append(Finding(Condition.ERRORS, "", text))
        return found

    def _recovery(self, finding: Finding) -> str:
        subject = finding.subject
        return {
            Condition.WS_DOWN: f"WebSocket {subject} is connected again",
            Condition.NO_TRADES: "trades are arriving again",
            Condition.DATABASE: "the database answers again",
            Condition.REDIS: "Redis answers again and the cache uses it",
            Condition.RATE_LIMITED: f"Polymarket API {subject} is no longer rate-limiting us",
            Condition.CIRCUIT_OPEN: f"the circuit breaker for {subject} is closed; requests flow again",
            Condition.MEMORY: f"memory is back under {self.thresholds.memory_alert_fraction:.0%} of the limit",
            Condition.ERRORS: "the error rate is back to normal",
            Condition.BOT_DOWN: f"the {subject.title()} bot works again",
            Condition.FORBIDDEN: "Polymarket answers again (no more 403 Forbidden)",
            Condition.STORAGE: "the database takes writes again; what was kept for retry is being written",
        }[finding.condition]


def forbidden_text(forbidden: Mapping[str, tuple[str, ...]]) -> str:
    """One message for every Polymarket host that answers 403, with the settings that point elsewhere."""
    hosts = ", ".join(f"{host} ({', '.join(settings)})" for host, settings in sorted(forbidden.items()))
    settings = ", ".join(sorted({name for names in forbidden.values() for name in names}))
    return (
        f"Polymarket answers 403 Forbidden from {hosts}: it blocks this region (geo-blocking), so no trade "
        f"can be read. Run polyscan where Polymarket is available, or set {settings} to a relay there."
    )


# ---------------------------------------------------------------- I/O: observe, notify, Sentry


class SentryHook(Protocol):
    def capture(self, text: str, severity: str) -> None: ...


class SystemAlerter:
    """Runs one check (`check`, called by the scheduler): observe, evaluate, tell the admin chat.

    A send that fails (admin chat unreachable, rate limited) is kept and retried first on the next
    check, so an alert or its recovery is late rather than lost; at most `max_pending` are kept.
    """

    def __init__(
        self,
        thresholds: Thresholds,
        *,
        observe: Callable[[], Awaitable[Observations]],
        notifier: AdminNotifier | None,
        clock: Callable[[], datetime],
        sentry: SentryHook | None = None,
        max_pending: int = 100,
        send_timeout_seconds: float = 30.0,
    ) -> None:
        self.policy = AlertPolicy(thresholds)
        self._observe = observe
        self._notifier = notifier
        self._clock = clock
        self._sentry = sentry
        self._pending: deque[Transition] = deque(maxlen=max_pending)
        self._send_timeout = send_timeout_seconds
        for condition in Condition:
            SYSTEM_ALERTS_ACTIVE.labels(condition=condition.value).set(0)

    @property
    def pending(self) -> list[Transition]:
        return list(self._pending)

    async def check(self) -> list[Transition]:
        observations = await self._observe()
        transitions = self.policy.evaluate(observations, self._clock())
        self._update_gauge()
        for t in transitions:
            if t.recovered:
                log.info("system_alert_recovered", condition=t.condition.value, subject=t.subject, text=t.text)
            else:
                log.warning(
                    "system_alert", condition=t.condition.value, subject=t.subject, severity=t.severity, text=t.text
                )
                if self._sentry is not None:
                    self._report_to_sentry(t)
        if self._notifier is not None:
            if len(self._pending) + len(transitions) > (self._pending.maxlen or 0):
                log.warning("system_alerts_dropped", kept=self._pending.maxlen)
            self._pending.extend(transitions)
            await self._flush(self._notifier)
        return transitions

    async def _flush(self, notifier: AdminNotifier) -> None:
        while self._pending:
            t = self._pending[0]
            try:
                await asyncio.wait_for(notifier.notify_admin(t.text, t.severity.value), self._send_timeout)
            except (TimeoutError, Exception) as exc:  # the admin chat failing must not stop the checks
                log.warning(
                    "system_alert_send_failed",
                    condition=t.condition.value,
                    error=f"{type(exc).__name__}: {exc}"[:200],
                    pending=len(self._pending),
                )
                return
            self._pending.popleft()

    def _report_to_sentry(self, t: Transition) -> None:
        assert self._sentry is not None
        try:
            self._sentry.capture(t.text, t.severity.value)
        except Exception as exc:  # Sentry is optional: it must never break alerting
            log.warning("sentry_capture_failed", error=type(exc).__name__)

    def _update_gauge(self) -> None:
        counts = dict.fromkeys(Condition, 0)
        for finding in self.policy.active.values():
            counts[finding.condition] += 1
        for condition, count in counts.items():
            SYSTEM_ALERTS_ACTIVE.labels(condition=condition.value).set(count)


_SENTRY_LEVELS = {"info": "info", "warning": "warning", "error": "error", "critical": "fatal"}


class SentryReporter:
    """System alerts as Sentry messages (errors logged at ERROR reach Sentry through its logging hook)."""

    def __init__(self, sdk: Any) -> None:
        self._sdk = sdk

    def capture(self, text: str, severity: str) -> None:
        self._sdk.capture_message(text, level=_SENTRY_LEVELS.get(severity, "error"))

    def flush(self, timeout: float = 2.0) -> None:
        self._sdk.flush(timeout=timeout)


def init_sentry(dsn: str | None, *, release: str, environment: str = "production") -> SentryReporter | None:
    """Start Sentry when a DSN is set and `sentry-sdk` is installed (`pip install 'polyscan[sentry]'`).

    Never required: without a DSN nothing is imported; without the package a warning is logged.
    """
    if not dsn:
        return None
    try:
        sdk = importlib.import_module("sentry_sdk")
    except ImportError:
        log.warning("sentry_unavailable", hint="POLYSCAN_SENTRY_DSN is set but sentry-sdk is not installed")
        return None
    sdk.init(dsn=dsn, release=f"polyscan@{release}", environment=environment, send_default_pii=False)
    log.info("sentry_enabled", environment=environment)
    return SentryReporter(sdk)
