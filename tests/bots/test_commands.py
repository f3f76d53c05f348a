"""The command service on the real database (SQLite or PostgreSQL per run), lookups in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from db.repositories import Repositories
from scanner_core import commands as c
from scanner_core.commands import (
    CommandService,
    MarketResult,
    Notice,
    RoutesResult,
    ServiceError,
    WalletResult,
    encode_button,
)
from scanner_core.models import (
    Delivery,
    DeliveryStatus,
    DestinationKind,
    Platform,
    QuietHours,
    Severity,
    WalletClass,
)
from tests.bots.support import (
    CONDITION,
    DC_ADMIN,
    DC_MEMBER,
    SLUG,
    TG_GROUP_MEMBER,
    TG_USER,
    WALLET,
    FakeMarkets,
    trade,
    trade_alert,
)
from tests.conftest import FakeClock


@pytest.mark.parametrize(
    ("text", "expected"),
    [("25000", Decimal(25000)), ("25k", Decimal(25000)), ("$25,000", Decimal(25000)), ("1.5m", Decimal(1500000))],
)
def test_parse_money(text: str, expected: Decimal) -> None:
    assert c.parse_money(text) == expected


@pytest.mark.parametrize("text", ["lots", "-5", "25kk", "1e9", "$", "2000000000"])
def test_parse_money_refuses_garbage(text: str) -> None:
    with pytest.raises(ServiceError):
        c.parse_money(text)


@pytest.mark.parametrize(("text", "expected"), [("0.6", 0.6), ("60", 0.6), ("60%", 0.6), ("1", 1.0), ("0.5%", 0.005)])
def test_parse_fraction(text: str, expected: float) -> None:
    assert c.parse_fraction(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["150", "-1", "abc", "nan", "inf"])
def test_parse_fraction_refuses(text: str) -> None:
    with pytest.raises(ServiceError):
        c.parse_fraction(text)


@pytest.mark.parametrize(
    ("text", "minutes"), [("23:00", 1380), ("7:30", 450), ("07", 420), ("11pm", 1380), ("12am", 0), ("0:00", 0)]
)
def test_parse_time_of_day(text: str, minutes: int) -> None:
    assert c.parse_time_of_day(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", "hours go 00-23"),
        ("23:60", "minutes 00-59"),
        ("13pm", "with am/pm the hour is 1-12"),
        ("noon", "is not a time"),
        ("23:0", "is not a time"),
    ],
)
def test_parse_time_of_day_refuses(text: str, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        c.parse_time_of_day(text)


def test_time_zones_kinds_and_categories() -> None:
    assert c.parse_timezone("Europe/Berlin") == "Europe/Berlin" and c.parse_timezone("utc") == "UTC"
    with pytest.raises(ServiceError, match="not a time zone I know"):
        c.parse_timezone("Mars/Olympus")
    assert c.parse_kinds("trade, wallet_target fresh_wallet") == {"trade", "wallet_target", "fresh_wallet"}
    assert c.parse_kinds("default") == frozenset()
    with pytest.raises(ServiceError, match="Unknown kind 'system'"):
        c.parse_kinds("trade,system")
    assert c.parse_categories("Politics, crypto") == {"politics", "crypto"}
    assert c.parse_categories("all") == frozenset()
    with pytest.raises(ServiceError, match="is not a category name"):
        c.parse_categories("<script>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (WALLET.upper().replace("0X", "0x"), (WALLET, None)),
        (f"https://polymarket.com/profile/{WALLET}", (WALLET, None)),
        ("polymarket.com/@Theo4", (None, "Theo4")),
        ("@PPMT", (None, "PPMT")),
    ],
)
def test_wallet_reference(text: str, expected: tuple[str | None, str | None]) -> None:
    assert c.wallet_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("high", ("severity", "high")),
        ("CRITICAL", ("severity", "critical")),
        ("wallet_target", ("kind", "wallet_target")),
        ("fresh_wallet", ("kind", "fresh_wallet")),
        ("Politics", ("category", "politics")),
        ("category:high", ("category", "high")),
        ("kind: cluster", ("kind", "cluster")),
    ],
)
def test_route_targets(text: str, expected: tuple[str, str]) -> None:
    match, value = c.parse_route_target(text)
    assert (match.value, value) == expected


def test_buttons_round_trip_and_fit_telegram() -> None:
    data = encode_button(c.ButtonAction.MUTE_WALLET, 123456789012345678)
    assert c.decode_button(data) == (c.ButtonAction.MUTE_WALLET, 123456789012345678)
    assert len(data.encode()) <= 64
    assert c.decode_button("ps:xx:1") is None and c.decode_button("ps:vm:") is None


# ---------------------------------------------------------------- the service on the database


async def test_subscribe_unsubscribe_and_defaults(service: CommandService, repos: Repositories) -> None:
    first = await service.subscribe(TG_USER)
    again = await service.subscribe(TG_USER)

    assert first.note == "Subscribed: alerts will arrive here." and again.note == "You are already subscribed here."
    sub = first.subscription
    assert sub.active and sub.max_per_hour == 30 and sub.owner_id == "42"
    assert (await service.unsubscribe(TG_USER)).ok
    assert (await service.unsubscribe(TG_USER)) == Notice(
        "You were not subscribed here.", ok=False, hint="/subscribe starts alerts."
    )
    assert await repos.subscriptions.count_active() == 0


async def test_following_without_a_subscription_gets_only_that_wallet(
    service: CommandService, repos: Repositories
) -> None:
    notice = await service.follow(TG_USER, "PPMT")
    sub = await repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, "42")

    assert notice.hint == "You get alerts of followed wallets only; /subscribe for everything."
    assert sub is not None and sub.active and sub.filters.followed_only and sub.filters.follow_wallets == {WALLET}
    assert not (await service.follow(TG_USER, WALLET)).ok  # already following
    subscribed = await service.subscribe(TG_USER)
    assert not subscribed.subscription.filters.followed_only
    assert subscribed.subscription.filters.follow_wallets == {WALLET}


async def test_settings_change_and_bad_values_store_nothing(service: CommandService, repos: Repositories) -> None:
    await service.subscribe(TG_USER)
    await service.settings_command(TG_USER, "min_size", "25k")
    await service.quiet(TG_USER, "23:00", "07:00", "Europe/Berlin")
    before = await repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, "42")

    bad = [
        ("min_size", "a lot"),
        ("min_confidence", "200%"),
        ("severity", "huge"),
        ("kinds", "trade,nonsense"),
        ("categories", "<b>"),
        ("max_per_hour", "0"),
        ("colour", "red"),
        ("min_size", " "),
    ]
    for setting, value in bad:
        with pytest.raises(ServiceError):
            await service.settings_command(TG_USER, setting, value)
    for args in [("25:00", "07:00", None), ("23:00", "23:00", None), ("23:00", None, None), (None, "07:00", None)]:
        with pytest.raises(ServiceError):
            await service.quiet(TG_USER, *args)
    with pytest.raises(ServiceError, match="Name the setting"):
        await service.settings_command(TG_USER, None, "25k")

    after = await repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, "42")
    assert after == before
    assert after is not None and after.quiet_hours == QuietHours(1380, 420, "Europe/Berlin")
    assert after.filters.min_usd == Decimal(25000)


async def test_every_setting_changes_what_it_names(service: CommandService) -> None:
    changes = {
        "min_confidence": ("0.7", lambda s: s.filters.min_confidence == 0.7),
        "severity": ("HIGH", lambda s: s.filters.min_severity is Severity.HIGH),
        "kinds": ("trade,wallet_target", lambda s: s.filters.kinds == {"trade", "wallet_target"}),
        "categories": ("politics,crypto", lambda s: s.filters.categories_in == {"politics", "crypto"}),
        "exclude_categories": ("sports", lambda s: s.filters.categories_out == {"sports"}),
        "max_per_hour": ("12", lambda s: s.max_per_hour == 12),
    }
    for name, (value, check) in changes.items():
        result = await service.change_setting(TG_USER, name, value)
        assert check(result.subscription), name
    cleared = await service.change_setting(TG_USER, "categories", "all")
    assert cleared.subscription.filters.categories_in == frozenset() and cleared.note == "Every category again."


async def test_group_members_may_look_but_only_admins_change(service: CommandService) -> None:
    for call in (
        service.subscribe(TG_GROUP_MEMBER),
        service.change_setting(TG_GROUP_MEMBER, "min_size", "1k"),
        service.follow(TG_GROUP_MEMBER, WALLET),
        service.mute(TG_GROUP_MEMBER, SLUG),
        service.quiet(TG_GROUP_MEMBER, "off"),
    ):
        with pytest.raises(ServiceError, match="Only this group's admins"):
            await call
    assert (await service.show_settings(TG_GROUP_MEMBER)).exists is False
    assert isinstance(await service.wallet(TG_GROUP_MEMBER, WALLET), WalletResult)


async def test_mute_and_unmute_markets_and_wallets(service: CommandService, repos: Repositories) -> None:
    muted = await service.mute(TG_USER, f"https://polymarket.com/event/x/{SLUG}")
    wallet = await service.mute(TG_USER, WALLET)

    assert muted.text == "Muted market Russia-Ukraine Ceasefire before GTA VI?."
    assert wallet.text == "Muted wallet 0x510f…a43c."
    assert not (await service.mute(TG_USER, CONDITION)).ok  # already muted
    sub = await repos.subscriptions.get(DestinationKind.TELEGRAM_CHAT, "42")
    assert sub is not None and sub.filters.mute_markets == {CONDITION} and sub.filters.mute_wallets == {WALLET}
    assert not sub.active  # muting alone does not subscribe
    assert (await service.unmute(TG_USER, "540816")).ok
    assert not (await service.unmute(TG_USER, "540816")).ok
    with pytest.raises(ServiceError, match="No Polymarket market matches"):
        await service.mute(TG_USER, "no-such-market")


async def test_wallet_and_market_lookups(service: CommandService, repos: Repositories, clock: FakeClock) -> None:
    stored, _ = await repos.alerts.save_alert(trade_alert(1, at=clock.now - timedelta(hours=1)))
    await repos.trades.save_trades([trade(3, usd="90000", at=clock.now - timedelta(hours=2))])

    wallet = await service.wallet(DC_MEMBER, "@ppmt")
    market = await service.market(DC_MEMBER, SLUG)

    assert wallet.address == WALLET and wallet.profile.trade_count == 230 and wallet.min_resolved == 10
    assert wallet.classification is not None and wallet.classification.classification is WalletClass.WATCHLIST
    assert [t.usd for t in wallet.recent_trades] == [Decimal(25000)]
    assert [a.id for a in wallet.recent_alerts] == [stored.id]
    assert market.book is not None and [t.usd for t in market.biggest_trades] == [Decimal(90000)]
    assert [a.id for a in market.recent_alerts] == [stored.id]
    with pytest.raises(ServiceError, match="No Polymarket user named 'ghost'"):
        await service.wallet(DC_MEMBER, "ghost")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://evil.example/event/x", "Only polymarket.com links name a market."),
        ("https://polymarket.com/profile/x", "That Polymarket link does not point at a market or event."),
        ("0x1234", "'0x1234' is not a condition id (0x followed by 64 hex digits)."),
        ("what is this?", "'what is this?' is not a market id, slug, condition id or Polymarket URL."),
        ("   ", "Give a market id, slug, condition id or Polymarket URL."),
        ("no-such-market", "No Polymarket market matches 'no-such-market'."),
    ],
)
async def test_bad_market_references(service: CommandService, text: str, message: str) -> None:
    with pytest.raises(ServiceError) as refused:
        await service.market(TG_USER, text)
    assert refused.value.user_message == message


@pytest.mark.parametrize(
    "text",
    [
        f"https://polymarket.com/event/what-will-happen-before-gta-vi/{SLUG}?tid=1",
        "https://polymarket.com/event/what-will-happen-before-gta-vi",
        f"polymarket.com/market/{SLUG}",
        CONDITION.upper().replace("0X", "0x"),
        "540816",
        SLUG,
    ],
)
async def test_every_way_of_naming_a_market(service: CommandService, text: str) -> None:
    assert (await service.market(TG_USER, text)).market.condition_id == CONDITION


async def test_an_upstream_failure_is_a_polite_reply(service: CommandService, markets: FakeMarkets) -> None:
    markets.fail = True
    with pytest.raises(ServiceError, match="Polymarket did not answer for the market just now"):
        await service.market(TG_USER, SLUG)


async def test_stats_count_trades_alerts_and_backlog(service: CommandService, repos: Repositories) -> None:
    now = service.clock()
    await repos.trades.save_trades([trade(i, at=now - timedelta(minutes=10 * i + 1)) for i in range(1, 9)])
    stored, _ = await repos.alerts.save_alert(trade_alert(1, at=now - timedelta(minutes=5)))
    assert stored.id is not None
    await repos.deliveries.enqueue([Delivery(stored.id, DestinationKind.TELEGRAM_CHAT, "42")], now)
    await service.subscribe(TG_USER)

    stats = await service.stats(TG_USER)

    assert (stats.trades_last_hour, stats.trades_last_day) == (5, 8)
    assert stats.alerts_by_severity == {Severity.HIGH: 1}
    assert stats.backlog == {"telegram": 1} and stats.subscriptions == 1
    assert stats.uptime == timedelta(hours=3) and stats.feed_connected is True


async def test_recent_alerts_are_the_callers_own(service: CommandService, repos: Repositories) -> None:
    now = service.clock()
    mine, _ = await repos.alerts.save_alert(trade_alert(1))
    theirs, _ = await repos.alerts.save_alert(trade_alert(2))
    assert mine.id is not None and theirs.id is not None
    await repos.deliveries.enqueue(
        [
            Delivery(mine.id, DestinationKind.DISCORD_USER, DC_MEMBER.user_id),
            Delivery(theirs.id, DestinationKind.DISCORD_USER, DC_ADMIN.user_id),
        ],
        now,
    )

    result = await service.recent_alerts(DC_MEMBER)

    assert [(e.alert.id, e.delivery.status) for e in result.entries] == [(mine.id, DeliveryStatus.PENDING)]
    with pytest.raises(ServiceError, match="count takes 1-20"):
        await service.recent_alerts(DC_MEMBER, "0")


async def test_routes_need_manage_server_in_a_server(service: CommandService, repos: Repositories) -> None:
    with pytest.raises(ServiceError, match="Manage Server"):
        await service.route_add(DC_MEMBER, "high", "555")
    with pytest.raises(ServiceError, match="works in a Discord server"):
        await service.route_list(replace(DC_ADMIN, guild_id=None))
    with pytest.raises(ServiceError, match="works in a Discord server"):
        await service.route_list(TG_USER)

    added = await service.route_add(DC_ADMIN, "Politics", "555", "77")
    again = await service.route_add(DC_ADMIN, "category:politics", "555", "77")  # same rule: no duplicate
    kind = await service.route_add(DC_ADMIN, "wallet_target", "556")

    assert isinstance(added, RoutesResult)
    assert (
        added.note
        == "Alerts with category politics now go to the channel. Its role is mentioned on high and critical alerts."
    )
    assert len(again.rules) == 1 and len(kind.rules) == 2
    for what in ["kind:trade,cluster", "a,b", "colour:red", "severity:loud", " ", "<script>"]:
        with pytest.raises(ServiceError):
            await service.route_add(DC_ADMIN, what, "557")
    with pytest.raises(ServiceError, match="Pick a channel"):
        await service.route_add(DC_ADMIN, "high", "#general")
    rule_id = added.rules[0].id
    assert (await service.route_remove(DC_ADMIN, f"#{rule_id}")).note == f"Rule #{rule_id} removed."
    with pytest.raises(ServiceError, match="There is no rule"):
        await service.route_remove(DC_ADMIN, str(rule_id))
    assert [r.match_value for r in await repos.channel_rules.all()] == ["wallet_target"]


async def test_buttons_view_and_mute(service: CommandService, repos: Repositories) -> None:
    stored, _ = await repos.alerts.save_alert(trade_alert(1))
    assert stored.id is not None

    market = await service.press(TG_USER, encode_button(c.ButtonAction.VIEW_MARKET, stored.id))
    wallet = await service.press(TG_USER, encode_button(c.ButtonAction.VIEW_WALLET, stored.id))
    muted = await service.press(TG_USER, encode_button(c.ButtonAction.MUTE_WALLET, stored.id))

    assert isinstance(market, MarketResult) and market.market.condition_id == CONDITION
    assert isinstance(wallet, WalletResult) and wallet.address == WALLET
    assert muted == Notice("Muted wallet 0x510f…a43c.", hint="/unmute brings its alerts back.")
    with pytest.raises(ServiceError, match="not one of mine"):
        await service.press(TG_USER, "something else")
    with pytest.raises(ServiceError, match="That alert is gone"):
        await service.press(TG_USER, encode_button(c.ButtonAction.VIEW_MARKET, 999_999))
    with pytest.raises(ServiceError, match="Only this group's admins"):
        await service.press(TG_GROUP_MEMBER, encode_button(c.ButtonAction.MUTE_MARKET, stored.id))


async def test_help_for_one_command_and_unknown_ones(service: CommandService) -> None:
    assert service.help(Platform.TELEGRAM, "/quiet").selected is not None
    with pytest.raises(ServiceError, match="There is no /route command"):
        service.help(Platform.TELEGRAM, "route")  # Discord only


async def test_changes_tell_the_outbox(service: CommandService) -> None:
    calls: list[str] = []
    service.on_change = lambda: calls.append("changed")

    await service.subscribe(TG_USER)
    await service.change_setting(TG_USER, "min_size", "5k")
    await service.route_add(DC_ADMIN, "high", "555")
    rules = await service.route_list(DC_ADMIN)
    await service.route_remove(DC_ADMIN, str(rules.rules[0].id))
    await service.show_settings(TG_USER)  # reading changes nothing
    with pytest.raises(ServiceError):
        await service.change_setting(TG_USER, "min_size", "lots")

    assert calls == ["changed"] * 4
