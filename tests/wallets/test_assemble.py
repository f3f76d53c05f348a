"""Real Data API rows (normalised by the sources) -> history records; categories; statistics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson

from scanner_core import normalise
from scanner_core.categories import category_of
from scanner_core.models import Side, now_utc
from scanner_core.wallets.assemble import RESOLUTION_GRACE, is_resolved, positions, rows_from_activity
from scanner_core.wallets.history import sort_rows
from scanner_core.wallets.stats import WinRecord, drawdown, effective_count, wilson_lower_bound

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "walletscan"
WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
AS_OF = datetime(2026, 4, 25, 12, 0, tzinfo=UTC)


def load(name: str) -> list[dict[str, object]]:
    return list(orjson.loads((FIXTURES / name).read_bytes()))


def real_positions() -> tuple[list, list]:  # type: ignore[type-arg]
    closed = [normalise.closed_position_from_row(r) for r in load("closed_positions_pscanner_2026-04.json")]
    current = [normalise.position_from_row(r) for r in load("positions_pscanner_2026-04.json")]
    return positions(closed, current, seen_at=AS_OF)


def test_real_rows_become_positions_with_unredeemed_losers_counted() -> None:
    resolved, still_open = real_positions()
    # 5 closed (all winners: the API's default order is best PnL first) + 3 resolved but unredeemed
    assert len(resolved) == 8
    unredeemed = [p for p in resolved if not p.redeemed]
    assert len(unredeemed) == 3
    assert sorted(p.won for p in unredeemed) == [False, False, True]
    loser = next(p for p in unredeemed if p.condition_id.startswith("0x367581"))
    assert loser.realised_pnl == Decimal("-84456.408")
    assert loser.category == "sports"
    # the 2 open positions stay open
    assert len(still_open) == 2
    assert sum((p.cost_usd for p in still_open), Decimal(0)) == Decimal("234044.7062") + Decimal("90890.7375")


def test_cost_is_price_times_shares_bought_and_resolution_is_never_earlier_than_proven() -> None:
    resolved, _ = real_positions()
    villarreal = next(p for p in resolved if p.condition_id.startswith("0xdece3c9a"))
    # bought 1,500,000 shares at 0.27: paid 405,000, got 1,500,000 back = +1,095,000
    assert villarreal.cost_usd == Decimal("405000.00")
    assert villarreal.realised_pnl == Decimal("1095000")
    assert villarreal.resolved_at == datetime.fromtimestamp(1768957706, UTC)  # closed: its own time
    current = [normalise.position_from_row(r) for r in load("positions_pscanner_2026-04.json")]
    for p in (p for p in resolved if not p.redeemed):  # unredeemed: a day after its market's end date
        row = next(c for c in current if c.condition_id == p.condition_id)
        assert row.end_date is not None and p.resolved_at == min(row.end_date + RESOLUTION_GRACE, AS_OF)


def test_resolution_of_open_positions() -> None:
    current = [normalise.position_from_row(r) for r in load("positions_pscanner_2026-04.json")]
    assert [is_resolved(p, AS_OF) for p in current] == [False, False, True, True, True]
    # price 0 after the end date counts even without the redeemable flag
    unflagged = replace(current[3], redeemable=False)
    assert unflagged.end_date is not None
    assert is_resolved(unflagged, AS_OF)
    assert not is_resolved(unflagged, unflagged.end_date - timedelta(days=1))


def test_rows_from_real_activity() -> None:
    rows_json = load("activity_user_pscanner_2026-04-25.json")
    activity = [normalise.activity_from_row(r, not_after=now_utc()) for r in rows_json]
    rows = sort_rows(rows_from_activity(activity))
    assert len(rows) == len(activity)
    trades = [r for r in rows if r.is_trade]
    assert len(trades) == sum(1 for a in activity if a.trade is not None)
    first = next(t for t in trades if t.timestamp == datetime.fromtimestamp(1777091978, UTC))
    assert first.usd == Decimal("614.285714")  # usdcSize, not size x price
    assert first.side is Side.BUY
    assert len({r.key for r in rows}) == len(rows)  # every row keeps its own identity


def test_one_category_taxonomy_from_tags_or_slugs() -> None:
    assert category_of(slug="ucl-vil1-aja-2026-01-20-vil1", event_slug="ucl-vil1-aja-2026-01-20") == "sports"
    assert category_of(slug="nhl-wpg-stl-2026-04-09-total-5pt5") == "sports"
    assert category_of(slug="will-the-oklahoma-city-thunder-win-the-2026-nba-finals") == "sports"
    assert category_of(slug="btc-updown-5m-1774000000") == "crypto"
    assert category_of(slug="fed-decision-in-september") == "economics"
    assert category_of(slug="will-trump-say-tariff-this-week") == "mentions"
    assert category_of(slug="democratic-presidential-nominee-2028") == "politics"
    assert category_of(slug="highest-temperature-in-london-on-july-3") == "weather"
    assert category_of(slug="something-else-entirely") == "other"
    assert category_of(tags=["Crypto Prices"], slug="will-trump-say-bitcoin") == "crypto"  # a known tag decides
    assert category_of() == ""


def test_the_one_win_rate() -> None:
    assert WinRecord.of(7, 10, min_sample=10) == WinRecord(7, 10, 0.7, wilson_lower_bound(7, 10))
    assert WinRecord.of(7, 9, min_sample=10) == WinRecord(7, 9, None, None)  # withheld: the sample is said
    assert WinRecord.of(0, 0) == WinRecord(0, 0, None, None)


def test_wilson_lower_bound() -> None:
    assert round(wilson_lower_bound(8, 10), 2) == 0.49
    assert round(wilson_lower_bound(80, 100), 2) == 0.71
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(0, 5) == 0.0


def test_drawdown_and_spread() -> None:
    assert drawdown([Decimal(v) for v in ("100", "-30", "50", "-100", "10")]) == (Decimal(100), Decimal(120))
    assert drawdown([]) == (Decimal(0), Decimal(0))
    assert effective_count([Decimal(1)] * 4) == 4.0
    assert effective_count([Decimal(-5), Decimal(10)]) == 1.0
    assert effective_count([]) == 0.0
