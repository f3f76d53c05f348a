"""Polymarket answering 403 (geo-blocking, Cloudflare's HTML page): one clear log line per host
naming the setting to change, a gauge, and one admin alert that recovers once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from scanner_core.alerter import SystemAlerter, Thresholds
from scanner_core.config import Settings
from scanner_core.health import HealthRegistry
from scanner_core.monitoring import Monitor
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.errors import HttpStatusError
from scanner_core.sources.forbidden import body_summary
from scanner_core.sources.http import HttpClient
from scanner_core.sources.rtds import RtdsStream
from tests.conftest import FakeClock
from tests.fakes.polymarket import CLOUDFLARE_403, FakePolymarket
from tests.ops.conftest import AdminChat


def forbidden_gauge(pm: FakePolymarket, setting: str) -> float | None:
    return REGISTRY.get_sample_value("scanner_api_forbidden", {"host": f"127.0.0.1:{pm.port}", "setting": setting})


def events(logs: list[dict[str, object]], name: str) -> list[dict[str, object]]:
    return [line for line in logs if line["event"] == name]


@pytest.fixture
async def data_api(
    pm: FakePolymarket, session: aiohttp.ClientSession, settings: Settings
) -> AsyncIterator[DataApiClient]:
    client = DataApiClient(HttpClient.from_settings(settings, session, max_retries=3), pm.data_api_url)
    yield client
    if forbidden_gauge(pm, "POLYSCAN_DATA_API_URL"):  # leave no 403 behind for other tests' alerters
        pm.faults.forbidden.clear()
        await client.trades(limit=1)


def test_an_html_error_page_reads_as_its_title() -> None:
    assert body_summary(CLOUDFLARE_403) == "Access denied | polymarket.com used Cloudflare to restrict access"
    assert body_summary(b'{"error": "not found"}') == '{"error": "not found"}'
    assert body_summary("<p>a\n\n  b</p>" * 100, limit=10) == "a b a b a"


async def test_a_403_is_one_clear_log_line_no_retries_and_clears_when_answered(
    pm: FakePolymarket, data_api: DataApiClient
) -> None:
    pm.faults.forbidden.add("data")
    with capture_logs() as logs:
        for _ in range(3):
            with pytest.raises(HttpStatusError) as raised:
                await data_api.trades(limit=1)
            assert raised.value.status == 403
            assert "<" not in str(raised.value) and "Access denied" in str(raised.value)
    assert pm.requests["data:/trades"] == 3  # refused means refused: no retries
    [line] = events(logs, "polymarket_forbidden")
    assert line["host"] == f"127.0.0.1:{pm.port}" and line["setting"] == "POLYSCAN_DATA_API_URL"
    assert line["answer"] == "Access denied | polymarket.com used Cloudflare to restrict access"
    assert "geo-blocking" in str(line["hint"]) and "POLYSCAN_DATA_API_URL" in str(line["hint"])
    assert forbidden_gauge(pm, "POLYSCAN_DATA_API_URL") == 1

    pm.faults.forbidden.clear()
    with capture_logs() as logs:
        await data_api.trades(limit=1)
        await data_api.trades(limit=1)
    assert len(events(logs, "polymarket_forbidden_cleared")) == 1
    assert forbidden_gauge(pm, "POLYSCAN_DATA_API_URL") == 0


async def test_a_403_handshake_names_the_stream_setting(pm: FakePolymarket, session: aiohttp.ClientSession) -> None:
    pm.faults.forbidden.add("rtds")
    rtds = RtdsStream(
        session, pm.rtds_url, backoff_min=0.005, backoff_max=0.02, sleep=asyncio.sleep, rng=random.Random(1)
    )

    async def ignore(text: str) -> None:
        return None

    with capture_logs() as logs:
        listening = asyncio.create_task(rtds.listen(ignore))
        try:
            await pm.wait_until(lambda: pm.faults_applied["rtds_403"] >= 5)
            lines = events(logs, "polymarket_forbidden")
            assert len(lines) == 1 and lines[0]["setting"] == "POLYSCAN_RTDS_URL"
            assert forbidden_gauge(pm, "POLYSCAN_RTDS_URL") == 1
            pm.faults.forbidden.clear()
            await pm.wait_until(lambda: pm.rtds_subscriptions >= 1)
            assert forbidden_gauge(pm, "POLYSCAN_RTDS_URL") == 0
            assert len(events(logs, "polymarket_forbidden_cleared")) == 1
        finally:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)


async def test_the_admin_chat_hears_it_once_and_the_recovery_once(pm: FakePolymarket, data_api: DataApiClient) -> None:
    clock = FakeClock(datetime.now(UTC))

    async def db_answers() -> None:
        return None

    monitor = Monitor(
        HealthRegistry(clock),
        db_ping=db_answers,
        cache=None,
        feed=None,
        max_trade_age_seconds=600,
        started_at=clock.now,
        clock=clock,
        memory=lambda: 1,
    )
    admin = AdminChat()
    alerter = SystemAlerter(Thresholds(), observe=monitor.observe, notifier=admin, clock=clock)
    await alerter.check()
    pm.faults.forbidden.add("data")
    for _ in range(4):
        with pytest.raises(HttpStatusError):
            await data_api.trades(limit=1)
        clock.advance(seconds=30)
        await alerter.check()
    forbidden = [text for text, _ in admin.messages if "403" in text]
    assert len(forbidden) == 1 and admin.messages[-1][1] == "critical"
    assert f"127.0.0.1:{pm.port} (POLYSCAN_DATA_API_URL)" in forbidden[0] and "geo-blocking" in forbidden[0]

    pm.faults.forbidden.clear()
    await data_api.trades(limit=1)
    for _ in range(3):
        clock.advance(seconds=30)
        await alerter.check()
    recovered = [text for text, _ in admin.messages if text.startswith("Recovered")]
    assert recovered == ["Recovered: Polymarket answers again (no more 403 Forbidden) (lasted 2m 0s)."]


def startup_env(pm: FakePolymarket, tmp: str, port: int) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYSCAN_")}
    env.update(
        POLYSCAN_DATABASE_URL=f"sqlite://{tmp}/run.db",
        POLYSCAN_HTTP_PORT=str(port),
        POLYSCAN_GAMMA_URL=pm.gamma_url,
        POLYSCAN_DATA_API_URL=pm.data_api_url,
        POLYSCAN_CLOB_URL=pm.clob_url,
        POLYSCAN_RTDS_URL=pm.rtds_url,
        POLYSCAN_CLOB_WS_URL=pm.clob_ws_url,
        POLYSCAN_WS_BACKOFF_MIN_SECONDS="0.05",
        POLYSCAN_WS_BACKOFF_MAX_SECONDS="0.2",
        POLYSCAN_ALERT_CHECK_SECONDS="0.3",
    )
    return env


async def test_a_geoblocked_start_says_so_once(pm: FakePolymarket, tmp_path: object) -> None:
    """`polyscan run` where Polymarket answers 403 to everything: one log line per host and
    setting it touched, and one admin alert, however long it keeps trying."""
    import json
    import sys

    from tests.conftest import free_port

    pm.faults.geoblock()
    port = free_port()
    err_path = f"{tmp_path}/err.log"
    with open(err_path, "w") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=startup_env(pm, str(tmp_path), port),
            cwd=str(tmp_path),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=err,
        )

    def lines() -> list[dict[str, object]]:
        with open(err_path) as handle:
            return [json.loads(line) for line in handle if line.startswith("{")]

    async def alert_checks() -> float:
        try:
            async with aiohttp.ClientSession() as client, client.get(f"http://127.0.0.1:{port}/metrics") as response:
                text = await response.text()
        except aiohttp.ClientError:
            return 0.0
        prefix = 'scanner_job_runs_total{job="system_alerts",outcome="ok"} '
        return sum(float(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix))

    try:
        await pm.wait_until(lambda: any(line["event"] == "admin_alert" for line in lines()), timeout=60)
        checks = await alert_checks()
        before = pm.faults_applied["rtds_403"]
        deadline = asyncio.get_running_loop().time() + 30
        while await alert_checks() < checks + 3 or pm.faults_applied["rtds_403"] < before + 3:
            assert asyncio.get_running_loop().time() < deadline, "the process stopped checking or retrying"
            await asyncio.sleep(0.05)
    finally:
        proc.terminate()
        await proc.wait()
    seen = lines()
    words = [line for line in seen if line["event"] == "polymarket_forbidden"]
    settings = [line["setting"] for line in words]
    assert "POLYSCAN_RTDS_URL" in settings and len(settings) == len(set(settings))  # once per setting
    assert all(line["level"] == "error" and "geo-blocking" in str(line["hint"]) for line in words)
    alerts = [line for line in seen if line["event"] == "admin_alert"]
    assert len(alerts) == 1 and "403 Forbidden" in str(alerts[0]["text"])
    assert "POLYSCAN_RTDS_URL" in str(alerts[0]["text"])


async def test_doctor_names_the_setting_when_polymarket_answers_403(pm: FakePolymarket, tmp_path: object) -> None:
    import sys

    from tests.conftest import free_port

    pm.faults.geoblock()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        env=startup_env(pm, str(tmp_path), free_port()),
        cwd=str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    for label, setting in (("gamma api", "GAMMA_URL"), ("data api", "DATA_API_URL"), ("clob api", "CLOB_URL")):
        assert f"[FAIL] {label}: HTTP 403 Forbidden: geo-blocked? set POLYSCAN_{setting}" in text
