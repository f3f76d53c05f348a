"""Adds the optional components (feed, pipeline, bots, scheduler) to the process by settings."""

from __future__ import annotations

from bot.app import Polyscan


def add_components(app: Polyscan) -> None:
    """Components are appended in start order; they stop in reverse."""
    return None
