"""build_sources wires every source from Settings; the pieces work together against the fake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import aiohttp

from scanner_core.config import Settings
from scanner_core.health import HealthRegistry, State
from scanner_core.sources import build_sources
from tests.fakes.polymarket import FakePolymarket, fresh_trades, sample_trade_rows

NAUTILUS_TOKEN = "23360939988679364027624185518382759743328544433592111535569478055890815567848"


async def test_build_sources_from_settings(
    pm: FakePolymarket, session: aiohttp.ClientSession, pm_settings: Callable[..., Settings]
) -> None:
    settings = pm_settings(rtds_ping_seconds=0.1, clob_ws_ping_seconds=0.1, rate_data_trades=123)
    health = HealthRegistry(lambda: datetime.now(UTC))
    changes: list[tuple[str, str]] = []
    sources = build_sources(settings, session, health=health, on_state=lambda s, d: changes.append((s.value, d)))
    assert sources.http.limiter.limits["data:/trades"] == 123
    assert sources.rtds.ping_seconds == 0.1 and sources.feed.page_size == settings.backfill_page_size

    market = await sources.gamma.market_by_id("540816")
    assert market is not None and market.market_id == "540816"
    assert (await sources.data_api.trades(limit=2)).rows == 2
    book = await sources.clob.book(NAUTILUS_TOKEN)
    assert book is not None and book.best_bid == Decimal("0.1")

    pm.clear_trades()
    await sources.feed.start()
    await sources.market_ws.start()
    await sources.market_ws.subscribe([NAUTILUS_TOKEN])
    try:
        await pm.wait_until(lambda: pm.rtds_subscriptions == 1 and sources.market_ws.book(NAUTILUS_TOKEN) is not None)
        rows = fresh_trades(sample_trade_rows(), 3, start_ts=1_790_000_000)
        await pm.publish_trades(rows)
        got = [await sources.feed.get() for _ in rows]
        assert [t.tx_hash for t in got] == [r["transactionHash"] for r in rows]
        assert health.get("rtds").state is State.OK  # type: ignore[union-attr]
        assert health.get("clob_ws").state is State.OK  # type: ignore[union-attr]
        assert ("ok", "connected") in changes
        assert sources.feed.connected and sources.feed.last_trade_at is not None
    finally:
        await sources.feed.stop()
        await sources.market_ws.stop()
