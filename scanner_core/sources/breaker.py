"""Circuit breaker per host: stop hammering a Polymarket host that keeps failing.

closed -> (N consecutive failures) -> open: calls are refused at once -> (after reset_seconds)
half-open: calls go through as probes -> (M consecutive successes) -> closed; any failure while
half-open opens it again for another reset_seconds.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

from scanner_core.logs import get_logger
from scanner_core.metrics import CIRCUIT_OPEN

log = get_logger("sources.breaker")


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        host: str,
        *,
        failure_threshold: int = 5,
        reset_seconds: float = 60.0,
        success_threshold: int = 2,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self.success_threshold = success_threshold
        self._monotonic = monotonic
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._successes = 0
        self._opened_at = 0.0
        self._gauge = CIRCUIT_OPEN.labels(host=host)
        self._gauge.set(0)

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._monotonic() - self._opened_at >= self.reset_seconds:
            self._state = BreakerState.HALF_OPEN
            self._successes = 0
            log.info("circuit_half_open", host=self.host)
        return self._state

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when not open)."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self.reset_seconds - (self._monotonic() - self._opened_at))

    def allow(self) -> bool:
        return self.state is not BreakerState.OPEN

    def record_success(self) -> None:
        state = self.state
        self._failures = 0
        if state is BreakerState.HALF_OPEN:
            self._successes += 1
            if self._successes >= self.success_threshold:
                self._state = BreakerState.CLOSED
                self._gauge.set(0)
                log.info("circuit_closed", host=self.host)

    def record_failure(self, reason: str = "") -> None:
        state = self.state
        if state is BreakerState.HALF_OPEN:
            self._open(reason)
            return
        self._failures += 1
        if state is BreakerState.CLOSED and self._failures >= self.failure_threshold:
            self._open(reason)

    def _open(self, reason: str) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = self._monotonic()
        self._successes = 0
        self._failures = 0
        self._gauge.set(1)
        log.warning("circuit_open", host=self.host, reason=reason[:200], reset_seconds=self.reset_seconds)
