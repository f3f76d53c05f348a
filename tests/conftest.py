"""Shared fixtures.

The database backend is chosen per pytest run: POLYSCAN_TEST_DATABASE=sqlite (default) or
postgres (`make test` runs the suite once with each). With CI=true a test that needs PostgreSQL
or Redis fails when the service is unreachable instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from scanner_core.config import Settings

# the network guard: any non-loopback connection or name lookup fails the test (tests/support/netguard.py);
# pytester proves the guard
pytest_plugins = ["pytester", "tests.support.netguard_plugin"]
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DATABASE = os.environ.get("POLYSCAN_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("POLYSCAN_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("POLYSCAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Keep the developer's own .env and POLYSCAN_* variables out of tests.
for _name in [n for n in os.environ if n.startswith("POLYSCAN_") and not n.startswith("POLYSCAN_TEST_")]:
    del os.environ[_name]


def service_unavailable(what: str) -> None:
    """Skip, or fail in CI, when a service a test needs is unreachable."""
    if IN_CI:
        pytest.fail(f"{what} is unreachable and CI=true requires it")
    pytest.skip(f"{what} is unreachable")


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    """Fresh Settings per call, ignoring any .env file."""

    def build(**overrides: Any) -> Settings:
        return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 7, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ---------------------------------------------------------------- database


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    parts = urlsplit(PG_URL)
    if not tcp_open(parts.hostname or "127.0.0.1", parts.port or 5432):
        service_unavailable(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}")
    name = f"polyscan_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(PG_URL, f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        asyncio.run(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_PG_MIGRATED: set[str] = set()
TABLES = (
    "trades",
    "alerts",
    "wallet_profiles",
    "markets",
    "wallet_trades",
    "system_metrics",
    "subscriptions",
    "channel_rules",
    "deliveries",
    "wallet_classifications",
    "delivery_workers",
    "webhooks",
    "chain_transfers",
    "funder_edges",
    "chain_scans",
    "funding_traces",
    "feed_state",
    "wallet_histories",
    "wallet_history_activity",
    "wallet_history_positions",
    "quarantine",
    "price_points",
    "ingest_checkpoints",
)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if TEST_DATABASE == "postgres":
        return str(request.getfixturevalue("pg_database"))
    return f"sqlite://{tmp_path}/polyscan-test.db"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """Tortoise connected to a migrated, empty database of this run's backend."""
    from tortoise import connections

    from db import setup as db_setup

    await db_setup.connect(database_url, 5)
    if database_url.startswith("postgres"):
        if database_url not in _PG_MIGRATED:
            await db_setup.migrate(database_url)
            _PG_MIGRATED.add(database_url)
        await connections.get("default").execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
    else:
        await db_setup.migrate(database_url)
    try:
        yield database_url
    finally:
        await db_setup.close()


# ---------------------------------------------------------------- redis


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """Redis (db 15, flushed) or skip/fail."""
    parts = urlsplit(REDIS_URL)
    if not tcp_open(parts.hostname or "127.0.0.1", parts.port or 6379):
        service_unavailable(f"Redis at {parts.hostname}:{parts.port or 6379}")
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()
    yield REDIS_URL
