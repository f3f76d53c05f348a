"""Linked wallets through the real pipeline: three wallets funded by one plain wallet buy one
outcome; the fake Polymarket (markets, profiles, the siblings' trades) and the fake Polygon node
(transfers) on loopback, a real database. Also the background worker's follow-up alert, and a node
that is down leaving every other alert as it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from tortoise import connections

from bot.scanner import Scanner, build_scanner
from db.repositories import Repositories
from scanner_core import normalise
from scanner_core.bus import AlertBus
from scanner_core.config import Settings
from scanner_core.detectors.params import DetectorParams
from scanner_core.funding.service import FundingService
from scanner_core.funding.worker import FundingWorker
from scanner_core.health import HealthRegistry, State
from scanner_core.models import Alert, AlertKind, SignalKind, Trade, now_utc
from scanner_core.pipeline import Pipeline
from scanner_core.presentation import alert_view, plain_text
from scanner_core.scoring import ScoringParams
from tests.conftest import FakeClock
from tests.fakes.polygon import PUSD, USDC_E, FakePolygon
from tests.fakes.polymarket import FakePolymarket
from tests.funding.conftest import EXCHANGE, FUNDER, NOW, ago

TEMPLATE = Path(__file__).resolve().parents[1] / "fixtures" / "replay" / "dota_2026-01-08_trades.json"
SIBLINGS = ["0x51b1000000000000000000000000000000000001", "0x51b1000000000000000000000000000000000002",
            "0x51b1000000000000000000000000000000000003"]  # fmt: skip
SIZES = (4000, 6000, 5000)


def rows(wallets: Iterable[str], *, minutes_ago: Iterable[int], sizes: Iterable[int]) -> list[dict[str, Any]]:
    """Data API rows of BUYs of one outcome at 30¢ (a real recorded row, re-addressed and re-timed)."""
    template = json.loads(TEMPLATE.read_text())[0]
    out = []
    for i, (w, minutes, usd) in enumerate(zip(wallets, minutes_ago, sizes, strict=True)):
        row = dict(template, proxyWallet=w, price=0.3, size=round(usd / 0.3, 4))
        row["timestamp"] = int((NOW - timedelta(minutes=minutes)).timestamp())
        row["transactionHash"] = f"0x{0xBEEF00 + i:064x}"
        out.append(row)
    return out


@dataclass
class World:
    scanner: Scanner
    pm: FakePolymarket
    chain: FakePolygon
    clock: FakeClock
    health: HealthRegistry

    @property
    def settings(self) -> Settings:
        return self.scanner.settings

    @property
    def funding(self) -> FundingService:
        assert self.scanner.funding is not None
        return self.scanner.funding

    def pipeline(self, bus: AlertBus, *, with_funding: bool = True) -> Pipeline:
        """The engine's one pipeline, publishing on `bus` (without the funding tracer when asked)."""
        return replace(self.scanner, bus=bus, funding=self.funding if with_funding else None).pipeline()


@pytest.fixture
async def world(db: str, make_settings: Callable[..., Settings], fast_http: dict[str, Any]) -> AsyncIterator[World]:
    clock = FakeClock(NOW)
    async with FakePolymarket() as pm, FakePolygon(head_time=NOW) as chain, aiohttp.ClientSession() as session:
        overrides = {**pm.settings_overrides(), "polygon_rpc_url": chain.url, "pipeline_batch_size": 50, **fast_http}
        health = HealthRegistry(clock)
        scanner = build_scanner(make_settings(**overrides), clock=clock, session=session, health=health)
        try:
            yield World(scanner, pm, chain, clock, health)
        finally:
            await scanner.close()


def fund_group(chain: FakePolygon, funder: str = FUNDER) -> None:
    for i, w in enumerate(SIBLINGS):
        chain.add_transfer(USDC_E if i % 2 else PUSD, funder, w, "6000", at=ago(hours=30 - i))


def trades_of(pm: FakePolymarket, data: list[dict[str, Any]]) -> list[Trade]:
    pm.add_trades(data)  # what the Data API then knows of each wallet
    return [normalise.trade_from_row(r, not_after=now_utc()) for r in data]


async def play(trades: Iterable[Trade]) -> AsyncIterator[Trade]:
    for trade in trades:
        yield trade


async def run(world: World, trades: list[Trade], *, with_funding: bool = True) -> list[Alert]:
    bus = AlertBus()
    out = bus.subscribe("test")
    await world.pipeline(bus, with_funding=with_funding).run(play(trades))
    alerts = []
    while not out.queue.empty():
        alerts.append(out.queue.get_nowait())
    return alerts


def linked(alert: Alert) -> dict[str, Any] | None:
    found = next((s for s in alert.signals if s.kind is SignalKind.LINKED_WALLETS), None)
    return dict(found.evidence) if found is not None else None


async def test_three_siblings_buying_one_outcome_raise_linked_wallets(world: World) -> None:
    fund_group(world.chain)
    traced = await world.funding.trace(SIBLINGS[0], first_activity=ago(hours=1))  # its earlier alert
    assert {s.wallet for s in traced.siblings} == set(SIBLINGS[1:])
    trades = trades_of(world.pm, rows(SIBLINGS, minutes_ago=(12, 9, 6), sizes=SIZES))
    alerts = await run(world, trades)
    by_wallet = {a.wallet_address: a for a in alerts}
    assert set(by_wallet) == set(SIBLINGS)
    assert linked(by_wallet[SIBLINGS[0]]) is None  # nobody of its group had bought yet
    second = linked(by_wallet[SIBLINGS[1]])
    assert second is not None and second["wallets"] == 2
    third = linked(by_wallet[SIBLINGS[2]])
    assert third is not None and third["wallets"] == 3 and third["funder"] == FUNDER and third["scope"] == "outcome"
    assert third["siblings"].split(",") == [SIBLINGS[1], SIBLINGS[0]]  # largest first
    assert third["siblings_usd"] == "6000.00,4000.00"
    alert = by_wallet[SIBLINGS[2]]
    assert alert.severity.rank >= by_wallet[SIBLINGS[0]].severity.rank
    card = plain_text(alert_view(alert, NOW))
    assert "Linked wallets:" in card and "0xf1f1…f1f1" in card and "$6,000" in card and "$4,000" in card
    assert "0x51b1…0002" in card and "0x51b1…0001" in card


async def test_wallets_funded_by_an_exchange_raise_nothing(world: World) -> None:
    fund_group(world.chain, funder=EXCHANGE)
    traced = await world.funding.trace(SIBLINGS[0], first_activity=ago(hours=1))
    assert traced.status == "ok" and traced.siblings == ()
    alerts = await run(world, trades_of(world.pm, rows(SIBLINGS, minutes_ago=(12, 9, 6), sizes=SIZES)))
    assert len(alerts) == 3 and all(linked(a) is None for a in alerts)


async def test_the_worker_adds_a_follow_up_when_the_trace_ends_after_the_alert(world: World) -> None:
    fund_group(world.chain)
    trades = trades_of(world.pm, rows(SIBLINGS, minutes_ago=(12, 9, 6), sizes=SIZES))
    alerts = await run(world, trades)  # nothing traced yet: no alert knows the link
    assert len(alerts) == 3 and all(linked(a) is None for a in alerts)
    bus = AlertBus()
    repos = Repositories()

    async def publish(alert: Alert) -> list[Alert]:
        stored = await repos.alerts.save_alerts([alert])
        for fresh in stored:
            bus.publish(fresh)
        return stored

    published = bus.subscribe("test")
    worker = FundingWorker(
        world.funding,
        publish=publish,
        detector_params=DetectorParams.from_settings(world.settings),
        scoring_params=ScoringParams.from_settings(world.settings),
        clock=world.clock,
        workers=2,
    )
    await worker.start()
    try:
        for alert in alerts:
            assert worker.on_alert(alert) is None
        await worker.drain()
        follow_ups = []
        while not published.queue.empty():
            follow_ups.append(published.queue.get_nowait())
        assert len(follow_ups) == 3 and worker.stats["follow_ups"] == 3
        for follow in follow_ups:
            original = next(a for a in alerts if a.wallet_address == follow.wallet_address)
            evidence = linked(follow)
            assert follow.kind is AlertKind.FOLLOW_UP and evidence is not None and evidence["wallets"] == 3
            assert follow.dedup_key == f"linked:{original.trade.dedup_key}" != original.dedup_key  # type: ignore[union-attr]
            assert follow.details["original_alert_key"] == original.dedup_key
            assert follow.title.startswith("🔗 3 linked wallets")
            assert follow.confidence >= original.confidence
        # the same alerts again: traced already, no second follow-up is stored or published
        for alert in alerts:
            worker.on_alert(alert)
        await worker.drain()
        assert published.queue.empty() and worker.stats["trace_cached"] == 3
        assert await repos.alerts.count() == 6
    finally:
        await worker.stop()


async def test_a_node_that_is_down_changes_no_other_alert(world: World) -> None:
    fund_group(world.chain)
    data = rows(SIBLINGS, minutes_ago=(12, 9, 6), sizes=SIZES)
    world.chain.down = True
    assert (await world.funding.trace(SIBLINGS[0], first_activity=ago(hours=1))).status == "failed"
    state = world.health.get("polygon")
    assert state is not None and state.state is State.DEGRADED
    with_funding = await run(world, trades_of(world.pm, data))
    expected = [(a.wallet_address, a.severity, a.signal_kinds) for a in with_funding]
    for table in ("alerts", "trades"):  # the same trades again, from a clean slate, without funding
        await connections.get("default").execute_script(f"DELETE FROM {table}")
    without = await run(world, [normalise.trade_from_row(r, not_after=now_utc()) for r in data], with_funding=False)
    assert len(expected) == 3 and [(a.wallet_address, a.severity, a.signal_kinds) for a in without] == expected
