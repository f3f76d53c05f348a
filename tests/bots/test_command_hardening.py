"""Commands a hostile user types: absurd numbers are refused with a clear reply (never an unhandled
exception), error replies quote at most a few dozen characters of the input, refused admin attempts
are logged and counted, and outside text of any size renders within both platforms' limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from bot.command_calls import calls, with_subcommands
from bot.handlers.common import parse_command
from bot.render import discord as discord_render
from bot.render import telegram as telegram_render
from db.repositories import Repositories
from scanner_core import catalogue
from scanner_core import commands as c
from scanner_core.commands import CommandService, MarketResult, ServiceError, UserRef, WalletResult, encode_button
from scanner_core.models import Platform
from scanner_core.presentation import View, alert_view, error_view, result_view
from scanner_core.userinput import ECHO_MAX, echo
from tests.bots.support import (
    CONDITION,
    DC_ADMIN,
    DC_MEMBER,
    MARKET,
    PROFILE,
    SLUG,
    T0,
    TG_GROUP_MEMBER,
    TG_USER,
    WALLET,
    trade,
    trade_alert,
)
from tests.fakes.telegram import html_to_text

# ---------------------------------------------------------------- absurd numbers


async def test_an_absurd_exponent_for_min_confidence_is_a_clear_reply(service: CommandService) -> None:
    """Found: `/settings min_confidence 1e999999999999` raised decimal.Overflow out of the service."""
    with pytest.raises(ServiceError) as refused:
        await service.settings_command(TG_USER, "min_confidence", "1e999999999999")
    assert "is not a confidence: write it like 0.6 or 60%" in refused.value.user_message


@pytest.mark.parametrize(
    "value",
    ["1e999999999999", "1E-5001", "NaN", "sNaN", "inf", "-Infinity", "-0%", "-0", "+50", "0x10", "1_0", "٣٠", "6e1"],
)
def test_confidence_accepts_plain_numbers_only(value: str) -> None:
    with pytest.raises(ServiceError) as refused:
        c.parse_fraction(value)
    assert "write it like 0.6 or 60%" in refused.value.user_message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("$1E-5001", "is not a USD amount"),
        ("1e3", "is not a USD amount"),
        ("0.001", "cents at most"),
        ("$0.0000001", "cents at most"),
        ("-0", "is not a USD amount"),
        ("NaN", "is not a USD amount"),
        ("Infinity", "is not a USD amount"),
        ("٣٠٠٠", "is not a USD amount"),
        ("9" * 400, "is not a USD amount"),
        ("1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0", "is not a USD amount"),
        ("2b", "is not a USD amount"),
        ("1001m", "more than the largest"),
    ],
)
def test_minimum_size_refuses_odd_values(value: str, words: str) -> None:
    with pytest.raises(ServiceError) as refused:
        c.parse_money(value, "minimum size")
    assert words in refused.value.user_message
    assert len(refused.value.user_message) <= 160


@pytest.mark.parametrize(
    ("value", "expected"), [("$12.50", Decimal("12.50")), ("0", Decimal(0)), ("1.25m", Decimal(1_250_000))]
)
def test_minimum_size_still_takes_cents_and_suffixes(value: str, expected: Decimal) -> None:
    assert c.parse_money(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("100%", 1.0), ("0.55", 0.55), ("62.5%", 0.625)])
def test_confidence_still_takes_fractions_and_percentages(value: str, expected: float) -> None:
    assert c.parse_fraction(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["1e3", "٣", "+5", "-1", "1_0", "0x1f", " ", "10000000000"])
def test_whole_numbers_are_plain_digits_in_range(value: str) -> None:
    with pytest.raises(ServiceError):
        c.parse_int(value, "max_per_hour", 1, 1000)


@pytest.mark.parametrize(
    "value", ["Europe/" + "x" * 5000, "../../etc/passwd", "/etc/localtime", "Europe/Berlin\x00", "UTC+25:00", ""]
)
def test_odd_time_zones_are_refused(value: str) -> None:
    with pytest.raises(ServiceError) as refused:
        c.parse_timezone(value)
    assert len(refused.value.user_message) <= 160


@pytest.mark.parametrize(
    "text",
    ["[polymarket.com", "https://[polymarket.com/profile/x", "polymarket.com/profile/" + "x" * 5000, "\x00" * 50],
)
def test_malformed_wallet_links_are_refused(text: str) -> None:
    with pytest.raises(ServiceError):
        c.wallet_reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://[polymarket.com/event/x",
        "https://polymarket.com/event/" + "x" * 5000,
        "https://polymarket.com/event/a/<b>",
        "9" * 5000,
        "١٢٣",
    ],
)
async def test_malformed_market_references_are_refused(service: CommandService, text: str) -> None:
    with pytest.raises(ServiceError) as refused:
        await service.market(TG_USER, text)
    assert len(refused.value.user_message) <= 200


# ---------------------------------------------------------------- echoed input


def test_echo_quotes_cuts_and_escapes_control_characters() -> None:
    assert echo("25k") == "'25k'"
    long = echo("a\x00b\u202e" + "x" * 500)
    assert long.startswith("'a\\x00b\\u202e") and long.endswith("…'")
    assert long.count("x") <= ECHO_MAX
    assert len(echo("y" * 500)) <= ECHO_MAX + 4


GARBAGE = "Ω" * 3000  # one character that appears in no reply of polyscan's own


def _telegram_call(service: CommandService, name: str, text: str) -> Callable[[UserRef], Awaitable[object]]:
    table = with_subcommands(calls(service))
    entry = catalogue.command(name)

    async def run(user: UserRef) -> object:
        return await table[name](user, parse_command(entry, text.split()))

    return run


@pytest.mark.parametrize("name", [cmd.name for cmd in catalogue.for_platform(Platform.TELEGRAM)])
async def test_error_replies_quote_at_most_a_few_dozen_characters(service: CommandService, name: str) -> None:
    """Found: some error replies echoed the user's input up to Telegram's 4,096 characters."""
    entry = catalogue.command(name)
    lines = [GARBAGE, f"{GARBAGE} {GARBAGE} {GARBAGE} {GARBAGE}"]
    if entry.args and entry.args[0].choices:
        lines += [f"{choice} {GARBAGE}" for choice in entry.args[0].choices]
    for line in lines:
        try:
            await _telegram_call(service, name, line)(TG_USER)
        except ServiceError as exc:
            message = exc.user_message
        else:
            continue
        assert message.count("Ω") <= ECHO_MAX, (name, line[:20], message[:120])
        assert len(message) <= 400, (name, message[:120])


async def test_unknown_setting_and_help_topics_are_cut(service: CommandService) -> None:
    with pytest.raises(ServiceError) as setting:
        await service.settings_command(TG_USER, GARBAGE, "1")
    with pytest.raises(ServiceError) as topic:
        service.help(Platform.DISCORD, GARBAGE)
    for refused in (setting, topic):
        assert refused.value.user_message.count("Ω") <= ECHO_MAX


# ---------------------------------------------------------------- refused admin attempts


def refused_count(platform: str, command: str) -> float:
    value = REGISTRY.get_sample_value("scanner_admin_refused_total", {"platform": platform, "command": command})
    return value or 0.0


async def _alert_id(repos: Repositories) -> int:
    stored, _ = await repos.alerts.save_alert(trade_alert(1))
    assert stored.id is not None
    return stored.id


ADMIN_ONLY: list[tuple[str, UserRef, Callable[[CommandService, int], Awaitable[object]]]] = [
    ("subscribe", TG_GROUP_MEMBER, lambda s, _: s.subscribe(TG_GROUP_MEMBER)),
    ("unsubscribe", TG_GROUP_MEMBER, lambda s, _: s.unsubscribe(TG_GROUP_MEMBER)),
    ("settings", TG_GROUP_MEMBER, lambda s, _: s.settings_command(TG_GROUP_MEMBER, "min_size", "5k")),
    ("quiet", TG_GROUP_MEMBER, lambda s, _: s.quiet(TG_GROUP_MEMBER, "23:00", "07:00")),
    ("quiet", TG_GROUP_MEMBER, lambda s, _: s.quiet(TG_GROUP_MEMBER, "off")),
    ("follow", TG_GROUP_MEMBER, lambda s, _: s.follow(TG_GROUP_MEMBER, WALLET)),
    ("unfollow", TG_GROUP_MEMBER, lambda s, _: s.unfollow(TG_GROUP_MEMBER, WALLET)),
    ("mute", TG_GROUP_MEMBER, lambda s, _: s.mute(TG_GROUP_MEMBER, SLUG)),
    ("unmute", TG_GROUP_MEMBER, lambda s, _: s.unmute(TG_GROUP_MEMBER, WALLET)),
    (
        "mute_market_button",
        TG_GROUP_MEMBER,
        lambda s, i: s.press(TG_GROUP_MEMBER, encode_button(c.ButtonAction.MUTE_MARKET, i)),
    ),
    (
        "mute_wallet_button",
        TG_GROUP_MEMBER,
        lambda s, i: s.press(TG_GROUP_MEMBER, encode_button(c.ButtonAction.MUTE_WALLET, i)),
    ),
    ("route add", DC_MEMBER, lambda s, _: s.route_add(DC_MEMBER, "high", "555")),
    ("route list", DC_MEMBER, lambda s, _: s.route_list(DC_MEMBER)),
    ("route remove", DC_MEMBER, lambda s, _: s.route_remove(DC_MEMBER, "1")),
]


@pytest.mark.parametrize(("command", "user", "call"), ADMIN_ONLY, ids=[f"{c[0]}-{i}" for i, c in enumerate(ADMIN_ONLY)])
async def test_a_refused_admin_attempt_is_logged_and_counted(
    service: CommandService,
    repos: Repositories,
    command: str,
    user: UserRef,
    call: Callable[[CommandService, int], Awaitable[object]],
) -> None:
    """Found: refused admin attempts (13 on Telegram, 2 on Discord) left no trace."""
    alert_id = await _alert_id(repos)
    before = refused_count(user.platform.value, command)

    with capture_logs() as logs, pytest.raises(ServiceError):
        await call(service, alert_id)

    assert refused_count(user.platform.value, command) == before + 1
    [entry] = [e for e in logs if e["event"] == "admin_refused"]
    assert entry["platform"] == user.platform.value and entry["command"] == command
    assert entry["user_id"] == user.user_id and entry["chat_id"] == user.chat_or_channel_id
    assert entry["guild_id"] == user.guild_id
    assert "5k" not in str(entry) and "23:00" not in str(entry)  # what was asked, not what was typed


async def test_admins_and_lookups_are_not_counted_as_refused(service: CommandService) -> None:
    before = refused_count("telegram", "subscribe")
    with capture_logs() as logs:
        await service.subscribe(TG_USER)
        await service.show_settings(TG_GROUP_MEMBER)
        await service.quiet(TG_GROUP_MEMBER, None)
        await service.route_list(DC_ADMIN)
    assert refused_count("telegram", "subscribe") == before
    assert [e for e in logs if e["event"] == "admin_refused"] == []


# ---------------------------------------------------------------- outside text of any size

MEGABYTE = "Will it happen? " * 65_536  # 1 MB of market title
HUGE_NAME = "whale_" * 50_000


def _limits_ok(view: View) -> None:
    html = telegram_render.render(view).text
    visible = html_to_text(html)  # the fake's parser: valid Telegram HTML, or it raises
    assert telegram_render.units(visible) <= telegram_render.MESSAGE_MAX
    embed = discord_render.render(view).embed.to_dict()
    assert len(embed.get("title", "")) <= 256
    assert len(embed.get("description", "")) <= 4096
    fields = embed.get("fields", [])
    assert len(fields) <= 25
    assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in fields)
    assert len(embed.get("footer", {}).get("text", "")) <= 2048
    total = (
        len(embed.get("title", ""))
        + len(embed.get("description", ""))
        + len(embed.get("footer", {}).get("text", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in fields)
    )
    assert total <= 6000


def test_a_one_megabyte_market_renders_within_the_limits() -> None:
    market = replace(
        MARKET,
        question=MEGABYTE,
        slug="s" * 100_000,
        category=MEGABYTE,
        outcomes=tuple(f"{MEGABYTE}{i}" for i in range(50)),
        outcome_prices=tuple(Decimal("0.02") for _ in range(50)),
        condition_id=CONDITION + "f" * 100_000,
    )
    big_trade = replace(trade(1), title=MEGABYTE, outcome=MEGABYTE, event_slug="e" * 100_000)
    view = result_view(MarketResult(market, None, (big_trade,) * 5, (), T0))
    assert len(view.title) <= 300
    _limits_ok(view)


def test_a_huge_username_and_profile_render_within_the_limits() -> None:
    profile = replace(
        PROFILE,
        username=HUGE_NAME,
        mm_indicators=tuple(HUGE_NAME for _ in range(20)),
        mm_confidence=0.9,
        top_categories=tuple((f"{HUGE_NAME}{i}", Decimal(1000)) for i in range(50)),
    )
    view = result_view(WalletResult(WALLET, profile, None, (replace(trade(1), title=MEGABYTE),), (), T0, 10))
    assert len(view.title) <= 100
    _limits_ok(view)


def test_an_alert_with_outside_text_of_any_size_renders_within_the_limits() -> None:
    alert = trade_alert(1, question=MEGABYTE, username=HUGE_NAME)
    alert = replace(alert, trade=replace(alert.trade, outcome=MEGABYTE, title=MEGABYTE) if alert.trade else None)
    view = alert_view(replace(alert, id=7), T0 + timedelta(minutes=1))
    assert len(view.title) <= 300
    _limits_ok(view)


def test_a_notice_about_a_huge_market_title_is_cut_before_rendering() -> None:
    view = result_view(c.Notice(f"Muted market {MEGABYTE}.", hint=MEGABYTE))
    assert len(view.title) <= 300 and all(len(s.text) <= 1000 for ln in view.body for s in ln)
    _limits_ok(view)
    _limits_ok(error_view(MEGABYTE))


async def test_muting_a_market_with_a_huge_title_answers_a_short_notice(service: CommandService) -> None:
    service.markets.markets = [replace(MARKET, question=MEGABYTE)]  # type: ignore[attr-defined]
    notice = await service.mute(TG_USER, SLUG)
    assert len(notice.text) <= 300
