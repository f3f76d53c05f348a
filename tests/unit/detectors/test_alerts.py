from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from db.serialise import alert_payload, signals_to_json
from scanner_core.alerts import (
    build_follow_up_alert,
    build_trade_alert,
    follow_up_key,
    size_emoji,
    trade_alert_key,
    trade_title,
)
from scanner_core.context import ScanState
from scanner_core.detectors import run_detectors
from scanner_core.detectors._common import price_text, usd_text
from scanner_core.detectors.timing import detect_follow_through
from scanner_core.models import AlertKind, Severity, Side, SignalKind
from scanner_core.scoring import score
from tests.unit.detectors.factories import T0, ctx, make_market, make_profile, make_trade, params, real_trade
from tests.unit.detectors.factories import scoring_params as sp

P = params()
SP = sp()
TIERS = P.large_trade_tiers


@pytest.mark.parametrize(
    ("usd", "emoji"),
    [
        ("0", "🐟"),
        ("9999.99", "🐟"),
        ("10000", "🦈"),
        ("49999", "🦈"),
        ("50000", "🐋"),
        ("99999", "🐋"),
        ("100000", "🐳"),
        ("9000000", "🐳"),
    ],
)
def test_size_emoji(usd: str, emoji: str) -> None:
    assert size_emoji(Decimal(usd), TIERS) == emoji


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "$0"),
        ("950", "$950"),
        ("999.6", "$1k"),
        ("1234", "$1.2k"),
        ("10000", "$10k"),
        ("52300", "$52.3k"),
        ("99960", "$100k"),
        ("999999", "$1.00M"),
        ("1250000", "$1.25M"),
        ("-5200", "-$5.2k"),
    ],
)
def test_usd_text(amount: str, text: str) -> None:
    assert usd_text(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("price", "text"),
    [
        ("0.31", "0.31"),
        ("0.3", "0.30"),
        ("0.5", "0.50"),
        ("0.0209342359", "0.021"),
        ("0.02", "0.02"),
        ("0.968534758", "0.969"),
        ("0.999", "0.999"),
        ("1", "1.00"),
        ("0", "0.00"),
    ],
)
def test_price_text(price: str, text: str) -> None:
    assert price_text(Decimal(price)) == text


def test_title() -> None:
    trade = make_trade("52300", "0.31", title="Will X happen?")
    assert trade_title(trade, None, TIERS) == "🐋 $52.3k BUY Yes @ 0.31 — Will X happen?"
    market = make_market(question="Will X happen by June 30?")
    assert trade_title(trade, market, TIERS) == "🐋 $52.3k BUY Yes @ 0.31 — Will X happen by June 30?"
    long = make_trade("500", "0.02", side=Side.SELL, title="Q" * 300)
    title = trade_title(long, None, TIERS)
    assert title.startswith("🐟 $500 SELL Yes @ 0.02 — QQQ") and title.endswith("…") and len(title) < 160
    bare = make_trade("20000", title="", slug="", outcome="", index=None)
    assert trade_title(bare, None, TIERS) == f"🦈 $20k BUY ? @ 0.50 — {bare.condition_id}"


def test_keys_are_stable_and_fit_the_column() -> None:
    trade = make_trade("20000")
    again = make_trade("20000")
    assert trade_alert_key(trade) == trade_alert_key(again) == f"trade:{trade.dedup_key}"
    assert follow_up_key(trade, 6.0) == f"follow:{trade.dedup_key}:6h"
    assert follow_up_key(trade, 1.5).endswith(":1.5h")
    assert len(follow_up_key(trade, 123.25)) <= 64 and len(trade_alert_key(trade)) <= 64
    assert trade_alert_key(make_trade("20000", tx="0xother")) != trade_alert_key(trade)


def _scenario():  # type: ignore[no-untyped-def]
    trade = make_trade("52300", "0.31", title="Will X happen?")
    market = make_market(
        question="Will X happen?", volume_24h=Decimal(30000), liquidity=Decimal(0), end_date=T0 + timedelta(hours=12)
    )
    wallet = make_profile(
        first_seen=T0 - timedelta(days=2), trade_count=1, total_volume=Decimal(500), username="newbie", win_rate=None
    )
    c = ctx(trade, ScanState(P).observe(trade), market=market, wallet=wallet, price_before="0.25")
    signals = run_detectors(trade, c, P)
    return trade, c, signals, score(signals, SP)


def test_trade_alert() -> None:
    trade, c, signals, result = _scenario()
    assert {s.kind for s in signals} == {
        SignalKind.LARGE_TRADE,
        SignalKind.FRESH_WALLET,
        SignalKind.MARKET_IMPACT,
        SignalKind.NICHE_MARKET,
        SignalKind.NEAR_RESOLUTION,
        SignalKind.CONCENTRATION,
    }
    alert = build_trade_alert(trade, c, result, signals, P, created_at=T0 + timedelta(seconds=2))
    assert alert.kind is AlertKind.TRADE and alert.dedup_key == trade_alert_key(trade)
    assert alert.title == "🐋 $52.3k BUY Yes @ 0.31 — Will X happen?"
    assert alert.severity is Severity.CRITICAL and alert.confidence == round(result.confidence, 4)
    assert [s.kind for s in alert.signals] == [c_.kind for c_ in result.contributions]  # strongest first
    assert alert.created_at == T0 + timedelta(seconds=2) and alert.trade is trade
    assert (
        alert.market is not None
        and alert.market.volume_24h == Decimal(30000)
        and alert.market.end_date == c.market.end_date
    )  # type: ignore[union-attr]
    assert alert.wallet is not None and alert.wallet.age_days == 2.0 and alert.wallet.username == "newbie"
    assert alert.details["why"] == result.explanation()
    assert len(alert.details["contributions"]) == len(signals)
    assert alert.details["price_before"] == Decimal("0.25") and alert.details["hours_to_end"] == 12.0
    # everything persists as JSON (Decimals become strings)
    json.dumps(signals_to_json(alert.signals))
    json.dumps(alert_payload(alert))


def test_snapshots_without_market_or_profile() -> None:
    trade = real_trade("global_2026-07-17", "0x16bb9951")
    c = ctx(trade)
    signals = run_detectors(trade, c, P)
    alert = build_trade_alert(trade, c, score(signals, SP), signals, P, created_at=trade.timestamp)
    assert alert.market is not None and alert.market.question == trade.title and alert.market.category == ""
    assert alert.wallet is not None and alert.wallet.address == trade.wallet and alert.wallet.age_days is None
    assert alert.wallet.username == trade.trader_name
    assert alert.title == "🦈 $19.2k BUY St. Louis Cardinals @ 0.48 — St. Louis Cardinals vs. Arizona Diamondbacks"


def test_follow_up_alert() -> None:
    trade, c, signals, result = _scenario()
    original = replace(build_trade_alert(trade, c, result, signals, P, created_at=T0), id=41)
    follow = detect_follow_through(trade, Decimal("0.45"), T0 + timedelta(hours=2), P)
    assert follow is not None
    alert = build_follow_up_alert(original, follow, P, SP, created_at=T0 + timedelta(hours=2))
    assert alert.kind is AlertKind.FOLLOW_UP
    assert alert.dedup_key == f"follow:{trade.dedup_key}:6h"
    assert alert.title == f"📈 +14.0¢ after {original.title}"
    assert alert.signals[0].kind is SignalKind.PRICE_FOLLOW_THROUGH
    assert alert.confidence >= original.confidence
    assert alert.details["original_alert_id"] == 41 and alert.details["original_alert_key"] == original.dedup_key
    assert alert.trade is trade and alert.market == original.market and alert.wallet == original.wallet
    json.dumps(alert_payload(alert))
    with pytest.raises(ValueError, match="no trade"):
        build_follow_up_alert(replace(original, trade=None), follow, P, SP, created_at=T0)
