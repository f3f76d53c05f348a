"""Writing batches so that one bad row never stops a writer, and a database outage never loses rows.

`write_isolated` stores a batch in one round trip when it can. When the database refuses the batch
for its data (`RowRefused`), the batch is split in halves, recursively, until the refused rows
stand alone: every good row is stored and each bad one is handed back with the database's reason
(about 2 log2(n) round trips for one bad row in n). When the database is unavailable
(`StoreUnavailable`, or any error that does not say the data is at fault), nothing is judged bad:
the rows not yet stored come back for a later retry, in order.

`WriterHealth` is the retry side of a writer: exponential backoff between attempts while the
database is unavailable, the writer's state in the health registry (DEGRADED once it has been
failing for `degraded_after` seconds, which /health shows and the system alerter turns into one
admin alert, and OK again with a recovery), and log lines for both transitions.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.stores import RowRefused

log = get_logger("storage")
TRADE_WRITER = "trade_writer"
ALERT_WRITER = "alert_writer"
WRITERS = (TRADE_WRITER, ALERT_WRITER)  # their health components; the monitor watches them
T = TypeVar("T")
R = TypeVar("R")


@dataclass(slots=True)
class WriteOutcome(Generic[T, R]):
    stored: list[T] = field(default_factory=list)  # rows whose write went through, in order
    results: list[R] = field(default_factory=list)  # what each successful write returned, in order
    refused: list[tuple[T, RowRefused]] = field(default_factory=list)  # rows the database refused
    unwritten: list[T] = field(default_factory=list)  # rows to retry later (a suffix of the input)
    error: Exception | None = None  # why the rest is unwritten


async def write_isolated(items: Sequence[T], write: Callable[[Sequence[T]], Awaitable[R]]) -> WriteOutcome[T, R]:
    """Write `items` with `write` (one call per chunk), isolating rows the database refuses."""
    outcome: WriteOutcome[T, R] = WriteOutcome()
    stack: list[Sequence[T]] = [items] if items else []
    while stack:
        chunk = stack.pop()
        try:
            result = await write(chunk)
        except RowRefused as exc:
            if len(chunk) == 1:
                outcome.refused.append((chunk[0], exc))
            else:  # right half pushed first: the left half is written first, order is kept
                middle = len(chunk) // 2
                stack.append(chunk[middle:])
                stack.append(chunk[:middle])
            continue
        except Exception as exc:  # unavailable, or not known to be the rows' fault: retry them later
            outcome.error = exc
            outcome.unwritten = [*chunk, *(item for rest in reversed(stack) for item in rest)]
            return outcome
        outcome.stored.extend(chunk)
        outcome.results.append(result)
    return outcome


class WriterHealth:
    """Backoff and health of one writer (`name` is its component in the health registry)."""

    def __init__(
        self,
        name: str,
        *,
        health: HealthRegistry | None,
        retry_min_seconds: float,
        retry_max_seconds: float,
        degraded_after_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._health = health
        self._retry_min = retry_min_seconds
        self._retry_max = max(retry_max_seconds, retry_min_seconds)
        self._degraded_after = degraded_after_seconds
        self._monotonic = monotonic
        self._failing_since: float | None = None
        self._failures = 0
        self._retry_at = 0.0
        self.degraded = False
        if health is not None:
            health.set(name, State.OK, "storing")

    @property
    def failing(self) -> bool:
        return self._failing_since is not None

    def due(self) -> bool:
        """Whether an attempt may be made now (False while backing off after a failure)."""
        return self._monotonic() >= self._retry_at

    def failed(self, error: BaseException, kept: int, what: str) -> None:
        """An attempt failed with the database unavailable; `kept` rows wait for the next one."""
        now = self._monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self._failures += 1
        delay = min(self._retry_max, self._retry_min * 2 ** (self._failures - 1))
        self._retry_at = now + delay
        failing_for = now - self._failing_since
        reason = f"{type(error).__name__}: {error}".strip()[:200]
        log.warning(f"{self.name}_failed", error=reason, kept=kept, retry_in=round(delay, 3))
        if failing_for >= self._degraded_after:
            detail = (
                f"cannot store {what} for {failing_for:.0f}s (database unavailable: {reason}); "
                f"{kept} kept for retry, next in {delay:.1f}s"
            )
            if not self.degraded:
                log.error(f"{self.name}_degraded", error=reason, kept=kept)
            self.degraded = True
            if self._health is not None:
                self._health.set(self.name, State.DEGRADED, detail)

    def succeeded(self) -> None:
        """An attempt went through: back to normal (and say so if it had been failing)."""
        if self._failing_since is not None:
            lasted = self._monotonic() - self._failing_since
            log.info(f"{self.name}_recovered", failed_for=round(lasted, 1), attempts=self._failures)
            if self._health is not None:
                self._health.set(self.name, State.OK, "storing again")
        self._failing_since = None
        self._failures = 0
        self._retry_at = 0.0
        self.degraded = False
