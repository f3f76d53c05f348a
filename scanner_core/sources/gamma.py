"""Gamma API client: markets, events and tags as domain values.

Gamma applies an implicit `closed=false` to /markets when `closed` is missing, so lookups by
condition id or token id ask for open markets first and then closed ones, always passing
`closed` explicitly. `include_tag=true` embeds the tags that give a market its category.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from scanner_core import normalise
from scanner_core.models import Market
from scanner_core.sources.errors import BadResponse, HttpStatusError, MalformedLog
from scanner_core.sources.http import HttpClient, Params
from scanner_core.sources.types import Event, Tag

API = "gamma"
KEYSET_MAX_LIMIT = 100  # /markets/keyset serves at most this many markets a page


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


class GammaClient:
    def __init__(self, http: HttpClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.malformed = MalformedLog("gamma")

    async def _get(self, path: str, route: str, params: Params | None = None) -> Any:
        return await self.http.get_json(f"{self.base_url}{path}", f"{API}:{route}", params)

    async def _get_or_none(self, path: str, route: str, params: Params | None = None) -> Any:
        try:
            return await self._get(path, route, params)
        except HttpStatusError as exc:
            if exc.status in (404, 422) or (exc.status == 400 and "not found" in exc.body.lower()):
                return None
            raise

    def _rows(self, route: str, body: Any) -> Sequence[Any]:
        try:
            return normalise.rows_of(body, f"{API}:{route}")
        except normalise.MalformedPayload as exc:
            raise BadResponse(f"{API}:{route}", str(exc)) from None

    # --- markets ---

    async def market_by_id(self, market_id: str) -> Market | None:
        body = await self._get_or_none(
            f"/markets/{quote(str(market_id), safe='')}", "/markets/{id}", {"include_tag": True}
        )
        return self.malformed.parse_one("gamma:/markets/{id}", body, normalise.market_from_gamma) if body else None

    async def market_by_slug(self, slug: str) -> Market | None:
        body = await self._get_or_none(
            f"/markets/slug/{quote(slug, safe='')}", "/markets/slug/{slug}", {"include_tag": True}
        )
        return (
            self.malformed.parse_one("gamma:/markets/slug/{slug}", body, normalise.market_from_gamma) if body else None
        )

    async def markets(
        self,
        *,
        ids: Sequence[str] = (),
        slugs: Sequence[str] = (),
        condition_ids: Sequence[str] = (),
        token_ids: Sequence[str] = (),
        closed: bool | None = None,
        active: bool | None = None,
        tag_id: str | None = None,
        order: str | None = None,
        ascending: bool | None = None,
        limit: int = 100,
        offset: int = 0,
        end_date_min: datetime | None = None,
        end_date_max: datetime | None = None,
    ) -> list[Market]:
        """GET /markets. Array filters go as repeated keys; pass `closed` to see closed markets."""
        params: list[tuple[str, Any]] = [("limit", limit), ("offset", offset), ("include_tag", True)]
        params += [("id", i) for i in ids] + [("slug", s) for s in slugs]
        params += [("condition_ids", c) for c in condition_ids] + [("clob_token_ids", t) for t in token_ids]
        params += [
            ("closed", closed),
            ("active", active),
            ("tag_id", tag_id),
            ("order", order),
            ("ascending", ascending),
            ("end_date_min", _iso(end_date_min)),
            ("end_date_max", _iso(end_date_max)),
        ]
        body = await self._get("/markets", "/markets", params)
        return self.malformed.parse_all(self._rows("/markets", body), normalise.market_from_gamma)

    async def markets_keyset(
        self,
        *,
        condition_ids: Sequence[str] = (),
        closed: bool | None = None,
        end_date_min: datetime | None = None,
        end_date_max: datetime | None = None,
        limit: int = KEYSET_MAX_LIMIT,
        after_cursor: str | None = None,
    ) -> tuple[list[Market], str | None]:
        """GET /markets/keyset: one page and the cursor of the next (None on the last page).

        The keyset route replaces offset paging of /markets (deep offsets are slow and unstable,
        and `offset` is rejected here); it takes at most 100 markets a page. Pass `closed`: the
        implicit closed=false applies here too. Rows that do not parse are counted and skipped.
        """
        params: list[tuple[str, Any]] = [("limit", min(limit, KEYSET_MAX_LIMIT)), ("include_tag", True)]
        params += [("condition_ids", c) for c in condition_ids]
        params += [("closed", closed), ("end_date_min", _iso(end_date_min)), ("end_date_max", _iso(end_date_max))]
        params.append(("after_cursor", after_cursor))
        body = await self._get("/markets/keyset", "/markets/keyset", params)
        try:
            rows, cursor = normalise.keyset_rows_and_cursor(body, "gamma:/markets/keyset")
        except normalise.MalformedPayload as exc:
            raise BadResponse("gamma:/markets/keyset", str(exc)) from None
        return self.malformed.parse_all(rows, normalise.market_from_gamma), cursor

    async def market_by_condition_id(self, condition_id: str) -> Market | None:
        for closed in (False, True):
            found = await self.markets(condition_ids=[condition_id.lower()], closed=closed, limit=1)
            if found:
                return found[0]
        return None

    async def market_by_token_id(self, token_id: str) -> Market | None:
        for closed in (False, True):
            found = await self.markets(token_ids=[token_id], closed=closed, limit=1)
            if found:
                return found[0]
        return None

    async def market_tags(self, market_id: str) -> list[Tag]:
        body = await self._get_or_none(f"/markets/{quote(str(market_id), safe='')}/tags", "/markets/{id}/tags")
        return self.malformed.parse_all(self._rows("/markets/{id}/tags", body or []), normalise.tag_from_gamma)

    # --- events ---

    async def events(
        self,
        *,
        ids: Sequence[str] = (),
        slugs: Sequence[str] = (),
        tag_id: str | None = None,
        tag_slug: str | None = None,
        active: bool | None = None,
        closed: bool | None = None,
        order: str | None = None,
        ascending: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Event]:
        params: list[tuple[str, Any]] = [("limit", limit), ("offset", offset)]
        params += [("id", i) for i in ids] + [("slug", s) for s in slugs]
        params += [("tag_id", tag_id), ("tag_slug", tag_slug), ("active", active), ("closed", closed)]
        params += [("order", order), ("ascending", ascending)]
        body = await self._get("/events", "/events", params)
        return self.malformed.parse_all(self._rows("/events", body), normalise.event_from_gamma)

    async def event_by_id(self, event_id: str) -> Event | None:
        body = await self._get_or_none(f"/events/{quote(str(event_id), safe='')}", "/events/{id}")
        return self.malformed.parse_one("gamma:/events/{id}", body, normalise.event_from_gamma) if body else None

    async def event_by_slug(self, slug: str) -> Event | None:
        body = await self._get_or_none(f"/events/slug/{quote(slug, safe='')}", "/events/slug/{slug}")
        return self.malformed.parse_one("gamma:/events/slug/{slug}", body, normalise.event_from_gamma) if body else None

    async def search(self, query: str, *, limit_per_type: int = 10, keep_closed_markets: bool = False) -> list[Event]:
        """GET /public-search: events (with their markets) whose text matches `query`."""
        params: dict[str, Any] = {
            "q": query,
            "limit_per_type": limit_per_type,
            "keep_closed_markets": 1 if keep_closed_markets else 0,
        }
        body = await self._get("/public-search", "/public-search", params)
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list):
            raise BadResponse(f"{API}:/public-search", "expected {events: [...]}")
        return self.malformed.parse_all(events, normalise.event_from_gamma)

    # --- tags ---

    async def tags(self, *, limit: int = 100, offset: int = 0) -> list[Tag]:
        body = await self._get("/tags", "/tags", {"limit": limit, "offset": offset})
        return self.malformed.parse_all(self._rows("/tags", body), normalise.tag_from_gamma)
