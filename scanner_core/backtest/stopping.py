"""A graceful stop for long fetch loops: no new request starts once asked to stop, a request in
flight is abandoned (nothing of it was stored, so nothing is lost), and writes are never cut."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Stopped(Exception):
    """The run was asked to stop before this request finished."""


class StopSignal:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    async def guard(self, request: Coroutine[Any, Any, T]) -> T:
        """Await a request unless the stop comes first: then cancel it and raise Stopped."""
        if self._event.is_set():
            request.close()
            raise Stopped
        task = asyncio.ensure_future(request)
        waiter = asyncio.ensure_future(self._event.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if task.cancelled():
            raise Stopped
        return task.result()
