"""Stage 2, risk behaviour, on hand-made histories."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from scanner_core.models import Side
from scanner_core.wallets.classifier import stage2
from scanner_core.wallets.history import Depth, sort_rows
from tests.wallets.factories import (
    NOW,
    PARAMS,
    bet,
    buy,
    entries_for,
    history,
    judged,
    lucky_one_market_winner,
    market,
    martingale_bettor,
    steady_specialist,
    trade,
)


def test_steady_specialist_passes() -> None:
    outcome = stage2.evaluate(judged(steady_specialist()), PARAMS)
    assert outcome.passed, outcome.reasons
    assert outcome.details["martingale_judged"] is True
    assert outcome.details["escalations"] == 0


def test_martingale_bettor_is_rejected() -> None:
    outcome = stage2.evaluate(judged(martingale_bettor()), PARAMS)
    assert not outcome.passed
    assert "martingale" in outcome.flags
    reason = outcome.reasons[outcome.flags.index("martingale")]
    assert reason == (
        "martingale sizing: the next stake was 1.5x+ the lost one after 10 of 10 losses (median 2.0x, 0.2x after wins)"
    )
    assert outcome.details["median_ratio_after_loss"] == 2.0


def test_stakes_placed_before_a_loss_was_known_do_not_count() -> None:
    # the same bets, but every stake is placed before any earlier result is in: no reaction to losses
    h = martingale_bettor()
    early = sort_rows(replace(t, timestamp=NOW - timedelta(days=30, minutes=i)) for i, t in enumerate(h.trades))
    outcome = stage2.evaluate(judged(replace(h, rows=early)), PARAMS)
    assert "martingale" not in outcome.flags
    assert outcome.details["losses_followed"] == 0


def test_growing_bankroll_is_not_martingale() -> None:
    # stakes grow by 1.6x after every result, win or lose: scaling up, not chasing losses
    bets = []
    stake = Decimal(100)
    when = NOW - timedelta(days=20)
    for i in range(12):
        bets.append(bet(i, won=i % 3 != 0, cost=str(stake), resolved_at=when))
        stake *= Decimal("1.6")
        when += timedelta(hours=12)
    outcome = stage2.evaluate(judged(history(bets, trades=entries_for(bets, hours_before=6))), PARAMS)
    assert outcome.details["escalation_share"] == 1.0
    assert "martingale" not in outcome.flags


def test_martingale_needs_enough_losses() -> None:
    h = martingale_bettor()
    outcome = stage2.evaluate(judged(h), replace(PARAMS, martingale_min_losses=11))
    assert "martingale" not in outcome.flags


def test_without_trades_martingale_is_not_judged() -> None:
    outcome = stage2.evaluate(judged(replace(martingale_bettor(), rows=(), depth=Depth.POSITIONS)), PARAMS)
    assert outcome.details["martingale_judged"] is False
    assert "martingale" not in outcome.flags


def test_lucky_one_market_winner_is_rejected() -> None:
    outcome = stage2.evaluate(judged(lucky_one_market_winner()), PARAMS)
    assert outcome.flags == ("lucky_market",)
    assert outcome.reasons == ("99% of its winnings came from one market ($45,500); without it the record is -$200",)
    assert outcome.details["best_market"] == market(0)


def test_pnl_is_counted_per_market() -> None:
    # two bets in the same market (both outcomes) add up to that market's result
    bets = [bet(i, won=True, cost="100") for i in range(10)]
    bets.append(bet(3, won=True, cost="100", outcome_index=1))
    outcome = stage2.evaluate(judged(history(bets, trades=entries_for(bets[:10]))), PARAMS)
    assert outcome.details["best_market"] == market(3)
    assert outcome.details["best_market_share"] == round(200 / 1100, 4)


def test_deep_drawdown_is_rejected() -> None:
    # +1000 in five wins, then -700 in a row of losses, then small wins: gave back 70% of the peak
    results = [("200", True)] * 5 + [("175", False)] * 4 + [("50", True)] * 6
    bets = [
        bet(i, won=won, cost=cost, price="0.5", resolved_at=NOW - timedelta(days=20 - i))
        for i, (cost, won) in enumerate(results)
    ]
    outcome = stage2.evaluate(
        judged(history(bets, trades=entries_for(bets))), replace(PARAMS, max_pnl_concentration=1.0)
    )
    assert outcome.flags == ("drawdown",)
    assert outcome.reasons == ("drawdown of $700, 70% of its peak cumulative profit $1,000 (limit 50%)",)


def test_drawdown_follows_resolution_order() -> None:
    # the same results in an order where the losses come first and are won back: peak 600, no giveback
    results = [("175", False)] * 4 + [("200", True)] * 5 + [("50", True)] * 6
    bets = [
        bet(i, won=won, cost=cost, price="0.5", resolved_at=NOW - timedelta(days=20 - i))
        for i, (cost, won) in enumerate(results)
    ]
    outcome = stage2.evaluate(
        judged(history(bets, trades=entries_for(bets))), replace(PARAMS, max_pnl_concentration=1.0)
    )
    assert outcome.details["max_drawdown_usd"] == "700.000000"
    assert outcome.details["peak_pnl_usd"] == "600.000000"
    assert outcome.flags == ("drawdown",)


def test_penny_picker_is_rejected_on_bought_usd() -> None:
    bets = [bet(i, won=True, cost="1000", price="0.97") for i in range(20)]
    trades = list(entries_for(bets))
    trades.append(trade(99, NOW - timedelta(days=1), "500", "0.40"))
    trades.append(trade(99, NOW - timedelta(hours=5), "9000", "0.99", side=Side.SELL))
    outcome = stage2.evaluate(judged(history(bets, trades=trades)), PARAMS)
    assert outcome.flags == ("penny_picking",)
    assert outcome.details["extreme_price_basis"] == "bought USD"
    assert outcome.details["extreme_price_share"] == round(20000 / 20500, 4)  # sells do not count


def test_penny_picking_falls_back_to_positions_without_trades() -> None:
    bets = [bet(i, won=True, cost="1000", price="0.96") for i in range(8)] + [
        bet(100 + i, won=True, cost="1000", price="0.5") for i in range(4)
    ]
    outcome = stage2.evaluate(judged(history(bets, trades=None)), PARAMS)
    assert outcome.flags == ("penny_picking",)
    assert outcome.details["extreme_price_basis"] == "resolved-position cost"


def test_a_buy_in_the_same_market_is_not_the_next_bet() -> None:
    # after losing market 0 the wallet adds to market 0 (settled) then opens market 1 at the same stake
    lost = bet(0, won=False, cost="100", resolved_at=NOW - timedelta(days=5))
    trades = (
        buy(0, NOW - timedelta(days=6), "100"),
        buy(0, NOW - timedelta(days=4, hours=23), "900"),
        buy(1, NOW - timedelta(days=4), "100"),
    )
    ratios = stage2.stake_ratios((lost,), trades, timedelta(hours=72))
    assert ratios.after_loss == (Decimal(1),)
