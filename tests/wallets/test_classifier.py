"""classify(): the five wallets of the issue get the expected class, stage and reasons."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from scanner_core.config import Settings
from scanner_core.models import WalletClass
from scanner_core.wallets.classifier import ClassifierParams, classify, screen
from scanner_core.wallets.history import WalletHistory
from tests.wallets.factories import (
    NOW,
    PARAMS,
    lucky_one_market_winner,
    market_maker,
    martingale_bettor,
    steady_specialist,
    too_little_history,
)


@pytest.mark.parametrize(
    ("wallet", "klass", "stage", "flag", "reason_start"),
    [
        (martingale_bettor, WalletClass.REJECT, 2, "martingale", "martingale sizing: the next stake was 1.5x+"),
        (market_maker, WalletClass.REJECT, 1, "market_maker", "market maker or liquidity provider (confidence"),
        (lucky_one_market_winner, WalletClass.REJECT, 2, "lucky_market", "99% of its winnings came from one market"),
        (steady_specialist, WalletClass.TARGET, 3, "specialist", "score 86 (TARGET at 70+)"),
        (too_little_history, WalletClass.REJECT, 1, "too_little_history", "only 4 resolved positions"),
    ],
)
def test_the_five_wallets(wallet, klass, stage, flag, reason_start) -> None:  # type: ignore[no-untyped-def]
    history: WalletHistory = wallet()
    result = classify(history, PARAMS, NOW)
    assert result.address == history.address
    assert result.classification is klass
    assert result.stage == stage
    assert flag in result.details["flags"]
    assert result.reasons[0].startswith(reason_start)
    assert result.classified_at == NOW
    assert (result.score > 0) == (klass is not WalletClass.REJECT)
    json.dumps(dict(result.details))  # stored as JSON: no Decimal or datetime inside


def test_stages_stop_at_the_first_reject() -> None:
    # a martingale bettor with too little history is rejected at stage 1 and stage 2 never runs
    h = martingale_bettor()
    result = classify(replace(h, resolved=h.resolved[:6]), PARAMS, NOW)
    assert (result.stage, result.details["flags"]) == (1, ["too_little_history"])
    assert "stage2" not in result.details


def test_a_later_stage_keeps_the_earlier_numbers() -> None:
    result = classify(steady_specialist(), PARAMS, NOW)
    assert result.details["stage1"]["resolved"] == 40
    assert result.details["stage2"]["escalations"] == 0
    assert result.details["stage3"]["win_rate"] == 0.7


def test_screen_is_stage_one_alone() -> None:
    assert screen(steady_specialist(), PARAMS, NOW) is None
    assert screen(martingale_bettor(), PARAMS, NOW) is None  # its fault only shows with trades
    rejected = screen(market_maker(), PARAMS, NOW)
    assert rejected is not None
    assert (rejected.classification, rejected.stage) == (WalletClass.REJECT, 1)


def test_params_from_settings(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(
        wallet_min_resolved_positions=4, walletscan_target_score=95, walletscan_martingale_growth=3.0
    )
    params = ClassifierParams.from_settings(settings, settings)
    assert params.min_resolved == 4
    assert "too_little_history" not in classify(too_little_history(), params, NOW).details["flags"]
    assert classify(steady_specialist(), params, NOW).classification is WalletClass.WATCHLIST
    assert "martingale" not in classify(martingale_bettor(), params, NOW).details["flags"]
    assert ClassifierParams.from_settings(make_settings(), make_settings()) == PARAMS  # the defaults agree
