"""CLOB REST client: order books, midpoints, last trade prices and price history.

Books come back with bids ascending and asks descending (best last); normalise sorts them, so
best bid is the highest bid and best ask the lowest ask whatever order the server used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from scanner_core import normalise
from scanner_core.models import OrderBookSummary, Side
from scanner_core.sources.errors import BadResponse, HttpStatusError, MalformedLog
from scanner_core.sources.http import HttpClient, Params
from scanner_core.sources.types import PricePoint

API = "clob"
BOOKS_PER_CALL = 500  # POST /books accepts at most this many token ids
INTERVALS = frozenset({"1m", "1h", "6h", "1d", "1w", "max"})


class ClobClient:
    def __init__(self, http: HttpClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.malformed = MalformedLog("clob")

    async def _get_or_none(self, route: str, params: Params) -> Any:
        try:
            return await self.http.get_json(f"{self.base_url}{route}", f"{API}:{route}", params)
        except HttpStatusError as exc:
            # the CLOB answers 404 "No orderbook exists for the requested token id" for closed markets
            if exc.status == 404:
                return None
            raise

    async def book(self, token_id: str) -> OrderBookSummary | None:
        body = await self._get_or_none("/book", {"token_id": token_id})
        return self.malformed.parse_one(f"{API}:/book", body, normalise.book_from_clob) if body else None

    async def books(self, token_ids: Sequence[str]) -> list[OrderBookSummary]:
        """POST /books in chunks of 500; tokens without a book are simply absent."""
        out: list[OrderBookSummary] = []
        ids = list(dict.fromkeys(token_ids))
        for start in range(0, len(ids), BOOKS_PER_CALL):
            chunk = [{"token_id": token} for token in ids[start : start + BOOKS_PER_CALL]]
            body = await self.http.post_json(f"{self.base_url}/books", f"{API}:/books", chunk)
            if not isinstance(body, list):
                raise BadResponse(f"{API}:/books", "expected an array of books")
            out.extend(self.malformed.parse_all(body, normalise.book_from_clob))
        return out

    async def midpoint(self, token_id: str) -> Decimal | None:
        body = await self._get_or_none("/midpoint", {"token_id": token_id})
        return self.malformed.parse_one(f"{API}:/midpoint", body, normalise.midpoint_from_clob) if body else None

    async def last_trade_price(self, token_id: str) -> tuple[Decimal, Side | None] | None:
        body = await self._get_or_none("/last-trade-price", {"token_id": token_id})
        if not body:
            return None
        return self.malformed.parse_one(f"{API}:/last-trade-price", body, normalise.last_trade_price_from_clob)

    async def prices_history(
        self,
        token_id: str,
        *,
        interval: str | None = None,
        start: datetime | int | None = None,
        end: datetime | int | None = None,
        fidelity: int | None = None,
    ) -> list[PricePoint]:
        """GET /prices-history for one token (`market` is the token id, not the condition id):
        either `interval` or `start`+`end`; `fidelity` is the resolution in minutes."""
        if interval is not None and (start is not None or end is not None):
            raise ValueError("pass either interval or start/end, not both")
        if interval is not None and interval not in INTERVALS:
            raise ValueError(f"interval must be one of {sorted(INTERVALS)}")
        params: dict[str, Any] = {
            "market": token_id,
            "interval": interval,
            "startTs": int(start.timestamp()) if isinstance(start, datetime) else start,
            "endTs": int(end.timestamp()) if isinstance(end, datetime) else end,
            "fidelity": fidelity,
        }
        body = await self._get_or_none("/prices-history", params)
        if not body:
            return []
        return self.malformed.parse_one(f"{API}:/prices-history", body, normalise.price_history_from_clob)
