"""The one staged fetcher of wallet histories: the Data API, cheapest calls first, each stage only
when needed, within the documented limits (through the rate-limited HttpClient of the sources).

1. Profile (the general budget, 1,000 a window): the oldest activity row (`/activity` oldest
   first, limit 1) and the markets traded (`/traded`). No activity at all: done, nothing else is
   asked. (The latest activity row too, when the caller wants no more than this stage.)
2. Positions (the scarce budgets, 150 a window each): `/closed-positions` newest first, 50 a page,
   and `/positions` (one page of up to 500). Skipped for a wallet that traded no market. Never in
   the API's default order (best realised PnL first): a capped fetch in that order sees only
   winners and inflates every win rate. The cap counts positions resolved at or before the
   fetch's end only, so a history as of a past moment still gets its sample.
3. Activity (the general budget): `/activity` newest first, 500 a page; past the documented offset
   limit (10,000) it continues by time window (`end` = the oldest row seen).

A refresh (a previous history given) fetches only what is newer than its watermark: activity from
the watermark on, closed positions until the pages reach it, and a new `/positions` snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol, TypeVar

from scanner_core.sources.errors import BadResponse, HttpStatusError
from scanner_core.sources.types import Activity, ClosedPosition, Position
from scanner_core.wallets import assemble
from scanner_core.wallets.history import (
    ActivityRow,
    Depth,
    OpenPosition,
    ResolvedPosition,
    WalletHistory,
    merge_resolved,
    merge_rows,
)
from scanner_core.wallets.params import FetchLimits
from scanner_core.wallets.tasks import both, together

T = TypeVar("T")
ACTIVITY_PAGE = 500  # /activity: limit <= 500
ACTIVITY_MAX_OFFSET = 10_000  # /activity: offset <= 10,000
CLOSED_PAGE = 50  # /closed-positions: limit <= 50
CLOSED_MAX_OFFSET = 100_000  # /closed-positions: offset <= 100,000


class WalletDataApi(Protocol):
    """The Data API calls a history takes (scanner_core.sources.data_api.DataApiClient)."""

    async def activity(
        self,
        user: str,
        *,
        start: datetime | int | None = ...,
        end: datetime | int | None = ...,
        sort_by: str | None = ...,
        sort_direction: str | None = ...,
        limit: int = ...,
        offset: int = ...,
    ) -> list[Activity]: ...

    async def traded(self, user: str) -> int: ...

    async def closed_positions(
        self,
        user: str,
        *,
        sort_by: str | None = ...,
        sort_direction: str | None = ...,
        limit: int = ...,
        offset: int = ...,
    ) -> list[ClosedPosition]: ...

    async def positions(self, user: str, *, limit: int = ..., offset: int = ...) -> list[Position]: ...


class HistoryFetcher:
    def __init__(self, api: WalletDataApi, clock: Callable[[], datetime], limits: FetchLimits | None = None) -> None:
        self.api = api
        self.clock = clock
        self.limits = limits or FetchLimits()

    async def fetch(
        self,
        address: str,
        *,
        depth: Depth = Depth.FULL,
        until: datetime | None = None,
        previous: WalletHistory | None = None,
        refresh: bool = True,
    ) -> WalletHistory:
        """The wallet's history at `depth` or deeper, complete up to `until` (None: now).

        With `previous`: a refresh (`refresh=True`) brings every stage up to the new end, fetching
        only what is newer than the previous watermark; otherwise only the stages `previous` lacks
        are fetched, up to its own watermark.
        """
        now = self.clock()
        if previous is not None and not refresh:
            end = previous.fetched_until
            snapshot = previous.observed_at is not None
            since: datetime | None = None
        else:
            end = min(until, now) if until is not None else now
            snapshot = end >= now  # a history as of a past moment takes no snapshot of today
            since = previous.fetched_until if previous is not None else None
        target = max(depth, previous.depth) if previous is not None else depth
        fresh = previous is None or refresh

        # 1. profile: first activity, markets traded (and the latest row when nothing deeper follows)
        first = previous.first_activity if previous is not None else None
        markets = previous.markets_traded if previous is not None else None
        latest = previous.latest_activity if previous is not None else None
        first, markets, latest = await together(
            self._edge_row(address, "ASC", None) if first is None else _keep(first),
            self._traded(address) if fresh else _keep(markets),
            self._edge_row(address, "DESC", end) if target == Depth.PROFILE and fresh else _keep(latest),
        )
        history = WalletHistory(
            address=address,
            fetched_until=end,
            depth=Depth.FULL,
            first_activity=first,
            latest_activity=latest if latest is None or latest <= end else None,
            markets_traded=markets,
            observed_at=now if snapshot else None,
            fetched_at=now,
            username=previous.username if previous is not None else "",
        )
        if first is None or first > end:  # no activity at all by the end: nothing more to ask
            return history

        if previous is not None:
            history = replace(
                history,
                rows=previous.rows,
                resolved=previous.resolved,
                open_positions=previous.open_positions,
                observed_at=previous.observed_at if not snapshot else history.observed_at,
                trades_truncated=previous.trades_truncated,
                resolved_truncated=previous.resolved_truncated,
            )
        has_positions = previous is not None and previous.depth >= Depth.POSITIONS
        if target >= Depth.POSITIONS and (fresh or not has_positions) and markets != 0:
            resolved, still_open, truncated = await self._positions(
                address, end=end, since=since if has_positions else None, now=now
            )
            history = replace(
                history,
                resolved=merge_resolved(history.resolved, resolved),
                resolved_truncated=history.resolved_truncated or truncated,
            )
            if snapshot:
                history = replace(history, open_positions=tuple(still_open), observed_at=now)

        has_rows = previous is not None and previous.depth >= Depth.FULL
        if target >= Depth.FULL and (fresh or not has_rows):
            rows, name, truncated = await self._activity(address, end=end, start=since if has_rows else None)
            history = replace(
                history,
                rows=merge_rows(history.rows, rows),
                trades_truncated=history.trades_truncated or truncated,
                username=name or history.username,
            )
        return replace(history, depth=target)

    # ---------------------------------------------------------------- stage 1

    async def _edge_row(self, address: str, direction: str, end: datetime | None) -> datetime | None:
        """The time of the wallet's oldest (ASC) or newest (DESC) activity row, or None."""
        rows = await self.api.activity(address, sort_by="TIMESTAMP", sort_direction=direction, end=end, limit=1)
        return rows[0].timestamp if rows else None

    async def _traded(self, address: str) -> int | None:
        """Markets traded, or None when /traded fails: it only lets a stage be skipped."""
        try:
            return await self.api.traded(address)
        except (HttpStatusError, BadResponse):
            return None

    # ---------------------------------------------------------------- stage 2

    async def _positions(
        self, address: str, *, end: datetime, since: datetime | None, now: datetime
    ) -> tuple[list[ResolvedPosition], list[OpenPosition], bool]:
        (closed, truncated), current = await both(
            self._closed(address, end=end, since=since), self.api.positions(address, limit=self.limits.max_open)
        )
        resolved, still_open = assemble.positions(closed, current, seen_at=now)
        return [p for p in resolved if p.resolved_at <= end], still_open, truncated

    async def _closed(
        self, address: str, *, end: datetime, since: datetime | None
    ) -> tuple[list[ClosedPosition], bool]:
        """Closed positions newest first, until a short page, the previous watermark, or the cap
        (which counts only positions closed at or before `end`)."""
        out: list[ClosedPosition] = []
        counted = 0
        for offset in range(0, CLOSED_MAX_OFFSET + 1, CLOSED_PAGE):
            page = await self.api.closed_positions(
                address, sort_by="TIMESTAMP", sort_direction="DESC", limit=CLOSED_PAGE, offset=offset
            )
            out.extend(page)
            if len(page) < CLOSED_PAGE:
                return out, False
            times = [p.timestamp for p in page if p.timestamp is not None]
            if since is not None and times and min(times) <= since:
                return out, False
            counted += sum(1 for p in page if p.timestamp is None or p.timestamp <= end)
            if counted >= self.limits.max_resolved:
                return out, True
        return out, True

    # ---------------------------------------------------------------- stage 3

    async def _activity(
        self, address: str, *, end: datetime, start: datetime | None
    ) -> tuple[list[ActivityRow], str, bool]:
        """Activity rows newest first, from `start` (None: the beginning) to `end`; the newest
        username seen; whether the cap cut older rows off."""
        found: list[Activity] = []
        offset = 0
        window_end = end
        cap = self.limits.max_activity
        while len(found) < cap:
            limit = min(ACTIVITY_PAGE, cap - len(found))
            if offset + limit > ACTIVITY_MAX_OFFSET + ACTIVITY_PAGE:
                oldest = found[-1].timestamp
                if oldest >= window_end:  # one second holds more rows than a window serves
                    return _rows(found, end), _name(found), True
                window_end, offset = oldest, 0  # the next window: at or before the oldest row seen
            page = await self.api.activity(address, start=start, end=window_end, limit=limit, offset=offset)
            found.extend(page)
            if len(page) < limit:
                return _rows(found, end), _name(found), False
            offset += limit
        return _rows(found, end), _name(found), True


def _rows(found: Sequence[Activity], end: datetime) -> list[ActivityRow]:
    return [assemble.row_from_activity(a) for a in found if a.timestamp <= end]


def _name(found: Sequence[Activity]) -> str:
    for row in found:  # newest first
        if row.trade is not None and row.trade.trader_name:
            return row.trade.trader_name
    return ""


async def _keep(value: T) -> T:
    return value
