"""A recorded real market through the whole pipeline: exact alerts, and a second replay adds none.

Real trades of the Dota 2 markets of 2026-01-08 (tests/fixtures/replay/SOURCES.txt); enrichment by
the real MarketService and WalletService over the fake Polymarket (which knows none of these
wallets: each looks new to Polymarket); a real database of this run's backend.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import aiohttp

from bot.scanner import build_scanner
from db.repositories import Repositories
from scanner_core import normalise
from scanner_core.models import Alert, Severity, Trade, now_utc
from tests.fakes.polymarket import FakePolymarket

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "replay" / "dota_2026-01-08_trades.json"

# (wallet, severity, signals) of every alert, in trade order; a follow-up (price_follow_through)
# comes when the price later moved at least 10 points the alerted trade's way
EXPECTED = [
    ("0x1ccd71b504e90f73f9f69dd5814f91a0d9818fce", Severity.NOTABLE, ("market_impact", "fresh_wallet")),
    ("0x9055a9e36aa73274e3a92dc2dbb081bb4d9e756a", Severity.NOTABLE, ("contrarian", "fresh_wallet")),
    ("0x2e705a2d342d41af572638586e19175a1e849a38", Severity.NOTABLE, ("market_impact", "fresh_wallet")),
    (
        "0x9055a9e36aa73274e3a92dc2dbb081bb4d9e756a",
        Severity.HIGH,
        ("price_follow_through", "contrarian", "fresh_wallet"),
    ),
    ("0x641f1bca13975f434e1275836fddc919fc12942b", Severity.NOTABLE, ("market_impact", "fresh_wallet")),
    (
        "0x641f1bca13975f434e1275836fddc919fc12942b",
        Severity.CRITICAL,
        ("price_follow_through", "market_impact", "fresh_wallet"),
    ),
    ("0xcd3675803ac7c8242a83fd6ecdfe3d2239ae0f01", Severity.INFO, ("fresh_wallet",)),
    ("0x66ad9a448ae4f517ce1a97e510dbb8ea448f324a", Severity.NOTABLE, ("market_impact", "fresh_wallet")),
    (
        "0x66ad9a448ae4f517ce1a97e510dbb8ea448f324a",
        Severity.HIGH,
        ("price_follow_through", "market_impact", "fresh_wallet"),
    ),
]


def recorded_trades() -> list[Trade]:
    rows = json.loads(FIXTURE.read_text())
    return sorted((normalise.trade_from_row(r, not_after=now_utc()) for r in rows), key=lambda t: t.timestamp)


async def play(trades: Iterable[Trade]) -> AsyncIterator[Trade]:
    for trade in trades:
        yield trade


async def replay_once(settings: Any, pm: FakePolymarket, session: aiohttp.ClientSession) -> tuple[Any, list[Alert]]:
    """The engine as `polyscan replay` builds it (bot/scanner.py), over the fake Polymarket."""
    scanner = build_scanner(
        settings.model_copy(update=pm.settings_overrides() | {"pipeline_batch_size": 50}), session=session
    )
    published = scanner.bus.subscribe("test")
    try:
        stats = await scanner.pipeline(replay=True).run(play(recorded_trades()))
    finally:
        await scanner.close()
    alerts = []
    while not published.queue.empty():
        alerts.append(published.queue.get_nowait())
    return stats, alerts


async def test_replay_of_a_real_market_gives_exactly_these_alerts_once(db: str, make_settings: Any) -> None:
    settings = make_settings(min_trade_usd=200)
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        stats, alerts = await replay_once(settings, pm, session)
        assert stats.received == 335
        assert stats.filtered["min_trade_usd"] == 294 and stats.filtered["price_at_or_above"] == 32
        assert [(a.wallet_address, a.severity, a.signal_kinds) for a in alerts] == EXPECTED
        first = alerts[0]
        assert first.trade is not None and first.created_at == first.trade.timestamp  # replay clock
        biggest = alerts[6].trade
        assert biggest is not None and round(biggest.usd) == 3657
        repos = Repositories()
        assert await repos.alerts.count() == len(EXPECTED)
        stored_trades = await repos.trades.market_trades(first.trade.condition_id, limit=1000)
        assert all(t.usd >= 200 for t in stored_trades)

        again, repeated = await replay_once(settings, pm, session)
        assert repeated == [] and again.duplicate_alerts >= len(EXPECTED)
        assert await repos.alerts.count() == len(EXPECTED)
        assert again.stored == 0


async def test_default_floor_keeps_small_fills_out(db: str, make_settings: Any) -> None:
    async with FakePolymarket() as pm, aiohttp.ClientSession() as session:
        stats, alerts = await replay_once(make_settings(), pm, session)
    assert stats.stored == 9 and stats.filtered["min_trade_usd"] == 326
    assert [(a.wallet_address, a.severity) for a in alerts] == [(EXPECTED[6][0], Severity.INFO)]
