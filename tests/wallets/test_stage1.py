"""Stage 1, basic validation, on hand-made histories."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from scanner_core.wallets.classifier import stage1
from scanner_core.wallets.history import sort_resolved
from tests.wallets.factories import (
    NOW,
    PARAMS,
    bet,
    entries_for,
    history,
    judged,
    market_maker,
    profile_only,
    shifted,
    steady_specialist,
    too_little_history,
    with_min_resolved,
    with_unredeemed_losers,
)


def test_steady_specialist_passes() -> None:
    outcome = stage1.evaluate(judged(steady_specialist()), PARAMS)
    assert outcome.passed
    assert outcome.flags == ()
    assert outcome.details["resolved"] == 40
    assert outcome.details["wins"] == 28


def test_too_little_history_is_rejected_with_the_count() -> None:
    outcome = stage1.evaluate(judged(too_little_history()), PARAMS)
    assert not outcome.passed
    assert outcome.flags == ("too_little_history",)
    assert outcome.reasons == ("only 4 resolved positions: at least 10 are needed to judge a record",)


def test_the_minimum_comes_from_params() -> None:
    outcome = stage1.evaluate(judged(too_little_history(), NOW, with_min_resolved(4)), with_min_resolved(4))
    assert outcome.passed


def test_market_maker_holding_both_sides_is_rejected() -> None:
    outcome = stage1.evaluate(judged(market_maker()), PARAMS)
    assert outcome.flags == ("market_maker",)
    assert "held both outcomes in 67% of 60 markets" in outcome.reasons[0]


def test_market_maker_by_breadth_is_the_profiles_verdict() -> None:
    wide = replace(steady_specialist(), markets_traded=1500)
    seen = judged(wide)
    outcome = stage1.evaluate(seen, PARAMS)
    assert outcome.flags == ("market_maker",)
    assert "1500 markets traded (bots and LPs spread that wide)" in outcome.reasons[0]
    # one rule set: the profile the pipeline filters on says the same, with the same indicators
    assert seen.profile.is_market_maker and "very_broad" in seen.profile.mm_indicators
    assert f"confidence {seen.profile.mm_confidence:.2f}" in outcome.reasons[0]


def test_a_few_two_sided_markets_are_not_market_making() -> None:
    # hedging both sides in 2 of 40 markets is ordinary
    h = steady_specialist()
    hedges = (bet(0, won=False, outcome_index=1), bet(1, won=False, outcome_index=1))
    outcome = stage1.evaluate(judged(replace(h, resolved=sort_resolved(h.resolved + hedges))), PARAMS)
    assert outcome.passed


def test_inactive_wallet_is_rejected() -> None:
    stale = shifted(steady_specialist(), timedelta(days=44))  # its last sign of life: 45 days ago
    outcome = stage1.evaluate(judged(stale), PARAMS)
    assert outcome.flags == ("inactive",)
    assert outcome.reasons == ("no activity for 45 days (limit 30)",)
    unknown = replace(history([]), latest_activity=None)
    assert "no recorded activity" in stage1.evaluate(judged(unknown), PARAMS).reasons


def test_unredeemed_losers_count_and_can_make_a_wallet_a_net_loser() -> None:
    # 12 bets: 8 redeemed winners of +20 each (+160), then 4 losers nobody redeemed (-400)
    winners = [bet(i, won=True, cost="20", price="0.5") for i in range(8)]
    losers = [bet(100 + i, won=False, cost="100", redeemed=False) for i in range(4)]
    outcome = stage1.evaluate(judged(history(winners + losers)), PARAMS)
    assert outcome.flags == ("not_profitable",)
    assert outcome.reasons == ("net realised PnL -$240 over 12 resolved positions (4 unredeemed losers counted)",)
    assert outcome.details["unredeemed_losers"] == 4
    # without the unredeemed losers the same wallet would look like a perfect record
    assert stage1.evaluate(
        judged(history(winners + winners[:2]), NOW, with_min_resolved(8)), with_min_resolved(8)
    ).passed


def test_unredeemed_losers_appear_in_the_counts() -> None:
    outcome = stage1.evaluate(judged(with_unredeemed_losers(steady_specialist(), 5)), PARAMS)
    assert outcome.passed
    assert (outcome.details["resolved"], outcome.details["wins"], outcome.details["unredeemed_losers"]) == (45, 28, 5)


def test_pure_generalist_is_rejected() -> None:
    # 6 categories of 4 bets each at even odds, 50% won in each: spread thin, no edge anywhere
    categories = ("sports", "politics", "crypto", "culture", "tech", "weather")
    bets = [
        bet(
            i,
            won=i % 2 == 0,
            cost="100",
            price="0.4",
            category=categories[i % 6],
            resolved_at=NOW - timedelta(days=1, hours=i),
        )
        for i in range(24)
    ]
    outcome = stage1.evaluate(judged(history(bets, trades=entries_for(bets))), PARAMS)
    assert outcome.flags == ("generalist",)
    assert outcome.reasons[0].startswith("volume spread over 6 categories (largest: ")
    assert outcome.details["edge_categories"] == []


def test_generalist_with_an_edge_somewhere_passes() -> None:
    categories = ("sports", "politics", "crypto", "culture", "tech", "weather")
    bets = [
        bet(i, won=(i % 6 == 0) or i % 2 == 0, cost="100", price="0.4", category=categories[i % 6]) for i in range(36)
    ]
    outcome = stage1.evaluate(judged(history(bets)), PARAMS)
    assert "generalist" not in outcome.flags
    assert "sports" in outcome.details["edge_categories"]


def test_winning_at_favourite_prices_is_no_edge() -> None:
    # every category won 80% of the time, but at 0.9 average prices: below the odds paid, and a net loss
    categories = ("sports", "politics", "crypto", "culture", "tech")
    bets = [bet(i, won=i % 5 != 4, cost="100", price="0.9", category=categories[(i // 5) % 5]) for i in range(50)]
    outcome = stage1.evaluate(judged(history(bets)), PARAMS)
    assert outcome.details["edge_categories"] == []
    assert outcome.flags == ("not_profitable", "generalist")


def test_every_failing_check_is_reported() -> None:
    stale = replace(shifted(too_little_history(), timedelta(days=90)), markets_traded=1500)
    assert stage1.evaluate(judged(stale), PARAMS).flags == ("too_little_history", "inactive", "market_maker")


def test_a_chance_streak_in_one_small_category_is_no_edge() -> None:
    # 6 categories at even odds, 50% won overall; one category went 4 of 6 (67%): not proven
    categories = ("sports", "politics", "crypto", "culture", "tech", "weather")
    bets = [
        bet(i, won=(i // 6) % 2 == 0 if i % 6 else i // 6 < 4, cost="100", price="0.5", category=categories[i % 6])
        for i in range(36)
    ]
    outcome = stage1.evaluate(judged(history(bets)), PARAMS)
    assert outcome.details["edge_categories"] == []
    assert "generalist" in outcome.flags


def test_a_proven_edge_across_categories_is_not_a_generalist() -> None:
    # 6 categories, none proven alone, but 70% won over 120 bets at 0.5 is an edge overall
    categories = ("sports", "politics", "crypto", "culture", "tech", "weather")
    bets = [bet(i, won=i % 10 < 7, cost="100", price="0.5", category=categories[i % 6]) for i in range(120)]
    outcome = stage1.evaluate(judged(history(bets)), PARAMS)
    assert "generalist" not in outcome.flags


def test_profile_alone_rejects_newcomers_dormant_wallets_and_bots() -> None:
    profile = profile_only(steady_specialist(), markets_traded=4)
    outcome = stage1.evaluate(judged(profile), PARAMS)
    assert outcome.flags == ("too_little_history",)
    assert outcome.reasons == ("traded in only 4 markets: at least 10 resolved positions are needed to judge a record",)
    assert outcome.details["positions_fetched"] is False
    dormant = replace(profile, markets_traded=40, latest_activity=NOW - timedelta(days=90))
    assert stage1.evaluate(judged(dormant), PARAMS).flags == ("inactive",)
    bot = replace(profile, markets_traded=5000)
    assert stage1.evaluate(judged(bot), PARAMS).flags == ("market_maker",)


def test_profile_that_might_hold_enough_history_passes_on_to_positions() -> None:
    profile = profile_only(steady_specialist(), markets_traded=5)
    assert stage1.evaluate(judged(profile), PARAMS).passed  # 5 markets may hold 10 positions
    unknown = replace(profile, markets_traded=None)  # /traded failed: judge on positions instead
    assert stage1.evaluate(judged(unknown), PARAMS).passed
