"""403 Forbidden from Polymarket: almost always geo-blocking (Cloudflare's "Access denied" page).

Retrying cannot help and the generic error says little, so the first 403 of a host gets one
clear log line naming the host and the setting that points polyscan elsewhere (a relay or a
proxy in an allowed region), and `scanner_api_forbidden{host,setting}` turns 1 until that host
answers again; the system alerter reads the gauge and tells the admin chat once. Each HTTP
client and stream owns one `ForbiddenWatch`, so "once" holds per process without globals.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from scanner_core.config import env_name
from scanner_core.logs import get_logger
from scanner_core.metrics import API_FORBIDDEN

log = get_logger("sources.forbidden")

# The setting behind each API: route prefixes ("data:/trades") and stream names ("rtds").
SETTING_OF_API = {
    "gamma": env_name("gamma_url"),
    "data": env_name("data_api_url"),
    "clob": env_name("clob_url"),
    "rtds": env_name("rtds_url"),
    "clob_ws": env_name("clob_ws_url"),
}
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"<[^>]+>")
_SPACE = re.compile(r"\s+")


def body_summary(body: bytes | str, limit: int = 160) -> str:
    """A short readable line for an error body: an HTML page's title (Cloudflare sends HTML), or
    the text with tags and runs of whitespace collapsed, cut to `limit` characters."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    title = _TITLE.search(raw[:65_536])
    text = (title.group(1) if title else _TAG.sub(b" ", raw[:4096])).decode("utf-8", "replace")
    return _SPACE.sub(" ", html.unescape(text)).strip()[:limit].rstrip()


def api_of(route: str) -> str:
    """The API of a route template ("data:/trades" -> "data") or a stream name ("rtds")."""
    return route.partition(":")[0]


class ForbiddenWatch:
    """Remembers which hosts answered 403, so each start and end is logged once."""

    def __init__(self) -> None:
        self._forbidden: set[tuple[str, str]] = set()

    @property
    def active(self) -> bool:
        """Some host answers 403 now (a cheap check before `allowed` on every success)."""
        return bool(self._forbidden)

    def forbidden(self, api: str, url: str, endpoint: str, body: bytes | str = b"") -> None:
        """`endpoint` (of `api`, at `url`) answered 403."""
        key = (urlsplit(url).netloc or url, SETTING_OF_API.get(api, ""))
        if key in self._forbidden:
            return
        self._forbidden.add(key)
        host, setting = key
        API_FORBIDDEN.labels(host=host, setting=setting).set(1)
        log.error(
            "polymarket_forbidden",
            host=host,
            endpoint=endpoint,
            answer=body_summary(body),
            setting=setting,
            hint=(
                f"{host} answers 403 Forbidden: Polymarket blocks this region (geo-blocking). "
                f"Run polyscan where Polymarket is available, or set {setting} to a relay there."
            ),
        )

    def allowed(self, api: str, url: str) -> None:
        """A 2xx (or an accepted handshake) from this host: a 403 state, if any, is over."""
        key = (urlsplit(url).netloc or url, SETTING_OF_API.get(api, ""))
        if key not in self._forbidden:
            return
        self._forbidden.discard(key)
        API_FORBIDDEN.labels(host=key[0], setting=key[1]).set(0)
        log.info("polymarket_forbidden_cleared", host=key[0], setting=key[1])
