"""`polyscan scan-wallets`: arguments, the three wallet sources, bad input, the summary."""

from __future__ import annotations

import argparse
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from rich.console import Console

from bot import scan_wallets
from bot.cli import build_parser
from bot.scanner import Scanner, build_scanner
from scanner_core.config import Settings
from scanner_core.models import AlertKind, WalletClass, now_utc
from tests.fakes.polymarket import FakePolymarket
from tests.integration.test_repositories import trade
from tests.wallets.factories import market_maker, steady_specialist, too_little_history
from tests.wallets.wire import serve


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["scan-wallets", *argv])


def test_arguments() -> None:
    args = parse("--leaderboard", "--category", "politics", "--period", "week", "--limit", "20")
    assert (args.leaderboard, args.category, args.period, args.limit) == (True, "POLITICS", "WEEK", 20)
    assert parse("--from-trades", "--since-hours", "6", "--min-usd", "25000").min_usd == "25000"
    assert parse("--file", "wallets.txt").file == "wallets.txt"


@pytest.mark.parametrize(
    "argv", [(), ("--leaderboard", "--file", "x"), ("--leaderboard", "--category", "GOSSIP"), ("--file",)]
)
def test_bad_arguments_exit_2(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2


def test_address_file_tokens_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "wallets.txt"
    path.write_text("# copy targets\n0xAAA, 0xbbb\n\n  0xccc  # from the leaderboard\n")
    assert scan_wallets.read_address_file(str(path)) == ["0xAAA", "0xbbb", "0xccc"]
    with pytest.raises(scan_wallets.WalletInputError, match="cannot read .*missing.txt: No such file or directory"):
        scan_wallets.read_address_file(str(tmp_path / "missing.txt"))
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(scan_wallets.WalletInputError, match="UnicodeDecodeError"):
        scan_wallets.read_address_file(str(binary))


class Cli:
    def __init__(self, scanner: Scanner, pm: FakePolymarket) -> None:
        self.scanner, self.settings, self.pm = scanner, scanner.settings, pm
        self.repos = scanner.repos
        self.out = io.StringIO()

    async def run(self, *argv: str) -> int:
        console = Console(file=self.out, width=220, force_terminal=False)
        return await scan_wallets.scan_wallets_run(parse(*argv), self.scanner, console)

    @property
    def text(self) -> str:
        return self.out.getvalue()


@pytest.fixture
async def cli(db: str, make_settings: Callable[..., Settings]) -> AsyncIterator[Cli]:
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        settings = make_settings(**pm.settings_overrides(), walletscan_max_inactive_days=100_000)
        for wallet in (steady_specialist(), market_maker(), too_little_history()):
            serve(pm, wallet)
        scanner = build_scanner(settings, session=session)
        try:
            yield Cli(scanner, pm)
        finally:
            await scanner.close()


async def test_scan_a_file_of_addresses(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "wallets.txt"
    good = [steady_specialist().address, market_maker().address, too_little_history().address]
    path.write_text("\n".join([*good, "not-an-address", good[0]]))

    assert await cli.run("--file", str(path)) == 0

    stored = {a: await cli.repos.classifications.get(a) for a in good}
    assert all(stored.values())
    assert stored[good[0]].classification is WalletClass.TARGET  # type: ignore[union-attr]
    text = cli.text
    assert "scanning 5 addresses in" in text
    assert "wallets by class and deciding stage" in text
    assert "3 classified in" in text and "1 new TARGETs (alerts stored)" in text
    assert "1 skipped: not a wallet address" in text and "1 duplicates skipped" in text
    assert "top 1 TARGETs" in text and good[0] in text
    alerts = await cli.repos.alerts.recent(limit=5)
    assert [a.kind for a in alerts] == [AlertKind.WALLET_TARGET]


async def test_scan_the_leaderboard(cli: Cli) -> None:
    cli.pm.leaderboard = [
        {"rank": "1", "proxyWallet": steady_specialist().address, "userName": "steady", "vol": 1.0, "pnl": 1.0},
        {"rank": "2", "proxyWallet": market_maker().address, "userName": "mm", "vol": 1.0, "pnl": 1.0},
    ]
    assert await cli.run("--leaderboard", "--category", "sports", "--period", "week", "--limit", "2") == 0
    assert "scanning 2 SPORTS WEEK leaderboard" in cli.text
    assert await cli.repos.classifications.get(market_maker().address) is not None


async def test_scan_wallets_from_large_trades(cli: Cli) -> None:
    now = now_utc()
    big = steady_specialist().address
    await cli.repos.trades.save_trades(
        [replace(trade(1, wallet=big, usd="50000"), timestamp=now - timedelta(minutes=5))]
    )
    assert await cli.run("--from-trades", "--since-hours", "1", "--min-usd", "10000") == 0
    assert "scanning 1 wallets with trades of $10,000+ in the last 1 h" in cli.text
    assert await cli.repos.classifications.get(big) is not None


async def test_bad_min_usd_is_a_clear_error(cli: Cli) -> None:
    with pytest.raises(scan_wallets.WalletInputError, match="--min-usd must be a number, got 'lots'"):
        await cli.run("--from-trades", "--min-usd", "lots")


async def test_the_command_reports_an_unreadable_file(tmp_path: Path, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(database_url=f"sqlite://{tmp_path}/cli.db")
    out = io.StringIO()
    args = parse("--file", str(tmp_path / "nope.txt"))
    code = await scan_wallets.scan_wallets_main(args, settings, console=Console(file=out, width=200))
    assert code == 2
    assert "cannot read" in out.getvalue() and "nope.txt" in out.getvalue()
