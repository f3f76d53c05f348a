"""What `polyscan ingest` (and later `polyscan backtest`) is asked to cover, parsed and checked
without I/O: event slugs, market references, a period of resolutions, recorded files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scanner_core.marketref import MarketRef

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadSelection(ValueError):
    """A selection flag with a wrong value; `str()` is one line naming the flag."""


def parse_day_or_time(text: str, flag: str, *, end_of_day: bool = False) -> datetime:
    """A YYYY-MM-DD date (UTC; with `end_of_day` the last instant of that day) or an ISO-8601
    date-time (naive means UTC)."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadSelection(f"{flag}: not a date: {text!r} (use YYYY-MM-DD or an ISO-8601 time)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if end_of_day and _DATE_ONLY.match(value):
        parsed = parsed + timedelta(days=1) - timedelta(microseconds=1)
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Selection:
    events: tuple[str, ...] = ()
    markets: tuple[MarketRef, ...] = ()
    closed_since: datetime | None = None
    closed_until: datetime | None = None
    files: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if self.closed_until is not None and self.closed_since is None:
            raise BadSelection("--until: needs --closed --since DATE")
        if self.closed_since and self.closed_until and self.closed_until < self.closed_since:
            raise BadSelection("--until: is before --since")

    @property
    def empty(self) -> bool:
        return not (self.events or self.markets or self.closed_since or self.files)

    def closed_window(self, now: datetime) -> tuple[datetime, datetime] | None:
        if self.closed_since is None:
            return None
        return self.closed_since, self.closed_until or now
