"""A market's end from Gamma: closed time (not ISO-T), end date and resolution, on the real
captured payloads, and kept through the database unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from db.repositories import Repositories
from scanner_core import normalise
from scanner_core.models import Market, ResolutionStatus
from tests.fakes.polymarket import DEFAULT_FIXTURES

GAMMA = DEFAULT_FIXTURES / "gamma"


def load(name: str) -> Any:
    return json.loads((GAMMA / name).read_text())


def test_resolved_btc_markets_name_their_winner_token_and_close_time() -> None:
    rows = load("markets_btc5m_closed_resolved_2026-07-24_ligengxin.json")
    markets = [normalise.market_from_gamma(row) for row in rows]
    assert all(m.resolution.status is ResolutionStatus.RESOLVED for m in markets)
    first = markets[0]  # outcomePrices ["1", "0"]: "Up" won
    assert first.closed_time == datetime(2026, 7, 24, 0, 0, 16, tzinfo=UTC)
    assert first.end_date == datetime(2026, 7, 24, 0, 0, tzinfo=UTC)
    assert first.resolution.winning_index == 0 and first.outcomes[0] == "Up"
    assert first.resolution.winning_token_id == first.token_ids[0]
    assert first.resolution.resolved_at == first.closed_time
    assert first.payout_of(first.token_ids[0]) == 1 and first.payout_of(first.token_ids[1]) == 0
    second = markets[1]  # ["0", "1"]: "Down" won
    assert second.resolution.winning_index == 1 and second.resolution.winning_token_id == second.token_ids[1]


def test_a_closed_market_without_a_status_is_settled_by_its_one_hot_prices() -> None:
    market = normalise.market_from_gamma(load("market_nautilus_closed_binary_accepting_true.json"))
    assert market.closed and market.resolution.status is ResolutionStatus.RESOLVED
    assert market.resolution.winning_index == 0
    assert market.closed_time == datetime(2026, 5, 9, 2, 7, 1, tzinfo=UTC)
    assert market.end_date == datetime(2027, 12, 31, tzinfo=UTC)  # resolved long before its scheduled end


def test_event_markets_resolved_and_open() -> None:
    event = normalise.event_from_gamma(load("event_pscanner.json"))
    states = {m.market_id: m.resolution.status for m in event.markets}
    assert states == {
        "516926": ResolutionStatus.RESOLVED,
        "824952": ResolutionStatus.UNRESOLVED,
        "692250": ResolutionStatus.RESOLVED,
        "692258": ResolutionStatus.UNRESOLVED,
    }
    open_market = next(m for m in event.markets if m.market_id == "824952")
    assert open_market.closed_time is None and open_market.payout_of(open_market.token_ids[0]) is None


BASE: dict[str, Any] = load("markets_btc5m_closed_resolved_2026-07-24_ligengxin.json")[0]


@pytest.mark.parametrize(
    ("changes", "status", "payouts"),
    [
        ({"outcomePrices": '["0.5", "0.5"]'}, ResolutionStatus.SPLIT, ("0.5", "0.5")),
        ({"outcomePrices": '["0", "0"]'}, ResolutionStatus.VOIDED, ()),
        ({"umaResolutionStatus": "cancelled"}, ResolutionStatus.VOIDED, ()),
        ({"umaResolutionStatus": "proposed"}, ResolutionStatus.UNRESOLVED, ()),  # a proposal can be disputed
        ({"umaResolutionStatus": "disputed", "outcomePrices": '["0", "1"]'}, ResolutionStatus.UNRESOLVED, ()),
        ({"closed": False}, ResolutionStatus.UNRESOLVED, ()),
        # closed, not final: the last trading prices are no payout
        ({"umaResolutionStatus": None, "outcomePrices": '["0.9995", "0.0005"]'}, ResolutionStatus.UNRESOLVED, ()),
        ({"outcomePrices": '["0.7", "0.7"]'}, ResolutionStatus.UNRESOLVED, ()),
        ({"outcomePrices": "[]"}, ResolutionStatus.UNRESOLVED, ()),
        # Protocol V2 markets name their state in resolutionStatus (inactive/active/resolved)
        ({"umaResolutionStatus": None, "resolutionStatus": "active"}, ResolutionStatus.UNRESOLVED, ()),
        ({"umaResolutionStatus": None, "resolutionStatus": "resolved"}, ResolutionStatus.RESOLVED, ("1", "0")),
    ],
)
def test_resolution_states(changes: dict[str, Any], status: ResolutionStatus, payouts: tuple[str, ...]) -> None:
    row = {**BASE, **changes}
    market = normalise.market_from_gamma({k: v for k, v in row.items() if v is not None})
    assert market.resolution.status is status
    assert market.resolution.payouts == tuple(Decimal(p) for p in payouts)
    if status is not ResolutionStatus.RESOLVED:
        assert market.resolution.winning_index is None and market.resolution.winning_token_id == ""


def test_a_bad_closed_time_is_a_malformed_payload() -> None:
    with pytest.raises(normalise.MalformedPayload, match="closedTime"):
        normalise.market_from_gamma({**BASE, "closedTime": "yesterday-ish"})


async def test_markets_keep_their_end_through_the_database(db: str) -> None:
    repos = Repositories()
    now = datetime(2026, 8, 1, tzinfo=UTC)
    rows = [BASE, {**BASE, "conditionId": "0x" + "1" * 64, "outcomePrices": '["0.5", "0.5"]'}]
    rows.append({**BASE, "conditionId": "0x" + "2" * 64, "closed": False})
    for row in rows:
        market = normalise.market_from_gamma(row)
        await repos.markets.save(market, now)
        assert ends(await repos.markets.get(market.condition_id)) == ends(market)
    changed = normalise.market_from_gamma({**rows[2], "closed": True, "outcomePrices": '["0", "1"]'})
    await repos.markets.save(changed, now)  # the same market resolved since: the row follows
    assert ends(await repos.markets.get(changed.condition_id)) == ends(changed)
    assert changed.resolution.status is ResolutionStatus.RESOLVED


def ends(market: Market | None) -> tuple[Any, ...]:
    assert market is not None
    return (market.token_ids, market.closed, market.end_date, market.closed_time, market.resolution)
