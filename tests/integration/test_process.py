"""`polyscan` as a user runs it: a real subprocess, real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import free_port
from tests.fakes.telegram import FakeTelegram
from tests.support.netguard import guarded_env

ROOT = Path(__file__).resolve().parents[2]


def polyscan_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYSCAN_")}
    env.update(
        POLYSCAN_DATABASE_URL=f"sqlite://{tmp_path}/run.db",
        POLYSCAN_HTTP_PORT=str(free_port()),
        # no network here: point the feed at a closed local port so start-up does not wait on DNS
        POLYSCAN_RTDS_URL=f"ws://127.0.0.1:{free_port()}",
        POLYSCAN_CLOB_WS_URL=f"ws://127.0.0.1:{free_port()}",
        POLYSCAN_DATA_API_URL=f"http://127.0.0.1:{free_port()}",
        POLYSCAN_GAMMA_URL=f"http://127.0.0.1:{free_port()}",
        POLYSCAN_CLOB_URL=f"http://127.0.0.1:{free_port()}",
    )
    env.update(extra)
    return guarded_env(env)


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


async def test_run_serves_health_and_metrics_then_stops_cleanly(tmp_path: Path) -> None:
    async with FakeTelegram(token="123:SUPER-SECRET") as tg:
        env = polyscan_env(
            tmp_path,
            POLYSCAN_TELEGRAM_TOKEN=tg.token,
            POLYSCAN_TELEGRAM_API_URL=tg.base_url,
            POLYSCAN_TELEGRAM_FILE_URL=tg.base_file_url,
        )
        port = env["POLYSCAN_HTTP_PORT"]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=PIPE, stderr=PIPE
        )
        try:
            status, body = await _first_health(f"http://127.0.0.1:{port}/health", proc)
            assert status == 200, "no /health within 60 s"
            assert body["components"]["database"]["state"] == "ok"
            assert "uptime_seconds" in body and "version" in body
            assert (tmp_path / "run.db").exists()
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert b"scanner_trades_received_total" in await response.read()
            # logged in to the fake and about to poll (getUpdates is recorded only when its long poll ends)
            await tg.wait_for_calls("deleteWebhook", 1, timeout=30)
        finally:
            proc.send_signal(signal.SIGTERM)
            raw_out, raw_err = await asyncio.wait_for(proc.communicate(), timeout=30)
    out, err = raw_out.decode(), raw_err.decode()
    assert proc.returncode == 0, err
    assert "SUPER-SECRET" not in out + err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines and all("component" in line for line in lines)
    assert any(line["event"] == "stopped" for line in lines)


async def _first_health(url: str, proc: asyncio.subprocess.Process) -> tuple[int, dict]:  # type: ignore[type-arg]
    """The first answer of /health once the process serves it (it is listening when it answers)."""
    deadline = asyncio.get_running_loop().time() + 60
    async with aiohttp.ClientSession() as http:
        while asyncio.get_running_loop().time() < deadline and proc.returncode is None:
            try:
                async with http.get(url) as response:
                    return response.status, await response.json()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    return 0, {}


def test_bad_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli(["run"], polyscan_env(tmp_path, POLYSCAN_LOG_LEVEL="loud"), tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "POLYSCAN_LOG_LEVEL" in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_database_exits_nonzero_with_a_clear_message(tmp_path: Path) -> None:
    env = polyscan_env(tmp_path, POLYSCAN_DATABASE_URL=f"postgres://polyscan:pw-xyz@127.0.0.1:{free_port()}/polyscan")
    result = run_cli(["run"], env, tmp_path)
    assert result.returncode == 1
    assert "not reachable" in result.stderr and "Traceback" not in result.stderr
    assert "pw-xyz" not in result.stderr


def test_migrate_creates_tables_and_is_idempotent(tmp_path: Path) -> None:
    env = polyscan_env(tmp_path)
    first = run_cli(["migrate"], env, tmp_path)
    assert first.returncode == 0 and "applied" in first.stdout
    second = run_cli(["migrate"], env, tmp_path)
    assert second.returncode == 0 and "up to date" in second.stdout


def test_doctor_masks_secrets(tmp_path: Path) -> None:
    env = polyscan_env(tmp_path, POLYSCAN_DISCORD_TOKEN="discord-very-secret")
    result = run_cli(["doctor"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "POLYSCAN_DISCORD_TOKEN = ****" in result.stdout
    assert "discord-very-secret" not in result.stdout + result.stderr
    assert "[ok] database" in result.stdout


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """Fails when db/models.py changed without `make migrations` (run apart: it loads both dialects)."""
    code = (
        "import asyncio, json; from db.makemigrations import make_migrations; "
        "print(json.dumps(asyncio.run(make_migrations('check', dry_run=True))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=guarded_env(dict(os.environ)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"sqlite": None, "postgres": None}


@pytest.mark.skipif(os.environ.get("POLYSCAN_TEST_DATABASE") != "postgres", reason="PostgreSQL run only")
def test_run_creates_tables_on_postgres(pg_database: str, tmp_path: Path) -> None:
    result = run_cli(["migrate"], polyscan_env(tmp_path, POLYSCAN_DATABASE_URL=pg_database), tmp_path)
    assert result.returncode == 0, result.stderr
