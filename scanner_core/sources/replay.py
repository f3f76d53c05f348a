"""Replay recorded trades as the same Trade stream the live feed gives.

Accepted files:
* a Data API page (`.json`): a bare array of /trades rows, or a `{data: [...]}` envelope, with
  v1 camelCase or v2 snake_case names (/activity rows too: non-TRADE rows are skipped); played
  oldest first whatever order the page had;
* RTDS frames as JSON lines (`.jsonl`, `.ndjson`, or any file whose lines are JSON objects):
  envelopes or bare activity payloads, played line by line; other topics and empty lines
  (keepalives) are skipped.
Files play one after the other, as fast as possible or at `speed` x real time (gaps between
trade timestamps divided by `speed`). Repeated fills are dropped with the feed's dedup key.

A file that cannot be read, has an unknown shape, or holds a broken or truncated record (a trade
row the trade schema refuses included: a recording is past trades, so its time bound is the
horizon when the file starts playing) raises `ReplayError` naming the file and the line (or array
item), after every valid trade before it has been yielded. Refused rows are counted and
quarantined like the live feed's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from scanner_core import normalise
from scanner_core.metrics import FEED_DUPLICATES, FEED_TRADES
from scanner_core.models import Trade, TradeSource
from scanner_core.quarantine import QuarantineSink
from scanner_core.sources.errors import MalformedLog
from scanner_core.sources.feed import Deduper
from scanner_core.sources.horizon import TradeHorizon
from scanner_core.sources.ws import Sleep

_LINE_SUFFIXES = frozenset({".jsonl", ".ndjson"})


class ReplayError(Exception):
    """A recording that cannot be played further; `line` or `item` says where (1-based)."""

    def __init__(self, path: str | Path, reason: str, *, line: int | None = None, item: int | None = None) -> None:
        where = f":{line}" if line is not None else (f": item {item}" if item is not None else "")
        super().__init__(f"{path}{where}: {reason}")
        self.path = str(path)
        self.line = line
        self.item = item
        self.reason = reason


def _row_trades(row: Any, not_after: datetime) -> tuple[list[Trade], normalise.Reject | None]:
    """Trades in one array item (a /trades or /activity row, or an RTDS envelope), or why not."""
    if not isinstance(row, Mapping):
        return [], normalise.Reject("shape", f"expected an object, got {type(row).__name__}", row)
    if "payload" in row or "topic" in row:
        frame = normalise.rtds_frame_from_json(row, TradeSource.REPLAY, not_after=not_after)
        return list(frame.trades), (frame.rejects[0] if frame.rejects else None)
    if "type" in row and str(row["type"]).upper() != "TRADE":
        return [], None  # REDEEM, REWARD, ... activity rows carry no fill
    if "proxyWallet" not in row and "proxy_wallet" not in row:
        keys = ", ".join(sorted(str(k)[:40] for k in row)[:8])
        why = f"unknown record shape (expected a Data API trade row or an RTDS frame; keys: {keys})"
        return [], normalise.Reject("shape", why, row)
    try:
        return [normalise.trade_from_row(row, TradeSource.REPLAY, not_after=not_after)], None
    except normalise.MalformedPayload as exc:
        return [], normalise.Reject(exc.reason, str(exc), row)


class ReplaySource:
    name = "replay"

    def __init__(
        self,
        paths: Sequence[str | Path],
        *,
        speed: float | None = None,
        dedup_window: int = 200_000,
        sleep: Sleep = asyncio.sleep,
        horizon: TradeHorizon | None = None,
        quarantine: QuarantineSink | None = None,
    ) -> None:
        if speed is not None and speed < 0:
            raise ValueError("speed must be positive (N x real time) or None for as fast as possible")
        self.paths = [Path(p) for p in paths]
        self.speed = speed or None
        self._dedup = Deduper(dedup_window)
        self._sleep = sleep
        self._horizon = horizon or TradeHorizon()
        self._malformed = MalformedLog("replay", quarantine=quarantine)
        self.counts = {"trades": 0, "duplicates": 0, "files": 0}
        self._trades_metric = FEED_TRADES.labels(source=TradeSource.REPLAY.value)
        self._dupes_metric = FEED_DUPLICATES.labels(source=TradeSource.REPLAY.value)

    def __aiter__(self) -> AsyncIterator[Trade]:
        return self.trades()

    async def trades(self) -> AsyncIterator[Trade]:
        previous: Trade | None = None
        since_yield = 0
        for path in self.paths:
            for trade in self._file_trades(path):
                if not self._dedup.add(trade.dedup_key):
                    self.counts["duplicates"] += 1
                    self._dupes_metric.inc()
                    continue
                if self.speed and previous is not None:
                    gap = (trade.timestamp - previous.timestamp).total_seconds() / self.speed
                    if gap > 0:
                        await self._sleep(gap)
                        since_yield = 0
                previous = trade
                self.counts["trades"] += 1
                self._trades_metric.inc()
                yield trade
                since_yield += 1
                if since_yield >= 1000:  # let other tasks run during a fast replay
                    since_yield = 0
                    await asyncio.sleep(0)
            self.counts["files"] += 1

    # --- reading files (synchronous generators: they only parse) ---

    def _file_trades(self, path: Path) -> Iterator[Trade]:
        not_after = self._horizon()
        try:
            if path.suffix.lower() in _LINE_SUFFIXES:
                with path.open("rb") as handle:  # streamed: recordings can be large
                    yield from self._lines(path, handle, not_after)
                return
            data = path.read_bytes()
        except OSError as exc:
            raise ReplayError(path, f"cannot read: {exc.strerror or exc}") from None
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if self._looks_like_lines(data):
                yield from self._lines(path, data.splitlines(), not_after)
                return
            raise ReplayError(path, f"not JSON: {exc.msg}", line=exc.lineno) from None
        yield from self._document(path, body, not_after)

    @staticmethod
    def _looks_like_lines(data: bytes) -> bool:
        for raw in data.splitlines():
            if raw.strip():
                try:
                    return isinstance(orjson.loads(raw), dict)
                except orjson.JSONDecodeError:
                    return False
        return False

    def _lines(self, path: Path, lines: Iterable[bytes], not_after: datetime) -> Iterator[Trade]:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            frame = normalise.decode_rtds(raw, TradeSource.REPLAY, not_after=not_after)
            if frame.rejects:
                self._malformed.record_rejects(frame.rejects, raw)
                raise ReplayError(path, frame.rejects[0].message, line=number)
            yield from frame.trades

    def _document(self, path: Path, body: Any, not_after: datetime) -> Iterator[Trade]:
        if isinstance(body, Mapping) and ("payload" in body or "topic" in body):
            rows: list[Any] = [body]
        else:
            try:
                rows, _ = normalise.rows_and_cursor(body, str(path))
            except normalise.MalformedPayload:
                raise ReplayError(
                    path, "unknown format: expected a Data API page (array or {data: [...]}) or RTDS frames"
                ) from None
        trades: list[Trade] = []
        failure: ReplayError | None = None
        for index, row in enumerate(rows, start=1):
            found, problem = _row_trades(row, not_after)
            if problem is not None:
                self._malformed.record_rejects([problem], f"{path}: item {index}")
                failure = ReplayError(path, problem.message, item=index)
                break
            trades.extend(found)
        yield from _oldest_first(trades)
        if failure is not None:
            raise failure


def _oldest_first(trades: Iterable[Trade]) -> list[Trade]:
    ordered = list(trades)
    if len(ordered) > 1 and ordered[0].timestamp > ordered[-1].timestamp:
        ordered.reverse()  # a newest-first page: reversing keeps each second's rows in order
    ordered.sort(key=lambda t: t.timestamp)
    return ordered
