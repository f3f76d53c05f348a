"""A TradeFeed on fast settings against the fake Polymarket, with a consumer that records what it
got (used by the feed and watermark tests; the `harness_factory` fixture lives in conftest.py)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

import aiohttp

from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Trade
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.feed import TradeFeed
from scanner_core.sources.http import HttpClient
from scanner_core.sources.ratelimit import limits_from_settings
from scanner_core.sources.rtds import RtdsStream
from tests.fakes.polymarket import FakePolymarket, fresh_trades, sample_trade_rows

START_TS = 1_790_000_000


class Harness:
    """A feed on fast settings, its consumer task and what it received."""

    def __init__(
        self, pm: FakePolymarket, session: aiohttp.ClientSession, settings: Settings, **feed_args: Any
    ) -> None:
        self.pm = pm
        self.states: list[tuple[State, str]] = []
        self.health = HealthRegistry(lambda: datetime.now(UTC))
        self.backoffs: list[float] = []
        http = HttpClient(
            session,
            limits_from_settings(settings),
            max_retries=feed_args.pop("max_retries", 2),
            backoff_base=0.01,
            backoff_max=0.05,
        )
        self.data_api = DataApiClient(http, pm.data_api_url)
        self.rtds = RtdsStream(
            session,
            pm.rtds_url,
            ping_seconds=feed_args.pop("ping_seconds", 0.1),
            stall_seconds=feed_args.pop("stall_seconds", 0.4),
            backoff_min=feed_args.pop("backoff_min", 0.01),
            backoff_max=feed_args.pop("backoff_max", 0.04),
            down_after=feed_args.pop("down_after", 10),
            sleep=self._sleep,
            rng=random.Random(3),
            on_state=lambda state, detail: self.states.append((state, detail)),
            health=self.health,
            **({"filters": feed_args.pop("filters")} if "filters" in feed_args else {}),
        )
        args: dict[str, Any] = {"page_size": 200, "max_pages": 50, "gap_wait_seconds": 0.2, "dedup_window": 20_000}
        args.update(feed_args)
        self.feed = TradeFeed(self.rtds, self.data_api, retry_min_seconds=0.05, retry_max_seconds=0.2, **args)
        self.received: list[Trade] = []
        self.sentinels = 0
        self._consumer: asyncio.Task[None] | None = None

    async def _sleep(self, seconds: float) -> None:
        self.backoffs.append(seconds)
        await asyncio.sleep(seconds)

    async def start(self, since: datetime | None = None, consume: bool = True) -> None:
        await self.feed.start(since)
        if consume:
            self.consume()
        await self.pm.wait_until(lambda: self.pm.rtds_subscriptions >= 1)

    def consume(self) -> None:
        async def run() -> None:
            async for trade in self.feed:
                self.received.append(trade)

        self._consumer = asyncio.create_task(run())

    async def wait_for(self, count: int, timeout: float = 10.0, sentinel: dict[str, Any] | None = None) -> None:
        """Wait for `count` trades, then prove nothing more is on its way: a sentinel trade published
        after everything else comes out last (whatever was still in the socket, in the feed or in a
        pending backfill goes out before it), and is then taken off `received`."""
        await self.pm.wait_until(lambda: len(self.received) >= count, timeout)
        newest = max(int(t.timestamp.timestamp()) for t in self.received) if self.received else START_TS
        self.sentinels += 1
        row = fresh_trades(sample_trade_rows(), 1, start_ts=newest, salt=f"sentinel-{self.sentinels}")[0]
        row.update(sentinel or {})
        await self.pm.publish_trades([row])
        await self.pm.wait_until(lambda: any(t.tx_hash == row["transactionHash"] for t in self.received), timeout)
        last = self.received.pop()
        assert last.tx_hash == row["transactionHash"], "a trade arrived after the sentinel"
        assert len(self.received) == count, f"{len(self.received)} trades, expected {count}"

    async def stop(self) -> None:
        await self.feed.stop()
        if self._consumer is not None:
            self._consumer.cancel()
            await asyncio.gather(self._consumer, return_exceptions=True)
