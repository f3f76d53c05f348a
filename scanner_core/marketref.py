"""Pure parsing of what a user types to name a market: id, slug, URL, condition id or token id."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from scanner_core.userinput import echo

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,254}$")
_HOSTS = ("polymarket.com", "www.polymarket.com")
_NUMBER = re.compile(r"[0-9]{1,78}")  # ASCII digits: a Gamma id, or an outcome token id (a uint256)
MAX_REF_LENGTH = 300


class RefKind(enum.StrEnum):
    CONDITION_ID = "condition_id"
    GAMMA_ID = "gamma_id"
    TOKEN_ID = "token_id"  # noqa: S105 - a kind of id, not a secret
    SLUG = "slug"
    EVENT_SLUG = "event_slug"


@dataclass(frozen=True, slots=True)
class MarketRef:
    kind: RefKind
    value: str


class BadMarketRef(ValueError):
    pass


def parse_market_ref(text: str) -> MarketRef:
    """Classify a market reference, or BadMarketRef with a message fit for a chat reply."""
    ref = text.strip()
    if not ref:
        raise BadMarketRef("give a market id, slug, condition id or Polymarket URL")
    if len(ref) > MAX_REF_LENGTH:
        raise BadMarketRef(f"{echo(ref)} is too long to be a market id, slug, condition id or Polymarket URL")
    if ref.lower().startswith(("http://", "https://")) or ref.lower().startswith(_HOSTS):
        return _from_url(ref if "://" in ref else f"https://{ref}")
    lowered = ref.lower()
    if lowered.startswith("0x"):
        if re.fullmatch(r"0x[0-9a-f]{64}", lowered):
            return MarketRef(RefKind.CONDITION_ID, lowered)
        raise BadMarketRef(f"{echo(ref)} is not a condition id (0x followed by 64 hex digits)")
    if _NUMBER.fullmatch(ref):
        # Gamma ids are small integers; outcome token ids are decimal strings of up to 78 digits
        return MarketRef(RefKind.TOKEN_ID if len(ref) > 20 else RefKind.GAMMA_ID, ref)
    if _SLUG.fullmatch(lowered):
        return MarketRef(RefKind.SLUG, lowered)
    raise BadMarketRef(f"{echo(ref)} is not a market id, slug, condition id or Polymarket URL")


def _from_url(url: str) -> MarketRef:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unclosed "[" taken for an IPv6 host, or a port that is no number
        raise BadMarketRef(f"{echo(url)} is not a link I can read") from None
    if host not in _HOSTS:
        raise BadMarketRef("only polymarket.com links name a market")
    segments = [s for s in parts.path.split("/") if s]
    # /event/<event-slug>[/<market-slug>] or /market/<market-slug>
    if len(segments) >= 3 and segments[0] == "event":
        return MarketRef(RefKind.SLUG, _slug(segments[2]))
    if len(segments) == 2 and segments[0] == "event":
        return MarketRef(RefKind.EVENT_SLUG, _slug(segments[1]))
    if len(segments) == 2 and segments[0] == "market":
        return MarketRef(RefKind.SLUG, _slug(segments[1]))
    raise BadMarketRef("that Polymarket link does not point at a market or event")


def _slug(segment: str) -> str:
    slug = segment.lower()
    if not _SLUG.fullmatch(slug):
        raise BadMarketRef(f"{echo(segment)} in that link is not a Polymarket slug")
    return slug
