"""Pure OHLCV candles from price points or from trades."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from scanner_core.models import ZERO, Candle, Trade

INTERVALS = {"1m": timedelta(minutes=1), "1h": timedelta(hours=1), "1d": timedelta(days=1)}


def bucket_start(moment: datetime, width: timedelta) -> datetime:
    seconds = int(width.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def candles_from_points(points: Iterable[tuple[datetime, Decimal, Decimal]], interval: str) -> list[Candle]:
    """(time, price, volume) points -> candles of `interval` ("1m", "1h", "1d"), oldest first."""
    width = INTERVALS[interval]
    buckets: dict[datetime, list[Decimal]] = {}
    volumes: dict[datetime, Decimal] = {}
    for moment, price, volume in sorted(points, key=lambda p: p[0]):
        start = bucket_start(moment, width)
        bucket = buckets.get(start)
        if bucket is None:
            buckets[start] = [price, price, price, price]
            volumes[start] = volume
        else:
            bucket[1] = max(bucket[1], price)
            bucket[2] = min(bucket[2], price)
            bucket[3] = price
            volumes[start] += volume
    return [Candle(start, o, h, low, c, volumes[start]) for start, (o, h, low, c) in sorted(buckets.items())]


def candles_from_trades(trades: Iterable[Trade], token_id: str, interval: str) -> list[Candle]:
    return candles_from_points(((t.timestamp, t.price, t.usd) for t in trades if t.token_id == token_id), interval)


def merge_volume(candles: list[Candle], trade_candles: list[Candle]) -> list[Candle]:
    """Price candles (from /prices-history, no volume) with our own traded volume added."""
    volume = {c.start: c.volume for c in trade_candles}
    return [Candle(c.start, c.open, c.high, c.low, c.close, volume.get(c.start, ZERO)) for c in candles]
