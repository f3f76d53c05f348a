"""The classifier and the profile agree by construction, and `/wallet` shows one win rate.

Two wallets served by the fake Polymarket to the real client: an honest trader whose record holds
losers nobody redeemed and positions that ended at a price of 0 or 1 without the redeemable flag,
and a market maker holding both outcomes of most of its markets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from db.repositories import Repositories
from scanner_core import filters
from scanner_core.commands import WalletResult
from scanner_core.config import Settings
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import WalletClass
from scanner_core.presentation import text_of, wallet_view
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.http import HttpClient
from scanner_core.wallets import WalletHistory, WalletService
from scanner_core.wallets.classifier.runner import WalletScanRunner
from scanner_core.wallets.history import sort_resolved
from tests.fakes.polymarket import FakePolymarket
from tests.wallets.factories import NOW, PARAMS, address, bet, market_maker, steady_specialist
from tests.wallets.wire import activity_rows, closed_row, unredeemed_row

ENDED = {300, 301}  # markets whose positions ended at 0 and 1 without the redeemable flag


def honest_trader() -> WalletHistory:
    h = steady_specialist()  # 40 resolved, 28 won
    unredeemed = [
        bet(200 + i, won=False, redeemed=False, resolved_at=NOW - timedelta(days=3, hours=i)) for i in range(3)
    ]
    ended = [
        bet(300, won=False, redeemed=False, resolved_at=NOW - timedelta(days=2)),
        bet(301, won=True, redeemed=False, resolved_at=NOW - timedelta(days=2)),
    ]
    return replace(h, address=address(50), resolved=sort_resolved(h.resolved + tuple(unredeemed + ended)))


def serve(pm: FakePolymarket, history: WalletHistory) -> None:
    wallet = history.address
    pm.set_closed_positions(wallet, [closed_row(wallet, b) for b in history.resolved if b.redeemed])
    pm.set_positions(
        wallet,
        [
            unredeemed_row(wallet, b, redeemable=int(b.condition_id, 16) not in ENDED)
            for b in history.resolved
            if not b.redeemed
        ],
    )
    pm.set_activity(wallet, activity_rows(history))


@pytest.fixture
async def service(db: str, make_settings: Any) -> AsyncIterator[WalletService]:
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        settings = make_settings(http_max_retries=1, http_backoff_base_seconds=0.01)
        for h in (honest_trader(), replace(market_maker(), address=address(51))):
            serve(pm, h)
        yield WalletService(
            DataApiClient(HttpClient.from_settings(settings, session), pm.data_api_url), Repositories(), lambda: NOW
        )


async def test_the_classifier_and_the_profile_agree(service: WalletService, settings: Settings) -> None:
    repos = Repositories()
    honest, maker = address(50), address(51)
    await WalletScanRunner(service, repos.classifications, PARAMS, clock=lambda: NOW).scan([honest, maker])

    verdict = await repos.classifications.get(honest)
    profile = await service.get_profile(honest)
    assert verdict is not None and verdict.stage == 3 and verdict.classification is not WalletClass.REJECT
    # 40 + 3 unredeemed losers + 2 that ended at 0 or 1; the one that ended at 1 is a win
    assert (profile.resolved_positions, profile.winning_positions) == (45, 29)
    stage1, stage3 = verdict.details["stage1"], verdict.details["stage3"]
    assert (stage1["resolved"], stage1["wins"], stage1["unredeemed_losers"]) == (45, 29, 4)
    assert profile.win_rate is not None and profile.win_rate_lower is not None
    assert stage3["win_rate"] == round(profile.win_rate, 4)
    assert stage3["win_rate_lower"] == round(profile.win_rate_lower, 4)
    assert not profile.is_market_maker and "market_maker" not in verdict.details["flags"]

    rejected = await repos.classifications.get(maker)
    maker_profile = await service.get_profile(maker)
    assert rejected is not None and rejected.details["flags"] == ["market_maker"]
    # the classifier screened it on its newest positions (no activity fetched); the profile holds
    # the whole record, and the same rules call it a market maker for the same reason
    assert maker_profile.is_market_maker and "two_sided" in maker_profile.mm_indicators
    assert "held both outcomes in" in rejected.reasons[0]
    # the pipeline's LP filter reads the very same profile
    assert filters.market_maker(maker_profile, DetectorParams.from_settings(settings)) == filters.MARKET_MAKER


async def test_wallet_shows_one_win_rate(service: WalletService) -> None:
    repos = Repositories()
    honest = address(50)
    await WalletScanRunner(service, repos.classifications, PARAMS, clock=lambda: NOW).scan([honest])
    verdict = await repos.classifications.get(honest)
    profile = await service.get_profile(honest)
    view = wallet_view(WalletResult(honest, profile, verdict, (), (), NOW, min_resolved=10))
    lines = [text_of(ln) for ln in view.body] + [text_of(ln) for f in view.fields for ln in f.lines]
    rates = [ln for ln in lines if "resolved" in ln]
    assert rates == ["64% over 45 resolved (at least 50% at 95% confidence)"]
    assert not any(" won " in f" {ln}" for ln in lines)  # the verdict's restated record is left out
    assert any(
        ln.startswith(f"🎯 {verdict.classification.value}") or verdict.classification.value in ln for ln in lines
    )
