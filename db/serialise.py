"""Row <-> domain mapping, and the JSON shapes stored in JSON columns (Decimals as strings)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from db.models import (
    AlertRow,
    ChannelRuleRow,
    DeliveryRow,
    MarketRow,
    SubscriptionRow,
    TradeRow,
    WalletClassificationRow,
    WalletProfileRow,
)
from scanner_core.models import (
    Alert,
    AlertKind,
    ChannelRule,
    Delivery,
    DeliveryStatus,
    DestinationKind,
    Market,
    MarketSnapshot,
    QuietHours,
    Resolution,
    ResolutionStatus,
    Severity,
    Side,
    Signal,
    SignalKind,
    Subscription,
    SubscriptionFilters,
    Trade,
    TradeSource,
    WalletClass,
    WalletClassification,
    WalletProfile,
    WalletSnapshot,
    frozen_map,
)


def jsonable(value: Any) -> Any:
    """Decimals as strings, datetimes as ISO, containers recursively: safe for JSON columns."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def _dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ---------------------------------------------------------------- trades


def trade_to_row(t: Trade) -> TradeRow:
    return TradeRow(
        dedup_key=t.dedup_key,
        tx_hash=t.tx_hash,
        wallet_address=t.wallet,
        market_id=t.condition_id,
        token_id=t.token_id,
        side=t.side.value,
        outcome=t.outcome[:120],
        outcome_index=t.outcome_index,
        size=t.size,
        price=t.price,
        size_usd=t.usd,
        timestamp=t.timestamp,
        source=t.source.value,
        title=t.title,
        slug=t.slug[:255],
        event_slug=t.event_slug[:255],
        trader_name=t.trader_name[:255],
    )


def trade_from_row(r: TradeRow) -> Trade:
    return Trade(
        tx_hash=r.tx_hash,
        wallet=r.wallet_address,
        condition_id=r.market_id,
        token_id=r.token_id,
        side=Side(r.side),
        outcome=r.outcome,
        outcome_index=r.outcome_index,
        size=r.size,
        price=r.price,
        timestamp=r.timestamp,
        source=TradeSource(r.source),
        title=r.title,
        slug=r.slug,
        event_slug=r.event_slug,
        trader_name=r.trader_name,
        usd=r.size_usd,
        dedup_key=r.dedup_key,
    )


def trade_to_json(t: Trade) -> dict[str, Any]:
    return {
        "tx_hash": t.tx_hash,
        "wallet": t.wallet,
        "condition_id": t.condition_id,
        "token_id": t.token_id,
        "side": t.side.value,
        "outcome": t.outcome,
        "outcome_index": t.outcome_index,
        "size": str(t.size),
        "price": str(t.price),
        "usd": str(t.usd),
        "timestamp": t.timestamp.isoformat(),
        "source": t.source.value,
        "title": t.title,
        "slug": t.slug,
        "event_slug": t.event_slug,
        "trader_name": t.trader_name,
        "dedup_key": t.dedup_key,
    }


def trade_from_json(d: Mapping[str, Any]) -> Trade:
    return Trade(
        tx_hash=d["tx_hash"],
        wallet=d["wallet"],
        condition_id=d["condition_id"],
        token_id=d["token_id"],
        side=Side(d["side"]),
        outcome=d.get("outcome", ""),
        outcome_index=d.get("outcome_index"),
        size=Decimal(d["size"]),
        price=Decimal(d["price"]),
        usd=Decimal(d["usd"]),
        timestamp=datetime.fromisoformat(d["timestamp"]),
        source=TradeSource(d["source"]),
        title=d.get("title", ""),
        slug=d.get("slug", ""),
        event_slug=d.get("event_slug", ""),
        trader_name=d.get("trader_name", ""),
        dedup_key=d.get("dedup_key", ""),
    )


# ---------------------------------------------------------------- alerts


def signals_to_json(signals: Iterable[Signal]) -> list[dict[str, Any]]:
    return [
        {"kind": s.kind.value, "strength": s.strength, "summary": s.summary, "evidence": jsonable(s.evidence)}
        for s in signals
    ]


def signals_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[Signal, ...]:
    return tuple(
        Signal(
            kind=SignalKind(i["kind"]),
            strength=float(i["strength"]),
            summary=i.get("summary", ""),
            evidence=frozen_map(i.get("evidence", {})),
        )
        for i in items
    )


def alert_payload(a: Alert) -> dict[str, Any]:
    payload: dict[str, Any] = {"details": jsonable(a.details)}
    if a.trade is not None:
        payload["trade"] = trade_to_json(a.trade)
    if a.market is not None:
        m = a.market
        payload["market"] = {
            "condition_id": m.condition_id,
            "question": m.question,
            "slug": m.slug,
            "category": m.category,
            "end_date": m.end_date.isoformat() if m.end_date else None,
            "liquidity": jsonable(m.liquidity),
            "volume_24h": jsonable(m.volume_24h),
        }
    if a.wallet is not None:
        w = a.wallet
        payload["wallet"] = {
            "address": w.address,
            "age_days": w.age_days,
            "trade_count": w.trade_count,
            "win_rate": w.win_rate,
            "resolved_positions": w.resolved_positions,
            "realised_pnl": jsonable(w.realised_pnl),
            "username": w.username,
            "classification": w.classification.value if w.classification else None,
        }
    return payload


def alert_from_row(r: AlertRow) -> Alert:
    payload: Mapping[str, Any] = r.payload or {}
    market = payload.get("market")
    wallet = payload.get("wallet")
    return Alert(
        id=r.id,
        dedup_key=r.dedup_key,
        kind=AlertKind(r.kind),
        severity=Severity(r.severity),
        confidence=r.confidence,
        created_at=r.created_at,
        title=r.title,
        signals=signals_from_json(r.signals or []),
        trade=trade_from_json(payload["trade"]) if payload.get("trade") else None,
        market=MarketSnapshot(
            condition_id=market["condition_id"],
            question=market.get("question", ""),
            slug=market.get("slug", ""),
            category=market.get("category", ""),
            end_date=_dt(market.get("end_date")),
            liquidity=_dec(market.get("liquidity")),
            volume_24h=_dec(market.get("volume_24h")),
        )
        if market
        else None,
        wallet=WalletSnapshot(
            address=wallet["address"],
            age_days=wallet.get("age_days"),
            trade_count=wallet.get("trade_count", 0),
            win_rate=wallet.get("win_rate"),
            resolved_positions=wallet.get("resolved_positions", 0),
            realised_pnl=_dec(wallet.get("realised_pnl")),
            username=wallet.get("username", ""),
            classification=WalletClass(wallet["classification"]) if wallet.get("classification") else None,
        )
        if wallet
        else None,
        details=frozen_map(payload.get("details", {})),
    )


# ---------------------------------------------------------------- wallets and markets


def profile_details(p: WalletProfile) -> dict[str, Any]:
    return {
        "top_categories": [[c, str(v)] for c, v in p.top_categories],
        "top_market_share": p.top_market_share,
        "markets_traded": p.markets_traded,
        "mm_indicators": list(p.mm_indicators),
        "username": p.username,
        "contrarian_trades": p.contrarian_trades,
        "contrarian_wins": p.contrarian_wins,
        "win_rate_lower": p.win_rate_lower,
    }


def profile_from_row(r: WalletProfileRow) -> WalletProfile:
    d: Mapping[str, Any] = r.details or {}
    return WalletProfile(
        address=r.address,
        first_seen=r.first_seen,
        last_seen=r.last_seen,
        trade_count=r.total_trades,
        total_volume=Decimal(r.total_volume_usd),
        avg_trade_size=Decimal(r.avg_trade_size),
        median_trade_size=Decimal(r.median_trade_size),
        realised_pnl=Decimal(r.realised_pnl),
        win_rate=r.win_rate,
        win_rate_lower=d.get("win_rate_lower"),
        resolved_positions=r.resolved_positions,
        winning_positions=r.winning_positions,
        top_categories=tuple((c, Decimal(v)) for c, v in d.get("top_categories", [])),
        top_market_share=float(d.get("top_market_share", 0.0)),
        markets_traded=int(d.get("markets_traded", 0)),
        mm_confidence=r.lp_confidence,
        mm_indicators=tuple(d.get("mm_indicators", [])),
        username=d.get("username", ""),
        contrarian_trades=int(d.get("contrarian_trades", 0)),
        contrarian_wins=int(d.get("contrarian_wins", 0)),
        updated_at=r.updated_at,
    )


def market_metadata(m: Market) -> dict[str, Any]:
    return {
        "event_id": m.event_id,
        "event_slug": m.event_slug,
        "tags": list(m.tags),
        "outcomes": list(m.outcomes),
        "outcome_prices": [str(p) for p in m.outcome_prices],
        "token_ids": list(m.token_ids),
        "created_at": m.created_at.isoformat() if m.created_at else None,
        "volume_total": jsonable(m.volume_total),
        "unique_traders": m.unique_traders,
        "active": m.active,
        "neg_risk": m.neg_risk,
        "version": m.version,
        "best_bid": jsonable(m.best_bid),
        "best_ask": jsonable(m.best_ask),
        "last_trade_price": jsonable(m.last_trade_price),
    }


def resolution_fields(m: Market) -> dict[str, Any]:
    """The markets-table columns that hold a market's end (closed time and resolution)."""
    r = m.resolution
    return {
        "closed_time": m.closed_time,
        "resolution": r.status.value,
        "winning_index": r.winning_index,
        "winning_token_id": r.winning_token_id,
        "payouts": [str(p) for p in r.payouts],
        "resolved_at": r.resolved_at,
    }


def resolution_from_row(r: MarketRow) -> Resolution:
    return Resolution(
        status=ResolutionStatus(r.resolution or ResolutionStatus.UNRESOLVED.value),
        winning_index=r.winning_index,
        winning_token_id=r.winning_token_id or "",
        payouts=tuple(Decimal(p) for p in (r.payouts or [])),
        resolved_at=r.resolved_at,
    )


def market_from_row(r: MarketRow) -> Market:
    d: Mapping[str, Any] = r.metadata or {}
    return Market(
        condition_id=r.id,
        question=r.question,
        market_id=r.gamma_id,
        slug=r.slug,
        event_id=d.get("event_id", ""),
        event_slug=d.get("event_slug", ""),
        category=r.category,
        tags=tuple(d.get("tags", [])),
        outcomes=tuple(d.get("outcomes", [])),
        outcome_prices=tuple(Decimal(p) for p in d.get("outcome_prices", [])),
        token_ids=tuple(d.get("token_ids", [])),
        end_date=r.end_date,
        created_at=_dt(d.get("created_at")),
        liquidity=_dec(r.liquidity),
        volume_24h=_dec(r.volume_24h),
        volume_total=_dec(d.get("volume_total")),
        unique_traders=d.get("unique_traders"),
        active=bool(d.get("active", True)),
        closed=r.closed,
        neg_risk=bool(d.get("neg_risk", False)),
        version=d.get("version", "v1"),
        best_bid=_dec(d.get("best_bid")),
        best_ask=_dec(d.get("best_ask")),
        last_trade_price=_dec(d.get("last_trade_price")),
        closed_time=r.closed_time,
        resolution=resolution_from_row(r),
    )


# ---------------------------------------------------------------- subscriptions, rules, outbox


def filters_to_json(f: SubscriptionFilters) -> dict[str, Any]:
    return {
        "min_usd": str(f.min_usd),
        "min_confidence": f.min_confidence,
        "min_severity": f.min_severity.value,
        "kinds": sorted(f.kinds),
        "categories_in": sorted(f.categories_in),
        "categories_out": sorted(f.categories_out),
        "follow_wallets": sorted(f.follow_wallets),
        "mute_wallets": sorted(f.mute_wallets),
        "mute_markets": sorted(f.mute_markets),
        "followed_only": f.followed_only,
    }


def filters_from_json(d: Mapping[str, Any]) -> SubscriptionFilters:
    return SubscriptionFilters(
        min_usd=Decimal(d.get("min_usd", "0")),
        min_confidence=float(d.get("min_confidence", 0.0)),
        min_severity=Severity(d.get("min_severity", "info")),
        kinds=frozenset(d.get("kinds", [])),
        categories_in=frozenset(d.get("categories_in", [])),
        categories_out=frozenset(d.get("categories_out", [])),
        follow_wallets=frozenset(d.get("follow_wallets", [])),
        mute_wallets=frozenset(d.get("mute_wallets", [])),
        mute_markets=frozenset(d.get("mute_markets", [])),
        followed_only=bool(d.get("followed_only", False)),
    )


def subscription_from_row(r: SubscriptionRow) -> Subscription:
    quiet = (
        QuietHours(r.quiet_start, r.quiet_end, r.timezone)
        if r.quiet_start is not None and r.quiet_end is not None
        else None
    )
    return Subscription(
        id=r.id,
        destination_kind=DestinationKind(r.destination_kind),
        destination_id=r.destination_id,
        active=r.active,
        filters=filters_from_json(r.filters or {}),
        quiet_hours=quiet,
        timezone=r.timezone,
        max_per_hour=r.max_per_hour,
        owner_id=r.owner_id,
        created_at=r.created_at,
    )


def rule_from_row(r: ChannelRuleRow) -> ChannelRule:
    return ChannelRule(
        id=r.id,
        guild_id=r.guild_id,
        channel_id=r.channel_id,
        match_type=r.match_type,
        match_value=r.match_value,
        role_id=r.role_id,
        created_by=r.created_by,
    )


def delivery_from_row(r: DeliveryRow) -> Delivery:
    return Delivery(
        id=r.id,
        alert_id=r.alert_id,
        destination_kind=DestinationKind(r.destination_kind),
        destination_id=r.destination_id,
        status=DeliveryStatus(r.status),
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        mention_role_id=r.mention_role_id,
        last_error=r.last_error,
        created_at=r.created_at,
        sent_at=r.sent_at,
    )


def classification_from_row(r: WalletClassificationRow) -> WalletClassification:
    return WalletClassification(
        address=r.address,
        classification=WalletClass(r.classification),
        score=r.score,
        stage=r.stage,
        reasons=tuple(r.reasons or []),
        classified_at=r.classified_at,
        details=frozen_map(r.details or {}),
    )
