"""Data API client: trades, activity, positions, closed positions, value, holders, traded and the
leaderboard, as domain values.

v1 routes page with limit/offset and answer bare arrays (a `{data, next_cursor}` envelope is
accepted too); the v2 routes page with cursors and serve deeper history. Rows that do not parse
are counted in scanner_frames_malformed_total{source="data_api"} (and by reason in
scanner_rows_rejected_total), quarantined and skipped: one odd row never loses a page. Trade rows
(of /trades and /activity, v1 and v2) pass the trade schema, its time bound from `horizon`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from scanner_core import normalise
from scanner_core.models import Side, TradeSource
from scanner_core.quarantine import QuarantineSink
from scanner_core.sources.errors import BadResponse, MalformedLog
from scanner_core.sources.horizon import TradeHorizon
from scanner_core.sources.http import HttpClient, Params
from scanner_core.sources.types import (
    Activity,
    ClosedPosition,
    LeaderboardEntry,
    Position,
    TokenHolders,
    TradePage,
)

API = "data"
CLOSED_POSITIONS_MAX_LIMIT = 50  # the API refuses more per page


def _unix(value: datetime | int | None) -> int | None:
    if value is None:
        return None
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)


def _csv(value: str | Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return ",".join(value) if value else None


class DataApiClient:
    def __init__(
        self,
        http: HttpClient,
        base_url: str,
        *,
        horizon: TradeHorizon | None = None,
        quarantine: QuarantineSink | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.horizon = horizon or TradeHorizon()
        self.malformed = MalformedLog("data_api", quarantine=quarantine)

    async def _get(self, route: str, params: Params | None = None) -> Any:
        return await self.http.get_json(f"{self.base_url}{route}", f"{API}:{route}", params)

    def _rows(self, route: str, body: Any) -> tuple[list[Any], str | None]:
        try:
            return normalise.rows_and_cursor(body, f"{API}:{route}")
        except normalise.MalformedPayload as exc:
            self.malformed.record(str(exc), repr(body)[:300])
            raise BadResponse(f"{API}:{route}", str(exc)) from None

    def _trade_page(self, route: str, body: Any, source: TradeSource) -> TradePage:
        rows, cursor = self._rows(route, body)
        not_after = self.horizon()
        trades = self.malformed.parse_all(rows, lambda row: normalise.trade_from_row(row, source, not_after=not_after))
        return TradePage(tuple(trades), rows=len(rows), skipped=len(rows) - len(trades), next_cursor=cursor)

    # --- trades ---

    async def trades(
        self,
        *,
        user: str | None = None,
        market: str | Sequence[str] | None = None,
        event_id: str | Sequence[str] | None = None,
        side: Side | str | None = None,
        taker_only: bool = True,
        filter_type: str | None = None,
        filter_amount: Decimal | float | None = None,
        limit: int = 100,
        offset: int = 0,
        start: datetime | int | None = None,
        end: datetime | int | None = None,
        source: TradeSource = TradeSource.DATA_API,
    ) -> TradePage:
        """GET /trades, newest first. `taker_only=False` adds the maker rows (as RTDS sends)."""
        if (filter_type is None) != (filter_amount is None):
            raise ValueError("filter_type and filter_amount go together")
        params: dict[str, Any] = {
            "user": user.lower() if user else None,
            "market": _csv(market),
            "eventId": _csv(event_id),
            "side": str(side) if side else None,
            "takerOnly": taker_only,
            "filterType": filter_type,
            "filterAmount": str(filter_amount) if filter_amount is not None else None,
            "limit": limit,
            "offset": offset,
            "start": _unix(start),
            "end": _unix(end),
        }
        return self._trade_page("/trades", await self._get("/trades", params), source)

    async def trades_v2(
        self,
        *,
        user: str | None = None,
        condition: str | Sequence[str] | None = None,
        event_id: str | None = None,
        side: Side | str | None = None,
        taker_only: bool = True,
        filter_type: str | None = None,
        filter_amount: Decimal | float | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        start: datetime | int | None = None,
        end: datetime | int | None = None,
        source: TradeSource = TradeSource.DATA_API,
    ) -> TradePage:
        """GET /v2/trades. The first call sets the page size; follow `next_cursor` after that."""
        params: dict[str, Any] = {"cursor": cursor}
        if cursor is None:
            params.update(
                {
                    "user": user.lower() if user else None,
                    "condition": _csv(condition),
                    "event_id": event_id,
                    "side": str(side) if side else None,
                    "taker_only": taker_only,
                    "filter_type": filter_type,
                    "filter_amount": str(filter_amount) if filter_amount is not None else None,
                    "limit": limit,
                    "start": _unix(start),
                    "end": _unix(end),
                }
            )
        return self._trade_page("/v2/trades", await self._get("/v2/trades", params), source)

    async def iter_trades_v2(self, *, max_pages: int = 20, **query: Any) -> AsyncIterator[TradePage]:
        """Pages of /v2/trades following cursors until the end or `max_pages`."""
        cursor: str | None = None
        for _ in range(max_pages):
            page = await self.trades_v2(cursor=cursor, **query)
            yield page
            cursor = page.next_cursor
            if not cursor:
                return

    # --- activity ---

    async def activity(
        self,
        user: str,
        *,
        market: str | Sequence[str] | None = None,
        kinds: Sequence[str] = (),
        side: Side | str | None = None,
        start: datetime | int | None = None,
        end: datetime | int | None = None,
        sort_by: str | None = None,
        sort_direction: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Activity]:
        params: dict[str, Any] = {
            "user": user.lower(),
            "market": _csv(market),
            "type": _csv(kinds) if kinds else None,
            "side": str(side) if side else None,
            "start": _unix(start),
            "end": _unix(end),
            "sortBy": sort_by,
            "sortDirection": sort_direction,
            "limit": limit,
            "offset": offset,
        }
        rows, _ = self._rows("/activity", await self._get("/activity", params))
        return self._activities(rows)

    async def activity_v2(
        self, user: str, *, cursor: str | None = None, limit: int | None = None, kinds: Sequence[str] = ()
    ) -> tuple[list[Activity], str | None]:
        params: dict[str, Any] = {"cursor": cursor}
        if cursor is None:
            params.update({"user": user.lower(), "limit": limit, "type": _csv(kinds) if kinds else None})
        rows, next_cursor = self._rows("/v2/activity", await self._get("/v2/activity", params))
        return self._activities(rows), next_cursor

    def _activities(self, rows: list[Any]) -> list[Activity]:
        not_after = self.horizon()
        return self.malformed.parse_all(rows, lambda row: normalise.activity_from_row(row, not_after=not_after))

    # --- positions ---

    async def positions(
        self,
        user: str,
        *,
        market: str | Sequence[str] | None = None,
        size_threshold: Decimal | float | None = None,
        redeemable: bool | None = None,
        mergeable: bool | None = None,
        sort_by: str | None = None,
        sort_direction: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Position]:
        params: dict[str, Any] = {
            "user": user.lower(),
            "market": _csv(market),
            "sizeThreshold": str(size_threshold) if size_threshold is not None else None,
            "redeemable": redeemable,
            "mergeable": mergeable,
            "sortBy": sort_by,
            "sortDirection": sort_direction,
            "limit": limit,
            "offset": offset,
        }
        rows, _ = self._rows("/positions", await self._get("/positions", params))
        return self.malformed.parse_all(rows, normalise.position_from_row)

    async def positions_v2(
        self, user: str, *, status: str = "OPEN", cursor: str | None = None, limit: int | None = None
    ) -> tuple[list[Position] | list[ClosedPosition], str | None]:
        """GET /v2/positions (status OPEN, REDEEMABLE or CLOSED; CLOSED rows are closed positions)."""
        params: dict[str, Any] = {"cursor": cursor}
        if cursor is None:
            params.update({"user": user.lower(), "status": status, "limit": limit})
        rows, next_cursor = self._rows("/v2/positions", await self._get("/v2/positions", params))
        if status.upper() == "CLOSED":
            return self.malformed.parse_all(rows, normalise.closed_position_from_row), next_cursor
        return self.malformed.parse_all(rows, normalise.position_from_row), next_cursor

    async def closed_positions(
        self,
        user: str,
        *,
        market: str | Sequence[str] | None = None,
        sort_by: str | None = None,
        sort_direction: str | None = None,
        limit: int = CLOSED_POSITIONS_MAX_LIMIT,
        offset: int = 0,
    ) -> list[ClosedPosition]:
        params: dict[str, Any] = {
            "user": user.lower(),
            "market": _csv(market),
            "sortBy": sort_by,
            "sortDirection": sort_direction,
            "limit": min(limit, CLOSED_POSITIONS_MAX_LIMIT),
            "offset": offset,
        }
        rows, _ = self._rows("/closed-positions", await self._get("/closed-positions", params))
        return self.malformed.parse_all(rows, normalise.closed_position_from_row)

    async def all_closed_positions(
        self, user: str, *, max_pages: int = 20, sort_by: str | None = "TIMESTAMP", sort_direction: str | None = "DESC"
    ) -> list[ClosedPosition]:
        """Closed positions page by page (50 a page, the API's cap) until a short page or `max_pages`."""
        out: list[ClosedPosition] = []
        for page in range(max_pages):
            params: dict[str, Any] = {
                "user": user.lower(),
                "sortBy": sort_by,
                "sortDirection": sort_direction,
                "limit": CLOSED_POSITIONS_MAX_LIMIT,
                "offset": page * CLOSED_POSITIONS_MAX_LIMIT,
            }
            rows, _ = self._rows("/closed-positions", await self._get("/closed-positions", params))
            out.extend(self.malformed.parse_all(rows, normalise.closed_position_from_row))
            if len(rows) < CLOSED_POSITIONS_MAX_LIMIT:
                break
        return out

    # --- wallet figures ---

    async def value(self, user: str, *, market: str | Sequence[str] | None = None) -> Decimal:
        body = await self._get("/value", {"user": user.lower(), "market": _csv(market)})
        return self.malformed.parse_one(f"{API}:/value", body, normalise.value_from_body)

    async def traded(self, user: str) -> int:
        body = await self._get("/traded", {"user": user.lower()})
        return self.malformed.parse_one(f"{API}:/traded", body, normalise.traded_from_body)

    async def holders(
        self, markets: str | Sequence[str], *, limit: int = 20, min_balance: Decimal | int | None = None
    ) -> list[TokenHolders]:
        params: dict[str, Any] = {
            "market": _csv(markets),
            "limit": limit,
            "minBalance": str(min_balance) if min_balance is not None else None,
        }
        body = await self._get("/holders", params)
        return self.malformed.parse_one(f"{API}:/holders", body, normalise.holders_from_body)

    async def leaderboard(
        self,
        *,
        category: str = "OVERALL",
        time_period: str = "DAY",
        order_by: str = "PNL",
        limit: int = 25,
        offset: int = 0,
        user: str | None = None,
        user_name: str | None = None,
    ) -> list[LeaderboardEntry]:
        params: dict[str, Any] = {
            "category": category,
            "timePeriod": time_period,
            "orderBy": order_by,
            "limit": limit,
            "offset": offset,
            "user": user.lower() if user else None,
            "userName": user_name,
        }
        rows, _ = self._rows("/v1/leaderboard", await self._get("/v1/leaderboard", params))
        return self.malformed.parse_all(
            list(enumerate(rows, start=offset + 1)), lambda pair: normalise.leaderboard_entry_from_row(pair[1], pair[0])
        )
