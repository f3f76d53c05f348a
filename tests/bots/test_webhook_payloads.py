"""Webhooks, the pure parts: payload schema (and its documentation), the Slack variant, signatures,
URL rules, the secret box and the options of /webhook add."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from bot.render import slack
from bot.webhooks import retry_after_seconds
from scanner_core import payloads
from scanner_core.models import Severity
from scanner_core.presentation import Field, Span, View, alert_view, digest_view, line, plain_text
from scanner_core.routing import HoldReason
from scanner_core.webhooks import (
    BadWebhookOptions,
    BadWebhookUrl,
    SecretBox,
    SecretUnreadable,
    check_url,
    display_url,
    new_secret,
    parse_options,
    signature,
    verify_signature,
)
from tests.bots.support import T0, target_alert, trade_alert

ROOT = Path(__file__).resolve().parents[2]
NOW = T0 + timedelta(seconds=3)


def stored(alert: Any, alert_id: int) -> Any:
    return replace(alert, id=alert_id)


def documented_block(path: Path, marker: str, language: str) -> str:
    text = path.read_text()
    match = re.search(rf"<!-- {marker} -->\s*```{language}\n(.*?)```", text, re.S)
    assert match is not None, f"{path.name} has no {language} block after <!-- {marker} -->"
    return match.group(1)


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys of objects, element shape of lists, type names."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return "null" if value is None else type(value).__name__


# ---------------------------------------------------------------- generic payload


def test_the_alert_payload_carries_the_replay_json_fields_and_the_views_wording() -> None:
    alert = stored(trade_alert(1), 4711)
    view = alert_view(alert, NOW)

    payload = payloads.alert_payload(alert, view, delivery_id=90210, now=NOW)

    assert payload["type"] == "polyscan.alert" and payload["version"] == 1
    assert payload["sent_at"] == "2026-07-01T12:00:03Z" and payload["delivery_id"] == 90210
    replay = payloads.alert_json(alert)  # what `polyscan replay --json` prints
    assert {k: payload["alert"][k] for k in replay} == replay
    assert payload["alert"]["created_at"] == "2026-07-01T12:00:00Z"
    assert payload["headline"] == view.title == "🐋 $72,400 BUY Yes @ 42¢"
    assert payload["text"] == plain_text(view)
    assert payload["market"]["question"] == "Russia-Ukraine Ceasefire before GTA VI?"
    assert payload["market"]["url"] == "https://polymarket.com/event/what-will-happen-before-gta-vi"
    assert payload["wallet"]["username"] == "PPMT" and payload["wallet"]["realised_pnl"] == "-150"
    assert set(payload["links"]) == {"market", "wallet", "transaction"}
    assert orjson.loads(payloads.encode(payload)) == payload  # JSON as it is (no Decimal, no datetime)


def test_the_documented_example_has_the_shape_of_a_real_payload() -> None:
    alert = stored(trade_alert(1), 4711)
    real = payloads.alert_payload(alert, alert_view(alert, NOW), delivery_id=90210, now=NOW)

    documented = orjson.loads(documented_block(ROOT / "docs" / "webhooks.md", "webhook-example", "json"))

    assert shape(documented) == shape(real)
    assert documented["alert"]["usd"] == real["alert"]["usd"] and documented["headline"] == real["headline"]


def test_an_alert_without_trade_or_market_has_null_summaries() -> None:
    alert = stored(target_alert(1), 8)
    payload = payloads.alert_payload(alert, alert_view(alert, NOW), delivery_id=1, now=NOW)

    assert payload["market"] is None
    assert payload["wallet"]["classification"] == "TARGET" and payload["wallet"]["win_rate"] == 0.67
    assert "trade_time" not in payload["alert"] and payload["alert"]["kind"] == "wallet_target"


def test_a_digest_payload_holds_every_alert_in_full() -> None:
    alerts = [stored(trade_alert(i), i) for i in (1, 2, 3)]
    view = digest_view(alerts, HoldReason.CAP, NOW)

    payload = payloads.digest_payload(
        alerts, view, reason=HoldReason.CAP, delivery_ids=[7, 8, 9], now=NOW, min_resolved=10
    )

    assert payload["type"] == "polyscan.digest" and payload["reason"] == "cap"
    assert payload["delivery_ids"] == [7, 8, 9] and payload["headline"] == view.title
    assert [item["alert"]["id"] for item in payload["items"]] == [1, 2, 3]
    assert payload["items"][0]["headline"] == alert_view(alerts[0], NOW).title


# ---------------------------------------------------------------- Slack variant


def test_the_slack_variant_renders_the_one_alert_view() -> None:
    alert = stored(trade_alert(1), 4711)
    view = alert_view(alert, NOW)

    message = slack.render(view)

    assert set(message) == {"text", "blocks"} and message["text"] == plain_text(view)
    first = message["blocks"][0]["text"]["text"]
    assert first == "*<https://polymarket.com/event/what-will-happen-before-gta-vi|🐋 $72,400 BUY Yes @ 42¢>*"
    everything = orjson.dumps(message["blocks"]).decode()
    assert "*Why*" in everything and "*Confidence*\\n72% · 🟠 HIGH" in everything
    assert "|Transaction>" in everything and "alert #4711" in everything
    assert all(b["type"] in ("section", "context") for b in message["blocks"])  # no buttons: no bot to call back


def test_slack_escapes_user_text_and_keeps_slacks_limits() -> None:
    hostile = "<!channel> & <https://evil.example|click>"
    fields = tuple(Field(f"f{i}", (line("x" * 2500),), inline=True) for i in range(30))
    body = tuple(line(Span(hostile, url="https://polymarket.com/event/a|b")) for _ in range(40))
    view = View(title=hostile, severity=Severity.HIGH, body=body, fields=fields, footer=hostile)

    message = slack.render(view)

    everything = orjson.dumps(message).decode()
    assert "<!channel>" not in everything and "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in everything
    assert "event/a%7Cb|" in everything  # a | in a URL cannot end the link text early
    assert len(message["blocks"]) <= 50 and len(message["text"]) <= 3000
    for block in message["blocks"]:
        texts = [block["text"]["text"]] if "text" in block else [f["text"] for f in block.get("fields", [])]
        texts += [e["text"] for e in block.get("elements", [])]
        assert all(len(t) <= 3000 for t in texts) and len(block.get("fields", [])) <= 10
        assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))


# ---------------------------------------------------------------- signatures


def test_a_signature_verifies_and_refuses_tampering_and_replays() -> None:
    secret, body, t = new_secret(), b'{"type":"polyscan.alert"}', 1_782_907_203

    header = signature(secret, body, t)

    assert re.fullmatch(r"t=1782907203,v1=[0-9a-f]{64}", header)
    assert verify_signature(secret, body, header, now=t + 10)
    assert not verify_signature(secret, body + b" ", header, now=t)
    assert not verify_signature("whsec_other", body, header, now=t)
    assert not verify_signature(secret, body, header, now=t + 301)  # too old: a replay
    assert not verify_signature(secret, body, "garbage", now=t)


# ---------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "reply"),
    [
        ("file:///etc/passwd", "Only http:// and https:// URLs can receive webhooks, not file://"),
        ("ftp://example.com/x", "not ftp://"),
        ("example.com/hook", "not a bare address"),
        ("https://", "has no host"),
        ("http:///path", "has no host"),
        ("https://exa mple.com/x", "cannot contain spaces"),
        ("https://example.com:99999/x", "malformed host or port"),
        ("https://example.com:port/x", "malformed host or port"),
        ("", "Give the URL"),
        ("https://" + "a" * 2000 + ".com", "longer than 2000"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a local or private address"),
        ("http://localhost/hook", "localhost is a local or private address"),
        ("http://[::1]/hook", "is a local or private address"),
        ("http://10.1.2.3/hook", "is a local or private address"),
        ("http://169.254.169.254/latest/meta-data", "is a local or private address"),
    ],
)
def test_urls_that_cannot_receive_webhooks_are_refused_with_a_reason(url: str, reply: str) -> None:
    with pytest.raises(BadWebhookUrl, match=re.escape(reply)):
        check_url(url, allow_private=False)


def test_private_hosts_pass_when_the_operator_allows_them() -> None:
    assert check_url(" <http://127.0.0.1:8080/hook> ", allow_private=True) == "http://127.0.0.1:8080/hook"
    assert check_url("https://example.com/polyscan?x=1", allow_private=False) == "https://example.com/polyscan?x=1"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/…"),
        ("https://user:pass@example.com:8443/?token=abc", "https://example.com:8443/…"),
        ("https://example.com", "https://example.com"),
        ("http://[2001:db8::1]/x", "http://[2001:db8::1]/…"),
    ],
)
def test_shown_urls_hide_the_parts_that_can_be_credentials(url: str, shown: str) -> None:
    assert display_url(url) == shown


# ---------------------------------------------------------------- secrets at rest


def test_the_secret_box_opens_only_with_its_key() -> None:
    secret = new_secret()
    box = SecretBox("k" * 40)

    sealed = box.seal(secret)

    assert secret not in sealed and box.open(sealed) == secret
    assert SecretBox("k" * 40).open(sealed) == secret  # the key is derived, not random per process
    with pytest.raises(SecretUnreadable):
        SecretBox("other-key-" * 4).open(sealed)
    with pytest.raises(SecretUnreadable):
        box.open("not a token")


# ---------------------------------------------------------------- options


def test_options_are_name_value_words_and_values_may_hold_spaces() -> None:
    assert parse_options("format=slack categories=us politics,crypto severity=HIGH") == [
        ("format", "slack"),
        ("categories", "us politics,crypto"),
        ("severity", "HIGH"),
    ]
    assert parse_options(None) == [] and parse_options("  ") == []


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("slack", "'slack' is not an option: write options as name=value"),
        ("format=slack format=generic", "format is given twice"),
        ("severity=", "Give a value after severity="),
    ],
)
def test_bad_options_are_refused(text: str, reply: str) -> None:
    with pytest.raises(BadWebhookOptions, match=re.escape(reply)):
        parse_options(text)


# ---------------------------------------------------------------- Retry-After


def test_retry_after_takes_seconds_or_an_http_date_within_an_hour() -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("0.5", now) == 0.5
    assert retry_after_seconds("Wed, 01 Jul 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("86400", now) == 3600.0
    assert retry_after_seconds("-5", now) == 0.0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None
