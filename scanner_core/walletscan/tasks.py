"""asyncio helpers for the scanner's task groups."""

from __future__ import annotations


def first_error(error: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups: what callers should see, since
    a TaskGroup wraps even a single failure."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error
