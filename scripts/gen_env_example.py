"""Regenerate .env.example from Settings: every setting with its default. `python scripts/gen_env_example.py`"""

from __future__ import annotations

from pathlib import Path

from scanner_core.config import Settings, env_name

GROUPS = [
    ("database_url", "Storage: sqlite://polyscan.db (embedded) or postgres://user:pass@host:5432/db"),
    ("redis_url", "Cache: empty = in-memory only; redis://127.0.0.1:6379/0 adds Redis as L2"),
    ("http_host", "HTTP server for /health, /health/live, /health/ready and /metrics"),
    ("log_format", "Logging: json (one JSON object per line) or console; level DEBUG..CRITICAL"),
    ("gamma_url", "Polymarket endpoints (production defaults; point them at a relay or a test fake)"),
    ("http_timeout_seconds", "HTTP client: timeout, retries, circuit breaker"),
    ("rate_limit_window_seconds", "Rate limits: requests per window per endpoint (Polymarket's documented limits)"),
    ("feed_enabled", "Live trade feed (RTDS WebSocket + Data API backfill)"),
    ("min_trade_usd", "Pipeline: trades below min_trade_usd are not stored and raise no alert of their own"),
    ("large_trade_tiers", "Detectors (comma-separated lists where plural)"),
    ("score_weights", "Scoring: weights as kind=weight pairs (0..1), severity thresholds on confidence"),
    ("telegram_token", "Bots and delivery: a token switches a bot on; tokens are secrets and never logged"),
    ("webhook_key", "Outgoing webhooks (docs/webhooks.md): the key (32+ characters) encrypts their URLs and secrets"),
    ("ready_max_trade_age_seconds", "Operations: readiness, system alerts, retention"),
    ("walletscan_concurrency", "Wallet scanner"),
]


def render() -> str:
    headers = dict(GROUPS)
    lines = ["# polyscan settings. Every variable is optional; the value shown is the default.", ""]
    defaults = Settings.model_construct()
    for name, field in Settings.model_fields.items():
        if name in headers:
            lines += ["", f"# --- {headers[name]}"]
        value = getattr(defaults, name, field.default)
        if value is None:
            text = ""
        elif isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, list):
            text = ",".join(str(v) for v in value)
        elif isinstance(value, dict):
            text = ",".join(f"{k}={v}" for k, v in value.items())
        else:
            text = str(value)
        lines.append(f"# {env_name(name)}={text}")
    return "\n".join(lines).lstrip("\n") + "\n"


if __name__ == "__main__":
    Path(__file__).resolve().parents[1].joinpath(".env.example").write_text(render())
