"""Errors the Polymarket sources raise, and the counting, rate-limited logging and quarantine of
frames and rows that did not parse."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from scanner_core.logs import get_logger
from scanner_core.metrics import FRAMES_MALFORMED, ROWS_REJECTED
from scanner_core.normalise import MalformedPayload, Reject
from scanner_core.quarantine import QuarantineSink, payload_text
from scanner_core.sources.forbidden import body_summary

T = TypeVar("T")


class SourceError(Exception):
    """A Polymarket call failed; `endpoint` is the route template ("data:/trades")."""

    def __init__(self, endpoint: str, message: str) -> None:
        super().__init__(f"{endpoint}: {message}")
        self.endpoint = endpoint


class HttpStatusError(SourceError):
    """An answer with a status that retrying will not change (400, 404, ...), or the last
    retryable status when retries ran out."""

    def __init__(self, endpoint: str, status: int, body: str = "") -> None:
        # an HTML error page (Cloudflare's 403) shows as its title, not as 200 characters of markup
        summary = body_summary(body, 200) if body else ""
        super().__init__(endpoint, f"HTTP {status}{': ' + summary if summary else ''}")
        self.status = status
        self.body = body


class RetriesExhausted(SourceError):
    """Every attempt failed with a retryable error (network, timeout, 5xx, 425, 429)."""

    def __init__(self, endpoint: str, attempts: int, last_error: str, status: int | None = None) -> None:
        super().__init__(endpoint, f"gave up after {attempts} attempts: {last_error}")
        self.attempts = attempts
        self.status = status


class CircuitOpenError(SourceError):
    """The host's circuit breaker is open: the call was refused without touching the network."""

    def __init__(self, endpoint: str, host: str, retry_in: float) -> None:
        super().__init__(endpoint, f"circuit open for {host}, next probe in {retry_in:.1f}s")
        self.host = host
        self.retry_in = retry_in


class BadResponse(SourceError):
    """A 2xx answer whose body is not the JSON the endpoint documents."""


class MalformedLog:
    """Counts frames or rows that did not parse (scanner_frames_malformed_total{source}) and logs
    a truncated sample at most once per `interval` seconds, with how many it did not log. Each
    refused row is also counted by reason (scanner_rows_rejected_total{source, reason}) and its
    raw payload handed to the quarantine, when there is one."""

    def __init__(
        self,
        source: str,
        *,
        interval: float = 60.0,
        sample_chars: int = 300,
        monotonic: Callable[[], float] = time.monotonic,
        quarantine: QuarantineSink | None = None,
    ) -> None:
        self.source = source
        self.count = 0
        self._interval = interval
        self._sample_chars = sample_chars
        self._monotonic = monotonic
        self._last_logged: float | None = None
        self._unlogged = 0
        self._metric = FRAMES_MALFORMED.labels(source=source)
        self._log = get_logger(f"sources.{source}")
        self.quarantine = quarantine

    def record(self, reason: str, sample: str | bytes) -> None:
        self.count += 1
        self._metric.inc()
        now = self._monotonic()
        if self._last_logged is not None and now - self._last_logged < self._interval:
            self._unlogged += 1
            return
        if isinstance(sample, bytes | bytearray):
            sample = bytes(sample).decode("utf-8", "replace")
        self._log.warning(
            "malformed_frame",
            source=self.source,
            reason=reason[:300],
            sample=sample[: self._sample_chars],
            not_logged_since_last=self._unlogged,
        )
        self._last_logged = now
        self._unlogged = 0

    def reject(self, reason: str, message: str, payload: Any) -> None:
        """One refused row: counted by reason and quarantined (the frame is `record`ed apart)."""
        ROWS_REJECTED.labels(source=self.source, reason=reason).inc()
        if self.quarantine is not None:
            self.quarantine.add(self.source, reason, message, payload)

    def record_rejects(self, rejects: Sequence[Reject], sample: str | bytes) -> None:
        """A frame with refused items: one malformed frame, and each item counted and kept."""
        self.record("; ".join(r.message for r in rejects), sample)
        for item in rejects:
            self.reject(item.reason, item.message, item.payload)

    def parse_all(self, rows: Iterable[Any], parse: Callable[[Any], T]) -> list[T]:
        """Each row parsed; rows that do not parse are recorded, quarantined and skipped."""
        out: list[T] = []
        for row in rows:
            try:
                out.append(parse(row))
            except MalformedPayload as exc:
                self.record(str(exc), payload_text(row, self._sample_chars))
                self.reject(exc.reason, str(exc), row)
        return out

    def parse_one(self, endpoint: str, body: Any, parse: Callable[[Any], T]) -> T:
        """One object parsed, or BadResponse (recorded) when it does not parse."""
        try:
            return parse(body)
        except MalformedPayload as exc:
            self.record(str(exc), payload_text(body, self._sample_chars))
            raise BadResponse(endpoint, str(exc)) from None
