"""End to end: the real Data API client over HTTP against the fake Polymarket, the WalletService
(one fetcher, stored histories), the classifier and the database: wallets are scanned and their
verdicts stored, and the classifier agrees with the profile `/wallet` shows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiohttp
import pytest

from db.repositories import Repositories
from scanner_core.config import Settings
from scanner_core.models import Alert, AlertKind, WalletClass
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.http import HttpClient
from scanner_core.wallets import WalletService
from scanner_core.wallets.classifier.lookup import ClassificationReader
from scanner_core.wallets.classifier.runner import WalletScanRunner
from tests.fakes.polymarket import FakePolymarket
from tests.integration.test_repositories import trade
from tests.wallets.factories import (
    NOW,
    PARAMS,
    bet,
    entries_for,
    history,
    lucky_one_market_winner,
    market_maker,
    martingale_bettor,
    steady_specialist,
    too_little_history,
    with_unredeemed_losers,
)
from tests.wallets.wire import serve

REAL_WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"  # the captured pscanner wallet in the fixtures


@dataclass
class Rig:
    pm: FakePolymarket
    api: DataApiClient
    repos: Repositories
    settings: Settings
    alerts: list[Alert]

    def service(self, clock: Callable[[], datetime] = lambda: NOW) -> WalletService:
        return WalletService(self.api, self.repos, clock)

    def runner(self) -> WalletScanRunner:
        async def publish(alert: Alert) -> None:
            stored, _ = await self.repos.alerts.save_alert(alert)
            self.alerts.append(stored)

        source = self.service()
        return WalletScanRunner.from_settings(
            self.settings,
            source,
            self.repos.classifications,
            seen=self.repos.trades,
            on_alert=publish,
            clock=lambda: NOW,
        )


@pytest.fixture
async def rig(db: str, make_settings: Callable[..., Settings]) -> AsyncIterator[Rig]:
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        settings = make_settings(**pm.settings_overrides(), http_max_retries=1, http_backoff_base_seconds=0.01)
        api = DataApiClient(HttpClient.from_settings(settings, session), settings.data_api_url)
        yield Rig(pm, api, Repositories(), settings, [])


WALLETS = {
    "martingale": martingale_bettor(),
    "market_maker": market_maker(),
    "lucky": lucky_one_market_winner(),
    "specialist": with_unredeemed_losers(steady_specialist(), 2),
    "too_little": too_little_history(),
}


async def test_scan_stores_every_verdict_and_announces_the_new_target(rig: Rig) -> None:
    for wallet in WALLETS.values():
        serve(rig.pm, wallet)
    addresses = [h.address for h in WALLETS.values()] + [REAL_WALLET, "not-a-wallet"]

    summary = await rig.runner().scan(addresses)

    assert (summary.classified, summary.invalid, summary.failed) == (6, 1, 0)
    stored = {name: await rig.repos.classifications.get(h.address) for name, h in WALLETS.items()}
    verdicts = {name: (c.classification, c.stage) for name, c in stored.items() if c is not None}
    assert verdicts == {
        "martingale": (WalletClass.REJECT, 2),
        "market_maker": (WalletClass.REJECT, 1),
        "lucky": (WalletClass.REJECT, 2),
        "specialist": (WalletClass.TARGET, 3),
        "too_little": (WalletClass.REJECT, 1),
    }
    specialist = stored["specialist"]
    assert specialist is not None
    # the two losers nobody redeemed came from /positions and count against the record
    assert any("won 28 of 42 resolved positions (67%; 2 unredeemed losers counted)" in r for r in specialist.reasons)
    assert "martingale" in stored["martingale"].details["flags"]  # type: ignore[union-attr]

    # the captured real wallet's latest activity is of 2026-04-25: dormant by 2026-07-01
    real = await rig.repos.classifications.get(REAL_WALLET)
    assert real is not None
    assert (real.classification, real.stage, real.details["flags"]) == (WalletClass.REJECT, 1, ["inactive"])

    # one alert of its own kind, for the one new TARGET, stored for the router
    assert [a.kind for a in rig.alerts] == [AlertKind.WALLET_TARGET]
    assert rig.alerts[0].wallet is not None and rig.alerts[0].wallet.address == WALLETS["specialist"].address
    assert await rig.repos.alerts.exists(rig.alerts[0].dedup_key)

    # /wallet reads the verdict through the ClassificationLookup port
    reader = ClassificationReader(rig.repos)
    found = await reader.get_classification(WALLETS["specialist"].address.upper())
    assert found is not None and found.classification is WalletClass.TARGET
    assert await reader.get_classification("not-an-address") is None


async def test_the_captured_real_wallet_is_judged_on_its_real_rows(rig: Rig) -> None:
    as_of = datetime(2026, 4, 26, tzinfo=UTC)  # the day after the capture
    runner = WalletScanRunner(rig.service(lambda: as_of), rig.repos.classifications, PARAMS, clock=lambda: as_of)

    await runner.scan([REAL_WALLET])

    # 5 closed winners (the API's default order is best PnL first) + 3 resolved but unredeemed
    # positions (1 winner, 2 losers) = 8 results: too few to judge
    real = await rig.repos.classifications.get(REAL_WALLET)
    assert real is not None
    assert (real.classification, real.stage, real.details["flags"]) == (WalletClass.REJECT, 1, ["too_little_history"])
    assert (real.details["stage1"]["resolved"], real.details["stage1"]["unredeemed_losers"]) == (8, 2)
    assert real.reasons == ("only 8 resolved positions: at least 10 are needed to judge a record",)


async def test_trades_are_fetched_only_for_stage_one_survivors(rig: Rig) -> None:
    for wallet in WALLETS.values():
        serve(rig.pm, wallet)
    await rig.runner().scan(h.address for h in WALLETS.values())

    pages = {
        dict(query)["user"]
        for route, query in rig.pm.request_log
        if route == "data:/activity" and dict(query).get("limit") != "1"  # not the profile's one-row calls
    }
    survivors = {WALLETS[n].address for n in ("martingale", "lucky", "specialist")}
    assert pages == survivors
    # the profile (markets traded, latest activity) of every wallet, from the general budget
    assert rig.pm.requests["data:/traded"] == len(WALLETS)
    # positions only for wallets the profile did not rule out: 4 markets cannot hold 10 results
    closed_queries = [dict(q) for r, q in rig.pm.request_log if r == "data:/closed-positions"]
    assert {q["user"] for q in closed_queries} == {h.address for n, h in WALLETS.items() if n != "too_little"}
    # to screen a wallet its newest page does: the market maker (100) is rejected on its first 50
    assert len(closed_queries) == len(WALLETS) - 1
    assert all(q["sortBy"] == "TIMESTAMP" and q["sortDirection"] == "DESC" for q in closed_queries)


async def test_a_second_scan_is_served_from_stored_histories_and_announces_nothing(rig: Rig) -> None:
    for wallet in WALLETS.values():
        serve(rig.pm, wallet)
    runner = rig.runner()
    await runner.scan(h.address for h in WALLETS.values())
    before = sum(rig.pm.requests.values())

    again = await runner.scan(h.address for h in WALLETS.values())

    assert sum(rig.pm.requests.values()) == before
    assert again.classified == len(WALLETS)
    assert again.new_targets == 0
    assert len(rig.alerts) == 1


async def test_unavailable_data_is_a_counted_failure_not_a_verdict(rig: Rig) -> None:
    wallet = steady_specialist()
    serve(rig.pm, wallet)
    rig.pm.faults.fail("data:/positions", status=500, times=10)

    summary = await rig.runner().scan([wallet.address])

    assert (summary.classified, summary.failed) == (0, 1)
    assert summary.failures == {"RetriesExhausted": 1}
    assert await rig.repos.classifications.get(wallet.address) is None


async def test_many_closed_positions_are_paged_newest_first(rig: Rig) -> None:
    # 130 resolved bets: stage 1 sees the newest 50, stages 2-3 page through the rest
    bets = [bet(i, won=i % 3 != 0, cost="100", resolved_at=NOW - timedelta(days=29, hours=-i * 5)) for i in range(130)]
    h = history(bets, trades=entries_for(bets), n=77)
    serve(rig.pm, h)

    summary = await rig.runner().scan([h.address])

    assert summary.classified == 1
    offsets = [dict(q)["offset"] for r, q in rig.pm.request_log if r == "data:/closed-positions"]
    assert sorted(offsets, key=int) == ["0", "50", "100"]
    result = await rig.repos.classifications.get(h.address)
    assert result is not None and result.details["stage1"]["resolved"] == 130


async def test_wallets_from_the_leaderboard_and_from_large_trades(rig: Rig) -> None:
    for wallet in WALLETS.values():
        serve(rig.pm, wallet)
    rig.pm.leaderboard = [
        {
            "rank": str(i + 1),
            "proxyWallet": h.address,
            "userName": name,
            "xUsername": "",
            "verifiedBadge": False,
            "vol": 1000.0,
            "pnl": 100.0,
            "profileImage": "",
        }
        for i, (name, h) in enumerate(WALLETS.items())
    ]
    wallets = await rig.service().leaderboard_wallets(category="SPORTS", period="MONTH", limit=3)
    assert wallets == [h.address for h in list(WALLETS.values())[:3]]
    query = dict(next(q for r, q in rig.pm.request_log if r == "data:/v1/leaderboard"))
    assert (query["category"], query["timePeriod"], query["limit"]) == ("SPORTS", "MONTH", "3")

    summary = await rig.runner().scan(wallets)
    assert summary.classified == 3

    # wallets behind large stored trades
    big = WALLETS["specialist"].address
    await rig.repos.trades.save_trades(
        [trade(1, wallet=big, usd="25000"), trade(2, wallet=WALLETS["lucky"].address, usd="500")]
    )
    runner = rig.runner()
    found = await runner.large_trade_wallets(NOW, since_hours=24, min_usd=Decimal(10000))
    assert found == [big]
