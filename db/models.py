"""Tortoise rows. They never leave db/: repositories map them to scanner_core domain types."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


def _money(default: int | None = None) -> fields.DecimalField[Decimal]:
    # Prices carry up to 10 decimals (size-weighted fills like 0.0218768264); sizes up to 6.
    if default is None:
        return fields.DecimalField(max_digits=30, decimal_places=10)
    return fields.DecimalField(max_digits=30, decimal_places=10, default=default)


def _money_or_none() -> fields.DecimalField[Decimal | None]:
    return fields.DecimalField(max_digits=30, decimal_places=10, null=True)


class TradeRow(Model):
    id = fields.BigIntField(primary_key=True)
    dedup_key = fields.CharField(max_length=32, unique=True)
    tx_hash = fields.CharField(max_length=80)
    wallet_address = fields.CharField(max_length=42)
    market_id = fields.CharField(max_length=80)  # condition id
    token_id = fields.CharField(max_length=80)
    side = fields.CharField(max_length=4)
    outcome = fields.CharField(max_length=120, default="")
    outcome_index = fields.SmallIntField(null=True)
    size = _money()
    price = _money()
    size_usd = _money()
    timestamp = fields.DatetimeField()
    source = fields.CharField(max_length=16)
    title = fields.TextField(default="")
    slug = fields.CharField(max_length=255, default="")
    event_slug = fields.CharField(max_length=255, default="")
    trader_name = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "trades"
        indexes = (
            Index(fields=("wallet_address", "timestamp")),
            Index(fields=("market_id", "timestamp")),
            Index(fields=("timestamp",)),
        )


class AlertRow(Model):
    id = fields.BigIntField(primary_key=True)
    dedup_key = fields.CharField(max_length=64, unique=True)
    kind = fields.CharField(max_length=24)
    severity = fields.CharField(max_length=12)
    confidence = fields.FloatField()
    title = fields.TextField(default="")
    trade_key = fields.CharField(max_length=32, null=True)  # TradeRow.dedup_key
    market_id = fields.CharField(max_length=80, null=True)
    wallet_address = fields.CharField(max_length=42, null=True)
    size_usd = _money_or_none()
    signals: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # [{kind, strength, summary, evidence}]
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(
        default=dict
    )  # trade / market / wallet snapshots, details
    timestamp = fields.DatetimeField()  # trade time (alert "as of")
    created_at = fields.DatetimeField()
    # set once the alert's deliveries are in the outbox; a crash before that re-routes it at start
    routed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "alerts"
        indexes = (
            Index(fields=("wallet_address", "timestamp")),
            Index(fields=("market_id", "timestamp")),
            Index(fields=("created_at",)),
            Index(fields=("routed_at",)),
        )


class WalletProfileRow(Model):
    address = fields.CharField(max_length=42, primary_key=True)
    first_seen = fields.DatetimeField(null=True)
    last_seen = fields.DatetimeField(null=True)
    total_trades = fields.IntField(default=0)
    total_volume_usd = _money(default=0)
    avg_trade_size = _money(default=0)
    median_trade_size = _money(default=0)
    realised_pnl = _money(default=0)
    win_rate = fields.FloatField(null=True)
    resolved_positions = fields.IntField(default=0)
    winning_positions = fields.IntField(default=0)
    is_suspected_lp = fields.BooleanField(default=False)
    lp_confidence = fields.FloatField(default=0)
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(
        default=dict
    )  # categories, indicators, shares, username
    updated_at = fields.DatetimeField()

    class Meta:
        table = "wallet_profiles"


class MarketRow(Model):
    id = fields.CharField(max_length=80, primary_key=True)  # condition id
    gamma_id = fields.CharField(max_length=32, default="")
    question = fields.TextField(default="")
    slug = fields.CharField(max_length=255, default="")
    category = fields.CharField(max_length=64, default="")
    end_date = fields.DatetimeField(null=True)
    volume_24h = _money_or_none()
    liquidity = _money_or_none()
    closed = fields.BooleanField(default=False)
    metadata: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField()
    # the market's end as the backtest judges it (scanner_core.models.Resolution)
    closed_time = fields.DatetimeField(null=True)
    resolution = fields.CharField(max_length=12, default="unresolved")
    winning_index = fields.SmallIntField(null=True)
    winning_token_id = fields.CharField(max_length=80, default="")
    payouts: fields.JSONField[list[str] | None] = fields.JSONField(null=True)  # per outcome, Decimal strings
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "markets"
        indexes = (Index(fields=("slug",)), Index(fields=("gamma_id",)), Index(fields=("closed_time",)))


class PricePointRow(Model):
    """CLOB price-history points of one outcome token (ingested history; one row per time)."""

    id = fields.BigIntField(primary_key=True)
    token_id = fields.CharField(max_length=80)
    market_id = fields.CharField(max_length=80)  # condition id
    timestamp = fields.DatetimeField()
    price = _money()

    class Meta:
        table = "price_points"
        unique_together = (("token_id", "timestamp"),)
        indexes = (Index(fields=("market_id", "timestamp")),)


class IngestCheckpointRow(Model):
    """How far `polyscan ingest` got, per market and stage (scanner_core.backtest.checkpoints)."""

    id = fields.BigIntField(primary_key=True)
    market_id = fields.CharField(max_length=80)  # condition id
    stage = fields.CharField(max_length=16)
    cursor = fields.TextField(default="")  # where an unfinished pass continues (stage-specific JSON)
    reached = fields.DatetimeField(null=True)  # covered up to this time
    done = fields.BooleanField(default=False)  # nothing more can come (the market is final)
    rows = fields.BigIntField(default=0)  # rows this stage stored so far
    updated_at = fields.DatetimeField()

    class Meta:
        table = "ingest_checkpoints"
        unique_together = (("market_id", "stage"),)


class WalletTradeRow(Model):
    """A wallet's own history (from the Data API or our feed), any size: the basis of its stats."""

    id = fields.BigIntField(primary_key=True)
    dedup_key = fields.CharField(max_length=32, unique=True)
    wallet_address = fields.CharField(max_length=42)
    market_id = fields.CharField(max_length=80)
    token_id = fields.CharField(max_length=80, default="")
    side = fields.CharField(max_length=4, default="")
    timestamp = fields.DatetimeField()
    size_usd = _money()
    price = _money(default=0)
    outcome = fields.CharField(max_length=120, default="")
    is_resolved = fields.BooleanField(default=False)
    is_winning = fields.BooleanField(null=True)

    class Meta:
        table = "wallet_trades"
        indexes = (
            Index(fields=("wallet_address", "timestamp")),
            Index(fields=("market_id", "timestamp")),
        )


class SystemMetricRow(Model):
    id = fields.BigIntField(primary_key=True)
    timestamp = fields.DatetimeField()
    metric_name = fields.CharField(max_length=120)
    metric_value = fields.FloatField()
    labels: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "system_metrics"
        indexes = (Index(fields=("metric_name", "timestamp")),)


class SubscriptionRow(Model):
    id = fields.IntField(primary_key=True)
    destination_kind = fields.CharField(max_length=24)
    destination_id = fields.CharField(max_length=64)
    owner_id = fields.CharField(max_length=64, default="")
    active = fields.BooleanField(default=True)
    filters: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    quiet_start = fields.SmallIntField(null=True)  # minutes after local midnight
    quiet_end = fields.SmallIntField(null=True)
    timezone = fields.CharField(max_length=64, default="UTC")
    max_per_hour = fields.IntField(default=30)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "subscriptions"
        unique_together = (("destination_kind", "destination_id"),)


class ChannelRuleRow(Model):
    id = fields.IntField(primary_key=True)
    guild_id = fields.CharField(max_length=32)
    channel_id = fields.CharField(max_length=32)
    match_type = fields.CharField(max_length=16)
    match_value = fields.CharField(max_length=64)
    role_id = fields.CharField(max_length=32, null=True)
    created_by = fields.CharField(max_length=32, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "channel_rules"
        unique_together = (("guild_id", "channel_id", "match_type", "match_value"),)
        indexes = (Index(fields=("guild_id",)),)


class DeliveryRow(Model):
    id = fields.BigIntField(primary_key=True)
    alert_id = fields.BigIntField()
    destination_kind = fields.CharField(max_length=24)
    destination_id = fields.CharField(max_length=64)
    platform = fields.CharField(max_length=16)
    status = fields.CharField(max_length=12, default="pending")
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    mention_role_id = fields.CharField(max_length=32, null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deliveries"
        unique_together = (("alert_id", "destination_kind", "destination_id"),)
        indexes = (
            Index(fields=("platform", "status", "next_attempt_at")),
            Index(fields=("destination_kind", "destination_id", "status")),
        )


class WalletClassificationRow(Model):
    address = fields.CharField(max_length=42, primary_key=True)
    classification = fields.CharField(max_length=12)
    score = fields.FloatField()
    stage = fields.SmallIntField()
    reasons: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    classified_at = fields.DatetimeField()

    class Meta:
        table = "wallet_classifications"
        indexes = (Index(fields=("classification", "score")),)
