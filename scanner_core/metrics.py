"""Every Prometheus metric polyscan exports, defined once so names never drift between modules."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# --- sources ---
API_REQUESTS = Counter("scanner_api_requests_total", "Polymarket API requests", ["endpoint", "status"])
API_LATENCY = Histogram(
    "scanner_api_latency_seconds",
    "Polymarket API latency",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
API_RATE_LIMITED = Counter("scanner_api_rate_limited_total", "429 answers from Polymarket", ["endpoint"])
CIRCUIT_OPEN = Gauge("scanner_circuit_open", "1 while a host's circuit breaker is open", ["host"])
API_FORBIDDEN = Gauge(
    "scanner_api_forbidden",
    "1 while a Polymarket host answers 403 (geo-blocking); setting: where to point elsewhere",
    ["host", "setting"],
)
WEBSOCKET_CONNECTED = Gauge("scanner_websocket_connected", "1 while a stream is connected", ["stream"])
WEBSOCKET_RECONNECTS = Counter("scanner_websocket_reconnects_total", "Stream reconnects", ["stream", "reason"])
FRAMES_MALFORMED = Counter("scanner_frames_malformed_total", "Frames that did not parse", ["source"])
ROWS_REJECTED = Counter(
    "scanner_rows_rejected_total",
    "Rows refused: malformed at the trade boundary, or refused by the database (kept in quarantine)",
    ["source", "reason"],
)
QUARANTINE_DROPPED = Counter(
    "scanner_quarantine_dropped_total", "Refused rows not kept in the quarantine table (flood or outage)"
)
FEED_TRADES = Counter("scanner_feed_trades_total", "Trades yielded by the feed", ["source"])
FEED_DUPLICATES = Counter("scanner_feed_duplicates_total", "Trades dropped as already seen", ["source"])
FEED_QUEUE_DEPTH = Gauge("scanner_feed_queue_depth", "Trades waiting in the feed queue")
FEED_BLOCKED_SECONDS = Counter("scanner_feed_backpressure_seconds_total", "Time the reader waited on a full feed queue")
FEED_LAG = Gauge("scanner_feed_lag_seconds", "Now minus the time of the newest trade seen")
# the label `type` is trades, orders_matched, or "all" (no activity of any type)
RTDS_SILENCES = Counter(
    "scanner_rtds_silences_total", "RTDS activity found silent while the socket stayed open", ["type"]
)
FEED_WATERMARK = Gauge("scanner_feed_watermark_seconds", "Unix time up to which every trade is stored or skipped")

# --- pipeline ---
TRADES_RECEIVED = Counter("scanner_trades_received_total", "Trades entering the pipeline")
TRADES_FILTERED = Counter("scanner_trades_filtered_total", "Trades filtered out", ["filter_name"])
TRADES_STORED = Counter("scanner_trades_stored_total", "Trades stored as rows")
STORE_DROPPED = Counter(
    "scanner_store_dropped_total", "Rows dropped because the database stayed unavailable too long", ["kind"]
)
ALERTS_GENERATED = Counter("scanner_alerts_generated_total", "Alerts generated", ["severity"])
SIGNALS_FIRED = Counter("scanner_signals_total", "Detector signals", ["kind"])
QUEUE_DEPTH = Gauge("scanner_queue_depth", "Items waiting per pipeline queue", ["queue"])
STAGE_LATENCY = Histogram(
    "scanner_stage_latency_seconds",
    "Time per pipeline stage",
    ["stage"],
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
)

# --- cache ---
CACHE_HITS = Counter("scanner_cache_hits_total", "Cache hits", ["cache_level"])
CACHE_MISSES = Counter("scanner_cache_misses_total", "Cache misses", ["cache_level"])
CACHE_REJECTED = Counter(
    "scanner_cache_rejected_total", "Redis values their codec refused (read as a miss: never trusted)", ["codec"]
)
CACHE_DEGRADED = Gauge("scanner_cache_degraded", "1 while Redis is unreachable and only L1 serves")

# --- delivery ---
DELIVERIES_SENT = Counter("scanner_deliveries_sent_total", "Messages delivered", ["platform"])
DELIVERIES_FAILED = Counter("scanner_deliveries_failed_total", "Delivery attempts that failed", ["platform", "reason"])
DELIVERY_BACKLOG = Gauge("scanner_delivery_backlog", "Deliveries pending or held", ["platform"])

# --- outgoing webhooks (label: the webhook's id) ---
WEBHOOK_SENT = Counter("scanner_webhook_sent_total", "Webhook payloads a receiver accepted (2xx)", ["webhook"])
WEBHOOK_FAILED = Counter("scanner_webhook_failed_total", "Webhook requests that failed", ["webhook", "reason"])
WEBHOOK_BACKLOG = Gauge("scanner_webhook_backlog", "Deliveries pending or held per webhook", ["webhook"])
WEBHOOK_LAST_SUCCESS = Gauge(
    "scanner_webhook_last_success_timestamp_seconds", "Unix time a receiver last accepted a payload", ["webhook"]
)
WEBHOOK_FAILING = Gauge("scanner_webhook_consecutive_failures", "Failed requests in a row per webhook", ["webhook"])
WEBHOOK_PAUSED = Gauge("scanner_webhook_paused", "1 while a webhook is paused", ["webhook"])


# --- commands ---
ADMIN_REFUSED = Counter(
    "scanner_admin_refused_total", "Admin-only commands refused to someone without the right", ["platform", "command"]
)

# --- wallet scanner ---
WALLETS_CLASSIFIED = Counter(
    "scanner_wallets_classified_total", "Wallets classified by the wallet scanner", ["classification", "stage"]
)
WALLETSCAN_FAILED = Counter(
    "scanner_walletscan_failed_total", "Wallets the scanner could not judge (their data was unavailable)", ["error"]
)
WALLETSCAN_SKIPPED = Counter("scanner_walletscan_skipped_total", "Wallet scan inputs skipped", ["reason"])

# --- process ---
ERRORS = Counter("scanner_errors_total", "Errors logged", ["component"])
UP_SINCE = Gauge("scanner_start_time_seconds", "Unix time the process started")
PROCESS_MEMORY = Gauge("scanner_process_memory_bytes", "Resident memory of the process (RSS)")
JOB_RUNS = Counter("scanner_job_runs_total", "Scheduled job runs", ["job", "outcome"])
SYSTEM_ALERTS_ACTIVE = Gauge("scanner_system_alerts_active", "1 while a system-alert condition lasts", ["condition"])
