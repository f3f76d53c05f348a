"""Hand-made domain values and real sample trades for the detector, scoring and state tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from scanner_core.config import Settings
from scanner_core.context import DetectionContext, RollingView, build_context
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Market, Side, Trade, TradeSource, WalletProfile, from_unix
from scanner_core.scoring import ScoringParams

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "trades"
T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WALLET = "0x" + "a" * 40
OTHER = "0x" + "b" * 40
THIRD = "0x" + "c" * 40
CID = "0x" + "1" * 64
YES = "1111"
NO = "2222"


def wallet_n(n: int) -> str:
    return f"0x{n:040x}"


def cid_n(n: int) -> str:
    return f"0x{n:064x}"


def params(**overrides: Any) -> DetectorParams:
    return DetectorParams.from_settings(Settings(_env_file=None, **overrides))  # type: ignore[call-arg]


def scoring_params(**overrides: Any) -> ScoringParams:
    return ScoringParams.from_settings(Settings(_env_file=None, **overrides))  # type: ignore[call-arg]


def make_trade(
    usd: float | str | Decimal = 1000,
    price: float | str | Decimal = "0.50",
    *,
    side: Side = Side.BUY,
    wallet: str = WALLET,
    at: datetime = T0,
    tx: str = "0xt1",
    cid: str = CID,
    token: str = YES,
    outcome: str = "Yes",
    index: int | None = 0,
    title: str = "Will it happen?",
    slug: str = "will-it-happen",
    event_slug: str = "",
) -> Trade:
    """A fill worth `usd` at `price` (size derived, so Trade.usd is exactly `usd`)."""
    p = Decimal(str(price))
    u = Decimal(str(usd))
    return Trade(
        tx_hash=tx,
        wallet=wallet,
        condition_id=cid,
        token_id=token,
        side=side,
        outcome=outcome,
        outcome_index=index,
        size=(u / p) if p else u,
        price=p,
        timestamp=at,
        source=TradeSource.REPLAY,
        title=title,
        slug=slug,
        event_slug=event_slug,
        usd=u,
    )


def make_market(**kw: Any) -> Market:
    base: dict[str, Any] = {
        "condition_id": CID,
        "question": "Will it happen?",
        "slug": "will-it-happen",
        "category": "Politics",
        "outcomes": ("Yes", "No"),
        "outcome_prices": (Decimal("0.5"), Decimal("0.5")),
        "token_ids": (YES, NO),
        "end_date": T0 + timedelta(days=30),
        "liquidity": Decimal(200_000),
        "volume_24h": Decimal(500_000),
    }
    base.update(kw)
    return Market(**base)


def make_profile(**kw: Any) -> WalletProfile:
    """An established wallet: a year old, 200 trades averaging $400."""
    base: dict[str, Any] = {
        "address": WALLET,
        "first_seen": T0 - timedelta(days=365),
        "last_seen": T0 - timedelta(days=1),
        "trade_count": 200,
        "total_volume": Decimal(80_000),
        "avg_trade_size": Decimal(400),
        "median_trade_size": Decimal(150),
        "markets_traded": 40,
    }
    base.update(kw)
    return WalletProfile(**base)


def ctx(
    trade: Trade,
    rolling: RollingView | None = None,
    *,
    market: Market | None = None,
    wallet: WalletProfile | None = None,
    price_before: Decimal | str | None = None,
    price_after: Decimal | str | None = None,
) -> DetectionContext:
    return build_context(
        trade,
        rolling,
        market=market,
        wallet=wallet,
        price_before=None if price_before is None else Decimal(str(price_before)),
        price_after=None if price_after is None else Decimal(str(price_after)),
    )


def trade_from_row(row: dict[str, Any]) -> Trade:
    """A Data API /trades row as a Trade (a local stand-in for normalise.py, kept tiny on purpose)."""
    return Trade(
        tx_hash=row["transactionHash"],
        wallet=row["proxyWallet"].lower(),
        condition_id=row["conditionId"].lower(),
        token_id=row["asset"],
        side=Side(row["side"]),
        outcome=row.get("outcome", ""),
        outcome_index=row.get("outcomeIndex"),
        size=Decimal(str(row["size"])),
        price=Decimal(str(row["price"])),
        timestamp=from_unix(row["timestamp"]),
        source=TradeSource.DATA_API,
        title=row.get("title", ""),
        slug=row.get("slug", ""),
        event_slug=row.get("eventSlug", ""),
        trader_name=row.get("name", ""),
    )


def real_trades(name: str) -> list[Trade]:
    """Rows of tests/fixtures/trades/<name>.json, oldest first (the API lists newest first)."""
    rows = json.loads((FIXTURES / f"{name}.json").read_text())
    return sorted((trade_from_row(r) for r in rows), key=lambda t: t.timestamp)


def real_trade(name: str, wallet_prefix: str) -> Trade:
    return next(t for t in real_trades(name) if t.wallet.startswith(wallet_prefix))
