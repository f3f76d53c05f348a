"""The codecs of the domain values polyscan shares through Redis (see scanner_core/cache.py).

One per cached type and key family; a name changes when its JSON shape does.Wallet histories never pass through
this cache: they live in the database (watermarked) and in WalletService's own in-process LRU.
"""

from __future__ import annotations

from scanner_core.cache import Codec
from scanner_core.models import Candle, Market, OrderBookSummary
from scanner_core.sources.types import Event

# MarketService: `market:<kind>:<ref>` (None = no such market: cached too), `book:<token>`,
# `candles:<token>:<interval>:<minute>`, `event:<slug>`
MARKET: Codec[Market | None] = Codec("market/1", Market | None)
BOOK: Codec[OrderBookSummary | None] = Codec("book/1", OrderBookSummary | None)
CANDLES: Codec[list[Candle]] = Codec("candles/1", list[Candle])
EVENT: Codec[Event | None] = Codec("event/1", Event | None)
