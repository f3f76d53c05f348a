"""One bad row never stops the writer or loses its neighbours (issue 10, found items 1 and 2).

The real pipeline over the real repositories of this run's backend (SQLite or PostgreSQL). The bad
trades here are built directly, past the trade schema of normalise.py (which refuses them at the
boundary, see tests/sources/test_trade_schema.py): this is the second line of defence, for a row
the database refuses whatever let it through.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from db.repositories import Repositories
from scanner_core.bus import AlertBus
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Alert, Market, OrderBookSummary, Side, Trade, TradeSource, WalletProfile
from scanner_core.pipeline import Pipeline
from scanner_core.quarantine import Quarantine
from scanner_core.scoring import ScoringParams
from tests.conftest import TEST_DATABASE

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
CID = "0x" + "4" * 64
YES = "7" * 77


def wallet(n: int) -> str:
    return f"0x{n:040x}"


def trade(n: int, *, usd: int = 20_000, seconds: int | None = None, **changes: Any) -> Trade:
    price = Decimal("0.40")
    base = Trade(
        tx_hash=f"0x{n:064x}",
        wallet=wallet(n),
        condition_id=CID,
        token_id=YES,
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal(usd) / price,
        price=price,
        timestamp=T0 + timedelta(seconds=n * 10 if seconds is None else seconds),
        source=TradeSource.RTDS,
        title="Will it happen?",
        slug="will-it-happen",
    )
    if changes:
        base = replace(base, usd=Decimal(0), dedup_key="", **changes)
    return base


# Rows the database refuses, each with the backends that refuse it (a SQLite column holds any
# small integer, so an outcome index above 32767 is PostgreSQL's alone).
BAD_TRADES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "size 1e19": ({"size": Decimal("1e19")}, ("sqlite", "postgres")),
    "size 1e400": ({"size": Decimal("1e400")}, ("sqlite", "postgres")),
    "tx hash of 82 characters": ({"tx_hash": "0x" + "ab" * 40}, ("sqlite", "postgres")),
    "asset id of 81 digits": ({"token_id": "9" * 81}, ("sqlite", "postgres")),
    "outcome index 40000": ({"outcome_index": 40000}, ("postgres",)),
}


class KnownMarket:
    """Enrichment without the network: every wallet is a day old, the market is a quiet one."""

    async def market(self, t: Trade) -> Market | None:
        return Market(
            condition_id=t.condition_id,
            question="Will it happen?",
            slug="will-it-happen",
            outcomes=("Yes", "No"),
            token_ids=(YES, "8" * 77),
            end_date=T0 + timedelta(days=20),
            liquidity=Decimal(50_000),
            volume_24h=Decimal(80_000),
        )

    async def wallet(self, t: Trade) -> WalletProfile | None:
        return WalletProfile(address=t.wallet, first_seen=t.timestamp - timedelta(days=1), trade_count=1)

    async def book(self, t: Trade) -> OrderBookSummary | None:
        return None


async def play(trades: Iterable[Trade]) -> AsyncIterator[Trade]:
    for t in trades:
        yield t


def build_pipeline(settings: Any, **extra: Any) -> tuple[Pipeline, Any]:
    bus = AlertBus()
    published = bus.subscribe("test")
    pipeline = Pipeline(
        repos=Repositories(),
        enricher=KnownMarket(),
        bus=bus,
        detector_params=DetectorParams.from_settings(settings),
        scoring_params=ScoringParams.from_settings(settings),
        clock=lambda: T0 + timedelta(hours=1),
        replay=True,
        batch_size=4,
        flush_seconds=0.01,
        **extra,
    )
    return pipeline, published


def drain(published: Any) -> list[Alert]:
    out = []
    while not published.queue.empty():
        out.append(published.queue.get_nowait())
    return out


async def stored_keys() -> set[str]:
    trades = await Repositories().trades.market_trades(CID, limit=10_000)
    return {t.dedup_key for t in trades}


@pytest.mark.parametrize("name", list(BAD_TRADES))
async def test_a_row_the_database_refuses_never_stops_trade_storage(db: str, make_settings: Any, name: str) -> None:
    changes, refused_by = BAD_TRADES[name]
    good_before = [trade(n) for n in range(1, 6)]
    bad = trade(6, **changes)
    good_after = [trade(n) for n in range(7, 20)]
    repos = Repositories()
    pipeline, _ = build_pipeline(make_settings(), quarantine=Quarantine(repos.quarantine))

    stats = await pipeline.run(play([*good_before, bad, *good_after]))

    stored = await stored_keys()
    assert {t.dedup_key for t in [*good_before, *good_after]} <= stored
    refused = TEST_DATABASE in refused_by
    assert (bad.dedup_key in stored) is not refused
    assert stats.stored == len(good_before) + len(good_after) + (0 if refused else 1)
    kept = await repos.quarantine.recent(source="trade_writer")
    if refused:  # the bad row is kept, with the database's reason, and the writer moved on
        [entry] = kept
        assert entry.reason == "db_refused" and entry.detail
        assert json.loads(entry.payload)["dedup_key"] == bad.dedup_key
        assert stats.refused_trades == 1
    else:
        assert kept == []


async def test_one_bad_row_never_loses_the_alerts_around_it_nor_later_ones_on_its_market(
    db: str, make_settings: Any
) -> None:
    """Before: the bad fill's batch of alerts was dropped, and its giant size, kept in the cluster
    window, made every later alert on the outcome fail for five minutes."""
    settings = make_settings(min_trade_usd=1000)
    goods = [trade(n) for n in (1, 2, 3)]
    bad = trade(4, size=Decimal("1e400"))
    later = [trade(n) for n in range(5, 12)]  # all within the 300 s cluster window of the bad fill
    pipeline, published = build_pipeline(settings, quarantine=Quarantine(Repositories().quarantine))

    await pipeline.run(play([*goods, bad, *later]))

    alerts = drain(published)
    alerted = {a.wallet_address for a in alerts if a.trade is not None and a.trade.dedup_key != bad.dedup_key}
    assert alerted == {t.wallet for t in [*goods, *later]}
    repos = Repositories()
    assert await repos.alerts.count() == len(alerts)
    assert bad.wallet not in {a.wallet_address for a in alerts}
    # the later ones saw the bad fill in their cluster window, and still went out
    assert any("cluster" in a.signal_kinds for a in alerts)
    # the bad fill's own alert (its size fits no column) is kept in the quarantine
    [entry] = await repos.quarantine.recent(source="alert_writer")
    assert entry.reason == "db_refused" and bad.dedup_key in entry.payload
    assert len(entry.payload) <= 4000  # kept bounded (this one's figures have 400 digits)
    assert pipeline.stats.detect_errors == 0


async def test_the_issues_rows_stop_at_the_boundary_are_kept_and_poison_nothing(db: str, make_settings: Any) -> None:
    """Found items 1, 3 and 4 end to end: frames as RTDS sends them, through the live decode path
    (TradeFeed.handle_frame) and the pipeline onto the database."""
    from scanner_core.sources.data_api import DataApiClient
    from scanner_core.sources.feed import TradeFeed
    from scanner_core.sources.http import HttpClient
    from scanner_core.sources.rtds import RtdsStream
    from tests.fakes.polymarket import sample_trade_rows, to_rtds_payload

    now = int(datetime.now(UTC).timestamp())
    bad_changes = [
        ("size", {"size": 1e19}),
        ("size", {"size": "1e400"}),
        ("transactionHash", {"transactionHash": "0x" + "ab" * 41}),
        ("asset", {"asset": "9" * 81}),
        ("outcomeIndex", {"outcomeIndex": 40000}),
        ("timestamp", {"timestamp": 4_102_444_800}),  # 2100
        ("timestamp", {"timestamp": "1e9999999999"}),
    ]
    templates = [to_rtds_payload(row) for row in sample_trade_rows()]

    def payload(n: int, **changes: Any) -> dict[str, Any]:
        row = {**templates[n % len(templates)], "transactionHash": f"0x{n:064x}", "timestamp": now - 600 + n}
        return {**row, **changes}

    def frame(body: dict[str, Any]) -> str:
        return json.dumps({"payload": body, "timestamp": 1, "topic": "activity", "type": "trades"})

    repos = Repositories()
    quarantine = Quarantine(repos.quarantine)
    goods = [payload(n) for n in range(1, 30)]
    async with aiohttp.ClientSession() as session:
        rtds = RtdsStream(session, "ws://127.0.0.1:9/unused")  # never connects: frames are handed in
        feed = TradeFeed(rtds, DataApiClient(HttpClient(session, {}), "http://127.0.0.1:9"), quarantine=quarantine)
        for n, good in enumerate(goods):
            await feed.handle_frame(frame(good))
            if n < len(bad_changes):
                await feed.handle_frame(frame(payload(100 + n, **bad_changes[n][1])))
        received = [await feed.get() for _ in range(feed.queue_depth)]
    assert [t.tx_hash for t in received] == [g["transactionHash"] for g in goods]
    newest = max(t.timestamp for t in received)
    assert feed.last_trade_at == newest  # where a reconnect backfills from

    pipeline, _ = build_pipeline(make_settings(min_trade_usd=0), quarantine=quarantine)
    pipeline.replay = False  # live: stored trades are what a restart resumes from
    stats = await pipeline.run(play(received))

    assert stats.stored == len(goods)
    assert await repos.trades.newest_trade_time() == newest  # not 2100
    kept = await repos.quarantine.recent(limit=50, source="rtds")
    assert sorted(entry.reason for entry in kept) == sorted(reason for reason, _ in bad_changes)
    assert all(json.loads(entry.payload)["transactionHash"].startswith("0x") for entry in kept)
