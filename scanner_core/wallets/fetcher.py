"""The one staged fetcher of wallet histories: the Data API, cheapest calls first, each stage only
when needed, within the documented limits (through the rate-limited HttpClient of the sources).

1. Profile (the general budget, 1,000 a window): the oldest activity row (`/activity` oldest
   first, limit 1) and the markets traded (`/traded`). No activity at all: done, nothing else is
   asked. A caller that wants no more than this stage (the classifier's first look) gets the
   latest activity row instead of the oldest; the oldest follows if it asks for more.
2. Positions (the scarce budgets, 150 a window each): `/closed-positions` newest first, 50 a page,
   and `/positions` (one page of up to 500). Skipped for a wallet that traded no market. Never in
   the API's default order (best realised PnL first): a capped fetch in that order sees only
   winners and inflates every win rate. The cap counts positions resolved at or before the
   fetch's end only, so a history as of a past moment still gets its sample. To screen a wallet
   (this stage asked for alone) the newest page does; the older pages follow with stage 3.
3. Activity (the general budget): `/activity` newest first, 500 a page; past the documented offset
   limit (10,000) it continues by time window (`end` = the oldest row seen).

A refresh (a previous history given) fetches only what is newer than its watermark: activity from
the watermark on, closed positions until the pages reach it, and a new `/positions` snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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


@dataclass(frozen=True, slots=True)
class _Plan:
    """One fetch: how deep, up to when, and what a previous history already holds."""

    address: str
    target: Depth
    end: datetime  # the new watermark
    now: datetime
    since: datetime | None  # a refresh: only what is newer than this is fetched
    snapshot: bool  # take today's open positions (not for a history as of a past moment)
    fresh: bool  # every stage brought up to `end` (else only the stages `previous` lacks)
    previous: WalletHistory | None

    @classmethod
    def of(
        cls,
        address: str,
        depth: Depth,
        until: datetime | None,
        previous: WalletHistory | None,
        refresh: bool,
        now: datetime,
    ) -> _Plan:
        target = max(depth, previous.depth) if previous is not None else depth
        if previous is not None and not refresh:
            snapshot = previous.observed_at is not None
            return cls(address, target, previous.fetched_until, now, None, snapshot, False, previous)
        end = min(until, now) if until is not None else now
        since = previous.fetched_until if previous is not None else None
        return cls(address, target, end, now, since, end >= now, True, previous)


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
        plan = _Plan.of(address, depth, until, previous, refresh, self.clock())
        history, anything = await self._profile_stage(plan)
        if not anything:  # no activity at all by the end: nothing more to ask
            return history
        if plan.target >= Depth.POSITIONS and history.markets_traded != 0:
            history = await self._positions_stage(plan, history)
        if plan.target >= Depth.FULL:
            history = await self._activity_stage(plan, history)
        return replace(history, depth=plan.target)

    # ---------------------------------------------------------------- stage 1

    async def _profile_stage(self, plan: _Plan) -> tuple[WalletHistory, bool]:
        """First activity and markets traded; alone (the classifier's first look), the latest
        activity instead of the first. The history so far, and whether there is any activity."""
        previous = plan.previous
        first = previous.first_activity if previous is not None else None
        markets = previous.markets_traded if previous is not None else None
        latest = previous.latest_activity if previous is not None else None
        alone = plan.target == Depth.PROFILE
        first, markets, latest = await together(
            self._edge_row(plan.address, "ASC", None) if first is None and not alone else _keep(first),
            self._traded(plan.address) if plan.fresh else _keep(markets),
            self._edge_row(plan.address, "DESC", plan.end) if alone and plan.fresh else _keep(latest),
        )
        history = WalletHistory(
            address=plan.address,
            fetched_until=plan.end,
            depth=Depth.FULL,
            first_activity=first,
            latest_activity=latest if latest is None or latest <= plan.end else None,
            markets_traded=markets,
            observed_at=plan.now if plan.snapshot else None,
            fetched_at=plan.now,
            username=previous.username if previous is not None else "",
        )
        anything = latest is not None if alone and first is None else first is not None and first <= plan.end
        if anything and previous is not None:
            history = replace(
                history,
                rows=previous.rows,
                resolved=previous.resolved,
                open_positions=previous.open_positions,
                observed_at=history.observed_at if plan.snapshot else previous.observed_at,
                trades_truncated=previous.trades_truncated,
                resolved_truncated=previous.resolved_truncated,
            )
        return history, anything

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

    async def _positions_stage(self, plan: _Plan, history: WalletHistory) -> WalletHistory:
        previous = plan.previous
        if previous is None or plan.fresh or previous.depth < Depth.POSITIONS:
            # to screen a wallet (no deeper stage asked for), the newest page of closed positions does
            cap = CLOSED_PAGE if plan.target == Depth.POSITIONS else self.limits.max_resolved
            since = plan.since if previous is not None and previous.depth >= Depth.POSITIONS else None
            resolved, still_open, truncated = await self._positions(
                plan.address, end=plan.end, since=since, now=plan.now, cap=cap
            )
            history = replace(
                history,
                resolved=merge_resolved(history.resolved, resolved),
                resolved_truncated=history.resolved_truncated or truncated,
            )
            if plan.snapshot:
                history = replace(history, open_positions=tuple(still_open), observed_at=plan.now)
        elif plan.target >= Depth.FULL and previous.depth == Depth.POSITIONS and previous.resolved_truncated:
            # screened on its newest page: the older closed positions, up to the cap
            known = sum(1 for p in previous.resolved if p.redeemed)
            closed, truncated = await self._closed(
                plan.address, end=plan.end, since=None, cap=self.limits.max_resolved - known, start=known
            )
            older = [assemble.resolved_from_closed(row, seen_at=plan.now) for row in closed]
            history = replace(
                history,
                resolved=merge_resolved(history.resolved, [p for p in older if p.resolved_at <= plan.end]),
                resolved_truncated=truncated,
            )
        return history

    async def _positions(
        self, address: str, *, end: datetime, since: datetime | None, now: datetime, cap: int
    ) -> tuple[list[ResolvedPosition], list[OpenPosition], bool]:
        (closed, truncated), current = await both(
            self._closed(address, end=end, since=since, cap=cap),
            self.api.positions(address, limit=self.limits.max_open),
        )
        resolved, still_open = assemble.positions(closed, current, seen_at=now)
        return [p for p in resolved if p.resolved_at <= end], still_open, truncated

    async def _closed(
        self, address: str, *, end: datetime, since: datetime | None, cap: int, start: int = 0
    ) -> tuple[list[ClosedPosition], bool]:
        """Closed positions newest first from `start`, until a short page, the previous watermark,
        or `cap` of them (counting only positions closed at or before `end`)."""
        out: list[ClosedPosition] = []
        counted = 0
        for offset in range(start, CLOSED_MAX_OFFSET + 1, CLOSED_PAGE):
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
            if counted >= cap:
                return out, True
        return out, True

    # ---------------------------------------------------------------- stage 3

    async def _activity_stage(self, plan: _Plan, history: WalletHistory) -> WalletHistory:
        previous = plan.previous
        has_rows = previous is not None and previous.depth >= Depth.FULL
        if has_rows and not plan.fresh:
            return history
        rows, name, truncated = await self._activity(plan.address, end=plan.end, start=plan.since if has_rows else None)
        return replace(
            history,
            rows=merge_rows(history.rows, rows),
            trades_truncated=history.trades_truncated or truncated,
            username=name or history.username,
        )

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
