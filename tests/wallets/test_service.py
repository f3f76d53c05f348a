"""WalletService: the real Data API client over sockets against the fake Polymarket, a real
database: histories fetched once by stages, stored with their watermark, judged as of a moment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from db.repositories import Repositories
from scanner_core.jobs import prune_old_data
from scanner_core.models import Side, Trade, TradeSource
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.http import HttpClient
from scanner_core.wallets import Depth, ProfileParams, WalletService
from tests.conftest import FakeClock
from tests.fakes.polymarket import FakePolymarket

CEASEFIRE = "0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763"
PSCANNER_WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
NOW = datetime(2026, 4, 26, 12, 0, tzinfo=UTC)


@dataclass
class Rig:
    pm: FakePolymarket
    api: DataApiClient
    repos: Repositories
    clock: FakeClock

    def service(self, **kwargs: Any) -> WalletService:
        return WalletService(self.api, self.repos, self.clock, params=ProfileParams(min_resolved_positions=3), **kwargs)

    def calls(self, user: str | None = None) -> list[tuple[str, dict[str, str]]]:
        return [(r, dict(q)) for r, q in self.pm.request_log if user is None or dict(q).get("user") == user]


@pytest.fixture
async def rig(db: str, make_settings: Any) -> AsyncIterator[Rig]:
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        settings = make_settings(http_max_retries=1, http_backoff_base_seconds=0.01, breaker_failure_threshold=50)
        api = DataApiClient(HttpClient.from_settings(settings, session), pm.data_api_url)
        yield Rig(pm, api, Repositories(), FakeClock(NOW))


def own_trade(wallet: str, when: datetime, usd: int = 2000) -> Trade:
    return Trade(
        tx_hash=f"0x{int(when.timestamp()):064x}",
        wallet=wallet,
        condition_id=CEASEFIRE,
        token_id="1",
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal(usd * 2),
        price=Decimal("0.5"),
        timestamp=when,
        source=TradeSource.RTDS,
    )


async def test_the_profile_counts_unredeemed_losers_and_says_its_sample(rig: Rig) -> None:
    wallets = rig.service()
    profile = await wallets.get_profile(PSCANNER_WALLET.upper().replace("0X", "0x"))
    closed = rig.pm.closed_positions[PSCANNER_WALLET]
    redeemable = [p for p in rig.pm.positions[PSCANNER_WALLET] if p.get("redeemable")]
    assert profile.resolved_positions == len(closed) + len(redeemable)
    losers = [p for p in redeemable if float(p["currentValue"]) <= float(p["initialValue"])]
    expected_wins = sum(1 for c in closed if c["realizedPnl"] > 0) + len(redeemable) - len(losers)
    assert profile.winning_positions == expected_wins
    assert profile.win_rate == pytest.approx(expected_wins / profile.resolved_positions)
    assert profile.win_rate_lower is not None and profile.win_rate_lower < profile.win_rate
    oldest = min(r["timestamp"] for r in rig.pm.activity[PSCANNER_WALLET])
    assert profile.first_seen == datetime.fromtimestamp(oldest, UTC)
    assert profile.trade_count == sum(1 for r in rig.pm.activity[PSCANNER_WALLET] if r["type"] == "TRADE")
    stored = await rig.repos.wallets.get_profile(PSCANNER_WALLET)
    assert stored is not None and stored.trade_count == profile.trade_count
    # closed positions newest first, never in the API's default order (best PnL first)
    closed_queries = [q for r, q in rig.calls() if r == "data:/closed-positions"]
    assert closed_queries and all(q["sortBy"] == "TIMESTAMP" and q["sortDirection"] == "DESC" for q in closed_queries)


async def test_stages_cheapest_first_and_a_wallet_without_history_costs_nothing_more(rig: Rig) -> None:
    wallets = rig.service()
    nobody = "0x" + "ab" * 20
    profile = await wallets.profile_as_of(nobody, NOW)
    assert profile is not None and profile.trade_count == 0 and profile.first_seen is None  # new to Polymarket
    routes = [r for r, _ in rig.calls(nobody)]
    assert sorted(routes) == ["data:/activity", "data:/traded"]  # no scarce /closed-positions or /positions call
    oldest = next(q for r, q in rig.calls(nobody) if r == "data:/activity")
    assert (oldest["sortBy"], oldest["sortDirection"], oldest["limit"]) == ("TIMESTAMP", "ASC", "1")


async def test_a_history_is_stored_and_survives_a_restart(rig: Rig) -> None:
    first = await rig.service().get_profile(PSCANNER_WALLET)
    before = len(rig.pm.request_log)
    restarted = rig.service()  # a new process: nothing in memory
    again = await restarted.get_profile(PSCANNER_WALLET)
    assert len(rig.pm.request_log) == before and restarted.fetched == 0
    assert again == first


async def test_a_refresh_fetches_only_what_is_newer_than_the_watermark(rig: Rig) -> None:
    wallets = rig.service()
    before = await wallets.get_profile(PSCANNER_WALLET)
    rig.pm.reset_requests()
    rig.clock.advance(hours=2)  # older than the refresh interval: a live profile refreshes
    newer = dict(rig.pm.activity[PSCANNER_WALLET][0])
    newer.update(timestamp=int((NOW + timedelta(hours=1)).timestamp()), transactionHash="0x" + "77" * 32)
    rig.pm.activity[PSCANNER_WALLET].append(newer)

    after = await wallets.get_profile(PSCANNER_WALLET)

    assert after.trade_count == before.trade_count + (1 if newer["type"] == "TRADE" else 0)
    assert after.last_seen == NOW + timedelta(hours=1)
    activity = [q for r, q in rig.calls() if r == "data:/activity"]
    assert activity and all(q.get("start") == str(int(NOW.timestamp())) for q in activity)  # from the watermark
    assert not any(q.get("sortDirection") == "ASC" for q in activity)  # the first activity is known already
    stored = await rig.repos.wallet_histories.load(PSCANNER_WALLET)
    assert stored is not None and stored.fetched_until == NOW + timedelta(hours=2)


async def test_a_past_moment_is_judged_locally_from_one_fetch(rig: Rig) -> None:
    wallets = rig.service()
    rows = rig.pm.activity[PSCANNER_WALLET]
    times = sorted({r["timestamp"] for r in rows})
    middle = datetime.fromtimestamp(times[len(times) // 2], UTC)
    hours = [middle - timedelta(hours=h) for h in range(48)] + [middle + timedelta(minutes=m) for m in range(0, 600, 7)]
    profiles = [await wallets.profile_as_of(PSCANNER_WALLET, moment) for moment in hours]
    assert wallets.fetched == 1  # one fetch (up to now), then every moment is cut locally
    at_middle = await wallets.profile_as_of(PSCANNER_WALLET, middle)
    assert at_middle is not None
    assert at_middle.trade_count == sum(
        1 for r in rows if r["type"] == "TRADE" and r["timestamp"] <= times[len(times) // 2]
    )
    assert all(
        p is not None and (p.last_seen is None or p.last_seen <= m) for p, m in zip(profiles, hours, strict=True)
    )
    # a position counts once it resolved by the moment: a day before the first closing, none did
    closed_times = sorted(r["timestamp"] for r in rig.pm.closed_positions[PSCANNER_WALLET])
    early = await wallets.profile_as_of(
        PSCANNER_WALLET, datetime.fromtimestamp(closed_times[0], UTC) - timedelta(days=1)
    )
    assert early is not None and early.resolved_positions < len(closed_times)


async def test_without_the_data_api_get_profile_falls_back_and_enrichment_says_unknown(rig: Rig) -> None:
    wallets = rig.service()
    rig.pm.faults.fail("data:/activity", status=503, times=100)
    trade = own_trade("0x" + "ab" * 20, NOW - timedelta(hours=1))
    await rig.repos.trades.save_trade(trade)
    profile = await wallets.get_profile(trade.wallet)  # /wallet: what our own trades say
    assert profile.trade_count == 1 and profile.total_volume == Decimal(2000) and profile.win_rate is None
    assert await wallets.profile_as_of(trade.wallet, NOW) is None  # a detector: unknown, never "fresh"


async def test_observe_folds_new_trades_into_a_cached_profile(rig: Rig) -> None:
    wallets = rig.service()
    before = await wallets.get_profile(PSCANNER_WALLET)
    await wallets.observe([own_trade(PSCANNER_WALLET, NOW, usd=500)])
    after = await wallets.get_profile(PSCANNER_WALLET)
    assert after.trade_count == before.trade_count + 1
    assert after.total_volume == before.total_volume + Decimal(500) and after.last_seen == NOW


async def test_offline_uses_stored_histories_only(rig: Rig) -> None:
    await rig.service().get_profile(PSCANNER_WALLET)
    rig.pm.reset_requests()
    offline = WalletService(None, rig.repos, rig.clock, offline=True, params=ProfileParams(min_resolved_positions=3))
    known = await offline.profile_as_of(PSCANNER_WALLET, NOW + timedelta(days=30))  # beyond the watermark: all we have
    assert known is not None and known.resolved_positions > 0
    assert await offline.profile_as_of("0x" + "cd" * 20, NOW) is None  # no stored history: unknown
    assert await offline.ensure_histories([PSCANNER_WALLET]) == 0
    assert rig.pm.request_log == []


async def test_ensure_histories_fetches_each_wallet_once_and_skips_covered_ones(rig: Rig) -> None:
    wallets = rig.service()
    others = ["0x" + f"{i:02x}" * 20 for i in range(1, 6)]
    for other in others:  # each with one real activity row of its own
        rig.pm.set_activity(other, [{**rig.pm.activity[PSCANNER_WALLET][0], "proxyWallet": other}])
    fetched = await wallets.ensure_histories([PSCANNER_WALLET, *others, PSCANNER_WALLET.upper(), "garbage"])
    assert fetched == 6
    assert await wallets.ensure_histories([PSCANNER_WALLET, *others]) == 0  # covered: nothing again
    until = NOW - timedelta(days=1)
    assert await wallets.ensure_histories(others, until=until) == 0  # a past end is covered too
    coverage = await rig.repos.wallet_histories.coverage([PSCANNER_WALLET, *others])
    assert all(c == (NOW, Depth.FULL) for c in coverage.values()) and len(coverage) == 6
    assert sum(1 for r, _ in rig.calls() if r == "data:/traded") == 6


async def test_a_history_as_of_a_past_end_holds_nothing_after_it(rig: Rig) -> None:
    wallets = rig.service()
    rows = rig.pm.activity[PSCANNER_WALLET]
    cut = datetime.fromtimestamp(sorted(r["timestamp"] for r in rows)[len(rows) // 2], UTC)
    assert await wallets.ensure_histories([PSCANNER_WALLET], until=cut) == 1
    stored = await rig.repos.wallet_histories.load(PSCANNER_WALLET)
    assert stored is not None and stored.fetched_until == cut
    assert all(r.timestamp <= cut for r in stored.rows) and all(p.resolved_at <= cut for p in stored.resolved)
    assert stored.open_positions == () and stored.observed_at is None  # today's snapshot says nothing of then
    activity = [q for r, q in rig.calls() if r == "data:/activity" and q.get("limit") != "1"]
    assert activity and all(q["end"] == str(int(cut.timestamp())) for q in activity)


async def test_retention_prunes_histories_not_fetched_lately(rig: Rig) -> None:
    await rig.service().get_profile(PSCANNER_WALLET)
    repos = rig.repos
    kept = await prune_old_data(
        repos.trades, repos.metrics, now=NOW + timedelta(days=29), retention=timedelta(days=30),
        histories=repos.wallet_histories, history_retention=timedelta(days=30),
    )  # fmt: skip
    assert kept.wallet_histories == 0 and await repos.wallet_histories.load(PSCANNER_WALLET) is not None
    pruned = await prune_old_data(
        repos.trades, repos.metrics, now=NOW + timedelta(days=31), retention=timedelta(days=30),
        histories=repos.wallet_histories, history_retention=timedelta(days=30),
    )  # fmt: skip
    assert pruned.wallet_histories == 1 and await repos.wallet_histories.load(PSCANNER_WALLET) is None


async def test_username_resolves_through_the_leaderboard(rig: Rig) -> None:
    wallets = rig.service()
    entry = rig.pm.leaderboard[0]
    assert await wallets.resolve_username(entry["userName"].lower()) == entry["proxyWallet"]
    assert await wallets.resolve_username("nobody-by-that-name") is None
