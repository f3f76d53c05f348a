"""Settings are the union of typed sections: every field lives in exactly one, the environment
variable names are those users already set, and each subsystem's constructor takes its section."""

from __future__ import annotations

import inspect

import pytest

from scanner_core.config import (
    SECTIONS,
    DetectorSettings,
    FeedSettings,
    ScoringSettings,
    Settings,
    load_settings,
)
from scanner_core.detectors.params import DetectorParams
from scanner_core.scoring import ScoringParams
from scanner_core.sources.feed import TradeFeed


def test_every_setting_lives_in_exactly_one_section() -> None:
    owners: dict[str, list[str]] = {}
    for section in SECTIONS:
        for name in section.model_fields:
            owners.setdefault(name, []).append(section.__name__)
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}
    assert set(owners) == set(Settings.model_fields)  # nothing defined on Settings itself


def test_sections_compose_settings() -> None:
    assert all(issubclass(Settings, section) for section in SECTIONS)


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ("POLYSCAN_MIN_TRADE_USD", "min_trade_usd", "2500"),
        ("POLYSCAN_RTDS_URL", "rtds_url", "wss://relay.example/ws"),
        ("POLYSCAN_DIGEST_CHECK_SECONDS", "digest_check_seconds", "15"),
        ("POLYSCAN_WALLET_MIN_RESOLVED_POSITIONS", "wallet_min_resolved_positions", "20"),
        ("POLYSCAN_LINKED_MIN_USD", "linked_min_usd", "750"),
    ],
)
def test_environment_names_users_set_keep_working(
    monkeypatch: pytest.MonkeyPatch, env: str, field: str, value: str
) -> None:
    monkeypatch.setenv(env, value)
    settings = load_settings(_env_file=None)
    assert str(getattr(settings, field)).rstrip("0").rstrip(".") in (value, value.rstrip("0").rstrip("."))


def test_a_subsystem_takes_its_own_section() -> None:
    for build, section in (
        (DetectorParams.from_settings, DetectorSettings),
        (ScoringParams.from_settings, ScoringSettings),
        (TradeFeed.from_settings, FeedSettings),
    ):
        first = next(iter(inspect.signature(build).parameters.values()))
        assert first.annotation in (section, section.__name__), build
    # a section alone is enough to build it
    assert ScoringParams.from_settings(ScoringSettings()).notable == ScoringSettings().severity_notable


def test_a_wrong_value_names_its_setting() -> None:
    with pytest.raises(Exception, match="POLYSCAN_SEVERITY_NOTABLE"):
        load_settings(_env_file=None, severity_notable=0.9, severity_high=0.5)
