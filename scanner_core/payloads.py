"""Alerts as JSON: `polyscan replay --json` lines and the versioned webhook payloads. Pure.

The webhook schema (docs/webhooks.md) is version `PAYLOAD_VERSION`; a change that could break a
receiver gets a new version, an added field does not. Every payload carries the alert's fields of
`replay --json` and the wording of the one alert view (`headline`, `text`), never a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from scanner_core.models import Alert
from scanner_core.presentation import View, alert_market_url, alert_view, plain_text, profile_url, shown_name
from scanner_core.routing import HoldReason
from scanner_core.webhooks import PAYLOAD_VERSION

_CENT = Decimal("0.01")

ALERT = "polyscan.alert"
DIGEST = "polyscan.digest"
TEST = "polyscan.test"
MESSAGE = "polyscan.message"


def iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z") if when is not None else None


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def alert_json(alert: Alert) -> dict[str, Any]:
    """One alert as `replay --json` prints it (and as every webhook payload carries it)."""
    trade = alert.trade
    out: dict[str, Any] = {
        "id": alert.id,
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "confidence": alert.confidence,
        "signals": list(alert.signal_kinds),
        "reasons": [s.summary for s in alert.signals],
        "wallet": alert.wallet_address,
        "condition_id": alert.condition_id,
        "title": alert.title,
        "market": alert.market.question if alert.market else None,
        "dedup_key": alert.dedup_key,
    }
    if trade is not None:
        out.update(
            trade_time=iso(trade.timestamp),
            usd=str(trade.usd.quantize(_CENT)),
            side=trade.side.value,
            outcome=trade.outcome,
            price=str(trade.price),
            size=str(trade.size),
            tx_hash=trade.tx_hash,
        )
    return out


def market_summary(alert: Alert) -> dict[str, Any] | None:
    m, trade = alert.market, alert.trade
    condition_id = alert.condition_id
    if condition_id is None:
        return None
    return {
        "condition_id": condition_id,
        "question": (m.question if m is not None else "") or (trade.title if trade is not None else ""),
        "slug": (m.slug if m is not None else "") or (trade.slug if trade is not None else ""),
        "category": m.category if m is not None else "",
        "end_date": iso(m.end_date) if m is not None else None,
        "liquidity": _text(m.liquidity) if m is not None else None,
        "volume_24h": _text(m.volume_24h) if m is not None else None,
        "url": alert_market_url(alert),
    }


def wallet_summary(alert: Alert) -> dict[str, Any] | None:
    address = alert.wallet_address
    if address is None:
        return None
    w = alert.wallet
    return {
        "address": address,
        "username": w.username if w is not None and shown_name(w.username, address) else None,
        "age_days": w.age_days if w is not None else None,
        "trade_count": w.trade_count if w is not None else None,
        "win_rate": w.win_rate if w is not None else None,
        "resolved_positions": w.resolved_positions if w is not None else None,
        "realised_pnl": _text(w.realised_pnl) if w is not None else None,
        "classification": w.classification.value if w is not None and w.classification is not None else None,
        "url": profile_url(address),
    }


def view_links(view: View) -> dict[str, str]:
    """The view's links by lowercase label: market, wallet, transaction, polygonscan."""
    return {span.text.lower(): span.url for span in view.links if span.url}


def alert_item(alert: Alert, view: View) -> dict[str, Any]:
    """An alert with its view's wording, market and wallet summaries and links."""
    return {
        "alert": {**alert_json(alert), "created_at": iso(alert.created_at)},
        "headline": view.title,
        "text": plain_text(view),
        "market": market_summary(alert),
        "wallet": wallet_summary(alert),
        "links": view_links(view),
    }


def _envelope(kind: str, now: datetime) -> dict[str, Any]:
    return {"type": kind, "version": PAYLOAD_VERSION, "sent_at": iso(now)}


def alert_payload(alert: Alert, view: View, *, delivery_id: int | None, now: datetime) -> dict[str, Any]:
    return {**_envelope(ALERT, now), "delivery_id": delivery_id, **alert_item(alert, view)}


def digest_payload(
    alerts: Sequence[Alert],
    view: View,
    *,
    reason: HoldReason,
    delivery_ids: Sequence[int],
    now: datetime,
    min_resolved: int,
) -> dict[str, Any]:
    """Alerts an hourly cap (or quiet hours) held back, each in full, under the digest's wording."""
    items = [alert_item(a, alert_view(a, now, min_resolved=min_resolved)) for a in alerts]
    return {
        **_envelope(DIGEST, now),
        "delivery_ids": list(delivery_ids),
        "reason": reason.value,
        "headline": view.title,
        "text": plain_text(view),
        "items": items,
    }


def ping_payload(webhook_id: int, view: View, now: datetime) -> dict[str, Any]:
    return {**_envelope(TEST, now), "webhook_id": webhook_id, "headline": view.title, "text": plain_text(view)}


def message_payload(view: View, now: datetime) -> dict[str, Any]:
    """A view that is not about stored alerts (nothing in polyscan sends one to a webhook today)."""
    return {**_envelope(MESSAGE, now), "headline": view.title, "text": plain_text(view)}


def encode(payload: dict[str, Any]) -> bytes:
    return orjson.dumps(payload)
