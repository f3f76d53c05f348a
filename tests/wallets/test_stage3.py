"""Stage 3, full scoring, on hand-made histories."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from scanner_core.models import WalletClass
from scanner_core.wallets.classifier import stage3
from scanner_core.wallets.history import sort_resolved
from tests.wallets.factories import (
    NOW,
    PARAMS,
    bet,
    entries_for,
    history,
    judged,
    steady_specialist,
    with_unredeemed_losers,
)


def test_steady_specialist_is_a_target_with_reasons() -> None:
    scored = stage3.evaluate(judged(steady_specialist()), PARAMS)
    assert scored.classification is WalletClass.TARGET
    assert scored.score == 86.0
    assert scored.flags == ("specialist",)
    assert scored.reasons == (
        "score 86 (TARGET at 70+)",
        "80% of volume in sports: won 24 of 32 there (75%, at least 58% at 95% confidence vs 50% average price)",
        "won 28 of 40 resolved positions (70%; 0 unredeemed losers counted): at least 55% at 95% confidence"
        " vs 50% average price paid",
        "profit spread over 40 markets, worth 27.9 equal ones",
        "realised PnL $1,740 on $4,300 deployed (40% return)",
        "last active 1 day ago; $1,325 on 30 positions resolved in the last 30 days",
    )
    parts = scored.details["score_parts"]
    assert set(parts) == {"specialisation", "consistency", "efficiency", "recency"}
    assert all(0 <= v <= 1 for v in parts.values())


def test_unredeemed_losers_lower_the_score_and_are_named() -> None:
    clean = stage3.evaluate(judged(steady_specialist()), PARAMS)
    honest = stage3.evaluate(judged(with_unredeemed_losers(steady_specialist(), 10)), PARAMS)
    assert honest.score < clean.score
    assert honest.details["win_rate"] == round(28 / 50, 4)
    assert any("won 28 of 50 resolved positions (56%; 10 unredeemed losers counted)" in r for r in honest.reasons)


def test_same_win_rate_on_a_small_sample_is_worth_less() -> None:
    big = steady_specialist()
    small = replace(big, resolved=big.resolved[:10])  # 7 of 10 won: 70% too, but weak evidence
    big_scored, small_scored = stage3.evaluate(judged(big), PARAMS), stage3.evaluate(judged(small), PARAMS)
    assert small_scored.details["win_rate"] == big_scored.details["win_rate"] == 0.7
    assert small_scored.details["win_rate_lower"] < big_scored.details["win_rate_lower"]
    assert small_scored.score < big_scored.score


def test_favourite_buyer_scores_no_consistency_edge() -> None:
    # 90% won at 0.85: profitable, but the win rate's lower bound is below the price paid
    bets = [
        bet(i, won=i % 10 != 0, cost="1000", price="0.85", resolved_at=NOW - timedelta(days=29 - i // 2))
        for i in range(50)
    ]
    scored = stage3.evaluate(judged(history(bets, trades=entries_for(bets))), PARAMS)
    assert scored.details["edge_lower"] < 0
    assert scored.classification is not WalletClass.TARGET


def test_high_score_without_proven_edge_is_only_watchlist() -> None:
    scored = stage3.evaluate(judged(steady_specialist()), replace(PARAMS, target_min_edge=0.2))
    assert scored.classification is WalletClass.WATCHLIST
    assert "edge_unproven" in scored.flags
    assert scored.reasons[0] == "score 86 (WATCHLIST at 45+): its win rate is not yet proven above the prices it pays"


def test_low_score_is_rejected_at_stage_three() -> None:
    # barely profitable, even odds, 55% won, inactive for 25 days
    bets = [bet(i, won=i % 20 < 11, cost="100", resolved_at=NOW - timedelta(days=60 - i)) for i in range(20)]
    h = history(bets, trades=entries_for(bets), last_activity=NOW - timedelta(days=25))
    scored = stage3.evaluate(judged(h), PARAMS)
    assert scored.classification is WalletClass.REJECT
    assert scored.flags[-1] == "low_score"
    assert scored.reasons[0].endswith("below the WATCHLIST mark 45")


def test_recent_losses_halve_recency() -> None:
    h = steady_specialist()
    recent_losers = tuple(
        bet(500 + i, won=False, cost="300", resolved_at=NOW - timedelta(days=2, hours=i)) for i in range(8)
    )
    scored = stage3.evaluate(judged(replace(h, resolved=sort_resolved(h.resolved + recent_losers))), PARAMS)
    assert scored.details["score_parts"]["recency"] < 0.5


def test_weights_and_marks_come_from_params() -> None:
    only_efficiency = replace(
        PARAMS, weight_specialisation=0, weight_consistency=0, weight_recency=0, weight_efficiency=1
    )
    scored = stage3.evaluate(judged(steady_specialist()), only_efficiency)
    assert scored.score == 100.0  # 40% return >= the 25% target
    assert (
        stage3.evaluate(judged(steady_specialist()), replace(PARAMS, target_score=90)).classification
        is WalletClass.WATCHLIST
    )
