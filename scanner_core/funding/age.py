"""A wallet's true age (pure; imports no detector, so detectors may import it)."""

from __future__ import annotations

from datetime import datetime

from scanner_core.funding.models import FundingProfile


def true_first_seen(first_trade: datetime | None, profile: FundingProfile | None) -> datetime | None:
    """A wallet's true start: its first funding or its first Polymarket trade, whichever is earlier."""
    funded = profile.first_funded_at if profile is not None else None
    known = [t for t in (first_trade, funded) if t is not None]
    return min(known) if known else None


__all__ = ["true_first_seen"]
