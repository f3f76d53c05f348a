"""A decoder that cannot raise (issue 10): over random text, random JSON and trade rows whose every
field may be anything, the frame decoders return a frame and the row decoders return a value
or raise their one documented error, `MalformedPayload`. Every trade that comes out satisfies
the trade schema, checked here by an independent reading of it (`assert_in_schema`).

Derandomised with a fixed number of examples, so CI is deterministic and takes seconds.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from scanner_core import normalise
from scanner_core.models import Trade, TradeSource
from scanner_core.normalise import MalformedPayload
from tests.sources.conftest import FIXTURES
from tests.support.properties import property_settings

NOT_AFTER = datetime(2026, 8, 1, tzinfo=UTC)
LAUNCH = datetime(2020, 6, 1, tzinfo=UTC)
PROPERTY = property_settings(max_examples=300)
ENVELOPE = json.loads((FIXTURES / "rtds/activity_trades_frame_2026-07-25.json").read_text())
PAYLOAD: dict[str, Any] = ENVELOPE["payload"]
HEX64 = re.compile(r"0x[0-9a-f]{64}")


def assert_in_schema(trade: Trade) -> None:
    """The trade schema, read independently of normalise.py."""
    assert HEX64.fullmatch(trade.tx_hash) and HEX64.fullmatch(trade.condition_id)
    assert re.fullmatch(r"0x[0-9a-f]{40}", trade.wallet)
    assert re.fullmatch(r"[0-9]{1,78}", trade.token_id) and int(trade.token_id) < 2**256
    assert Decimal(0) < trade.size <= Decimal(10) ** 9
    assert Decimal(0) <= trade.price <= Decimal(1)
    assert trade.usd == trade.size * trade.price and trade.usd <= Decimal(10) ** 9
    assert trade.outcome_index is None or 0 <= trade.outcome_index <= 255
    assert LAUNCH <= trade.timestamp <= NOT_AFTER
    assert len(trade.title) <= 500 and len(trade.slug) <= 255 and len(trade.event_slug) <= 255
    assert len(trade.outcome) <= 120 and len(trade.trader_name) <= 100
    assert "\x00" not in trade.title + trade.slug + trade.event_slug + trade.outcome + trade.trader_name


# ---------------------------------------------------------------- strategies

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-(10**6), 10**6), st.integers(-(10**12), 10**12)),
    st.sampled_from(["", " ", "NaN", "-inf", "1e400", "0x10", "1_000", "٣", "²", "0E+999999999", "1e-9999999999"]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=90))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
hex_strings = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(["0x", "0X", "", " 0x"]),
    st.text("0123456789abcdefABCDEFg", max_size=70),
)


def mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with up to three fields replaced by anything (or removed), and sometimes an extra one."""
    anything = st.one_of(json_values, hex_strings, numbers, st.just(_GONE))
    changes = st.dictionaries(st.sampled_from(sorted(base)), anything, max_size=3)
    extra = st.dictionaries(st.text(max_size=12), json_values, max_size=1)

    def apply(change: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
        row = {**base, **more, **change}
        return {k: v for k, v in row.items() if v is not _GONE}

    return st.builds(apply, changes, extra)


_GONE = object()
trade_rows = mutated(PAYLOAD)
v2_rows = mutated(
    {
        "proxy_wallet": PAYLOAD["proxyWallet"].lower(),
        "token_id": PAYLOAD["asset"],
        "condition_id": PAYLOAD["conditionId"],
        "transaction_hash": PAYLOAD["transactionHash"],
        "outcome_index": PAYLOAD["outcomeIndex"],
        **{k: PAYLOAD[k] for k in ("side", "size", "price", "timestamp", "title", "slug", "outcome", "name")},
    }
)
any_rows = st.one_of(trade_rows, v2_rows)


def envelope(payload: Any, kind: str = "trades") -> dict[str, Any]:
    return {**ENVELOPE, "type": kind, "payload": payload}


frames = st.one_of(
    json_values,
    trade_rows.map(envelope),
    any_rows.map(envelope),
    st.lists(trade_rows, max_size=3).map(envelope),
    v2_rows,
    st.lists(st.one_of(trade_rows.map(envelope), json_values, trade_rows), max_size=4),
    trade_rows.map(lambda row: envelope(row, "orders_matched")),
    trade_rows,
)


# ---------------------------------------------------------------- properties


@PROPERTY
@given(frames)
def test_the_rtds_decoder_never_raises_on_json(body: Any) -> None:
    decoded = normalise.rtds_frame_from_json(body, not_after=NOT_AFTER)
    assert decoded.kind in {"keepalive", "trades", "other", "server_message", "malformed"}
    for trade in decoded.trades:
        assert_in_schema(trade)
    assert all(isinstance(r.reason, str) and r.reason for r in decoded.rejects)
    assert (decoded.kind == "malformed") == (bool(decoded.rejects) and not decoded.trades)


@PROPERTY
@given(st.one_of(st.text(), st.binary(), frames.map(json.dumps), frames.map(lambda b: json.dumps(b).encode())))
def test_the_rtds_decoder_never_raises_on_text(text: str | bytes) -> None:
    decoded = normalise.decode_rtds(text, not_after=NOT_AFTER)
    for trade in decoded.trades:
        assert_in_schema(trade)


@PROPERTY
@given(st.one_of(trade_rows, any_rows, json_values))
def test_a_trade_row_gives_a_trade_in_the_schema_or_malformed_payload(row: Any) -> None:
    for source in (TradeSource.RTDS, TradeSource.DATA_API):
        try:
            trade = normalise.trade_from_row(row, source, not_after=NOT_AFTER)
        except MalformedPayload as exc:
            assert exc.reason
            event(f"refused: {exc.reason}")
        else:
            assert_in_schema(trade)
            event("admitted")


@PROPERTY
@given(st.one_of(trade_rows, any_rows), st.sampled_from(["TRADE", "REWARD", "REDEEM", 7, None]))
def test_an_activity_row_gives_an_activity_or_malformed_payload(row: dict[str, Any], kind: Any) -> None:
    try:
        activity = normalise.activity_from_row({**row, "type": kind, "usdcSize": row.get("size")}, not_after=NOT_AFTER)
    except MalformedPayload:
        return
    assert LAUNCH <= activity.timestamp <= NOT_AFTER
    if activity.trade is not None:
        assert_in_schema(activity.trade)


@PROPERTY
@given(st.one_of(st.text(), st.binary(), json_values.map(json.dumps)))
def test_the_market_channel_decoder_never_raises(text: str | bytes) -> None:
    assert normalise.decode_market_ws(text).kind in {"keepalive", "events", "malformed"}


def test_real_captured_frames_still_decode() -> None:
    for path in sorted((FIXTURES / "rtds").glob("activity_trades_frame_*.json")):
        decoded = normalise.decode_rtds(path.read_text(), not_after=NOT_AFTER + timedelta(days=30))
        assert decoded.kind == "trades" and not decoded.rejects
