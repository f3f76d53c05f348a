"""`polyscan replay` runs recorded trades through the pipeline: JSON alerts for jq, a summary, no
second alert on a second run, and a clear FILE:LINE error after the valid lines were used."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import TABLES

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "replay" / "dota_2026-01-08_trades.json"
FIELDS = {
    "wallet",
    "condition_id",
    "severity",
    "confidence",
    "signals",
    "trade_time",
    "usd",
    "side",
    "outcome",
    "price",
}


def replay(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["replay", *args])
    return int(exit_info.value.code or 0)


async def _empty_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        present = [
            r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        ]
        tables = [t for t in TABLES if t in present]
        if tables:
            await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
    finally:
        await conn.close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """The CLI runs its own event loop: the database is emptied here, not through the async fixture."""
    if database_url.startswith("postgres"):
        asyncio.run(_empty_postgres(database_url))
    monkeypatch.setenv("POLYSCAN_DATABASE_URL", database_url)
    monkeypatch.setenv("POLYSCAN_MIN_TRADE_USD", "200")
    monkeypatch.setenv("POLYSCAN_LOG_LEVEL", "ERROR")


@pytest.mark.usefixtures("env")
def test_json_alerts_pipe_into_jq_and_a_second_run_adds_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert replay(["--offline", "--json", str(FIXTURE)]) == 0
    out, err = capsys.readouterr()
    alerts = [json.loads(line) for line in out.splitlines()]
    assert alerts and all(set(a) >= FIELDS for a in alerts)
    first = alerts[0]
    assert first["trade_time"].endswith("Z") and first["severity"] in {"info", "notable", "high", "critical"}
    assert 0 <= first["confidence"] <= 1 and first["signals"]
    assert "replayed 307 trades" in err and f"alerts: {len(alerts)} new" in err

    assert replay(["--offline", "--json", str(FIXTURE)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"alerts: 0 new (none); {len(alerts)} already known" in err


@pytest.mark.usefixtures("env")
def test_readable_lines_then_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert replay(["--offline", str(FIXTURE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    alert_lines = [line for line in lines if line.startswith("2026-01-08")]
    assert alert_lines and "| 0x" in alert_lines[0]
    assert any(line.startswith("top wallets by stored volume:") for line in lines)


@pytest.mark.usefixtures("env")
def test_a_broken_file_names_file_and_line_after_using_the_valid_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = json.loads(FIXTURE.read_text())
    frames = [json.dumps({"topic": "activity", "type": "trades", "payload": row}) for row in reversed(rows[-40:])]
    broken = tmp_path / "frames.jsonl"
    broken.write_text("\n".join([*frames, '{"topic": "activity", "payl']) + "\n")
    assert replay(["--offline", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert "replayed 37 trades from 1 file(s) (3 repeated fills skipped)" in out  # all 40 frames were used
    assert f"polyscan replay: {broken}:41:" in err
