"""Fixtures for the Polymarket source tests: the fake Polymarket, an aiohttp session, virtual time."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from scanner_core.config import Settings
from scanner_core.sources.http import HttpClient
from tests.fakes.polymarket import DEFAULT_FIXTURES, FakePolymarket
from tests.sources.feed_harness import Harness

FIXTURES = DEFAULT_FIXTURES


def load_fixture(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text())


def fixture_path(relative: str) -> Path:
    return FIXTURES / relative


class VirtualTime:
    """A monotonic clock that only moves when someone sleeps on it; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@pytest.fixture
def vtime() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def pm() -> AsyncIterator[FakePolymarket]:
    async with FakePolymarket() as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def pm_settings(pm: FakePolymarket, make_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    """Settings pointing at the fake (plus any overrides)."""

    def build(**overrides: Any) -> Settings:
        return make_settings(**{**pm.settings_overrides(), **overrides})

    return build


@pytest.fixture
def make_http(
    session: aiohttp.ClientSession, vtime: VirtualTime, make_settings: Callable[..., Settings]
) -> Callable[..., HttpClient]:
    """An HttpClient on virtual time (waits are recorded, not slept)."""

    def build(settings: Settings | None = None, **overrides: Any) -> HttpClient:
        args: dict[str, Any] = {"sleep": vtime.sleep, "monotonic": vtime.monotonic, "rng": random.Random(7)}
        args.update(overrides)
        return HttpClient.from_settings(settings or make_settings(), session, **args)

    return build


@pytest.fixture
async def harness_factory(pm: FakePolymarket, session: aiohttp.ClientSession, settings: Settings):  # type: ignore[no-untyped-def]
    made: list[Harness] = []

    def build(**feed_args: Any) -> Harness:
        harness = Harness(pm, session, settings, **feed_args)
        made.append(harness)
        return harness

    yield build
    for harness in made:
        await harness.stop()
