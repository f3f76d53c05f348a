"""The real `polyscan run` against the fake Polymarket, killed and started again.

Trades the process had taken but not yet stored when it died come back from the Data API at the
next start (the feed watermark), each stored once, and a trade alerted before the crash raises no
second alert when it is admitted again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_DATABASE, free_port
from tests.fakes.polymarket import FakePolymarket, fresh_trades, sample_trade_rows

SMALL = 8  # a $17 fill: below POLYSCAN_MIN_TRADE_USD, never stored
BIG = (1, 2, 4)  # $16k-$19k fills: stored, and each raises a large-trade alert (fixture rows)


@pytest.fixture
async def pm() -> AsyncIterator[FakePolymarket]:
    async with FakePolymarket() as fake:
        yield fake


@pytest.fixture
def empty_database(request: pytest.FixtureRequest, database_url: str) -> str:
    """This run's backend, empty; the processes under test migrate it themselves."""
    if TEST_DATABASE == "postgres":
        request.getfixturevalue("db")  # migrated and truncated (its connection is idle meanwhile)
    return database_url


async def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """One read from outside the process under test (a missing table reads as no rows)."""
    if urlsplit(url).scheme == "sqlite":
        path = urlsplit(url).netloc + urlsplit(url).path
        if not Path(path).exists():
            return []
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            try:
                return list(conn.execute(sql).fetchall())
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []
                raise
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1), timeout=5)
    try:
        return [tuple(row) for row in await conn.fetch(sql)]
    except asyncpg.UndefinedTableError:
        return []
    finally:
        await conn.close()


async def eventually(check: Callable[[], Any], timeout: float = 30.0) -> None:
    """Poll an async check until it holds (positive signals only; never a fixed wait)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(0.05)


class Process:
    """`polyscan run` in a subprocess, its output in files (a pipe left unread would block it)."""

    def __init__(self, tmp_path: Path, name: str, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.name = name
        self.env = env
        self.port = env["POLYSCAN_HTTP_PORT"]
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with (
            (self.tmp_path / f"{self.name}.out").open("w") as out,
            (self.tmp_path / f"{self.name}.err").open("w") as err,
        ):  # the child keeps its own copies of the descriptors
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env, cwd=self.tmp_path, stdout=out, stderr=err
            )

    async def metrics(self) -> dict[str, float]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{self.port}/metrics", timeout=aiohttp.ClientTimeout(total=2)) as response,
        ):
            text = await response.text()
        totals: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
        return totals

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    def log(self) -> str:
        return (self.tmp_path / f"{self.name}.err").read_text()


def polyscan_env(pm: FakePolymarket, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYSCAN_")}
    env.update(
        POLYSCAN_DATABASE_URL=database_url,
        POLYSCAN_HTTP_PORT=str(free_port()),
        POLYSCAN_GAMMA_URL=pm.gamma_url,
        POLYSCAN_DATA_API_URL=pm.data_api_url,
        POLYSCAN_CLOB_URL=pm.clob_url,
        POLYSCAN_RTDS_URL=pm.rtds_url,
        POLYSCAN_CLOB_WS_URL=pm.clob_ws_url,
        POLYSCAN_RTDS_PING_SECONDS="0.5",  # a reconnect's backfill waits at most this for a first trade
        POLYSCAN_HTTP_MAX_RETRIES="1",
    )
    env.update(extra)
    return env


async def test_trades_buffered_at_a_crash_come_back_once_from_the_watermark(
    pm: FakePolymarket, empty_database: str, tmp_path: Path
) -> None:
    url = empty_database
    pm.clear_trades()
    start = int(datetime.now(UTC).timestamp()) - 600
    templates = sample_trade_rows()
    small = fresh_trades([templates[SMALL]], 10, start_ts=start, per_second=1, salt="small")
    big = fresh_trades([templates[i] for i in BIG], 9, start_ts=start + 10, per_second=1, salt="big")
    big_keys = {row["transactionHash"] for row in big}

    # 1. a process that takes the trades but would store them only after an hour, and dies first
    first = Process(
        tmp_path,
        "first",
        polyscan_env(pm, url, POLYSCAN_PIPELINE_FLUSH_SECONDS="3600", POLYSCAN_PIPELINE_BATCH_SIZE="100000"),
    )
    second = Process(tmp_path, "second", polyscan_env(pm, url))
    try:
        await first.start()
        await pm.wait_until(lambda: pm.rtds_subscriptions >= 1, timeout=60)
        await pm.publish_trades(small + big)

        async def alerted_all() -> bool:
            return (await query(url, "SELECT count(*) FROM alerts"))[:1] == [(len(big),)]

        await eventually(alerted_all)  # every big fill was judged (and alerted) before the crash

        async def watermark_at_first_big() -> bool:
            rows = await query(url, "SELECT value FROM feed_state WHERE name = 'feed'")
            return bool(rows) and datetime.fromisoformat(rows[0][0]).timestamp() == start + 10

        # the small fills are handled (nothing to store): the watermark stops at the oldest big one
        await eventually(watermark_at_first_big)
        assert await query(url, "SELECT count(*) FROM trades") == [(0,)]  # all still in the batch
        await first.kill()

        # 2. started again: the backfill from the watermark brings the buffered fills, each once
        await second.start()

        async def stored_all() -> bool:
            return await query(url, "SELECT count(*) FROM trades") == [(len(big),)]

        await eventually(stored_all)
        rows = await query(url, "SELECT tx_hash, count(*) FROM trades GROUP BY tx_hash")
        assert {tx for tx, _ in rows} == big_keys and {n for _, n in rows} == {1}

        async def past_the_last_fill() -> bool:
            rows = await query(url, "SELECT value FROM feed_state WHERE name = 'feed'")
            return bool(rows) and datetime.fromisoformat(rows[0][0]).timestamp() >= start + 18

        await eventually(past_the_last_fill)
        seen = await second.metrics()
        # every fill was admitted again (the overlap reaches the small ones too) ...
        assert seen["scanner_trades_received_total"] >= len(small) + len(big)
        # ... and none raised a second alert: the alerts of the first run are known by their keys
        assert seen.get("scanner_alerts_generated_total", 0.0) == 0
        assert await query(url, "SELECT count(*) FROM alerts") == [(len(big),)]
        assert '"event":"feed_resumes"' in second.log()
    finally:
        await first.stop()
        await second.stop()
