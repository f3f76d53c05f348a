"""System alerts: every condition fires once into the admin chat, stays quiet while it lasts, and
sends one recovery message when it clears."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from scanner_core.alerter import (
    AlertLevel,
    AlertPolicy,
    Condition,
    Observations,
    SystemAlerter,
    Thresholds,
    Transition,
)
from tests.conftest import FakeClock
from tests.ops.conftest import AdminChat

MB = 1024 * 1024
THRESHOLDS = Thresholds(
    ws_down_seconds=300,
    no_trades_seconds=600,
    errors_per_minute=10,
    memory_limit_mb=1000,
    memory_alert_fraction=0.9,
    bot_down_seconds=300,
)
T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# ---------------------------------------------------------------- one scenario per condition


@dataclass
class Scenario:
    """Observations of a healthy process and of one with the condition, as time goes on."""

    healthy: Callable[[datetime], Observations]
    bad: Callable[[datetime], Observations]
    severity: AlertLevel
    fired_words: str
    recovered_words: str


def _counting(field: str, key: str, step: float) -> Callable[[datetime], Observations]:
    total = {"n": 0.0}

    def observe(now: datetime) -> Observations:
        total["n"] += step
        return replace(BASE, **{field: {key: total["n"]}})

    return observe


BASE = Observations(streams={"rtds": True}, feed_enabled=True, memory_bytes=100 * MB)


def _fresh(now: datetime) -> Observations:
    return replace(BASE, last_trade_at=now)


def scenarios() -> dict[Condition, Scenario]:
    """Fresh scenarios (the counting ones keep their running totals)."""
    rate = _counting("rate_limited_total", "/trades", 2)
    errors = _counting("errors_total", "feed", 20)
    return {
        Condition.WS_DOWN: Scenario(
            _fresh,
            lambda now: replace(_fresh(now), streams={"rtds": False}),
            AlertLevel.ERROR,
            "WebSocket rtds disconnected for 5m",
            "WebSocket rtds is connected again",
        ),
        Condition.NO_TRADES: Scenario(
            _fresh,
            lambda now: replace(BASE, last_trade_at=T0),
            AlertLevel.ERROR,
            "No trades received for 10m",
            "trades are arriving again",
        ),
        Condition.DATABASE: Scenario(
            _fresh,
            lambda now: replace(_fresh(now), database_ok=False, database_detail="does not answer: OSError"),
            AlertLevel.CRITICAL,
            "Database unreachable (does not answer: OSError)",
            "the database answers again",
        ),
        Condition.REDIS: Scenario(
            _fresh,
            lambda now: replace(_fresh(now), cache_ok=False, cache_detail="redis unreachable: serving from memory"),
            AlertLevel.WARNING,
            "Redis unreachable",
            "Redis answers again",
        ),
        Condition.RATE_LIMITED: Scenario(
            lambda now: replace(_fresh(now), rate_limited_total={"/trades": 0.0}),
            lambda now: replace(rate(now), last_trade_at=now),
            AlertLevel.WARNING,
            "Polymarket API /trades is rate-limiting us",
            "Polymarket API /trades is no longer rate-limiting us",
        ),
        Condition.CIRCUIT_OPEN: Scenario(
            lambda now: replace(_fresh(now), circuits_open={"data-api.polymarket.com": False}),
            lambda now: replace(_fresh(now), circuits_open={"data-api.polymarket.com": True}),
            AlertLevel.ERROR,
            "Circuit breaker open for data-api.polymarket.com",
            "circuit breaker for data-api.polymarket.com is closed",
        ),
        Condition.MEMORY: Scenario(
            _fresh,
            lambda now: replace(_fresh(now), memory_bytes=950 * MB),
            AlertLevel.ERROR,
            "Memory 950 MB is above 90% of the 1000 MB limit",
            "memory is back under 90% of the limit",
        ),
        Condition.BOT_DOWN: Scenario(
            _fresh,
            lambda now: replace(_fresh(now), bots_down={"telegram": "polling: 401 Unauthorized"}),
            AlertLevel.ERROR,
            "The Telegram bot has not been working for 5m 0s: polling: 401 Unauthorized.",
            "the Telegram bot works again",
        ),
        Condition.ERRORS: Scenario(
            lambda now: replace(_fresh(now), errors_total={"feed": 0.0}),
            lambda now: replace(errors(now), last_trade_at=now),
            AlertLevel.ERROR,
            "errors a minute (more than 10); most from: feed",
            "the error rate is back to normal",
        ),
        Condition.FORBIDDEN: Scenario(
            _fresh,
            lambda now: replace(
                _fresh(now),
                forbidden={
                    "data-api.polymarket.com": ("POLYSCAN_DATA_API_URL",),
                    "ws-live-data.polymarket.com": ("POLYSCAN_RTDS_URL",),
                },
            ),
            AlertLevel.CRITICAL,
            "Polymarket answers 403 Forbidden from data-api.polymarket.com (POLYSCAN_DATA_API_URL), "
            "ws-live-data.polymarket.com (POLYSCAN_RTDS_URL): it blocks this region (geo-blocking)",
            "Polymarket answers again (no more 403 Forbidden)",
        ),
        Condition.STORAGE: Scenario(
            _fresh,
            lambda now: replace(
                _fresh(now), writers_failing={"trade_writer": "cannot store trades for 40s (database unavailable)"}
            ),
            AlertLevel.ERROR,
            "Storage failing, the database answers but refuses writes: trade_writer: cannot store trades",
            "the database takes writes again",
        ),
    }


@pytest.mark.parametrize("condition", list(Condition), ids=[c.value for c in Condition])
async def test_each_condition_alerts_once_and_recovers_once(condition: Condition, clock: FakeClock) -> None:
    scenario = scenarios()[condition]
    chat = AdminChat()
    clock.now = T0
    current: dict[str, Callable[[datetime], Observations]] = {"observe": scenario.healthy}

    async def observe() -> Observations:
        return current["observe"](clock())

    alerter = SystemAlerter(THRESHOLDS, observe=observe, notifier=chat, clock=clock)
    await alerter.check()
    assert chat.messages == []

    current["observe"] = scenario.bad
    for _ in range(24):  # 12 minutes of checks every 30 s: longer than any condition needs
        clock.advance(seconds=30)
        await alerter.check()
    assert len(chat.messages) == 1, chat.messages
    text, severity = chat.messages[0]
    assert scenario.fired_words in text and severity == scenario.severity.value
    assert REGISTRY.get_sample_value("scanner_system_alerts_active", {"condition": condition.value}) == 1

    current["observe"] = scenario.healthy
    for _ in range(6):
        clock.advance(seconds=30)
        await alerter.check()
    assert len(chat.messages) == 2, chat.messages
    text, severity = chat.messages[1]
    assert text.startswith("Recovered: ") and scenario.recovered_words in text and "(lasted " in text
    assert severity == "info"
    assert alerter.policy.active == {}
    assert REGISTRY.get_sample_value("scanner_system_alerts_active", {"condition": condition.value}) == 0


# ---------------------------------------------------------------- the thresholds, purely


def kinds(transitions: list[Transition]) -> list[tuple[str, bool]]:
    return [(t.key, t.recovered) for t in transitions]


def test_a_websocket_must_stay_down_the_whole_threshold() -> None:
    policy = AlertPolicy(THRESHOLDS)
    down = Observations(streams={"rtds": False, "clob_ws": True})
    assert policy.evaluate(down, at(0)) == []
    assert policy.evaluate(down, at(299)) == []
    # a reconnect in between starts the count again
    assert policy.evaluate(Observations(streams={"rtds": True}), at(350)) == []
    assert policy.evaluate(down, at(400)) == []
    assert policy.evaluate(down, at(699)) == []
    assert kinds(policy.evaluate(down, at(700))) == [("ws_down:rtds", False)]


def test_a_bot_must_stay_down_the_whole_threshold_and_each_bot_alerts_apart() -> None:
    policy = AlertPolicy(THRESHOLDS)
    telegram = Observations(bots_down={"telegram": "logging in"})
    both = Observations(bots_down={"telegram": "login refused", "discord": "gateway disconnected; reconnecting"})
    assert policy.evaluate(telegram, at(0)) == []
    # a bot flapping between "starting" and "down" is one outage: the reason may change, not the start
    assert policy.evaluate(Observations(bots_down={"telegram": "login refused"}), at(200)) == []
    assert kinds(policy.evaluate(both, at(300))) == [("bot_down:telegram", False)]
    assert policy.evaluate(both, at(500)) == []
    assert kinds(policy.evaluate(both, at(600))) == [("bot_down:discord", False)]
    [back] = policy.evaluate(Observations(bots_down={"discord": "gateway disconnected"}), at(630))
    assert back.recovered and back.key == "bot_down:telegram" and "the Telegram bot works again" in back.text
    # back up, then down again: the count starts afresh
    assert policy.evaluate(both, at(660)) == []
    assert kinds(policy.evaluate(both, at(960))) == [("bot_down:telegram", False)]


def test_no_trades_counts_from_the_first_look_when_no_trade_ever_came() -> None:
    policy = AlertPolicy(THRESHOLDS)
    quiet = Observations(feed_enabled=True, last_trade_at=None)
    assert policy.evaluate(quiet, at(0)) == []
    assert policy.evaluate(quiet, at(600)) == []
    [fired] = policy.evaluate(quiet, at(601))
    assert fired.condition is Condition.NO_TRADES and "No trades received for 10m 1s" in fired.text
    # without a feed there is nothing to expect trades from
    assert AlertPolicy(THRESHOLDS).evaluate(Observations(feed_enabled=False), at(10_000)) == []


def test_ten_errors_a_minute_is_allowed_eleven_is_not() -> None:
    policy = AlertPolicy(THRESHOLDS)
    assert policy.evaluate(Observations(errors_total={"a": 100.0}), at(0)) == []  # earlier errors do not count
    assert policy.evaluate(Observations(errors_total={"a": 105.0}), at(30)) == []
    assert policy.evaluate(Observations(errors_total={"a": 110.0}), at(60)) == []
    [fired] = policy.evaluate(Observations(errors_total={"a": 116.0, "b": 5.0}), at(90))
    assert fired.condition is Condition.ERRORS and "most from: a 11, b 5" in fired.text


def test_rate_limits_are_per_endpoint_and_old_ones_do_not_alert() -> None:
    policy = AlertPolicy(THRESHOLDS)
    assert policy.evaluate(Observations(rate_limited_total={"/trades": 7.0}), at(0)) == []
    both = Observations(rate_limited_total={"/trades": 8.0, "/positions": 1.0})
    assert kinds(policy.evaluate(both, at(30))) == [
        ("api_rate_limited:/positions", False),
        ("api_rate_limited:/trades", False),
    ]
    assert policy.evaluate(both, at(60)) == []
    assert sorted(kinds(policy.evaluate(both, at(95)))) == [
        ("api_rate_limited:/positions", True),
        ("api_rate_limited:/trades", True),
    ]


def test_memory_at_the_limit_fraction_is_still_fine() -> None:
    policy = AlertPolicy(THRESHOLDS)
    limit = int(1000 * MB * 0.9)
    assert policy.evaluate(Observations(memory_bytes=limit), at(0)) == []
    assert kinds(policy.evaluate(Observations(memory_bytes=limit + 1), at(30))) == [("memory_high", False)]


def test_conditions_at_once_each_fire_once() -> None:
    policy = AlertPolicy(THRESHOLDS)
    broken = Observations(database_ok=False, cache_ok=False, circuits_open={"gamma": True, "clob": True})
    first = policy.evaluate(broken, at(0))
    assert sorted(kinds(first)) == [
        ("circuit_open:clob", False),
        ("circuit_open:gamma", False),
        ("database_unreachable", False),
        ("redis_unreachable", False),
    ]
    assert policy.evaluate(broken, at(30)) == []
    half = replace(broken, database_ok=True, circuits_open={"gamma": True, "clob": False})
    assert sorted(kinds(policy.evaluate(half, at(60)))) == [("circuit_open:clob", True), ("database_unreachable", True)]
    assert set(policy.active) == {"redis_unreachable", "circuit_open:gamma"}


# ---------------------------------------------------------------- the I/O around it


async def test_a_failed_send_is_retried_on_the_next_check_in_order(clock: FakeClock) -> None:
    chat = AdminChat(failures=1)
    state = {"obs": Observations(database_ok=False)}

    async def observe() -> Observations:
        return state["obs"]

    alerter = SystemAlerter(THRESHOLDS, observe=observe, notifier=chat, clock=clock)
    [fired] = await alerter.check()
    assert chat.messages == [] and alerter.pending == [fired]
    state["obs"] = Observations()
    clock.advance(seconds=30)
    await alerter.check()
    assert [severity for _, severity in chat.messages] == ["critical", "info"]
    assert alerter.pending == []


async def test_sentry_hears_of_alerts_not_recoveries(clock: FakeClock) -> None:
    captured: list[tuple[str, str]] = []

    class Sentry:
        def capture(self, text: str, severity: str) -> None:
            captured.append((text, severity))

    state = {"obs": Observations(cache_ok=False)}

    async def observe() -> Observations:
        return state["obs"]

    alerter = SystemAlerter(THRESHOLDS, observe=observe, notifier=None, clock=clock, sentry=Sentry())
    assert len(await alerter.check()) == 1
    state["obs"] = Observations()
    clock.advance(seconds=30)
    assert len(await alerter.check()) == 1
    assert len(captured) == 1 and captured[0][1] == "warning" and "Redis unreachable" in captured[0][0]
