"""Turn a selection into markets with their metadata and resolution, through Gamma.

Gamma traps handled here: /markets answers only open markets unless `closed` is passed, so
lookups ask for closed markets first and open ones after; long id lists are sent in chunks (URLs
over about 8 KB are refused); periods are paged with /markets/keyset cursors (offset paging of
/markets is slow when deep and was announced for retirement), falling back to offset pages only
where the keyset route is missing. A market already stored with a final resolution is taken from
the database without a call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from scanner_core.logs import get_logger
from scanner_core.marketref import MarketRef, RefKind
from scanner_core.models import Market
from scanner_core.sources.errors import BadResponse, HttpStatusError
from scanner_core.sources.gamma import GammaClient

log = get_logger("backtest.discover")

IDS_PER_CALL = 50  # condition ids per Gamma call: 50 x 81 characters keeps the URL near 4 KB


class StoredMarkets(Protocol):
    async def get(self, condition_id: str) -> Market | None: ...


class NotFound(LookupError):
    """A selection names something Gamma does not know; `str()` says what."""


def closed_in(market: Market, since: datetime, until: datetime) -> bool:
    """Did the market close (or resolve) within [since, until]? Without a closed time its
    resolution time, then its scheduled end, stand in."""
    when = market.closed_time or market.resolution.resolved_at or market.end_date
    return market.closed and when is not None and since <= when <= until


class MarketFinder:
    def __init__(self, gamma: GammaClient, stored: StoredMarkets, *, closed_slack: timedelta) -> None:
        self.gamma = gamma
        self.stored = stored
        self.closed_slack = closed_slack
        self._keyset = True  # False once the keyset route answered 404 or an unknown shape

    async def _stored_final(self, condition_id: str) -> Market | None:
        market = await self.stored.get(condition_id)
        return market if market is not None and market.resolution.is_final else None

    async def event(self, slug: str) -> list[Market]:
        event = await self.gamma.event_by_slug(slug)
        if event is None:
            raise NotFound(f"event {slug!r} not found on Gamma")
        return list(event.markets)

    async def market(self, ref: MarketRef) -> list[Market]:
        """The market a reference names (a polymarket.com event link names all its markets)."""
        if ref.kind is RefKind.EVENT_SLUG:
            return await self.event(ref.value)
        found: Market | None
        if ref.kind is RefKind.CONDITION_ID:
            found = (await self.by_condition_ids([ref.value])).get(ref.value)
        elif ref.kind is RefKind.SLUG:
            found = await self.gamma.market_by_slug(ref.value)
        elif ref.kind is RefKind.GAMMA_ID:
            found = await self.gamma.market_by_id(ref.value)
        else:
            found = await self.gamma.market_by_token_id(ref.value)
        if found is None:
            raise NotFound(f"market {ref.value!r} not found on Gamma")
        return [found]

    async def by_condition_ids(self, condition_ids: Sequence[str]) -> dict[str, Market]:
        """Markets by condition id, closed ones first (the implicit closed=false), in chunks."""
        wanted = list(dict.fromkeys(c.lower() for c in condition_ids))
        out: dict[str, Market] = {}
        for cid in wanted:
            stored = await self._stored_final(cid)
            if stored is not None:
                out[cid] = stored
        for closed in (True, False):
            missing = [c for c in wanted if c not in out]
            for start in range(0, len(missing), IDS_PER_CALL):
                for market in await self._lookup(missing[start : start + IDS_PER_CALL], closed):
                    out[market.condition_id] = market
        return out

    async def _lookup(self, condition_ids: list[str], closed: bool) -> list[Market]:
        if self._keyset:
            try:
                found: list[Market] = []
                cursor: str | None = None
                while True:
                    page, cursor = await self.gamma.markets_keyset(
                        condition_ids=condition_ids, closed=closed, after_cursor=cursor
                    )
                    found.extend(page)
                    if not cursor or not page:
                        return found
            except (HttpStatusError, BadResponse) as exc:
                self._keyset_failed(exc)
        return await self.gamma.markets(condition_ids=condition_ids, closed=closed, limit=len(condition_ids))

    def _keyset_failed(self, exc: HttpStatusError | BadResponse) -> None:
        if isinstance(exc, HttpStatusError) and exc.status != 404:
            raise exc
        log.warning("gamma_keyset_unavailable", error=str(exc)[:200])
        self._keyset = False

    async def closed_between(self, since: datetime, until: datetime) -> AsyncIterator[list[Market]]:
        """Pages of markets that closed within [since, until].

        Gamma filters by scheduled end, not by closed time: the query asks for closed markets
        whose end lies within the period widened by `closed_slack` on both sides (resolution
        comes after the end, sometimes days after), then keeps those whose closed time falls in
        the period. A market resolved earlier than `closed_slack` before its scheduled end is
        not found this way: name it with --market or --event.
        """
        low, high = since - self.closed_slack, until + self.closed_slack
        if self._keyset:
            try:
                cursor: str | None = None
                while True:
                    page, cursor = await self.gamma.markets_keyset(
                        closed=True, end_date_min=low, end_date_max=high, after_cursor=cursor
                    )
                    yield [m for m in page if closed_in(m, since, until)]
                    if not cursor or not page:
                        return
            except (HttpStatusError, BadResponse) as exc:
                self._keyset_failed(exc)
        offset = 0
        while True:
            page = await self.gamma.markets(
                closed=True, end_date_min=low, end_date_max=high, order="id", ascending=True, offset=offset
            )
            yield [m for m in page if closed_in(m, since, until)]
            if len(page) < 100:
                return
            offset += len(page)
