"""The system alerter against real parts: the monitor's real checks (database, Redis, metrics) and
a real Telegram admin chat (python-telegram-bot against the fake Bot API on loopback); Sentry
against a local ingestion endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from db import setup as db_setup
from scanner_core.alerter import Condition, SystemAlerter, Thresholds
from scanner_core.cache import build_cache
from scanner_core.health import HealthRegistry, State
from scanner_core.metrics import API_RATE_LIMITED, CIRCUIT_OPEN, ERRORS, WEBSOCKET_CONNECTED
from scanner_core.monitoring import Monitor, sqlite_file
from tests.conftest import FakeClock, free_port
from tests.ops.conftest import AdminChat, BreakableDatabase, FakeFeed
from tests.support.netguard import guarded_env

ROOT = Path(__file__).resolve().parents[2]
ADMIN_CHAT = -1001234


class TelegramAdminNotifier:
    """The smallest AdminNotifier over python-telegram-bot: one message per system alert."""

    def __init__(self, bot: object, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id

    async def notify_admin(self, text: str, severity: str) -> None:
        await self._bot.send_message(chat_id=self._chat_id, text=f"[{severity.upper()}] {text}")  # type: ignore[attr-defined]


@pytest.fixture
async def connected(breakable_db: BreakableDatabase) -> AsyncIterator[BreakableDatabase]:
    await db_setup.connect(breakable_db.url, 2)
    try:
        yield breakable_db
    finally:
        await db_setup.close()


def monitor_for(database: BreakableDatabase, clock: FakeClock, **kwargs: object) -> Monitor:
    defaults: dict[str, object] = {
        "db_ping": db_setup.ping,
        "db_file": sqlite_file(database.url),
        "cache": None,
        "feed": None,
        "max_trade_age_seconds": 600,
        "started_at": clock.now,
        "clock": clock,
        "memory": lambda: 10 * 1024 * 1024,
    }
    defaults.update(kwargs)
    return Monitor(HealthRegistry(clock), **defaults)  # type: ignore[arg-type]


async def test_database_outage_reaches_the_telegram_admin_chat_once_then_recovers(
    connected: BreakableDatabase, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    from telegram import Bot

    from tests.fakes.telegram import FakeTelegram

    monitor = monitor_for(connected, clock)
    async with FakeTelegram(token="123:ABC") as tg, Bot(tg.token, base_url=tg.base_url) as bot:
        alerter = SystemAlerter(
            Thresholds(), observe=monitor.observe, notifier=TelegramAdminNotifier(bot, ADMIN_CHAT), clock=clock
        )

        def database_messages() -> list[str]:
            return [m["text"] for m in tg.messages_to(ADMIN_CHAT) if "atabase" in m["text"]]

        await alerter.check()
        assert database_messages() == []
        await connected.cut()
        for _ in range(3):
            clock.advance(seconds=30)
            await alerter.check()
        assert len(database_messages()) == 1
        assert database_messages()[0].startswith("[CRITICAL] Database unreachable (does not answer")
        await connected.restore()
        clock.advance(seconds=30)
        await alerter.check()
        clock.advance(seconds=30)
        await alerter.check()
        assert database_messages()[1:] == ["[INFO] Recovered: the database answers again (lasted 1m 30s)."]


async def test_the_monitor_observes_the_real_metrics_cache_and_feed(connected: BreakableDatabase) -> None:
    clock = FakeClock()
    health = HealthRegistry(clock)
    dead_redis = build_cache(
        f"redis://127.0.0.1:{free_port()}/0", l1_max_items=100, retry_seconds=5, timeout=0.2, health=health
    )
    feed = FakeFeed(connected=True, last_trade_at=clock.now)
    monitor = Monitor(
        health,
        db_ping=db_setup.ping,
        db_file=sqlite_file(connected.url),
        cache=dead_redis,
        feed=feed,
        max_trade_age_seconds=600,
        started_at=clock.now,
        clock=clock,
        memory=lambda: 123,
    )
    CIRCUIT_OPEN.labels(host="ops-test-host").set(1)
    WEBSOCKET_CONNECTED.labels(stream="ops-test-stream").set(0)
    WEBSOCKET_CONNECTED.labels(stream="ops-test-never-run").set(0)
    health.set("ops-test-stream", State.DEGRADED, "reconnecting")
    health.set("telegram", State.DOWN, "polling: 401 Unauthorized: the token was refused; retrying in 8s")
    health.set("discord", State.OK, "connected")
    API_RATE_LIMITED.labels(endpoint="/ops-test").inc(2)
    ERRORS.labels(component="ops-test").inc(4)
    try:
        clock.advance(seconds=42)
        seen = await monitor.observe()
        assert seen.database_ok and seen.database_detail == "answers"
        assert not seen.cache_ok and "redis unreachable" in seen.cache_detail
        assert seen.circuits_open["ops-test-host"] is True
        assert seen.streams["ops-test-stream"] is False
        assert "ops-test-never-run" not in seen.streams  # built but never started: not "down"
        assert seen.rate_limited_total["/ops-test"] == 2
        assert seen.errors_total["ops-test"] == 4
        assert seen.feed_enabled and seen.last_trade_at == feed.last_trade_at
        assert seen.memory_bytes == 123
        assert seen.bots_down == {"telegram": "polling: 401 Unauthorized: the token was refused; retrying in 8s"}
        from prometheus_client import REGISTRY

        assert REGISTRY.get_sample_value("scanner_feed_lag_seconds") == 42

        alerter = SystemAlerter(Thresholds(), observe=monitor.observe, notifier=AdminChat(), clock=clock)
        fired = {t.key for t in await alerter.check()}
        assert {"circuit_open:ops-test-host", Condition.REDIS.value} <= fired
    finally:
        CIRCUIT_OPEN.remove("ops-test-host")
        WEBSOCKET_CONNECTED.remove("ops-test-stream")
        WEBSOCKET_CONNECTED.remove("ops-test-never-run")
        API_RATE_LIMITED.remove("/ops-test")
        ERRORS.remove("ops-test")
        await dead_redis.close()


# ---------------------------------------------------------------- Sentry (in a subprocess: it hooks the process)

SENTRY_SCRIPT = textwrap.dedent(
    """
    import gzip, http.server, json, sys, threading
    received = []
    class Ingest(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append({"path": self.path, "body": body.decode("utf-8", "replace")})
            self.send_response(200)
            self.end_headers()
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from scanner_core.alerter import init_sentry
    assert init_sentry(None, release="t") is None and "sentry_sdk" not in sys.modules
    reporter = init_sentry(f"http://public@127.0.0.1:{server.server_port}/1", release="9.9.9")
    reporter.capture("Database unreachable: ops test", "critical")
    reporter.flush(5)
    server.shutdown()
    print(json.dumps(received))
    """
)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYSCAN_")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=guarded_env(env), capture_output=True, text=True, timeout=60
    )


def test_sentry_receives_system_alerts_when_a_dsn_is_set() -> None:
    pytest.importorskip("sentry_sdk")
    result = run_python(SENTRY_SCRIPT)
    assert result.returncode == 0, result.stderr
    received = json.loads(result.stdout.strip().splitlines()[-1])
    [event] = [r for r in received if "Database unreachable: ops test" in r["body"]]
    assert event["path"] == "/api/1/envelope/"
    assert '"level":"fatal"' in event["body"].replace(" ", "") and "polyscan@9.9.9" in event["body"]


def test_without_the_sentry_package_a_dsn_only_warns() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["sentry_sdk"] = None  # as if `pip install 'polyscan[sentry]'` was never run
        from scanner_core.alerter import init_sentry
        print(init_sentry("http://public@127.0.0.1:9/1", release="t"))
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "None"
    assert "sentry_unavailable" in result.stdout + result.stderr
