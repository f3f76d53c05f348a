"""Real Data API rows (normalised by the sources) -> WalletHistory; codec and categories."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson

from scanner_core import normalise
from scanner_core.models import Side, now_utc
from scanner_core.walletscan import codec
from scanner_core.walletscan.assemble import history_from_positions, is_resolved, trades_from_activity
from scanner_core.walletscan.categories import category_of
from scanner_core.walletscan.history import WalletHistory
from scanner_core.walletscan.stats import drawdown, effective_count, wilson_lower_bound
from tests.walletscan.factories import martingale_bettor, steady_specialist

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "walletscan"
WALLET = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
AS_OF = datetime(2026, 4, 25, 12, 0, tzinfo=UTC)


def load(name: str) -> list[dict[str, object]]:
    return list(orjson.loads((FIXTURES / name).read_bytes()))


def real_history() -> WalletHistory:
    closed = [normalise.closed_position_from_row(r) for r in load("closed_positions_pscanner_2026-04.json")]
    positions = [normalise.position_from_row(r) for r in load("positions_pscanner_2026-04.json")]
    return history_from_positions(WALLET, closed, positions, now=AS_OF, markets_traded=7, last_activity=AS_OF)


def test_real_rows_become_bets_with_unredeemed_losers_counted() -> None:
    h = real_history()
    # 5 closed (all winners: the API's default order is best PnL first) + 3 resolved but unredeemed
    assert len(h.bets) == 8
    unredeemed = [b for b in h.bets if not b.redeemed]
    assert len(unredeemed) == 3
    assert sorted(b.won for b in unredeemed) == [False, False, True]
    loser = next(b for b in unredeemed if b.condition_id.startswith("0x367581"))
    assert loser.realised_pnl == Decimal("-84456.408")
    assert loser.category == "sports"
    # the 2 open positions stay open
    assert h.open_book.positions == 2
    assert h.open_book.cost_usd == Decimal("234044.7062") + Decimal("90890.7375")


def test_cost_is_price_times_shares_bought() -> None:
    villarreal = next(b for b in real_history().bets if b.condition_id.startswith("0xdece3c9a"))
    # bought 1,500,000 shares at 0.27: paid 405,000, got 1,500,000 back = +1,095,000
    assert villarreal.cost_usd == Decimal("405000.00")
    assert villarreal.realised_pnl == Decimal("1095000")
    assert villarreal.resolved_at == datetime.fromtimestamp(1768957706, UTC)


def test_resolution_of_open_positions() -> None:
    positions = [normalise.position_from_row(r) for r in load("positions_pscanner_2026-04.json")]
    assert [is_resolved(p, AS_OF) for p in positions] == [False, False, True, True, True]
    # price 0 after the end date counts even without the redeemable flag
    unflagged = replace(positions[3], redeemable=False)
    assert unflagged.end_date is not None
    assert is_resolved(unflagged, AS_OF)
    assert not is_resolved(unflagged, unflagged.end_date - timedelta(days=1))


def test_last_activity_and_markets() -> None:
    h = real_history()
    assert h.last_activity == AS_OF
    assert h.markets_traded == 10  # more seen than /traded said: the larger wins
    assert h.both_sides_markets == 0


def test_trades_from_real_activity_rows() -> None:
    rows = [normalise.activity_from_row(r, not_after=now_utc()) for r in load("activity_user_pscanner_2026-04-25.json")]
    trades = trades_from_activity(rows)
    assert len(trades) == len([r for r in rows if r.trade is not None])
    assert [t.timestamp for t in trades] == sorted(t.timestamp for t in trades)
    first = next(t for t in trades if t.timestamp == datetime.fromtimestamp(1777091978, UTC))
    assert first.usd == Decimal("614.285714")  # usdcSize, not size x price
    assert first.side is Side.BUY


def test_codec_round_trips_histories() -> None:
    for h in (real_history(), steady_specialist(), martingale_bettor()):
        assert codec.decode_history(codec.encode_history(h)) == h
    h = martingale_bettor()
    assert h.trades is not None
    bets, trades, truncated = codec.decode_more(codec.encode_more(h.bets, h.trades, True))
    assert (bets, trades, truncated) == (h.bets, h.trades, True)


def test_codec_is_compact() -> None:
    h = steady_specialist()
    per_row = len(codec.encode_history(h)) / (len(h.bets) + len(h.trades or ()))
    assert per_row < 80


def test_categories_from_slugs() -> None:
    assert category_of("ucl-vil1-aja-2026-01-20-vil1", "ucl-vil1-aja-2026-01-20", "Will Villarreal CF win?") == "sports"
    assert category_of("nhl-wpg-stl-2026-04-09-total-5pt5") == "sports"
    assert category_of("will-the-oklahoma-city-thunder-win-the-2026-nba-finals") == "sports"
    assert category_of("btc-updown-5m-1774000000") == "crypto"
    assert category_of("fed-decision-in-september") == "economics"
    assert category_of("will-trump-say-tariff-this-week") == "mentions"
    assert category_of("democratic-presidential-nominee-2028") == "politics"
    assert category_of("highest-temperature-in-london-on-july-3") == "weather"
    assert category_of("something-else-entirely") == "other"


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
