from __future__ import annotations

from decimal import Decimal

import pytest

from scanner_core.config import Settings, SettingsError, load_settings


def test_defaults_are_the_embedded_setup(settings: Settings) -> None:
    assert settings.database_url == "sqlite://polyscan.db"
    assert settings.redis_url == ""
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert settings.gamma_url == "https://gamma-api.polymarket.com"
    assert settings.data_api_url == "https://data-api.polymarket.com"
    assert settings.clob_url == "https://clob.polymarket.com"
    assert settings.clob_ws_url == "wss://ws-subscriptions-clob.polymarket.com/ws/market"
    assert settings.rtds_url == "wss://ws-live-data.polymarket.com"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.log_format == "json" and settings.log_level == "INFO"
    assert settings.min_trade_usd == Decimal("1000")
    assert not settings.is_postgres


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLYSCAN_DATABASE_URL", "postgres://u:pw@db:5432/polyscan")
    monkeypatch.setenv("POLYSCAN_LOG_LEVEL", "debug")
    monkeypatch.setenv("POLYSCAN_LARGE_TRADE_TIERS", "5000, 20000,100000")
    monkeypatch.setenv("POLYSCAN_EXCLUDED_MARKET_KEYWORDS", "Up or Down,5m")
    monkeypatch.setenv("POLYSCAN_TELEGRAM_ADMIN_CHAT_ID", "")  # empty = unset
    s = load_settings(_env_file=None)
    assert s.is_postgres and s.log_level == "DEBUG"
    assert s.large_trade_tiers == [Decimal(5000), Decimal(20000), Decimal(100000)]
    assert s.excluded_market_keywords == ["up or down", "5m"]
    assert s.telegram_admin_chat_id is None


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("POLYSCAN_GAMMA_URL", "not a url", "POLYSCAN_GAMMA_URL"),
        ("POLYSCAN_RTDS_URL", "https://ws-live-data.polymarket.com", "POLYSCAN_RTDS_URL"),
        ("POLYSCAN_MIN_TRADE_USD", "-5", "POLYSCAN_MIN_TRADE_USD"),
        ("POLYSCAN_LOG_LEVEL", "loud", "POLYSCAN_LOG_LEVEL"),
        ("POLYSCAN_LOG_FORMAT", "xml", "POLYSCAN_LOG_FORMAT"),
        ("POLYSCAN_HTTP_PORT", "99999", "POLYSCAN_HTTP_PORT"),
        ("POLYSCAN_DATABASE_URL", "mysql://x/y", "POLYSCAN_DATABASE_URL"),
        ("POLYSCAN_LARGE_TRADE_TIERS", "50000,10000", "POLYSCAN_LARGE_TRADE_TIERS"),
        ("POLYSCAN_SCORE_WEIGHTS", "large_trade=3", "POLYSCAN_SCORE_WEIGHTS"),
    ],
)
def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_secrets_are_masked(make_settings) -> None:  # type: ignore[no-untyped-def]
    s = make_settings(
        telegram_token="123456:SECRET-TOKEN",
        discord_token="discord-secret",
        database_url="postgres://user:pgpass@db:5432/x",
    )
    view = s.public_view()
    text = repr(view)
    assert "SECRET-TOKEN" not in text and "discord-secret" not in text and "pgpass" not in text
    assert view["telegram_token"] == "****" and view["database_url"] == "postgres://user:****@db:5432/x"
    assert "SECRET-TOKEN" not in repr(s)
    assert set(s.secrets()) == {"123456:SECRET-TOKEN", "discord-secret", "pgpass"}


def test_env_example_documents_every_setting() -> None:
    from pathlib import Path

    text = Path(__file__).resolve().parents[2].joinpath(".env.example").read_text()
    documented = {line.split("=", 1)[0].lstrip("# ").strip() for line in text.splitlines() if "=" in line}
    missing = {f"POLYSCAN_{n.upper()}" for n in Settings.model_fields} - documented
    assert not missing, f".env.example lacks {sorted(missing)}"
