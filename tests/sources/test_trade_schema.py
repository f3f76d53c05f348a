"""The one trade schema (normalise.trade_from_row), on a real RTDS payload changed one field at a
time: what it admits, what it refuses (with which reason), what it cuts (issue 10, found items 1,
3 and 4 at the boundary)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from scanner_core import normalise
from scanner_core.models import TradeSource
from scanner_core.normalise import MalformedPayload
from tests.sources.conftest import FIXTURES

NOW = datetime(2026, 7, 26, 12, 0, tzinfo=UTC)
NOT_AFTER = NOW + timedelta(minutes=5)
ENVELOPE = json.loads((FIXTURES / "rtds/activity_trades_frame_2026-07-25.json").read_text())
PAYLOAD: dict[str, Any] = ENVELOPE["payload"]
YEAR_2100 = 4_102_444_800


def parse(**changes: Any) -> Any:
    return normalise.trade_from_row({**PAYLOAD, **changes}, TradeSource.RTDS, not_after=NOT_AFTER)


def frame(**changes: Any) -> str:
    return json.dumps({**ENVELOPE, "payload": {**PAYLOAD, **changes}})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        # found item 1: values no column holds
        ({"size": 1e19}, "size"),
        ({"size": "1e19"}, "size"),
        ({"size": "1e400"}, "size"),
        ({"size": 1_000_000_001}, "size"),
        ({"size": -1}, "size"),
        ({"size": 0}, "size"),
        ({"transactionHash": "0x" + "a" * 80}, "transactionHash"),
        ({"transactionHash": "0x" + "a" * 63}, "transactionHash"),
        ({"transactionHash": "0x" + "g" * 64}, "transactionHash"),
        ({"transactionHash": "0xdeadbeef"}, "transactionHash"),
        ({"asset": "9" * 81}, "asset"),
        ({"asset": str(2**256)}, "asset"),  # 78 digits, one past the largest uint256
        ({"asset": "²³"}, "asset"),  # str.isdigit() says yes to superscripts
        ({"asset": "-5"}, "asset"),
        ({"asset": ""}, "asset"),
        ({"conditionId": "0x" + "c" * 65}, "conditionId"),
        ({"outcomeIndex": 40000}, "outcomeIndex"),
        ({"outcomeIndex": 256}, "outcomeIndex"),
        ({"outcomeIndex": -1}, "outcomeIndex"),
        ({"price": 1.0001}, "price"),
        ({"price": -0.1}, "price"),
        # found item 3: times outside Polymarket's life
        ({"timestamp": YEAR_2100}, "timestamp"),
        ({"timestamp": YEAR_2100 * 1000}, "timestamp"),
        ({"timestamp": int(NOT_AFTER.timestamp()) + 1}, "timestamp"),
        ({"timestamp": 1_500_000_000}, "timestamp"),  # 2017
        ({"timestamp": 0}, "timestamp"),
        # found item 4: exponents that made decimal arithmetic overflow
        ({"timestamp": "1e9999999999"}, "timestamp"),
        ({"size": "1e9999999999"}, "size"),
        ({"price": "1e-9999999999"}, "price"),
        ({"size": "1" * 65}, "size"),
        # shapes
        ({"title": {"nested": True}}, "title"),
        ({"name": ["x"]}, "name"),
    ],
)
def test_the_schema_refuses_with_a_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(MalformedPayload) as info:
        parse(**changes)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    "changes",
    [
        {"size": 1_000_000_000},
        {"size": "0.000001"},
        {"price": 0},
        {"price": 1},
        {"asset": str(2**256 - 1)},
        {"asset": 12345},
        {"outcomeIndex": 255},
        {"outcomeIndex": 999},  # the Data API's "none"
        {"transactionHash": "0x" + "AB" * 32},
        {"timestamp": int(NOT_AFTER.timestamp())},
        {"timestamp": int(normalise.LAUNCH.timestamp())},
        {"timestamp": str(int(NOW.timestamp()) * 1000)},
    ],
)
def test_the_schema_admits_the_edges(changes: dict[str, Any]) -> None:
    trade = parse(**changes)
    assert trade.size <= normalise.MAX_SIZE and trade.usd <= normalise.MAX_USD
    assert trade.tx_hash == trade.tx_hash.lower()


def test_text_fields_are_cut_and_nul_removed() -> None:
    trade = parse(title="T" * 5000 + "x", slug="s" * 300, eventSlug="e\x00" * 400, outcome="o" * 200, name="n" * 500)
    assert len(trade.title) == normalise.TITLE_CHARS
    assert len(trade.slug) == normalise.SLUG_CHARS
    assert "\x00" not in trade.event_slug and len(trade.event_slug) <= normalise.SLUG_CHARS
    assert len(trade.outcome) == normalise.OUTCOME_CHARS
    assert len(trade.trader_name) == normalise.NAME_CHARS


def test_every_bound_fits_its_database_column() -> None:
    """db/models.py must hold whatever the schema admits (see TradeRow)."""
    from db.models import TradeRow

    fields = TradeRow._meta.fields_map
    assert fields["tx_hash"].max_length >= 66 and fields["market_id"].max_length >= 66  # type: ignore[attr-defined]
    assert fields["token_id"].max_length >= len(str(2**256 - 1))  # type: ignore[attr-defined]
    assert fields["outcome"].max_length >= normalise.OUTCOME_CHARS  # type: ignore[attr-defined]
    for name in ("slug", "event_slug"):
        assert fields[name].max_length >= normalise.SLUG_CHARS  # type: ignore[attr-defined]
    assert fields["trader_name"].max_length >= normalise.NAME_CHARS  # type: ignore[attr-defined]
    assert normalise.MAX_OUTCOME_INDEX <= 32767  # smallint
    for name in ("size", "price", "size_usd"):
        field = fields[name]
        integer_digits = field.max_digits - field.decimal_places  # type: ignore[attr-defined]
        assert Decimal(10) ** integer_digits > max(normalise.MAX_SIZE, normalise.MAX_USD)


@pytest.mark.parametrize(
    "changes",
    [{"size": "1e9999999999"}, {"timestamp": "1e9999999999"}, {"timestamp": 1e300}, {"asset": 10**80}],
)
def test_the_frame_decoder_reports_instead_of_raising(changes: dict[str, Any]) -> None:
    decoded = normalise.decode_rtds(frame(**changes), not_after=NOT_AFTER)
    assert decoded.kind == "malformed" and not decoded.trades
    [reject] = decoded.rejects
    assert reject.payload["transactionHash"] == PAYLOAD["transactionHash"]  # the raw item, for the quarantine


def test_a_frame_keeps_its_good_items_and_reports_the_bad_one() -> None:
    good = {**ENVELOPE}
    bad = {**ENVELOPE, "payload": {**PAYLOAD, "timestamp": YEAR_2100}}
    decoded = normalise.decode_rtds(json.dumps([good, bad]), not_after=NOT_AFTER)
    assert decoded.kind == "trades" and len(decoded.trades) == 1
    assert [r.reason for r in decoded.rejects] == ["timestamp"]
    assert "future" in decoded.errors[0]


def test_activity_rows_pass_the_same_schema() -> None:
    row = {**PAYLOAD, "type": "TRADE", "usdcSize": 1.9, "timestamp": YEAR_2100}
    with pytest.raises(MalformedPayload, match="future"):
        normalise.activity_from_row(row, not_after=NOT_AFTER)
    reward = {"type": "REWARD", "proxyWallet": PAYLOAD["proxyWallet"], "timestamp": YEAR_2100, "usdcSize": 1}
    with pytest.raises(MalformedPayload, match="future"):
        normalise.activity_from_row(reward, not_after=NOT_AFTER)
