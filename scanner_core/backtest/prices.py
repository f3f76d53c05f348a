"""The CLOB price history of each outcome token of one market, window by window.

`/prices-history` takes the token id (not the condition id), `startTs`/`endTs` and a `fidelity`
in minutes, and refuses ranges longer than about 15 days ("interval is too long"), so a pass walks
windows of `window` from the market's start to its close (or now, while it is open). The fidelity
fits the span: the whole market gives about `max_points` points per token, never finer than one
minute or coarser than a day. Each window's points are stored with the checkpoint that follows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scanner_core.backtest.checkpoints import Checkpoint
from scanner_core.backtest.ports import IngestHistory
from scanner_core.backtest.stopping import StopSignal
from scanner_core.models import Market, from_unix
from scanner_core.sources.clob import ClobClient

MAX_FIDELITY_MINUTES = 1440
DEFAULT_SPAN = timedelta(days=30)  # a market whose creation time Gamma does not give


def fidelity_for(span: timedelta, max_points: int) -> int:
    """Minutes between points so that `span` gives at most about `max_points` points."""
    minutes = max(span.total_seconds() / 60, 1.0)
    return max(1, min(MAX_FIDELITY_MINUTES, math.ceil(minutes / max(max_points, 1))))


def market_end(market: Market, now: datetime) -> datetime:
    """Where a market's history ends: its close, or now while it trades."""
    if market.closed:
        end = market.closed_time or market.resolution.resolved_at or market.end_date
        if end is not None:
            return min(end, now)
    return now


@dataclass
class PriceCounts:
    points: int = 0
    new: int = 0


@dataclass
class PricePager:
    clob: ClobClient
    history: IngestHistory
    clock: Callable[[], datetime]
    stop: StopSignal
    window: timedelta = timedelta(days=14)
    max_points: int = 1500
    counts: PriceCounts = field(default_factory=PriceCounts)
    on_page: Callable[[], None] = lambda: None

    def _fresh(self, market: Market, checkpoint: Checkpoint) -> dict[str, Any]:
        end = market_end(market, self.clock())
        start = checkpoint.reached or market.created_at or (end - DEFAULT_SPAN)
        start = min(start, end)
        first = market.created_at or start
        span = max(end - min(first, start), timedelta(minutes=1))
        return {
            "token": 0,
            "start": int(start.timestamp()),
            "from": int(start.timestamp()),
            "end": int(end.timestamp()),
            "fidelity": fidelity_for(span, self.max_points),
        }

    async def run(self, market: Market, checkpoint: Checkpoint) -> Checkpoint:
        state = checkpoint.state or self._fresh(market, checkpoint)
        tokens = market.token_ids
        step = max(int(self.window.total_seconds()), 60)
        while int(state["token"]) < len(tokens):
            token = tokens[int(state["token"])]
            start, end = int(state["from"]), int(state["end"])
            stop = min(start + step, end)
            points = await self.stop.guard(
                self.clob.prices_history(token, start=start, end=stop, fidelity=int(state["fidelity"]))
            )
            if stop >= end:  # this token is done: the next starts at the pass's start
                following = {**state, "token": int(state["token"]) + 1, "from": state["start"]}
            else:
                following = {**state, "from": stop}
            now = self.clock()
            if int(following["token"]) < len(tokens):
                checkpoint = checkpoint.advanced(following, added=len(points), now=now)
            else:
                checkpoint = checkpoint.finished(reached=from_unix(end), done=market.closed, added=len(points), now=now)
            added = await self.history.save_price_points(token, market.condition_id, points, checkpoint)
            self.counts.points += len(points)
            self.counts.new += added
            self.on_page()
            state = following
        if state["token"] == 0 and not tokens:  # nothing to fetch: the pass is over at once
            checkpoint = checkpoint.finished(
                reached=from_unix(int(state["end"])), done=market.closed, added=0, now=self.clock()
            )
            await self.history.save_checkpoint(checkpoint)
        return checkpoint
