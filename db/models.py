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
    # who holds the claim (a delivery worker and its generation): a restarted worker takes its own
    # dead claims back at once, while another live worker's wait for their lease to end
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_generation = fields.IntField(null=True)

    class Meta:
        table = "deliveries"
        unique_together = (("alert_id", "destination_kind", "destination_id"),)
        indexes = (
            Index(fields=("platform", "status", "next_attempt_at")),
            Index(fields=("destination_kind", "destination_id", "status")),
            Index(fields=("status", "lease_owner")),
        )


class DeliveryWorkerRow(Model):
    """One delivery worker (a process sharing the outbox) by name, and how often it has started."""

    name = fields.CharField(max_length=64, primary_key=True)
    generation = fields.IntField()
    started_at = fields.DatetimeField()

    class Meta:
        table = "delivery_workers"


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


# An outgoing webhook. Its URL and signing secret are stored encrypted (scanner_core.webhooks.SecretBox):
# a URL can be a credential itself. Its filters are the subscription whose destination is
# ("webhook", id). Removed webhooks keep their row (ids are never reused) without URL or secret.
class WebhookRow(Model):
    id = fields.IntField(primary_key=True)
    url_sealed = fields.TextField()
    url_hash = fields.CharField(max_length=64)  # SHA-256 of the URL: finds a re-added one
    url_display = fields.CharField(max_length=300)  # scheme://host/…, safe to show
    payload_format = fields.CharField(max_length=16, default="generic")
    secret_sealed = fields.TextField()
    scope = fields.CharField(max_length=64)  # where it was created: who may see and change it
    created_by = fields.CharField(max_length=64, default="")
    paused = fields.BooleanField(default=False)
    paused_at = fields.DatetimeField(null=True)
    pause_reason = fields.TextField(default="")
    consecutive_failures = fields.IntField(default=0)
    failing_since = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    removed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhooks"
        indexes = (Index(fields=("scope", "url_hash")),)


# ---------------------------------------------------------------- on-chain funding (issue 17)


class ChainTransferRow(Model):
    """A collateral ERC-20 Transfer read from Polygon (USDC.e or pUSD), once per log."""

    id = fields.BigIntField(primary_key=True)
    tx_hash = fields.CharField(max_length=66)
    log_index = fields.IntField()
    block_number = fields.BigIntField()
    token = fields.CharField(max_length=42)
    sender = fields.CharField(max_length=42)
    recipient = fields.CharField(max_length=42)
    amount = _money()
    timestamp = fields.DatetimeField()

    class Meta:
        table = "chain_transfers"
        unique_together = (("tx_hash", "log_index"),)
        indexes = (Index(fields=("recipient", "timestamp")), Index(fields=("sender", "timestamp")))


class FunderEdgeRow(Model):
    """Who paid whom, summed over the stored transfers: the funding graph."""

    id = fields.BigIntField(primary_key=True)
    funder = fields.CharField(max_length=42)
    wallet = fields.CharField(max_length=42)
    first_at = fields.DatetimeField()
    last_at = fields.DatetimeField()
    total_usd = _money(default=0)
    transfers = fields.IntField(default=0)

    class Meta:
        table = "funder_edges"
        unique_together = (("funder", "wallet"),)
        indexes = (Index(fields=("wallet",)), Index(fields=("funder", "first_at")))


class ChainScanRow(Model):
    """A block range already read for an address's transfers in or out (never read twice)."""

    id = fields.BigIntField(primary_key=True)
    address = fields.CharField(max_length=42)
    direction = fields.CharField(max_length=3)  # in | out
    from_block = fields.BigIntField()
    to_block = fields.BigIntField()
    scanned_at = fields.DatetimeField()

    class Meta:
        table = "chain_scans"
        indexes = (Index(fields=("address", "direction")),)


class FundingTraceRow(Model):
    """When a wallet's funding was last traced, and how it went."""

    wallet = fields.CharField(max_length=42, primary_key=True)
    traced_at = fields.DatetimeField()
    status = fields.CharField(max_length=16)
    detail = fields.TextField(default="")
    requests = fields.IntField(default=0)

    class Meta:
        table = "funding_traces"


class FeedStateRow(Model):
    """Small named values the live feed keeps across restarts (the feed watermark)."""

    name = fields.CharField(max_length=64, primary_key=True)
    value = fields.CharField(max_length=255)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "feed_state"


class WalletHistoryRow(Model):
    """A wallet's Polymarket history, complete up to its watermark `fetched_until`; its rows are
    in wallet_history_activity and wallet_history_positions (scanner_core.wallets)."""

    address = fields.CharField(max_length=42, primary_key=True)
    fetched_until = fields.DatetimeField()  # the watermark: a refresh fetches only what is newer
    fetched_at = fields.DatetimeField()  # when it was last fetched (retention prunes on it)
    depth = fields.SmallIntField()  # fetch stages held: 1 profile, 2 positions, 3 activity
    first_activity = fields.DatetimeField(null=True)
    latest_activity = fields.DatetimeField(null=True)
    markets_traded = fields.IntField(null=True)
    observed_at = fields.DatetimeField(null=True)  # when open positions and markets traded were true
    trades_truncated = fields.BooleanField(default=False)
    resolved_truncated = fields.BooleanField(default=False)
    username = fields.CharField(max_length=255, default="")

    class Meta:
        table = "wallet_histories"
        indexes = (Index(fields=("fetched_at",)),)


class WalletActivityRow(Model):
    """One row of a stored wallet history: a trade or another kind of activity."""

    id = fields.BigIntField(primary_key=True)
    address = fields.CharField(max_length=42)
    key = fields.CharField(max_length=32)  # identity across refreshes (a trade's dedup key)
    timestamp = fields.DatetimeField()
    kind = fields.CharField(max_length=16)
    condition_id = fields.CharField(max_length=80, default="")
    outcome_index = fields.SmallIntField(null=True)
    side = fields.CharField(max_length=4, default="")
    usd = _money()
    price = _money(default=0)
    category = fields.CharField(max_length=32, default="")

    class Meta:
        table = "wallet_history_activity"
        unique_together = (("address", "key"),)
        indexes = (Index(fields=("address", "timestamp")),)


class WalletPositionRow(Model):
    """A resolved or open position of a stored wallet history."""

    id = fields.BigIntField(primary_key=True)
    address = fields.CharField(max_length=42)
    condition_id = fields.CharField(max_length=80)
    outcome_index = fields.SmallIntField(null=True)
    is_open = fields.BooleanField()
    category = fields.CharField(max_length=32, default="")
    avg_price = _money()
    cost_usd = _money()
    realised_pnl = _money(default=0)  # resolved positions
    value_usd = _money(default=0)  # open positions
    size = _money(default=0)  # open positions: shares
    resolved_at = fields.DatetimeField(null=True)
    end_date = fields.DatetimeField(null=True)
    redeemed = fields.BooleanField(default=True)

    class Meta:
        table = "wallet_history_positions"
        indexes = (Index(fields=("address",)),)


class QuarantineRow(Model):
    """A row refused at the trade boundary (malformed) or by the database, kept for a person."""

    id = fields.BigIntField(primary_key=True)
    source = fields.CharField(max_length=32)  # rtds, data_api, replay, trade_writer, alert_writer
    reason = fields.CharField(max_length=64)  # the field that failed, or db_refused
    detail = fields.TextField(default="")  # the message (at most 500 characters)
    payload = fields.TextField(default="")  # the raw row or frame as text (at most 4,000 characters)
    received_at = fields.DatetimeField()

    class Meta:
        table = "quarantine"
        indexes = (Index(fields=("received_at",)), Index(fields=("source", "reason")))
