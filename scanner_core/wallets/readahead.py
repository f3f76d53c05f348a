"""Read a stream ahead of its consumer, so what comes next can be prepared (wallet prefetch).

The reader keeps at least `depth` items buffered and reads further, up to `most`, while `more()`
says that reading on is worth it (the wallet service: some histories are being fetched but fewer
than it could fetch at once, so the next new wallets should be found). Once it stops, it waits
until the consumer has taken half of `depth`, or until `wake` is set (a fetch finished): two task
switches per half buffer instead of two per item, which matters at tens of thousands of trades a
second. A live stream that yields one item at a time passes straight through. An error of the
stream reaches the consumer after every item read before it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from typing import TypeVar

T = TypeVar("T")


def _never() -> bool:
    return False


async def read_ahead(
    items: AsyncIterable[T],
    on_read: Callable[[T], None],
    depth: int,
    *,
    most: int | None = None,
    more: Callable[[], bool] = _never,
    wake: asyncio.Event | None = None,
) -> AsyncGenerator[T, None]:
    """`items` in order, read ahead of the consumer; `on_read` sees each item as soon as it is read.
    Close it (`aclose`) when done: that stops the reader."""
    buffer: deque[T] = deque()
    ready = asyncio.Event()  # something to take, or the end
    room = wake or asyncio.Event()  # the reader may look again whether to read on
    ceiling = max(depth, most or depth)
    ended: list[BaseException | None] = []
    low = max(1, depth // 2)

    def full() -> bool:
        size = len(buffer)
        return size >= ceiling or (size >= depth and not more())

    async def read() -> None:
        try:
            async for item in items:
                on_read(item)
                buffer.append(item)
                ready.set()
                while full():
                    room.clear()
                    await room.wait()
        except Exception as exc:
            ended.append(exc)
        else:
            ended.append(None)
        finally:
            ready.set()

    reader = asyncio.create_task(read(), name="read-ahead")
    try:
        while True:
            if buffer:
                item = buffer.popleft()
                if len(buffer) <= low:
                    room.set()
                yield item
            elif ended:
                if ended[0] is not None:
                    raise ended[0]
                return
            else:
                ready.clear()
                await ready.wait()
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
