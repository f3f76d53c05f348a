"""asyncio helpers for the wallet domain's task groups."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


def first_error(error: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups: what callers should see, since
    a TaskGroup wraps even a single failure."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def together(a: Coroutine[Any, Any, A], b: Coroutine[Any, Any, B], c: Coroutine[Any, Any, C]) -> tuple[A, B, C]:
    """Run three calls at once; the first failure cancels the others and is raised as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            ta, tb, tc = group.create_task(a), group.create_task(b), group.create_task(c)
    except BaseExceptionGroup as error:
        raise first_error(error) from None
    return ta.result(), tb.result(), tc.result()


async def both(a: Coroutine[Any, Any, A], b: Coroutine[Any, Any, B]) -> tuple[A, B]:
    """Run two calls at once; the first failure cancels the other and is raised as itself."""
    first, second, _ = await together(a, b, _nothing())
    return first, second


async def _nothing() -> None:
    return None
