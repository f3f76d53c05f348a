"""profile_as_of never looks ahead (a property test), and its O(log n) index gives what a plain
recount of the rows known at the moment gives."""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner_core.models import Side
from scanner_core.wallets import ProfileParams, WalletHistory, profile_as_of
from scanner_core.wallets.history import ActivityRow, OpenPosition, ResolvedPosition, sort_resolved, sort_rows

BASE = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = 30 * 86400  # seconds of history
MARKETS = [f"0x{i:064x}" for i in range(8)]
CATEGORIES = ["sports", "politics", "crypto", ""]
PARAMS = ProfileParams(min_resolved_positions=3)


def at(seconds: int) -> datetime:
    return BASE + timedelta(seconds=seconds)


seconds = st.integers(0, SPAN)
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.99"), places=2)


@st.composite
def activity_rows(draw: st.DrawFn, low: int = 0, high: int = SPAN) -> ActivityRow:
    when = draw(st.integers(low, high))
    kind = draw(st.sampled_from(["TRADE", "TRADE", "TRADE", "REDEEM", "SPLIT", "MERGE"]))
    trade = kind == "TRADE"
    return ActivityRow(
        timestamp=at(when),
        kind=kind,
        condition_id=draw(st.sampled_from(MARKETS)),
        usd=draw(money),
        key=draw(st.uuids()).hex,
        outcome_index=draw(st.sampled_from([0, 1])),
        side=draw(st.sampled_from([Side.BUY, Side.SELL])) if trade else None,
        price=draw(prices) if trade else Decimal(0),
        category=draw(st.sampled_from(CATEGORIES)),
    )


@st.composite
def resolved_positions(draw: st.DrawFn, low: int = 0, high: int = SPAN) -> ResolvedPosition:
    return ResolvedPosition(
        condition_id=draw(st.sampled_from(MARKETS)),
        outcome_index=draw(st.sampled_from([0, 1])),
        avg_price=draw(prices),
        cost_usd=draw(money),
        realised_pnl=draw(st.decimals(min_value=Decimal("-5000"), max_value=Decimal("5000"), places=2)),
        resolved_at=at(draw(st.integers(low, high))),
        category=draw(st.sampled_from(CATEGORIES)),
        redeemed=draw(st.booleans()),
    )


@st.composite
def open_positions(draw: st.DrawFn) -> OpenPosition:
    return OpenPosition(
        condition_id=draw(st.sampled_from(MARKETS)),
        outcome_index=draw(st.sampled_from([0, 1])),
        size=draw(money),
        avg_price=draw(prices),
        cost_usd=draw(money),
        value_usd=draw(money),
    )


@st.composite
def histories(draw: st.DrawFn) -> WalletHistory:
    rows = draw(st.lists(activity_rows(), max_size=40))
    resolved = draw(st.lists(resolved_positions(), max_size=25))
    observed = draw(st.one_of(st.none(), seconds))
    oldest = min((r.timestamp for r in rows), default=None)
    first = draw(st.sampled_from([None, oldest])) if oldest else draw(st.one_of(st.none(), seconds.map(at)))
    return WalletHistory(
        address="0x" + "ab" * 20,
        fetched_until=at(SPAN),
        rows=sort_rows(rows),
        resolved=sort_resolved({(p.condition_id, p.outcome_index): p for p in resolved}.values()),
        open_positions=tuple(draw(st.lists(open_positions(), max_size=6))) if observed is not None else (),
        observed_at=at(observed) if observed is not None else None,
        first_activity=first,
        latest_activity=draw(st.one_of(st.none(), seconds.map(at))),
        markets_traded=draw(st.one_of(st.none(), st.integers(0, 2000))),
        username="someone",
    )


@st.composite
def the_future_rewritten(draw: st.DrawFn, history: WalletHistory, moment: datetime) -> WalletHistory:
    """`history` with every row after `moment` removed, changed or joined by new ones; the rest kept."""
    after = int((moment - BASE).total_seconds()) + 1
    if after > SPAN:
        return history
    past_rows = [r for r in history.rows if r.timestamp <= moment]
    future_rows = [
        replace(
            r, usd=draw(money), condition_id=draw(st.sampled_from(MARKETS)), category=draw(st.sampled_from(CATEGORIES))
        )
        for r in history.rows
        if r.timestamp > moment and draw(st.booleans())  # some removed, the others changed
    ]
    future_rows += draw(st.lists(activity_rows(after, SPAN), max_size=20))
    past_positions = [p for p in history.resolved if p.resolved_at <= moment]
    future_positions = [
        replace(p, realised_pnl=-p.realised_pnl, avg_price=draw(prices))
        for p in history.resolved
        if p.resolved_at > moment and draw(st.booleans())
    ]
    future_positions += draw(st.lists(resolved_positions(after, SPAN), max_size=15))
    keyed = {(p.condition_id, p.outcome_index): p for p in future_positions}
    keyed.update({(p.condition_id, p.outcome_index): p for p in past_positions})  # the past wins a clash
    changed = replace(
        history,
        rows=sort_rows(past_rows + future_rows),
        resolved=sort_resolved(keyed.values()),
    )
    if history.observed_at is not None and history.observed_at > moment:  # a later snapshot: anything
        changed = replace(changed, open_positions=tuple(draw(st.lists(open_positions(), max_size=6))))
        changed = replace(changed, markets_traded=draw(st.one_of(st.none(), st.integers(0, 5000))))
    if history.latest_activity is not None and history.latest_activity > moment:
        changed = replace(changed, latest_activity=at(draw(st.integers(after, SPAN))))
    return changed


@settings(max_examples=300, deadline=None)
@given(data=st.data(), history=histories(), moment=seconds.map(at))
def test_rows_after_the_moment_never_change_the_profile(
    data: st.DataObject, history: WalletHistory, moment: datetime
) -> None:
    before = profile_as_of(history, moment, PARAMS)
    rewritten = data.draw(the_future_rewritten(history, moment))
    assert profile_as_of(rewritten, moment, PARAMS) == before


@settings(max_examples=200, deadline=None)
@given(history=histories(), moments=st.lists(seconds.map(at), min_size=1, max_size=12))
def test_the_index_gives_what_a_recount_gives(history: WalletHistory, moments: list[datetime]) -> None:
    """Many moments of one history, in any order (the median's prefix moves both ways)."""
    for moment in moments:
        profile = profile_as_of(history, moment, PARAMS)
        trades = [r for r in history.rows if r.is_trade and r.timestamp <= moment]
        known = [r.timestamp for r in history.rows if r.timestamp <= moment]
        resolved = [p for p in history.resolved if p.resolved_at <= moment]
        wins = sum(1 for p in resolved if p.won)
        volume = sum((r.usd for r in trades), Decimal(0))
        assert profile.trade_count == len(trades)
        assert profile.total_volume == volume
        assert profile.median_trade_size == (statistics.median(r.usd for r in trades) if trades else 0)
        assert profile.resolved_positions == len(resolved) and profile.winning_positions == wins
        assert profile.realised_pnl == sum((p.realised_pnl for p in resolved), Decimal(0))
        assert profile.win_rate == (wins / len(resolved) if len(resolved) >= 3 else None)
        longshots = [p for p in resolved if p.avg_price < PARAMS.contrarian_price]
        assert (profile.contrarian_trades, profile.contrarian_wins) == (len(longshots), sum(p.won for p in longshots))
        firsts = [t for t in (history.first_activity, *known) if t is not None and t <= moment]
        assert profile.first_seen == min(firsts, default=None)
        markets = {r.condition_id for r in trades}
        assert profile.markets_traded >= len(markets)
        per_market: dict[str, Decimal] = {}
        for r in trades:
            per_market[r.condition_id] = per_market.get(r.condition_id, Decimal(0)) + r.usd
        share = round(float(max(per_market.values()) / volume), 4) if trades else 0.0
        assert profile.top_market_share == share
