"""Every fill of one market from the Data API, page by page, each page stored with its checkpoint.

Maker and taker rows both (`taker_only=False`): the live RTDS `activity/trades` feed delivers
the taker row and the maker rows of every match, so the stored history is what the live
pipeline would have seen, and small fills (which matter for accumulation) are all kept.

Paging, newest first:
* Data API v2 `/v2/trades?condition=...` with cursors (the cursor fixes the sort and the page
  size, so trades arriving meanwhile neither shift nor hide rows);
* v1 `/trades?market=...` when v2 is unavailable: offsets stop around 10,000, so the pass walks
  time windows: `end` moves down to the oldest second of the deepest page and the offset starts
  again at 0 (rows of that second come twice and dedup keys drop the repeat).
A pass over a market already caught up to `reached` stops at the first page older than it; a
closed market's finished pass is `done` and never fetched again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scanner_core.backtest.checkpoints import Checkpoint
from scanner_core.backtest.ports import IngestHistory
from scanner_core.backtest.stopping import StopSignal
from scanner_core.logs import get_logger
from scanner_core.models import Market, from_unix
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.errors import HttpStatusError
from scanner_core.sources.types import TradePage

log = get_logger("backtest.trades")

V1_MAX_OFFSET = 10_000  # the Data API refuses (or repeats rows) past this offset
TAKER_ONLY = False  # maker rows too, as the live RTDS trades feed delivers them
_UNSUPPORTED = frozenset({400, 404, 405, 410, 422})  # what an API without a route or parameter answers


def _ts(when: datetime | None) -> int | None:
    return int(when.timestamp()) if when is not None else None


@dataclass
class TradeCounts:
    fetched: int = 0
    new: int = 0


@dataclass
class TradePager:
    data_api: DataApiClient
    history: IngestHistory
    clock: Callable[[], datetime]
    stop: StopSignal
    page_size: int = 500
    api: str = "auto"  # auto (v2, falling back to v1), v2 or v1
    counts: TradeCounts = field(default_factory=TradeCounts)
    on_page: Callable[[], None] = lambda: None
    max_offset: int = V1_MAX_OFFSET
    _v2_missing: bool = False

    def _fresh(self, checkpoint: Checkpoint) -> dict[str, Any]:
        api = "v1" if self.api == "v1" or (self.api == "auto" and self._v2_missing) else "v2"
        return {"api": api, "stop": _ts(checkpoint.reached), "high": None}

    async def run(self, market: Market, checkpoint: Checkpoint) -> Checkpoint:
        """One pass (or the rest of an interrupted one); returns the last checkpoint stored."""
        state = checkpoint.state or self._fresh(checkpoint)
        restarted = False
        while True:
            try:
                page = await self._fetch(market.condition_id, state)
            except HttpStatusError as exc:
                if state["api"] != "v2" or exc.status not in _UNSUPPORTED:
                    raise
                if state.get("cursor") and not restarted:
                    log.warning("trades_cursor_refused", market=market.condition_id, error=str(exc)[:200])
                    state, restarted = self._fresh(checkpoint), True  # an old cursor: start the pass again
                elif self.api == "auto":
                    log.warning("trades_v2_unavailable", error=str(exc)[:200])
                    self._v2_missing = True
                    state = {**self._fresh(checkpoint), "api": "v1"}
                else:
                    raise
                continue
            checkpoint, more = await self._store(market, checkpoint, state, page)
            self.on_page()
            if not more:
                return checkpoint
            state = checkpoint.state

    async def _fetch(self, condition_id: str, state: dict[str, Any]) -> TradePage:
        if state["api"] == "v2":
            if state.get("cursor"):
                return await self.stop.guard(self.data_api.trades_v2(cursor=state["cursor"]))
            return await self.stop.guard(
                self.data_api.trades_v2(condition=condition_id, taker_only=TAKER_ONLY, limit=self.page_size)
            )
        return await self.stop.guard(
            self.data_api.trades(
                market=condition_id,
                taker_only=TAKER_ONLY,
                limit=self.page_size,
                offset=int(state.get("offset", 0)),
                start=state.get("stop"),
                end=state.get("end"),
            )
        )

    async def _store(
        self, market: Market, checkpoint: Checkpoint, state: dict[str, Any], page: TradePage
    ) -> tuple[Checkpoint, bool]:
        """Store the page with the checkpoint that follows it; returns (checkpoint, more pages)."""
        stop_at: int | None = state.get("stop")
        times = [int(t.timestamp.timestamp()) for t in page.trades]
        trades = [t for t in page.trades if t.condition_id == market.condition_id]
        if stop_at is not None:
            trades = [t for t in trades if t.timestamp.timestamp() >= stop_at]
        high = max([*times, *([state["high"]] if state.get("high") is not None else [])], default=None)
        below_stop = stop_at is not None and bool(times) and min(times) < stop_at
        if state["api"] == "v2":
            more = bool(page.next_cursor) and page.rows > 0 and not below_stop
            following = {**state, "cursor": page.next_cursor, "high": high}
        else:
            # an empty page ends a v1 pass: a server capping `limit` below page_size must not
            # look like the last page
            more = page.rows > 0 and not below_stop
            following = {**state, "high": high, **self._next_window(state, page.rows, times)}
        now = self.clock()
        if more:
            after = checkpoint.advanced(following, added=len(trades), now=now)
        else:
            reached = from_unix(high) if high is not None else None
            after = checkpoint.finished(reached=reached, done=market.closed, added=len(trades), now=now)
        added = await self.history.save_trades_page(trades, after)
        self.counts.fetched += len(trades)
        self.counts.new += added
        return after, more

    def _next_window(self, state: dict[str, Any], rows: int, times: list[int]) -> dict[str, Any]:
        """v1: the next offset, or a new window ending at the oldest second seen when the next
        page would pass the offset cap."""
        offset = int(state.get("offset", 0)) + rows
        if offset + self.page_size <= self.max_offset or not times:
            return {"offset": offset}
        end = min(times)
        if state.get("end") is not None and end >= int(state["end"]):
            # more than 10,000 fills in one second: the rest of that second is out of reach
            log.warning("trades_window_saturated", second=end, fills_per_page=self.page_size)
            end = int(state["end"]) - 1
        return {"offset": 0, "end": end}
