"""MarketService and WalletService: real clients, the fake Polymarket over sockets, a real DB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from db.repositories import Repositories
from scanner_core.cache import Cache
from scanner_core.marketref import BadMarketRef
from scanner_core.models import Side, Trade, TradeSource
from scanner_core.profiling import ProfileParams
from scanner_core.services.markets import MarketService
from scanner_core.services.wallets import WalletService
from scanner_core.sources.clob import ClobClient
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.gamma import GammaClient
from scanner_core.sources.http import HttpClient
from tests.conftest import FakeClock
from tests.fakes.polymarket import FakePolymarket

CEASEFIRE = "0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763"
PSCANNER_WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
NOW = datetime(2026, 4, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
async def services(db: str, make_settings: Any) -> AsyncIterator[tuple[FakePolymarket, MarketService, WalletService]]:
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        settings = make_settings(http_max_retries=1, http_backoff_base_seconds=0.01, breaker_failure_threshold=50)
        http = HttpClient.from_settings(settings, session)
        repos = Repositories()
        cache = Cache()
        clock = FakeClock(NOW)
        markets = MarketService(GammaClient(http, pm.gamma_url), ClobClient(http, pm.clob_url), cache, repos, clock)
        wallets = WalletService(
            DataApiClient(http, pm.data_api_url),
            cache,
            repos,
            clock,
            markets=markets,
            params=ProfileParams(min_resolved_positions=3),
        )
        yield pm, markets, wallets


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


async def test_wallet_profile_counts_unredeemed_losers_and_says_its_sample(services: Any) -> None:
    pm, _, wallets = services
    profile = await wallets.get_profile(PSCANNER_WALLET.upper().replace("0X", "0x"))
    closed = pm.closed_positions[PSCANNER_WALLET]
    redeemable = [p for p in pm.positions[PSCANNER_WALLET] if p.get("redeemable")]
    assert profile.resolved_positions == len(closed) + len(redeemable)
    losers = [p for p in redeemable if float(p["currentValue"]) <= float(p["initialValue"])]
    expected_wins = sum(1 for c in closed if c["realizedPnl"] > 0) + len(redeemable) - len(losers)
    assert profile.winning_positions == expected_wins
    assert profile.win_rate == pytest.approx(expected_wins / profile.resolved_positions)
    oldest = min(r["timestamp"] for r in pm.activity[PSCANNER_WALLET])
    assert profile.first_seen == datetime.fromtimestamp(oldest, UTC)
    assert profile.trade_count == sum(1 for r in pm.activity[PSCANNER_WALLET] if r["type"] == "TRADE")
    stored = await wallets.repos.wallets.get_profile(PSCANNER_WALLET)
    assert stored is not None and stored.trade_count == profile.trade_count


async def test_wallet_judged_in_the_past_fetches_history_with_an_end_time(services: Any) -> None:
    pm, _, wallets = services
    as_of = NOW - timedelta(days=2, minutes=17)
    profile = await wallets.get_profile(PSCANNER_WALLET, as_of=as_of)
    activity_queries = [dict(q) for route, q in pm.request_log if route == "data:/activity"]
    hour = as_of.replace(minute=0, second=0, microsecond=0)
    assert activity_queries and all(q.get("end") == str(int(hour.timestamp())) for q in activity_queries)
    assert not any(route == "data:/positions" for route, _ in pm.request_log), "open positions are today's state"
    assert profile.last_seen is None or profile.last_seen <= as_of


async def test_wallet_profile_without_the_data_api_falls_back(services: Any) -> None:
    pm, _, wallets = services
    pm.faults.fail("data:/activity", status=503, times=100)
    trade = Trade(
        tx_hash="0x01",
        wallet="0x" + "ab" * 20,
        condition_id=CEASEFIRE,
        token_id="1",
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal(4000),
        price=Decimal("0.5"),
        timestamp=NOW - timedelta(hours=1),
        source=TradeSource.RTDS,
    )
    await wallets.repos.trades.save_trade(trade)
    profile = await wallets.get_profile(trade.wallet)
    assert profile.trade_count == 1 and profile.total_volume == Decimal(2000) and profile.win_rate is None


async def test_observe_folds_new_trades_into_a_cached_profile(services: Any) -> None:
    _, _, wallets = services
    before = await wallets.get_profile(PSCANNER_WALLET)
    trade = Trade(
        tx_hash="0x02",
        wallet=PSCANNER_WALLET,
        condition_id=CEASEFIRE,
        token_id="1",
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal(1000),
        price=Decimal("0.5"),
        timestamp=NOW,
        source=TradeSource.RTDS,
    )
    await wallets.observe([trade])
    after = await wallets.get_profile(PSCANNER_WALLET)
    assert after.trade_count == before.trade_count + 1
    assert after.total_volume == before.total_volume + Decimal(500) and after.last_seen == NOW


async def test_username_resolves_through_the_leaderboard(services: Any) -> None:
    pm, _, wallets = services
    entry = pm.leaderboard[0]
    assert await wallets.resolve_username(entry["userName"].lower()) == entry["proxyWallet"]
    assert await wallets.resolve_username("nobody-by-that-name") is None
