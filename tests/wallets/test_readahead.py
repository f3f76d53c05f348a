"""read_ahead: order kept, errors after the items before them, reading ahead bounded and stretched."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from scanner_core.wallets.readahead import read_ahead


async def numbers(n: int, fail_at: int | None = None) -> AsyncIterator[int]:
    for i in range(n):
        if i == fail_at:
            raise ValueError(f"broken at {i}")
        yield i


async def test_items_come_in_order_and_an_error_after_the_items_before_it() -> None:
    seen: list[int] = []
    got = [i async for i in read_ahead(numbers(50), seen.append, depth=8)]
    assert got == list(range(50)) and seen == got
    taken: list[int] = []
    with pytest.raises(ValueError, match="broken at 30"):
        async for i in read_ahead(numbers(50, fail_at=30), lambda _: None, depth=8):
            taken.append(i)
    assert taken == list(range(30))


async def test_reads_depth_ahead_and_further_only_while_more_says_so() -> None:
    read: list[int] = []
    wanted = asyncio.Event()
    stream = read_ahead(numbers(1000), read.append, depth=10, most=40, more=wanted.is_set, wake=wanted)
    assert await anext(stream) == 0
    await asyncio.sleep(0)  # the reader's turn: it stays put
    assert len(read) == 10  # read until ten were buffered; one taken since
    wanted.set()  # e.g. fetches are waiting: look further for the next wallets
    while len(read) < 41:
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(read) == 41  # stretched, never beyond `most` ahead
    await stream.aclose()


async def test_a_second_consumer_takes_up_what_was_read_ahead() -> None:
    stream = read_ahead(numbers(100), lambda _: None, depth=16)
    first: list[int] = []
    with pytest.raises(RuntimeError):
        async for i in stream:  # a pipeline run that fails half way
            first.append(i)
            if i == 40:
                raise RuntimeError("pipeline failed")
    rest = [i async for i in stream]  # the restarted run
    assert first + rest == list(range(100))
