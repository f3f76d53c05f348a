"""Fixtures for the bot tests: the command service on the real database, with in-memory lookups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from db.repositories import Repositories
from scanner_core.commands import CommandService
from scanner_core.config import Settings
from tests.bots.support import T0, FakeClassifications, FakeFeed, FakeMarkets, FakeWallets
from tests.conftest import FakeClock


@pytest.fixture(autouse=True)
def _offline_bot_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    # PTB 22 warns while building RetryAfter unless opted into timedelta periods
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def markets() -> FakeMarkets:
    return FakeMarkets()


@pytest.fixture
def wallets() -> FakeWallets:
    return FakeWallets()


@pytest.fixture
def repos() -> Repositories:
    return Repositories()


@pytest.fixture
def bot_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def make_service(
    repos: Repositories, markets: FakeMarkets, wallets: FakeWallets
) -> Callable[[Settings, FakeClock], CommandService]:
    def build(settings: Settings, clock: FakeClock) -> CommandService:
        return CommandService(
            stores=repos,
            markets=markets,
            wallets=wallets,
            classifications=FakeClassifications(),
            settings=settings,
            clock=clock,
            started_at=T0.replace(hour=9),
            feed=FakeFeed(),
        )

    return build


@pytest.fixture
def service(
    db: str, bot_settings: Settings, clock: FakeClock, make_service: Callable[[Settings, FakeClock], CommandService]
) -> CommandService:
    return make_service(bot_settings, clock)
