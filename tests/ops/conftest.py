"""Fixtures for the operations tests: a trade feed, an admin chat, and a database that can go away."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest

from tests.conftest import PG_URL, TEST_DATABASE
from tests.support.tcp_proxy import TcpProxy


@dataclass
class FakeFeed:
    """A live feed as health checks see it (scanner_core.ports.FeedStatus)."""

    connected: bool = True
    last_trade_at: datetime | None = None
    reconnects: int = 0
    problem: str | None = None


@dataclass
class AdminChat:
    """An AdminNotifier that records what the admin chat would receive; can be made to fail."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    failures: int = 0

    async def notify_admin(self, text: str, severity: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("admin chat unreachable")
        self.messages.append((text, severity))


@pytest.fixture
def admin_chat() -> AdminChat:
    return AdminChat()


class BreakableDatabase:
    """A migrated-on-start database of this run's backend that a test can take away and bring back.

    PostgreSQL: reached through a TCP proxy that is cut (open connections drop, new ones are refused).
    SQLite: the file's directory is moved away, as when its volume goes (the open connection still
    answers, but the database the settings name is gone), and moved back.
    """

    def __init__(self, url: str, proxy: TcpProxy | None, directory: Path | None) -> None:
        self.url = url
        self._proxy = proxy
        self._directory = directory

    async def cut(self) -> None:
        if self._proxy is not None:
            await self._proxy.cut()
            return
        assert self._directory is not None
        self._directory.rename(self._directory.with_name(self._directory.name + ".away"))

    async def restore(self) -> None:
        if self._proxy is not None:
            await self._proxy.restore()
            return
        assert self._directory is not None
        self._directory.with_name(self._directory.name + ".away").rename(self._directory)


@pytest.fixture
async def breakable_db(database_url: str, tmp_path: Path) -> AsyncIterator[BreakableDatabase]:
    if TEST_DATABASE == "postgres":
        database = urlsplit(database_url)
        upstream = urlsplit(PG_URL)
        proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5432)
        await proxy.start()
        credentials = database.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
        try:
            yield BreakableDatabase(urlunsplit(database._replace(netloc=netloc)), proxy, None)
        finally:
            await proxy.cut()
        return
    directory = tmp_path / "dbdir"
    directory.mkdir()
    try:
        yield BreakableDatabase(f"sqlite://{directory}/polyscan.db", None, directory)
    finally:
        away = directory.with_name(directory.name + ".away")
        if away.exists():
            shutil.rmtree(away)


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with http.get(url) as response:
        return response.status, await response.json()
