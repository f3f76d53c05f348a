"""The latest time a trade may carry, for the trade schema (normalise.trade_from_row's `not_after`).

A source's own clock (injected; the wall clock in production) plus a few minutes for the clock
skew between us and Polymarket (POLYSCAN_TRADE_MAX_FUTURE_SECONDS). A trade dated later is
refused as malformed, so it can never become "the newest trade" that backfills and readiness
count from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scanner_core.config import FeedSettings
from scanner_core.models import now_utc

DEFAULT_MAX_FUTURE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class TradeHorizon:
    clock: Callable[[], datetime] = now_utc
    max_future: timedelta = DEFAULT_MAX_FUTURE

    def __call__(self) -> datetime:
        return self.clock() + self.max_future

    @classmethod
    def from_settings(cls, settings: FeedSettings, clock: Callable[[], datetime] = now_utc) -> TradeHorizon:
        return cls(clock, timedelta(seconds=settings.trade_max_future_seconds))
