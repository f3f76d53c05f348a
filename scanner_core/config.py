"""Settings: every knob of polyscan, read from the environment (prefix POLYSCAN_) and `.env`.

Built once by the composition root and passed down; never imported as a global. Tokens are
SecretStr and only ever shown masked (`public_view`). A wrong value stops start-up with one line
naming the setting (`SettingsError`), never a traceback.
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "POLYSCAN_"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
NonNegDecimal = Annotated[Decimal, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]


class SettingsError(Exception):
    """A setting has a wrong value; `str()` is one line naming the setting(s)."""


def _check_url(value: str, schemes: tuple[str, ...], field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"must be a {'/'.join(schemes)} URL with a host, got {value!r}")
    return value.rstrip("/")


def _csv_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class StorageSettings(BaseModel):
    """Storage: sqlite://polyscan.db (embedded) or postgres://user:pass@host:5432/db; the cache: an
    empty Redis URL = in-memory only, redis://127.0.0.1:6379/0 adds Redis as L2."""

    database_url: str = "sqlite://polyscan.db"
    db_pool_max: int = Field(default=10, ge=1, le=200)
    redis_url: str = ""
    cache_l1_max_items: int = Field(default=20_000, ge=100)
    cache_redis_retry_seconds: PositiveFloat = 5.0
    cache_redis_timeout_seconds: PositiveFloat = 0.5

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
            raise ValueError(f"must start with sqlite:// or postgres://, got scheme {scheme!r}")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        return _check_url(value, ("redis", "rediss"), "redis_url") if value else value

    @property
    def is_postgres(self) -> bool:
        return not self.database_url.startswith("sqlite")


class ServerSettings(BaseModel):
    """HTTP server (/health, /health/live, /health/ready, /metrics) and logging."""

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    log_format: Literal["json", "console"] = "json"
    log_level: LogLevel = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class PolymarketSettings(BaseModel):
    """Polymarket endpoints (production defaults; point them at a relay or a test fake), the HTTP
    client's resilience, and rate limits (requests per window per endpoint: the documented limits)."""

    gamma_url: str = "https://gamma-api.polymarket.com"
    data_api_url: str = "https://data-api.polymarket.com"
    clob_url: str = "https://clob.polymarket.com"
    http_timeout_seconds: PositiveFloat = 30.0
    http_max_retries: int = Field(default=4, ge=0, le=20)
    http_backoff_base_seconds: PositiveFloat = 0.5
    http_backoff_max_seconds: PositiveFloat = 30.0
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: PositiveFloat = 60.0
    breaker_success_threshold: int = Field(default=2, ge=1)
    # requests per 10 s, per endpoint (Polymarket's documented limits)
    rate_limit_window_seconds: PositiveFloat = 10.0
    rate_data_trades: int = Field(default=200, ge=1)
    rate_data_positions: int = Field(default=150, ge=1)
    rate_data_closed_positions: int = Field(default=150, ge=1)
    rate_data_general: int = Field(default=1000, ge=1)
    rate_gamma_markets: int = Field(default=300, ge=1)
    rate_gamma_events: int = Field(default=500, ge=1)
    rate_gamma_general: int = Field(default=4000, ge=1)
    rate_clob_book: int = Field(default=1500, ge=1)
    rate_clob_books: int = Field(default=500, ge=1)
    rate_clob_prices_history: int = Field(default=1000, ge=1)
    rate_clob_general: int = Field(default=9000, ge=1)

    @field_validator("gamma_url", "data_api_url", "clob_url")
    @classmethod
    def _http_url(cls, value: str, info: Any) -> str:
        return _check_url(value, ("http", "https"), info.field_name)


class FeedSettings(BaseModel):
    """Live trade feed (the RTDS and CLOB WebSockets + Data API backfill) and the trade boundary."""

    feed_enabled: bool = True
    rtds_ping_seconds: PositiveFloat = 5.0
    rtds_stall_seconds: PositiveFloat = 30.0
    # RTDS goes deaf without closing (peers: a 30 s watchdog on the activity firehose): no activity of
    # either type for this long while PONGs still come -> reconnect and backfill
    rtds_silence_seconds: PositiveFloat = 30.0
    # one type (trades / orders_matched) silent this long while the other flows -> reported on /health,
    # resubscribed, then reconnected at growing intervals; /trades fills what it carried meanwhile
    rtds_type_silence_seconds: PositiveFloat = 60.0
    # renew the RTDS connection this often, with a REST backfill like any reconnect (0: never)
    rtds_reconnect_every_seconds: float = Field(default=0.0, ge=0)
    ws_backoff_min_seconds: PositiveFloat = 1.0
    ws_backoff_max_seconds: PositiveFloat = 60.0
    ws_down_after_attempts: int = Field(default=10, ge=1)
    clob_ws_ping_seconds: PositiveFloat = 10.0
    feed_queue_size: int = Field(default=10_000, ge=10)
    feed_dedup_window: int = Field(default=200_000, ge=1000)
    backfill_page_size: int = Field(default=500, ge=1, le=10_000)
    backfill_max_pages: int = Field(default=20, ge=1)
    backfill_filter_usd: NonNegDecimal = Decimal("0")
    # at start the backfill begins this long before the persisted feed watermark (late or unordered fills)
    feed_watermark_overlap_seconds: PositiveFloat = 60.0
    # a trade may carry a time at most this far past now (clock skew between us and Polymarket);
    # a later one is refused as malformed, so it can never become "the newest trade"
    trade_max_future_seconds: int = Field(default=300, ge=0, le=86_400)
    # refused rows kept in the quarantine table: at most this many a minute (a flood is still
    # counted in scanner_rows_rejected_total), kept as long as trades (trade_retention_days)
    quarantine_max_per_minute: int = Field(default=600, ge=1)
    rtds_url: str = "wss://ws-live-data.polymarket.com"
    clob_ws_url: str = "wss://ws-subscriptions-clob.polymarket.com/ws/market"

    @field_validator("clob_ws_url", "rtds_url")
    @classmethod
    def _ws_url(cls, value: str, info: Any) -> str:
        return _check_url(value, ("ws", "wss"), info.field_name)


class PipelineSettings(BaseModel):
    """Pipeline: queues, batches, and the writers when the database fails."""

    pipeline_queue_size: int = Field(default=10_000, ge=10)
    pipeline_batch_size: int = Field(default=500, ge=1)
    pipeline_flush_seconds: PositiveFloat = 0.2
    # while the database is unavailable the writers keep rows for retry, backing off up to this
    store_retry_max_seconds: PositiveFloat = 30.0
    # and /health turns degraded (and the admin chat hears once) after failing this long
    store_degraded_after_seconds: float = Field(default=30.0, ge=0)
    # trades kept for retry at most (the oldest give way beyond this, counted and logged)
    store_max_pending_trades: int = Field(default=100_000, ge=1000)


class DetectorSettings(BaseModel):
    """Filters and detectors (comma-separated lists where plural)."""

    min_trade_usd: NonNegDecimal = Decimal("1000")
    excluded_market_keywords: Annotated[list[str], NoDecode] = ["up or down", "updown"]
    exclude_price_at_or_above: NonNegDecimal = Decimal("0.95")
    lp_filter_confidence: Fraction = 0.6
    large_trade_tiers: Annotated[list[Decimal], NoDecode] = [
        Decimal("10000"),
        Decimal("50000"),
        Decimal("100000"),
    ]
    fresh_wallet_max_age_days: int = Field(default=7, ge=0)
    fresh_wallet_max_trades: int = Field(default=5, ge=0)
    unusual_size_multiple: PositiveFloat = 5.0
    unusual_size_min_history: int = Field(default=5, ge=1)
    impact_min_price_move: Fraction = 0.02
    impact_min_liquidity_share: Fraction = 0.05
    impact_min_volume_share: Fraction = 0.02
    niche_market_volume_usd: NonNegDecimal = Decimal("50000")
    cluster_window_seconds: int = Field(default=300, ge=1)
    cluster_min_wallets: int = Field(default=3, ge=2)
    cluster_min_usd: NonNegDecimal = Decimal("1000")
    pair_window_seconds: int = Field(default=10, ge=1)
    pair_min_shared_markets: int = Field(default=3, ge=2)
    timing_hours_before_end: PositiveFloat = 24.0
    followup_min_move: Fraction = 0.10
    followup_within_hours: PositiveFloat = 6.0
    contrarian_low_price: Fraction = 0.30
    contrarian_high_price: Fraction = 0.70
    accumulation_window_hours: PositiveFloat = 72.0
    accumulation_min_fills: int = Field(default=3, ge=2)
    concentration_min_share: Fraction = 0.8
    concentration_min_volume_usd: NonNegDecimal = Decimal("10000")
    impact_price_max_age_seconds: PositiveFloat = 3600.0  # an older last trade is no "price before"
    followup_confirm_trades: int = Field(default=2, ge=1)  # consecutive prints beyond the move (one print can be noise)
    followup_max_pending: int = Field(default=10_000, ge=10)  # alerted trades watched for a follow-up at once
    # rolling detector state: LRU caps keep memory flat however long the scanner runs
    state_max_tokens: int = Field(default=20_000, ge=100)  # outcomes (and markets) with recent-trade windows
    state_max_positions: int = Field(default=100_000, ge=100)  # wallet x outcome running positions
    state_max_pairs: int = Field(default=30_000, ge=100)  # wallet pairs seen trading together
    linked_min_wallets: int = Field(default=2, ge=2)  # wallets of one funder on the same outcome (this one included)

    @field_validator("excluded_market_keywords", mode="before")
    @classmethod
    def _keywords(cls, value: Any) -> Any:
        parsed = _csv_list(value)
        return [str(v).lower() for v in parsed] if isinstance(parsed, list) else parsed

    @field_validator("large_trade_tiers", mode="before")
    @classmethod
    def _tiers(cls, value: Any) -> Any:
        return _csv_list(value)

    @field_validator("large_trade_tiers")
    @classmethod
    def _tiers_sorted(cls, value: list[Decimal]) -> list[Decimal]:
        if not value or any(v <= 0 for v in value) or value != sorted(value):
            raise ValueError("must be positive USD amounts in increasing order, e.g. 10000,50000,100000")
        return value


class ScoringSettings(BaseModel):
    """Scoring: weights as kind=weight pairs (0..1), severity thresholds on confidence."""

    score_weights: Annotated[dict[str, float], NoDecode] = {}
    severity_notable: Fraction = 0.4
    severity_high: Fraction = 0.6
    severity_critical: Fraction = 0.8
    alert_min_confidence: Fraction = 0.3

    @field_validator("score_weights", mode="before")
    @classmethod
    def _weights(cls, value: Any) -> Any:
        if isinstance(value, str):
            out: dict[str, float] = {}
            for part in _csv_list(value):
                name, sep, number = part.partition("=")
                if not sep:
                    raise ValueError(f"expected kind=weight pairs, got {part!r}")
                out[name.strip()] = float(number)
            return out
        return value

    @field_validator("score_weights")
    @classmethod
    def _weights_range(cls, value: dict[str, float]) -> dict[str, float]:
        for name, weight in value.items():
            if not 0 <= weight <= 1:
                raise ValueError(f"weight of {name} must be within 0..1, got {weight}")
        return value

    @model_validator(mode="after")
    def _severity_order(self) -> ScoringSettings:
        if not self.severity_notable <= self.severity_high <= self.severity_critical:
            raise ValueError(
                "severity thresholds must satisfy notable <= high <= critical "
                "(POLYSCAN_SEVERITY_NOTABLE, POLYSCAN_SEVERITY_HIGH, POLYSCAN_SEVERITY_CRITICAL)"
            )
        return self


class BotSettings(BaseModel):
    """Bots: a token switches a bot on; tokens are secrets and never logged."""

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    telegram_admin_chat_id: int | None = None
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    # where the webhook receiver listens (a reverse proxy forwards telegram_webhook_url to it)
    telegram_webhook_host: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=0, le=65535)
    discord_token: SecretStr | None = None
    discord_admin_channel_id: int | None = None
    discord_dev_guild_id: int | None = None
    bot_login_retry_seconds: PositiveFloat = 30.0
    # a failed Telegram poll (401, 409, network) is retried after a wait that starts here, doubles
    # per failure in a row up to the maximum, and is partly random (jitter: the random share)
    bot_retry_min_seconds: PositiveFloat = 1.0
    bot_retry_max_seconds: PositiveFloat = 60.0
    bot_retry_jitter: Fraction = 0.5

    @field_validator("telegram_api_url", "telegram_file_url")
    @classmethod
    def _http_url(cls, value: str, info: Any) -> str:
        return _check_url(value, ("http", "https"), info.field_name)

    @field_validator("telegram_webhook_url")
    @classmethod
    def _optional_http_url(cls, value: str, info: Any) -> str:
        return _check_url(value, ("http", "https"), info.field_name) if value else value

    @model_validator(mode="after")
    def _bot_retry_order(self) -> BotSettings:
        if self.bot_retry_min_seconds > self.bot_retry_max_seconds:
            raise ValueError("POLYSCAN_BOT_RETRY_MIN_SECONDS must not exceed POLYSCAN_BOT_RETRY_MAX_SECONDS")
        return self


class DeliverySettings(BaseModel):
    """Delivery (the outbox) and outgoing webhooks (docs/webhooks.md)."""

    telegram_rate_per_second: PositiveFloat = 25.0
    discord_rate_per_second: PositiveFloat = 40.0
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_backoff_max_seconds: PositiveFloat = 300.0
    # this process among those sharing one outbox (PostgreSQL): unique per live process and stable
    # across its restarts, so a restart takes back its own unsent claims at once; empty = host name
    delivery_worker_name: str = Field(default="", max_length=64)
    default_max_alerts_per_hour: int = Field(default=30, ge=1, le=10_000)
    # encrypts each webhook's URL and signing secret at rest (any string of 32+ characters, e.g.
    # `python -c "import secrets; print(secrets.token_urlsafe(32))"`); unset: /webhook add is refused
    webhook_key: SecretStr | None = None
    webhook_rate_per_second: PositiveFloat = 20.0  # requests per second over all webhooks
    webhook_timeout_seconds: PositiveFloat = 10.0  # one request, connect to last byte
    # failed requests in a row before a webhook is paused and the admin chat told (about 2 h of
    # retries with the default backoff); its alerts wait in the outbox until /webhook resume
    webhook_pause_after_failures: int = Field(default=30, ge=1)
    webhook_default_max_per_hour: int = Field(default=600, ge=1, le=1000)  # cap of a new webhook
    # true: receivers on loopback, private or link-local addresses are allowed (a LAN service);
    # false: refused, so a chat admin cannot make the server call into its own network
    webhook_allow_private_hosts: bool = False

    # how often held digests (quiet hours over, hourly cap reset) are checked and sent
    digest_check_seconds: PositiveFloat = 60.0

    @field_validator("webhook_key")
    @classmethod
    def _webhook_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and 0 < len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (a random string, kept secret)")
        return value


class OperationsSettings(BaseModel):
    """Operations: readiness, system alerts, jobs, retention."""

    ready_max_trade_age_seconds: PositiveFloat = 600.0
    alert_ws_down_seconds: PositiveFloat = 300.0
    alert_no_trades_seconds: PositiveFloat = 600.0
    alert_errors_per_minute: int = Field(default=10, ge=1)
    alert_bot_down_seconds: PositiveFloat = 300.0  # a bot not working this long is told to the admin chat
    memory_limit_mb: int = Field(default=1024, ge=64)
    memory_alert_fraction: Fraction = 0.9
    trade_retention_days: int = Field(default=30, ge=1)  # raw trades older than this are pruned (not ingested ones)
    metrics_snapshot_seconds: PositiveFloat = 60.0
    sentry_dsn: SecretStr | None = None
    alert_check_seconds: PositiveFloat = 30.0  # how often the system alerter looks
    profile_refresh_minutes: PositiveFloat = 60.0  # profiles older than this, of wallets active lately, refresh
    profile_active_hours: PositiveFloat = 24.0  # "active" wallet: traded within this many hours
    market_refresh_minutes: PositiveFloat = 30.0  # open markets' metadata older than this refreshes
    prune_interval_hours: PositiveFloat = 6.0


class WalletSettings(BaseModel):
    """Wallet histories (stored with a watermark, judged as of a moment) and the copy-target classifier."""

    walletscan_concurrency: int = Field(default=16, ge=1, le=512)
    walletscan_rescan_hours: PositiveFloat = 24.0
    # stage 1: basic validation (resolved-position minimum: wallet_min_resolved_positions)
    walletscan_max_inactive_days: PositiveFloat = 30.0
    walletscan_mm_max_markets: int = Field(default=1000, ge=10)  # this many markets: a bot or LP
    walletscan_mm_both_sides_share: Fraction = 0.3  # share of markets where both outcomes were held
    walletscan_generalist_min_categories: int = Field(default=5, ge=2)
    walletscan_generalist_max_top_share: Fraction = 0.35
    walletscan_edge_min_bets: int = Field(default=5, ge=1)  # resolved bets a category needs to show an edge
    walletscan_edge_win_rate: Fraction = 0.55
    # stage 2: risk behaviour
    walletscan_martingale_growth: PositiveFloat = 1.5  # next stake / lost stake counted as escalation
    walletscan_martingale_min_losses: int = Field(default=3, ge=1)
    walletscan_martingale_share: Fraction = 0.6  # share of losses followed by an escalated stake
    walletscan_martingale_window_hours: PositiveFloat = 72.0
    walletscan_max_drawdown: Fraction = 0.5  # of the peak cumulative realised PnL
    walletscan_max_pnl_concentration: Fraction = 0.5  # best market's share of all winning PnL
    walletscan_extreme_price: Fraction = 0.95
    walletscan_max_extreme_share: Fraction = 0.5  # share of bought USD at or above the extreme price
    # stage 3: scoring (0-100) and classes
    walletscan_target_score: float = Field(default=70.0, ge=0, le=100)
    walletscan_watchlist_score: float = Field(default=45.0, ge=0, le=100)
    walletscan_target_min_edge: float = Field(default=0.0, ge=-1, le=1)  # win-rate lower bound minus price paid
    walletscan_edge_target: Fraction = 0.10
    walletscan_roi_target: PositiveFloat = 0.25
    walletscan_spread_target_markets: PositiveFloat = 10.0
    walletscan_specialist_share: Fraction = 0.6
    walletscan_recent_days: PositiveFloat = 30.0
    walletscan_weight_specialisation: Fraction = 0.2
    walletscan_weight_consistency: Fraction = 0.35
    walletscan_weight_efficiency: Fraction = 0.3
    walletscan_weight_recency: Fraction = 0.15
    # fetching (one fetcher for every wallet history: scanner_core.wallets)
    walletscan_max_resolved_positions: int = Field(default=200, ge=50, le=5000)  # /closed-positions: 50 a page
    walletscan_max_open_positions: int = Field(default=500, ge=1, le=500)
    walletscan_max_trades: int = Field(default=2000, ge=1, le=100_000)  # activity rows a history takes: 500 a page
    walletscan_cache_ttl_seconds: PositiveFloat = 1800.0  # the classifier judges a stored history this young as is
    walletscan_leaderboard_limit: int = Field(default=200, ge=1, le=1050)
    walletscan_large_trade_usd: NonNegDecimal = Decimal("10000")
    walletscan_large_trade_hours: PositiveFloat = 24.0
    walletscan_max_wallets_per_run: int = Field(default=5000, ge=1)
    wallet_history_retention_days: int = Field(default=30, ge=1)  # histories not fetched for this long are pruned
    wallet_history_refresh_seconds: PositiveFloat = 300.0  # a live profile may rest on a history this old
    wallet_history_cache_size: int = Field(default=5000, ge=10)  # compiled histories kept in memory (LRU)
    wallet_fetch_concurrency: int = Field(default=32, ge=1, le=512)  # histories fetched at once; rate limits pace them
    wallet_prefetch_lookahead: int = Field(default=5000, ge=1)  # trades read ahead for prefetch (10x while fetching)
    wallet_min_resolved_positions: int = Field(default=10, ge=1)


class FundingSettings(BaseModel):
    """On-chain funding (Polygon JSON-RPC; unset = off, everything else works without it)."""

    # a provider URL usually embeds an API key: secret, never logged or shown
    polygon_rpc_url: SecretStr | None = None
    polygon_rate_per_second: int = Field(default=25, ge=1, le=10_000)  # the provider's request budget
    polygon_max_block_range: int = Field(default=10_000, ge=1)  # eth_getLogs span; halved on a range error
    polygon_timeout_seconds: PositiveFloat = 20.0
    polygon_block_cache_size: int = Field(default=50_000, ge=100)  # block timestamps remembered
    funding_lookback_hours: PositiveFloat = 168.0  # walk back this far before a wallet's first activity
    funding_sibling_window_hours: PositiveFloat = 72.0  # wallets funded by one funder this close are siblings
    funding_max_funders: int = Field(default=3, ge=1, le=20)  # plain funders whose outbound transfers are read
    funding_busy_recipients: int = Field(default=50, ge=2)  # a funder paying more wallets in the window: a service
    funding_min_usd: NonNegDecimal = Decimal("1")  # inbound transfers below this are dust, not funding
    funding_known_funders_file: str = ""  # JSON list of your own known exchanges/bridges/on-ramps
    funding_queue_size: int = Field(default=1000, ge=1)  # wallets waiting to be traced (more are dropped, counted)
    funding_workers: int = Field(default=4, ge=1, le=64)
    funding_trace_ttl_hours: PositiveFloat = 24.0  # a traced wallet is not traced again within this
    funding_max_requests_per_wallet: int = Field(default=400, ge=10)  # RPC calls one trace may spend

    linked_min_usd: NonNegDecimal = Decimal("500")  # a sibling's buys must add up to this to count
    linked_lookback_hours: PositiveFloat = 168.0  # sibling buys this long before the trade count
    linked_max_siblings: int = Field(default=12, ge=1, le=100)  # siblings whose trades are looked up

    @field_validator("polygon_rpc_url")
    @classmethod
    def _rpc_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) JSON-RPC URL with a host")  # the URL itself may hold a key
        return SecretStr(url)


class BacktestSettings(BaseModel):
    """History for backtests: `polyscan ingest` (markets, every trade, price history, wallet histories)."""

    ingest_concurrency: int = Field(default=8, ge=1, le=64)  # markets fetched at once (they share the rate limits)
    ingest_page_size: int = Field(default=500, ge=1, le=10_000)  # trades per Data API page
    ingest_trades_api: Literal["auto", "v2", "v1"] = "auto"  # auto: v2 cursors, v1 time windows where v2 is missing
    ingest_prices_max_points: int = Field(default=1500, ge=10)  # price points per token over a market's life
    ingest_prices_window_days: float = Field(default=14.0, gt=0, le=15)  # the CLOB refuses longer startTs..endTs
    ingest_closed_slack_days: float = Field(default=7.0, ge=0)  # --closed: a close may fall this far from the end date


# Settings is the union of the sections (mixins, so every POLYSCAN_<NAME> stays as it was): a
# subsystem's from_settings takes its section's type, and mypy keeps it to that section's fields.
class Settings(
    StorageSettings,
    ServerSettings,
    PolymarketSettings,
    FeedSettings,
    PipelineSettings,
    DetectorSettings,
    ScoringSettings,
    BotSettings,
    DeliverySettings,
    OperationsSettings,
    WalletSettings,
    FundingSettings,
    BacktestSettings,
    BaseSettings,
):
    """All settings, section by section. Field names map to POLYSCAN_<NAME> environment variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        case_sensitive=False,
        env_ignore_empty=True,
    )

    # --- derived views ---
    def public_view(self) -> dict[str, Any]:
        """Every setting with secrets masked: safe for logs, `doctor` and `/stats`."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "****" if value.get_secret_value() else ""
            elif name in ("database_url", "redis_url"):
                value = mask_url_password(value)
            out[name] = value
        return out

    def secrets(self) -> list[str]:
        """Secret values (to scrub from any log line or error)."""
        found = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                found.append(value.get_secret_value())
        for url in (self.database_url, self.redis_url):
            password = urlsplit(url).password
            if password:
                found.append(password)
        if self.polygon_rpc_url is not None:  # the key may sit in the path, the query or the user part
            parts = urlsplit(self.polygon_rpc_url.get_secret_value())
            found += [
                p for p in (parts.password, parts.username, parts.path.strip("/"), parts.query) if p and len(p) >= 8
            ]
        return found


# the sections, in the order .env.example documents them
SECTIONS: tuple[type[BaseModel], ...] = tuple(base for base in Settings.__bases__ if base is not BaseSettings)


def mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":****@", 1)


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def load_settings(**overrides: Any) -> Settings:
    """Build Settings or raise SettingsError with one line naming each wrong setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err.get("loc") or ()
            field = str(loc[0]) if loc else ""
            message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
            name = env_name(field) if field else "settings"
            problems.append(f"{name}: {message}")
        raise SettingsError("invalid setting " + "; ".join(problems)) from None


def check_timezone(name: str) -> zoneinfo.ZoneInfo:
    """A ZoneInfo for an IANA name, or ValueError with a short message."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") from None
