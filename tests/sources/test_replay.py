"""Replay source and `polyscan replay` over recorded real payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from scanner_core.models import Trade, TradeSource
from scanner_core.sources.replay import ReplayError, ReplaySource
from tests.sources.conftest import FIXTURES, fixture_path, load_fixture

MADURO = "data_api/trades_market_takerOnly_false_maduro_2026-01-06_66rows.json"
FRAMES = ["rtds/activity_trades_frame_2026-07-25.json", "rtds/activity_trades_frame_2026-08-19.json"]


async def collect(source: ReplaySource) -> list[Trade]:
    return [trade async for trade in source]


def rtds_lines(tmp_path: Path, extra: list[str] | None = None) -> Path:
    lines = [(FIXTURES / name).read_text().strip() for name in FRAMES]
    lines.insert(1, "")  # keepalive
    lines.insert(2, (FIXTURES / "rtds/crypto_prices_update_nautilus.json").read_text().replace("\n", ""))
    path = tmp_path / "frames.jsonl"
    path.write_text("\n".join(lines + (extra or [])) + "\n")
    return path


async def test_data_api_page_plays_oldest_first() -> None:
    trades = await collect(ReplaySource([fixture_path(MADURO)]))
    assert len(trades) == 66 and all(t.source is TradeSource.REPLAY for t in trades)
    times = [t.timestamp for t in trades]
    assert times == sorted(times) and times[0] < times[-1]
    rows = load_fixture(MADURO)
    assert {t.tx_hash for t in trades} == {r["transactionHash"] for r in rows}


async def test_v2_envelope_and_activity_pages() -> None:
    v2 = await collect(ReplaySource([fixture_path("data_api/v2_trades_SANITIZED_capture_nautilus_2026-08.json")]))
    assert len(v2) == 3 and v2[0].wallet == "0x" + "1" * 40
    activity = await collect(ReplaySource([fixture_path("data_api/activity_user_all_types_edulabrador_2026-07.json")]))
    assert len(activity) == 42  # the TRADE rows; rebates, rewards and redeems carry no fill


async def test_rtds_json_lines(tmp_path: Path) -> None:
    trades = await collect(ReplaySource([rtds_lines(tmp_path)]))
    assert [t.wallet for t in trades] == [
        "0x1015bb260154f51e5f432cb0a3227c1619fcbac8",
        "0x510f4963b66b1b18505faab74b0bb943d1dda43c",
    ]


async def test_repeated_fills_play_once(tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    payloads = [json.loads((FIXTURES / name).read_text())["payload"] for name in FRAMES]
    page.write_text(json.dumps([{**p, "proxyWallet": p["proxyWallet"].lower()} for p in payloads]))
    source = ReplaySource([rtds_lines(tmp_path), page])
    trades = await collect(source)
    assert len(trades) == 2 and source.counts["duplicates"] == 2


async def test_broken_line_fails_after_the_valid_lines(tmp_path: Path) -> None:
    path = rtds_lines(tmp_path, extra=['{"connection_id":"x","payload":{"asset":"1"', "{}"])
    source = ReplaySource([path])
    seen: list[Trade] = []
    with pytest.raises(ReplayError) as info:
        async for trade in source:
            seen.append(trade)
    assert len(seen) == 2
    assert info.value.line == 5 and info.value.path == str(path)
    assert str(info.value).startswith(f"{path}:5: not JSON")


async def test_bad_array_item_fails_after_the_valid_items(tmp_path: Path) -> None:
    rows = load_fixture("data_api/trades_global_edulabrador_2026-07.json")
    rows[3] = {**rows[3], "price": "lots"}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(rows))
    seen: list[Trade] = []
    with pytest.raises(ReplayError) as info:
        async for trade in ReplaySource([path]):
            seen.append(trade)
    assert len(seen) == 3 and info.value.item == 4 and "price" in info.value.reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"rows": []}', "unknown format"),
        ('[{"wallet": "0xabc", "market": "x", "size": 1}]', "unknown record shape"),
        ('[{"proxyWallet": "0x1",', "not JSON"),
    ],
)
async def test_unknown_or_truncated_files(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "odd.json"
    path.write_text(content)
    with pytest.raises(ReplayError, match=reason) as info:
        await collect(ReplaySource([path]))
    assert str(path) in str(info.value)


async def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="cannot read"):
        await collect(ReplaySource([tmp_path / "nope.json"]))


async def test_json_lines_in_a_json_file_are_recognised(tmp_path: Path) -> None:
    path = tmp_path / "frames.json"
    path.write_text(rtds_lines(tmp_path).read_text())
    assert len(await collect(ReplaySource([path]))) == 2


async def test_speed_scales_the_gaps(tmp_path: Path) -> None:
    template = load_fixture("data_api/trades_global_edulabrador_2026-07.json")[0]
    rows = [
        {**template, "transactionHash": f"0x{i:064x}", "timestamp": 1_790_000_000 + offset}
        for i, offset in enumerate((0, 5, 5, 25))
    ]
    path = tmp_path / "page.json"
    path.write_text(json.dumps(rows[::-1]))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    trades = await collect(ReplaySource([path], speed=10, sleep=sleep))
    assert len(trades) == 4 and slept == [0.5, 2.0]
    with pytest.raises(ValueError):
        ReplaySource([path], speed=-1)


def test_cli_prints_readable_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "replay",
                "--trades",
                str(fixture_path("data_api/trades_global_edulabrador_2026-07.json")),
                str(rtds_lines(tmp_path)),
            ]
        )
    assert exit_info.value.code == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 7
    assert lines[0].startswith("2026-07-17 22:16:22Z BUY  25445.29 Aleksandar Vukic @ 0.6478247448 ($16,484.09) 0x9709")
    assert "replayed 7 trades from 2 file(s)" in err


def test_cli_json_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "replay",
                "--trades",
                "--json",
                str(fixture_path("data_api/v2_trades_SANITIZED_capture_nautilus_2026-08.json")),
            ]
        )
    assert exit_info.value.code == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(objects) == 3 and objects[0]["size"] == "244" and objects[0]["source"] == "replay"
    assert objects[0]["timestamp"].endswith("Z")

    broken = rtds_lines(tmp_path, extra=["{not json"])
    with pytest.raises(SystemExit) as exit_info:
        main(["replay", "--trades", str(broken)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 1 and len(out.splitlines()) == 2
    assert f"polyscan replay: {broken}:5: not JSON" in err
