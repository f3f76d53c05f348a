"""Refused rows, kept for a person to look at (the `quarantine` table).

The sources (rows the trade schema refused) and the pipeline's writers (rows the database
refused) `add` entries: synchronous and cheap, the raw payload rendered to bounded text at once.
The pipeline's writer `flush`es them to the store with its other writes. Whoever refuses a row
counts it (scanner_rows_rejected_total{source, reason}) and logs it; this module only keeps it.

A flood of bad rows costs neither memory nor the database: at most `max_per_minute` entries are
kept (a token bucket; the others are counted in scanner_quarantine_dropped_total), and at most
`max_pending` wait while the database is unavailable.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import orjson

from scanner_core.logs import get_logger
from scanner_core.metrics import QUARANTINE_DROPPED
from scanner_core.models import QuarantineEntry, now_utc
from scanner_core.storage import write_isolated
from scanner_core.stores import QuarantineStore

log = get_logger("quarantine")
PAYLOAD_CHARS = 4000  # raw payload kept per entry: a trade row is well under 1,000
DETAIL_CHARS = 500


class QuarantineSink(Protocol):
    """What a source or a writer hands a refused row to."""

    def add(self, source: str, reason: str, detail: str, payload: Any) -> None: ...


def safe_text(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, storable in any database: no NUL, no lone surrogate."""
    text = text[:limit]
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def payload_text(payload: Any, limit: int = PAYLOAD_CHARS) -> str:
    """The payload as it came, as text: a frame's text as is, a decoded value (a row, a Trade,
    an Alert) as JSON; cut to `limit` characters."""
    if isinstance(payload, bytes | bytearray | memoryview):
        text = bytes(payload[: limit * 4]).decode("utf-8", "replace")
    elif isinstance(payload, str):
        text = payload
    else:
        try:
            text = orjson.dumps(payload, default=_default).decode()
        except (TypeError, ValueError, RecursionError):  # too deep, or not a JSON value at all
            text = f"<a {type(payload).__name__} that is not JSON>"
    return safe_text(text, limit)


class Quarantine:
    """The buffer of refused rows on their way to the quarantine table."""

    def __init__(
        self,
        store: QuarantineStore,
        *,
        clock: Callable[[], datetime] = now_utc,
        max_per_minute: int = 600,
        max_pending: int = 2000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._clock = clock
        self._rate = max_per_minute / 60.0
        self._capacity = float(max_per_minute)
        self._tokens = self._capacity
        self._monotonic = monotonic
        self._refilled = monotonic()
        self._pending: deque[QuarantineEntry] = deque(maxlen=max_pending)
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, source: str, reason: str, detail: str, payload: Any) -> None:
        if not self._take():
            self._drop()
            return
        if len(self._pending) == self._pending.maxlen:
            self._drop()  # the oldest gives way
        self._pending.append(
            QuarantineEntry(
                source=source[:32],
                reason=reason[:64],
                detail=safe_text(detail, DETAIL_CHARS),
                payload=payload_text(payload),
                received_at=self._clock(),
            )
        )

    def _take(self) -> bool:
        now = self._monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def _drop(self) -> None:
        self.dropped += 1
        QUARANTINE_DROPPED.inc()

    async def flush(self) -> int:
        """Write what is pending; returns the entries stored. Entries the database cannot take
        now stay for the next flush (the trade writer reports the outage)."""
        if not self._pending:
            return 0
        entries = list(self._pending)
        self._pending.clear()
        outcome = await write_isolated(entries, self._store.save_many)
        for entry, error in outcome.refused:  # cannot quarantine the quarantine: say so and drop it
            log.error("quarantine_entry_refused", source=entry.source, reason=entry.reason, error=str(error)[:200])
        if outcome.unwritten:
            self._pending.extendleft(reversed(outcome.unwritten))
            log.warning("quarantine_flush_failed", kept=len(self._pending), error=repr(outcome.error)[:200])
        return len(outcome.stored)
