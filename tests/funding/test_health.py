"""The process with the funding component: the RPC down leaves everything else working and the
source is reported degraded on /health (never with its URL); unset, it is disabled; a broken
known-funders file is reported, not fatal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import Polyscan
from bot.components import ScannerComponent
from bot.funding import FundingComponent
from scanner_core.bus import AlertBus
from scanner_core.config import Settings
from scanner_core.monitoring import READY_GATES
from tests.conftest import FakeClock
from tests.fakes.polygon import FakePolygon
from tests.fakes.polymarket import FakePolymarket
from tests.funding.conftest import NOW, wallet


@pytest.fixture
async def pm() -> AsyncIterator[dict[str, str]]:
    """The fake Polymarket's settings: the engine's wallet lookups (a trace asks for a wallet's
    first activity) stay on loopback."""
    async with FakePolymarket() as fake:
        yield fake.settings_overrides()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def start(settings: Settings) -> tuple[Polyscan, ScannerComponent, FundingComponent]:
    """The process with the engine and the funding worker (the live feed off)."""
    app = Polyscan(settings.model_copy(update={"feed_enabled": False}), clock=FakeClock(NOW))
    bus = AlertBus()
    engine = ScannerComponent(app, bus)
    funding = FundingComponent(app, engine, bus)
    app.components += [engine, funding]
    await app.start()
    return app, engine, funding


async def health(app: Polyscan, http: aiohttp.ClientSession) -> tuple[dict[str, Any], str]:
    assert app.web is not None
    async with http.get(f"http://127.0.0.1:{app.web.bound_port}/health") as response:
        assert response.status == 200
        text = await response.text()
        return await response.json(), text


async def test_rpc_down_is_degraded_on_health_and_the_rest_keeps_working(
    database_url: str,
    make_settings: Callable[..., Settings],
    fast_http: dict[str, Any],
    http: aiohttp.ClientSession,
    pm: dict[str, str],
) -> None:
    async with FakePolygon(head_time=NOW) as chain:
        chain.down = True
        settings = make_settings(database_url=database_url, http_port=0, polygon_rpc_url=chain.url, **fast_http, **pm)
        app, _, funding = await start(settings)
        try:
            worker = funding.worker
            assert worker is not None
            assert worker.submit(wallet(1))
            await worker.drain()
            assert worker.stats["trace_failed"] == 1
            body, text = await health(app, http)
            assert body["status"] == "degraded"
            assert body["components"]["polygon"]["state"] == "degraded"
            assert body["components"]["database"]["state"] == "ok"
            assert "test-api-key" not in text
            assert "polygon" not in READY_GATES  # an RPC outage never makes the process unready

            chain.down = False  # back: the next trace reports it healthy again
            assert worker.submit(wallet(2))
            await worker.drain()
            body, _ = await health(app, http)
            assert body["components"]["polygon"]["state"] == "ok"
        finally:
            await app.stop()


async def test_without_an_rpc_url_funding_is_disabled(
    database_url: str, make_settings: Callable[..., Settings], http: aiohttp.ClientSession, pm: dict[str, str]
) -> None:
    app, engine, funding = await start(make_settings(database_url=database_url, http_port=0, **pm))
    try:
        body, _ = await health(app, http)
        assert body["components"]["polygon"]["state"] == "disabled"
        assert funding.worker is None and engine.scanner.funding is None
    finally:
        await app.stop()


async def test_a_broken_known_funders_file_is_reported_and_the_shipped_list_used(
    database_url: str,
    make_settings: Callable[..., Settings],
    http: aiohttp.ClientSession,
    tmp_path: Path,
    pm: dict[str, str],
) -> None:
    bad = tmp_path / "funders.json"
    bad.write_text('{"entries": [{"address": "0xnothex", "kind": "exchange"}]}')
    async with FakePolygon(head_time=NOW) as chain:
        settings = make_settings(
            **pm, database_url=database_url, http_port=0, polygon_rpc_url=chain.url, funding_known_funders_file=str(bad)
        )
        app, engine, _ = await start(settings)
        try:
            body, _ = await health(app, http)
            polygon = body["components"]["polygon"]
            assert polygon["state"] == "degraded" and "funders.json: entry 0" in polygon["detail"]
            assert engine.scanner.funding is not None and len(engine.scanner.funding.book) > 20
        finally:
            await app.stop()
