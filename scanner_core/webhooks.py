"""Outgoing webhooks: the domain, the URL rules, signing and the secret box. Pure.

A webhook is the third delivery platform, on the same routing and outbox as the bots: each webhook
owns a `Subscription` whose destination is (DestinationKind.WEBHOOK, str(webhook id)), so filters,
follows, mutes and the hourly cap with its digests apply unchanged (scanner_core/routing.py). The
payload schema is scanner_core/payloads.py; sending is bot/webhooks.py; docs/webhooks.md is the
receiver's side.

The domain `Webhook` never carries its URL or secret: a URL can itself be a credential (Slack's
incoming-webhook URLs are), so only a masked form (`display_url`) is ever shown, and both are kept
encrypted at rest with a key from the POLYSCAN_WEBHOOK_KEY setting (`SecretBox`).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scanner_core.config import DeliverySettings
from scanner_core.models import Subscription

PAYLOAD_VERSION = 1
SIGNATURE_HEADER = "X-Polyscan-Signature"
EVENT_HEADER = "X-Polyscan-Event"
DELIVERY_HEADER = "X-Polyscan-Delivery"
SIGNATURE_TOLERANCE_SECONDS = 300  # what docs/webhooks.md tells receivers to accept
MAX_URL_LENGTH = 2000
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
_HKDF_INFO = b"polyscan webhook secrets v1"
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class WebhookFormat(enum.StrEnum):
    GENERIC = "generic"  # the versioned polyscan JSON (docs/webhooks.md)
    SLACK = "slack"  # Slack-compatible `text` + `blocks` (also Mattermost, Discord's /slack endpoint)


@dataclass(frozen=True, slots=True)
class Webhook:
    """One webhook as people see it: no URL (only its masked form) and no secret."""

    id: int
    url_display: str
    payload_format: WebhookFormat
    scope: str  # where it was created ("telegram:<chat>", "discord:<guild>"): who may see and change it
    created_by: str
    created_at: datetime
    paused: bool = False
    paused_at: datetime | None = None
    pause_reason: str = ""
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str = ""

    @property
    def destination_id(self) -> str:
        return destination_id(self.id)

    @property
    def failing(self) -> bool:
        return not self.paused and self.consecutive_failures > 0


@dataclass(frozen=True, slots=True)
class SealedWebhook:
    """What the sender needs, still encrypted: the URL and the secret open only with the key."""

    id: int
    url_sealed: str
    secret_sealed: str
    payload_format: WebhookFormat
    paused: bool
    consecutive_failures: int


@dataclass(frozen=True, slots=True)
class PingOutcome:
    """The answer to `/webhook test`."""

    ok: bool
    status: int | None
    detail: str
    elapsed_ms: float


def destination_id(webhook_id: int) -> str:
    return str(webhook_id)


# ---------------------------------------------------------------- URLs


class BadWebhookUrl(ValueError):
    """A URL that cannot receive webhooks; `str()` is the whole, polite reason."""


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Routable on the internet: not loopback, private, link-local, shared, reserved or multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_private_host(host: str) -> bool:
    """A host name or IP literal that points into the server's own networks by its very name."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip_literal(name)
    return address is not None and not is_public_address(address)


def check_url(text: str, *, allow_private: bool) -> str:
    """The URL as given when it can receive webhooks; BadWebhookUrl says why not."""
    url = text.strip().strip("<>")
    shown = url[:80]
    if not url:
        raise BadWebhookUrl("Give the URL that should receive the alerts, e.g. https://example.com/polyscan.")
    if len(url) > MAX_URL_LENGTH:
        raise BadWebhookUrl(f"That URL is longer than {MAX_URL_LENGTH} characters.")
    if _CONTROL.search(url):
        raise BadWebhookUrl("A webhook URL cannot contain spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        got = f"{scheme}://" if scheme else "a bare address"
        raise BadWebhookUrl(f"Only http:// and https:// URLs can receive webhooks, not {got} ({shown!r}).")
    try:
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number or out of range)
    except ValueError:
        raise BadWebhookUrl(f"{shown!r} has a malformed host or port.") from None
    if not host or host.startswith(".") or ".." in host:
        raise BadWebhookUrl(f"{shown!r} has no host: write it like https://example.com/polyscan.")
    if not allow_private and is_private_host(host):
        raise BadWebhookUrl(
            f"{host} is a local or private address: webhooks go to public hosts "
            "(the operator can allow private ones with POLYSCAN_WEBHOOK_ALLOW_PRIVATE_HOSTS)."
        )
    return url


def display_url(url: str) -> str:
    """scheme://host[:port] and "/…" for the rest: the path or query of a URL can be its credential."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme.lower()}://{host}{port}{rest}"


def url_digest(url: str) -> str:
    """Finds a re-added URL without decrypting every stored one."""
    return hashlib.sha256(url.encode()).hexdigest()


# ---------------------------------------------------------------- signing


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """`X-Polyscan-Signature`: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, body: bytes, header: str, now: float, tolerance: float = SIGNATURE_TOLERANCE_SECONDS
) -> bool:
    """What a receiver checks (docs/webhooks.md shows the same in a few lines): the HMAC matches and
    the timestamp is recent, so a captured request cannot be replayed later."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields.get("v1", ""))


# ---------------------------------------------------------------- secrets at rest


class SecretUnreadable(Exception):
    """A stored value does not open with the current POLYSCAN_WEBHOOK_KEY (the key changed)."""


class SecretBox:
    """Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from POLYSCAN_WEBHOOK_KEY by HKDF, so
    any long random string serves as the setting and the database alone reveals no URL or secret."""

    def __init__(self, master_key: str) -> None:
        if not master_key:
            raise ValueError("a SecretBox needs a key")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(master_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> SecretBox | None:
        key = settings.webhook_key.get_secret_value() if settings.webhook_key is not None else ""
        return cls(key) if key else None

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise SecretUnreadable("does not open with the current POLYSCAN_WEBHOOK_KEY") from None


# ---------------------------------------------------------------- options of /webhook add


class BadWebhookOptions(ValueError):
    """Options that do not parse; `str()` is the polite reason."""


def parse_options(text: str | None) -> list[tuple[str, str]]:
    """'format=slack severity=high categories=us politics,crypto' -> [(key, value), ...].

    A word without '=' continues the previous value, so values may hold spaces.
    """
    pairs: list[tuple[str, str]] = []
    for word in (text or "").split():
        key, sep, value = word.partition("=")
        if sep and key:
            pairs.append((key.strip().lower(), value))
        elif pairs:
            last_key, last_value = pairs[-1]
            pairs[-1] = (last_key, f"{last_value} {word}".strip())
        else:
            raise BadWebhookOptions(
                f"{word[:40]!r} is not an option: write options as name=value, e.g. severity=high format=slack."
            )
    seen: set[str] = set()
    for key, value in pairs:
        if key in seen:
            raise BadWebhookOptions(f"{key} is given twice.")
        if not value.strip():
            raise BadWebhookOptions(f"Give a value after {key}=.")
        seen.add(key)
    return pairs


def parse_format(value: str) -> WebhookFormat:
    try:
        return WebhookFormat(value.strip().lower())
    except ValueError:
        choices = ", ".join(f.value for f in WebhookFormat)
        raise BadWebhookOptions(f"{value[:30]!r} is not a payload format: use one of {choices}.") from None


# ---------------------------------------------------------------- storage the command service needs


class WebhookStore(Protocol):
    async def create(
        self, webhook: Webhook, url_sealed: str, url_hash: str, secret_sealed: str, subscription: Subscription
    ) -> tuple[Webhook, Subscription]:
        """Store a webhook and its subscription in one transaction (the subscription's destination id
        is filled in from the new webhook's id)."""
        ...

    async def update(
        self, webhook_id: int, payload_format: WebhookFormat, subscription: Subscription, now: datetime
    ) -> Webhook | None:
        """A re-added URL: new format and filters, and resumed if it was paused."""
        ...

    async def get(self, webhook_id: int) -> Webhook | None: ...

    async def find(self, scope: str, url_hash: str) -> Webhook | None: ...

    async def subscription(self, webhook_id: int) -> Subscription | None:
        """The webhook's filters."""
        ...

    async def listed(self, scope: str | None) -> list[Webhook]:
        """Webhooks of a scope, oldest first; None: every webhook (the admin chat)."""
        ...

    async def remove(self, webhook_id: int, now: datetime) -> int:
        """Forget the URL and secret, drop the subscription, end its undelivered deliveries; returns
        how many deliveries ended (-1: no such webhook)."""
        ...

    async def resume(self, webhook_id: int, now: datetime) -> int:
        """Unpause, forget the failures, send its waiting deliveries now; returns how many wait."""
        ...

    async def backlog(self) -> dict[int, int]:
        """Deliveries pending or held per webhook id."""
        ...


class WebhookTester(Protocol):
    """Sends `/webhook test` payloads right away (bot/webhooks.py)."""

    async def send_test(self, webhook: Webhook) -> PingOutcome: ...


def describe_failures(webhook: Webhook) -> str:
    """'paused: 30 failures in a row (HTTP 500)' / 'failing: 3 in a row' / 'delivering'."""
    if webhook.paused:
        return f"paused: {webhook.pause_reason}" if webhook.pause_reason else "paused"
    if webhook.consecutive_failures:
        error = f" ({webhook.last_error})" if webhook.last_error else ""
        return f"failing: {webhook.consecutive_failures} in a row{error}"
    return "delivering"


def health_detail(webhooks: Sequence[Webhook]) -> tuple[bool, str]:
    """(all well, detail) for the "webhooks" health component; the detail holds no URL."""
    troubled = [w for w in webhooks if w.paused or w.consecutive_failures]
    if not troubled:
        return True, f"{len(webhooks)} webhook(s) delivering"
    parts = [f"#{w.id} {describe_failures(w)}" for w in troubled[:5]]
    more = f"; +{len(troubled) - 5} more" if len(troubled) > 5 else ""
    return False, "; ".join(parts) + more
