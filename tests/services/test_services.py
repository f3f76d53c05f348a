"""MarketService: real clients, the fake Polymarket over sockets, a real DB (WalletService: tests/wallets)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from db.repositories import Repositories
from scanner_core.cache import Cache
from scanner_core.marketref import BadMarketRef
from scanner_core.services.markets import MarketService
from scanner_core.sources.clob import ClobClient
from scanner_core.sources.gamma import GammaClient
from scanner_core.sources.http import HttpClient
from tests.conftest import FakeClock
from tests.fakes.polymarket import FakePolymarket

CEASEFIRE = "0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763"
PSCANNER_WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
NOW = datetime(2026, 4, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
async def services(db: str, make_settings: Any) -> AsyncIterator[tuple[FakePolymarket, MarketService, None]]:
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        settings = make_settings(http_max_retries=1, http_backoff_base_seconds=0.01, breaker_failure_threshold=50)
        http = HttpClient.from_settings(settings, session)
        repos = Repositories()
        cache = Cache()
        clock = FakeClock(NOW)
        markets = MarketService(GammaClient(http, pm.gamma_url), ClobClient(http, pm.clob_url), cache, repos, clock)
        yield pm, markets, None


async def test_market_by_every_kind_of_reference(services: Any) -> None:
    _, markets, _ = services
    by_cid = await markets.get_market(CEASEFIRE)
    assert by_cid is not None and by_cid.market_id == "540816"
    assert by_cid.liquidity is not None and by_cid.end_date == datetime(2026, 7, 31, 12, tzinfo=UTC)
    for ref in ("540816", by_cid.slug, f"https://polymarket.com/market/{by_cid.slug}", by_cid.token_ids[0]):
        found = await markets.get_market(ref)
        assert found is not None and found.condition_id == CEASEFIRE, ref
    assert await markets.get_market("no-such-market-slug") is None
    with pytest.raises(BadMarketRef):
        await markets.get_market("0x1234")
    with pytest.raises(BadMarketRef):
        await markets.get_market("https://example.com/event/x")


async def test_market_is_cached_stored_and_served_from_store_when_gamma_is_down(services: Any) -> None:
    pm, markets, _ = services
    await markets.get_market(CEASEFIRE)
    calls = sum(pm.requests.values())
    await markets.get_market(CEASEFIRE)
    assert sum(pm.requests.values()) == calls, "second lookup must come from the cache"
    assert (await markets.repos.markets.get(CEASEFIRE)) is not None
    markets.cache = Cache()  # cold cache, and Gamma failing from now on
    pm.faults.fail("gamma:/markets", status=503, times=100)
    stored = await markets.get_market(CEASEFIRE)
    assert stored is not None and stored.question.startswith("Russia")


async def test_past_trades_see_no_live_numbers(services: Any) -> None:
    _, markets, _ = services
    live = await markets.get_market(CEASEFIRE, as_of=NOW - timedelta(minutes=1))
    past = await markets.get_market(CEASEFIRE, as_of=NOW - timedelta(days=3))
    assert live is not None and live.liquidity is not None and live.outcome_prices
    assert past is not None and past.liquidity is None and past.volume_24h is None and not past.outcome_prices
    assert past.end_date == live.end_date and past.question == live.question


async def test_book_and_candles(services: Any) -> None:
    pm, markets, _ = services
    token = next(iter(pm.price_history))
    book = await markets.get_book(token)
    assert book is not None and book.best_ask is not None
    market = await markets.get_market(token)
    assert market is not None
    history = pm.price_history[token]
    until = datetime.fromtimestamp(history[-1]["t"] + 60, UTC)
    candles = await markets.candles(market, token, "1m", until=until)
    assert candles and all(c.low <= c.open <= c.high and c.low <= c.close <= c.high for c in candles)
