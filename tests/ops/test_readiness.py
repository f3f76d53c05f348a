"""/health/ready on the real process (Polyscan + WebServer on loopback): 200 only when the database
answers, the cache works (degraded allowed) and the trade feed is connected and fresh."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from bot.app import Polyscan
from scanner_core.config import Settings
from scanner_core.health import State
from tests.conftest import FakeClock
from tests.ops.conftest import BreakableDatabase, FakeFeed, get_json
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def start_app(settings: Settings, clock: FakeClock, feed: FakeFeed | None) -> Polyscan:
    app = Polyscan(settings, clock=clock)
    if feed is not None:
        app.feed = feed
    await app.start()
    return app


def base_url(app: Polyscan) -> str:
    assert app.web is not None
    return f"http://127.0.0.1:{app.web.bound_port}"


def state(body: dict[str, Any], component: str) -> str:
    return str(body["components"][component]["state"])


async def test_ready_follows_the_feed_and_the_database(
    breakable_db: BreakableDatabase,
    make_settings: Callable[..., Settings],
    clock: FakeClock,
    http: aiohttp.ClientSession,
) -> None:
    settings = make_settings(database_url=breakable_db.url, http_port=0, ready_max_trade_age_seconds=600)
    feed = FakeFeed(connected=True, last_trade_at=clock.now)
    app = await start_app(settings, clock, feed)
    ready = base_url(app) + "/health/ready"
    try:
        status, body = await get_json(http, ready)
        assert status == 200 and body["status"] == "ready"
        assert {state(body, c) for c in ("database", "cache", "feed")} == {"ok"}
        assert body["components"]["feed"]["required"] is True
        assert body["components"]["feed"]["last_success"] == clock.now.isoformat()
        assert body["version"] and "uptime_seconds" in body

        # the feed stalls: its last trade gets older than the limit
        clock.advance(seconds=601)
        status, body = await get_json(http, ready)
        assert status == 503 and body["status"] == "not_ready"
        assert state(body, "feed") == "down" and "stalled" in body["components"]["feed"]["detail"]
        assert body["uptime_seconds"] == 601.0
        feed.last_trade_at = clock.now
        status, body = await get_json(http, ready)
        assert status == 200 and state(body, "feed") == "ok"

        # the feed disconnects, then reconnects
        feed.connected, feed.reconnects = False, 3
        status, body = await get_json(http, ready)
        assert status == 503 and body["components"]["feed"]["detail"] == "disconnected (3 reconnects so far)"
        feed.connected = True
        assert (await get_json(http, ready))[0] == 200

        # the database goes away: not ready, while the process stays alive; then it comes back
        await breakable_db.cut()
        status, body = await get_json(http, ready)
        assert status == 503 and state(body, "database") == "down"
        assert body["components"]["database"]["detail"].startswith("does not answer")
        live_status, live = await get_json(http, base_url(app) + "/health/live")
        assert live_status == 200 and live["status"] == "ok"
        summary_status, summary = await get_json(http, base_url(app) + "/health")
        assert summary_status == 200 and summary["status"] == "degraded"
        assert summary["components"]["database"]["state"] == "down"
        await breakable_db.restore()
        status, body = await get_json(http, ready)
        assert status == 200 and state(body, "database") == "ok", body["components"]
    finally:
        await app.stop()


async def test_a_feed_that_never_delivers_a_trade_stops_being_ready(
    tmp_path: Any, make_settings: Callable[..., Settings], clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    settings = make_settings(database_url=f"sqlite://{tmp_path}/ready.db", http_port=0, ready_max_trade_age_seconds=120)
    app = await start_app(settings, clock, FakeFeed(connected=True, last_trade_at=None))
    try:
        status, body = await get_json(http, base_url(app) + "/health/ready")
        assert status == 200 and body["components"]["feed"]["detail"] == "connected, waiting for the first trade"
        clock.advance(seconds=121)
        status, body = await get_json(http, base_url(app) + "/health/ready")
        assert status == 503 and "no trade in 2m 1s" in body["components"]["feed"]["detail"]
    finally:
        await app.stop()


async def test_without_a_feed_readiness_needs_database_and_cache_only(
    tmp_path: Any, make_settings: Callable[..., Settings], clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    settings = make_settings(database_url=f"sqlite://{tmp_path}/ready.db", http_port=0)
    app = await start_app(settings, clock, None)
    try:
        app.health.set("telegram", State.DOWN, "login failed")
        status, body = await get_json(http, base_url(app) + "/health/ready")
        assert status == 200
        assert "feed" not in body["components"]
        assert body["components"]["telegram"] == {
            "state": "down",
            "detail": "login failed",
            "last_success": None,
            "required": False,
        }
    finally:
        await app.stop()


async def test_redis_down_is_degraded_but_ready(
    tmp_path: Any,
    redis_url: str,
    make_settings: Callable[..., Settings],
    clock: FakeClock,
    http: aiohttp.ClientSession,
) -> None:
    from urllib.parse import urlsplit

    target = urlsplit(redis_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    await proxy.start()
    settings = make_settings(
        database_url=f"sqlite://{tmp_path}/ready.db",
        http_port=0,
        redis_url=f"redis://127.0.0.1:{proxy.port}{target.path}",
    )
    app = await start_app(settings, clock, FakeFeed(connected=True, last_trade_at=clock.now))
    try:
        status, body = await get_json(http, base_url(app) + "/health/ready")
        assert status == 200 and body["components"]["cache"]["detail"] == "memory + redis"
        await proxy.cut()
        status, body = await get_json(http, base_url(app) + "/health/ready")
        assert status == 200 and state(body, "cache") == "degraded"
        assert "redis unreachable" in body["components"]["cache"]["detail"]
        await proxy.restore()
        status, body = await get_json(http, base_url(app) + "/health/ready")
        assert status == 200 and state(body, "cache") == "ok"
    finally:
        await app.stop()
        await proxy.cut()
