"""Fixtures for the ingest tests: the fake Polymarket with market histories, a real database of
this run's backend, and an ingest wired exactly as `polyscan ingest` wires it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from bot.ingest import options_from_settings
from db.repositories import Repositories
from scanner_core import normalise
from scanner_core.backtest.ingest import Ingestor, IngestReport
from scanner_core.backtest.selection import Selection
from scanner_core.backtest.stopping import StopSignal
from scanner_core.config import Settings
from scanner_core.models import now_utc
from scanner_core.sources import build_sources
from tests.conftest import FakeClock
from tests.fakes.history import HistoryBuilder
from tests.fakes.polymarket import FakePolymarket

NOW = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


class RecordingHistories:
    """The wallets domain's `ensure_histories`, recorded: each address counts as fetched once."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], datetime | None]] = []
        self.fetched: set[str] = set()

    async def ensure_histories(self, addresses: Iterable[str], *, until: datetime | None = None) -> int:
        wanted = list(addresses)
        self.calls.append((wanted, until))
        new = [a for a in wanted if a not in self.fetched]
        self.fetched.update(new)
        return len(new)


@dataclass
class IngestRig:
    pm: FakePolymarket
    history: HistoryBuilder
    settings: Callable[..., Settings]
    session: aiohttp.ClientSession
    clock: FakeClock
    wallets: RecordingHistories = field(default_factory=RecordingHistories)
    repos: Repositories = field(default_factory=Repositories)

    def ingestor(self, stop: StopSignal | None = None, **overrides: Any) -> Ingestor:
        settings = self.settings(**overrides)
        sources = build_sources(settings, self.session)
        return Ingestor(
            gamma=sources.gamma,
            data_api=sources.data_api,
            clob=sources.clob,
            stores=self.repos,
            wallets=self.wallets,
            clock=self.clock,
            options=options_from_settings(settings),
            stop=stop,
        )

    async def run(self, selection: Selection, **overrides: Any) -> IngestReport:
        return await self.ingestor(**overrides).run(selection)

    def expected_trades(self, condition_id: str) -> dict[str, Any]:
        """dedup key -> Trade for every fill the fake serves for the market (maker rows too)."""
        trades = [normalise.trade_from_row(row, not_after=now_utc()) for row in self.pm.trades_of(condition_id)]
        return {t.dedup_key: t for t in trades}

    async def stored_trades(self, condition_id: str) -> dict[str, Any]:
        stored = await self.repos.trades.market_trades(condition_id, limit=1_000_000)
        assert len(stored) == len({t.dedup_key for t in stored})
        return {t.dedup_key: t for t in stored}


@pytest.fixture
async def rig(db: str, make_settings: Callable[..., Settings]) -> AsyncIterator[IngestRig]:
    async with FakePolymarket(seed=False) as pm, aiohttp.ClientSession() as session:

        def settings(**overrides: Any) -> Settings:
            base: dict[str, Any] = {
                **pm.settings_overrides(),
                "http_max_retries": 2,
                "http_backoff_base_seconds": 0.01,
                "breaker_failure_threshold": 1000,
                "ingest_page_size": 50,
                "ingest_concurrency": 3,
            }
            return make_settings(**{**base, **overrides})

        yield IngestRig(pm, HistoryBuilder(pm, seed=7), settings, session, FakeClock(NOW))
