"""`polyscan ingest` on the command line: one line and exit 2 for a bad flag or date; a summary
line, the failures and the exit code of a run; a clear line when interrupted."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys

import pytest

from bot.cli import main
from bot.ingest import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, run_ingest
from db.repositories import Repositories
from scanner_core.backtest.selection import Selection
from scanner_core.backtest.stopping import StopSignal
from tests.backtest.conftest import IngestRig
from tests.fakes.polymarket import SlidingWindowLimit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "polyscan ingest: say what to ingest: --event, --market, --closed --since or --file"),
        (["--closed"], "polyscan ingest: --closed: needs --since DATE"),
        (["--closed", "--since", "2026-02-30"], "polyscan ingest: --since: not a date: '2026-02-30'"),
        (["--closed", "--since", "2026-07-01", "--until", "soon"], "polyscan ingest: --until: not a date: 'soon'"),
        (["--closed", "--since", "2026-07-02", "--until", "2026-07-01"], "polyscan ingest: --until: is before --since"),
        (["--since", "2026-07-01"], "polyscan ingest: --since: only goes with --closed"),
        (["--market", "0x1234"], "polyscan ingest: --market: '0x1234' is not a condition id"),
        (["--market", "https://example.com/x"], "polyscan ingest: --market: only polymarket.com links name a market"),
        (["--event", "0x" + "a" * 64], "polyscan ingest: --event: "),
        (["--file", "/no/such/file.json"], "polyscan ingest: --file: no such file: /no/such/file.json"),
        (["--event"], "polyscan ingest: argument --event: expected one argument"),
        (["--event", "x", "--bogus"], "polyscan ingest: unrecognized arguments: --bogus"),
    ],
)
def test_a_bad_flag_or_date_exits_2_with_one_line_naming_it(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest", *args])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith(message)


async def test_a_run_prints_one_summary_line_and_the_failures(rig: IngestRig) -> None:
    market = rig.history.market(trades=40, resolution="split")
    rig.history.event("summed-up", [market])
    out, err = io.StringIO(), io.StringIO()
    selection = Selection(events=("summed-up", "missing-event"))
    code = await run_ingest(rig.settings(), selection, wallets=rig.wallets, out=out, err=err, clock=rig.clock)
    assert code == EXIT_FAILED
    trades = len(rig.pm.trades_of(market.condition_id))
    wallets = len({row["proxyWallet"] for row in rig.pm.trades_of(market.condition_id)})
    calls = sum(rig.pm.requests.values())
    points = sum(len(rig.pm.price_history[token]) for token in market.token_ids)
    assert out.getvalue() == (
        f"ingested 1 of 1 markets (1 split); {trades} trades fetched ({trades} new); {points} new price points; "
        f"{wallets} wallets ({wallets} histories fetched); {calls} API calls; "
        + out.getvalue().rsplit("API calls; ", 1)[1]
    )
    assert err.getvalue() == "polyscan ingest: --event missing-event: event 'missing-event' not found on Gamma\n"

    out, err = io.StringIO(), io.StringIO()
    again = Selection(events=("summed-up",))
    assert await run_ingest(rig.settings(), again, out=out, err=err, progress=True) == EXIT_OK
    assert out.getvalue().startswith("ingested 1 of 1 markets (1 split); 0 trades fetched (0 new); 0 new price points")


async def test_without_a_stand_in_the_engine_stores_each_wallet_history_once(rig: IngestRig) -> None:
    market = rig.history.market(trades=30)
    rig.history.event("with-histories", [market])
    addresses = sorted({row["proxyWallet"].lower() for row in rig.pm.trades_of(market.condition_id)})
    out, err = io.StringIO(), io.StringIO()
    assert await run_ingest(rig.settings(), Selection(events=("with-histories",)), out=out, err=err) == EXIT_OK
    assert f"{len(addresses)} wallets ({len(addresses)} histories fetched)" in out.getvalue()
    assert len(await Repositories().wallet_histories.coverage(addresses)) == len(addresses)


async def test_an_interrupted_run_says_how_far_it_got(rig: IngestRig) -> None:
    markets = [rig.history.market(trades=200) for _ in range(4)]
    rig.history.event("cut-short", markets)
    stop = StopSignal()
    out, err = io.StringIO(), io.StringIO()
    run = asyncio.create_task(
        run_ingest(rig.settings(), Selection(events=("cut-short",)), wallets=rig.wallets, out=out, err=err, stop=stop)
    )
    await rig.pm.wait_until(lambda: rig.pm.requests["data:/v2/trades"] >= 3, timeout=20)
    stop.set()
    assert await run == EXIT_INTERRUPTED
    assert "polyscan ingest: interrupted with " in err.getvalue()
    assert "run the same command again to continue" in err.getvalue()
    code = await run_ingest(
        rig.settings(), Selection(events=("cut-short",)), wallets=rig.wallets, out=out, err=io.StringIO()
    )
    assert code == EXIT_OK


async def test_paced_under_the_servers_rate_limit(rig: IngestRig) -> None:
    markets = [rig.history.market(trades=150) for _ in range(3)]
    rig.history.event("paced", markets)
    rig.pm.rate_limit = SlidingWindowLimit({"data:/v2/trades": 8, "data:*": 1000}, window=1.0)
    report = await rig.run(Selection(events=("paced",)), rate_limit_window_seconds=1.0, rate_data_trades=8)
    assert report.markets_done == 3 and not report.failures
    for market in markets:
        assert (await rig.stored_trades(market.condition_id)).keys() == rig.expected_trades(market.condition_id).keys()


async def test_ctrl_c_stops_the_command_cleanly_and_the_same_command_finishes(
    rig: IngestRig, database_url: str
) -> None:
    markets = [rig.history.market(trades=150) for _ in range(3)]
    rig.history.event("signalled", markets)
    # a tight budget keeps the command busy long enough to be interrupted mid-way
    rig.pm.rate_limit = SlidingWindowLimit({"data:/v2/trades": 4, "data:*": 1000}, window=10.0)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("POLYSCAN_")},
        **{f"POLYSCAN_{k.upper()}": v for k, v in rig.pm.settings_overrides().items()},
        "POLYSCAN_DATABASE_URL": database_url,
        "POLYSCAN_LOG_LEVEL": "ERROR",
        "POLYSCAN_INGEST_PAGE_SIZE": "50",
        "POLYSCAN_RATE_DATA_TRADES": "4",
    }

    async def command() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "ingest", "--event", "signalled",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    process = await command()
    await rig.pm.wait_until(lambda: rig.pm.requests["data:/v2/trades"] >= 4, timeout=60)
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, err.decode()
    lines = err.decode().splitlines()
    assert "polyscan ingest: stopping after the pages in flight (again to quit at once)" in lines
    assert any(line.startswith("polyscan ingest: interrupted with ") for line in lines)
    assert out.decode().startswith("ingested ")

    rig.pm.rate_limit = None
    env["POLYSCAN_RATE_DATA_TRADES"] = "200"
    process = await command()
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == EXIT_OK, err.decode()
    assert out.decode().startswith("ingested 3 of 3 markets (3 resolved)")
    for market in markets:
        assert (await rig.stored_trades(market.condition_id)).keys() == rig.expected_trades(market.condition_id).keys()
