"""Fixtures for the funding tests: the fake Polygon node, a real database, the service on both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from db.repositories import Repositories
from scanner_core.config import Settings
from scanner_core.funding.known import shipped_book
from scanner_core.funding.service import FundingParams, FundingService
from scanner_core.health import HealthRegistry
from scanner_core.sources.polygon import PolygonRpc
from tests.conftest import FakeClock
from tests.fakes.polygon import FakePolygon

NOW = FakeClock().now
FUNDER = "0x" + "f1" * 20
EXCHANGE = "0xe7804c37c13166ff0b37f5ae0bb07a3aebb6e245"  # Binance's Polygon hot wallet in the shipped list
ONRAMP = "0x93070a847efef7f70739046a929d47a521f5b8ee"  # Polymarket's pUSD onramp


def wallet(n: int) -> str:
    return f"0x{0xA11CE000 + n:040x}"


def ago(**kwargs: float) -> datetime:
    return NOW - timedelta(**kwargs)


@pytest.fixture
async def chain() -> AsyncIterator[FakePolygon]:
    async with FakePolygon(head_time=NOW) as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def fast_http() -> dict[str, Any]:
    """HTTP settings that keep failing tests short (no long backoffs)."""
    return {"http_max_retries": 1, "http_backoff_base_seconds": 0.01, "http_backoff_max_seconds": 0.02}


@pytest.fixture
def make_service(
    chain: FakePolygon,
    session: aiohttp.ClientSession,
    make_settings: Callable[..., Settings],
    clock: FakeClock,
    fast_http: dict[str, Any],
) -> Callable[..., tuple[FundingService, PolygonRpc, HealthRegistry]]:
    def build(**overrides: Any) -> tuple[FundingService, PolygonRpc, HealthRegistry]:
        settings = make_settings(**{"polygon_rpc_url": chain.url, **fast_http, **overrides})
        rpc = PolygonRpc.from_settings(settings, settings, session)
        health = HealthRegistry(clock)
        service = FundingService(
            rpc,
            Repositories().funding,
            shipped_book(),
            FundingParams.from_settings(settings),
            clock=clock,
            health=health,
        )
        return service, rpc, health

    return build
