"""Presentation is pure: numbers, wording and links decided once, for every platform."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from scanner_core import catalogue
from scanner_core import presentation as p
from scanner_core.commands import (
    AlertEntry,
    AlertsResult,
    HelpResult,
    MarketResult,
    Notice,
    RoutesResult,
    SettingsResult,
    StatsResult,
    WalletResult,
)
from scanner_core.models import (
    ChannelRule,
    Delivery,
    DeliveryStatus,
    DestinationKind,
    Platform,
    QuietHours,
    Severity,
    Subscription,
    SubscriptionFilters,
    WalletClass,
    WalletClassification,
)
from scanner_core.routing import HoldReason
from tests.bots.support import BOOK, MARKET, PROFILE, T0, WALLET, follow_up_alert, trade, trade_alert

NOW = T0 + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("72400"), "$72,400"),
        (Decimal("950"), "$950"),
        (Decimal("12.5"), "$12.50"),
        (Decimal("1250000"), "$1.25M"),
        (Decimal("2000000"), "$2M"),
        (Decimal("-4100"), "-$4,100"),
    ],
)
def test_money(value: Decimal, expected: str) -> None:
    assert p.money(value) == expected


@pytest.mark.parametrize(
    ("fn", "value", "expected"),
    [
        (p.cents, Decimal("0.42"), "42¢"),
        (p.cents, Decimal("0.425"), "42.5¢"),
        (p.cents, Decimal("0.005"), "0.5¢"),
        (p.percent, 0.031, "3.1%"),
        (p.percent, 0.0001, "<0.1%"),
        (p.percent, 0.5, "50%"),
        (p.signed_money, Decimal("12300"), "+$12,300"),
        (p.signed_money, Decimal("-150"), "-$150"),
        (p.compact_money, Decimal("72400"), "$72.4k"),
        (p.compact_money, Decimal("950"), "$950"),
    ],
)
def test_small_formats(fn: object, value: object, expected: str) -> None:
    assert fn(value) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=30), "<1m"),
        (timedelta(minutes=12), "12m"),
        (timedelta(hours=5, minutes=12), "5h 12m"),
        (timedelta(hours=5), "5h"),
        (timedelta(days=3, hours=4, minutes=59), "3d 4h"),
        (timedelta(days=2), "2d"),
    ],
)
def test_duration(delta: timedelta, expected: str) -> None:
    assert p.duration(delta) == expected


def test_lag_age_and_short_address() -> None:
    assert p.lag(timedelta(seconds=3)) == "3s" and p.lag(timedelta(minutes=2)) == "2m"
    assert [p.age(d) for d in (None, 0.5, 1.5, 41.2, 500)] == [
        "age unknown",
        "less than a day old",
        "1 day old",
        "41 days old",
        "1.4 years old",
    ]
    assert p.short_address(WALLET) == "0x510f…a43c"


@pytest.mark.parametrize(
    ("usd", "emoji"),
    [("9999", "🐟"), ("10000", "🦈"), ("49999", "🦈"), ("50000", "🐋"), ("100000", "🐳"), ("2500000", "🐳")],
)
def test_size_tier_emoji(usd: str, emoji: str) -> None:
    assert p.tier_emoji(Decimal(usd)) == emoji
    assert p.alert_headline(trade_alert(usd=usd)).startswith(emoji)


def test_win_rate_always_comes_with_its_sample() -> None:
    assert p.win_rate_text(0.62, 41, 10) == "62% over 41 resolved"
    assert p.win_rate_text(0.9, 4, 10) == "not enough history (4 resolved)"
    assert p.win_rate_text(None, 0, 10) == "not enough history (0 resolved)"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("usd", Decimal("72400"), "$72,400"),
        ("price_before", Decimal("0.42"), "price before 42¢"),
        ("volume_share", 0.031, "volume share 3.1%"),
        ("size_multiple", 5.23, "size multiple 5.2×"),
        ("window_seconds", 300, "window 5m"),
        ("age_days", 2.0, "age 2 days"),
        ("wallets", ["0xa", "0xb", "0xc", "0xd"], "wallets 0xa, 0xb, 0xc +1"),
        ("contrarian", True, "contrarian yes"),
        ("trades", 3, "trades 3"),
        ("note", "x" * 100, "note " + "x" * 59 + "…"),
        ("tiers", [Decimal(10000), Decimal(50000)], "tiers 10,000, 50,000"),
        ("tier_usd", [Decimal(10000), Decimal(50000)], "tier $10,000, $50,000"),
        ("end_date", T0, "end date 2026-07-01 12:00 UTC"),
        ("hours_to_end", 5.2, "hours to end 5h 12m"),
    ],
)
def test_evidence_is_readable(key: str, value: object, expected: str) -> None:
    assert p.evidence_line({key: value}) == expected


def test_alert_links_and_delay_note() -> None:
    late = replace(trade_alert(), id=3)
    view = p.alert_view(late, T0 + timedelta(minutes=20))

    assert [(s.text, s.url) for s in view.links] == [
        ("Market", "https://polymarket.com/event/what-will-happen-before-gta-vi"),
        ("Wallet", f"https://polymarket.com/profile/{WALLET}"),
        (
            "Transaction",
            "https://polygonscan.com/tx/0xb6acf6859bc84216f4b3e2567fb392a2eae19d275340ad96ea17218ccfec27b7",
        ),
    ]
    assert view.footer == "polyscan · alert #3 · 2026-07-01 12:00 UTC · delivered 20m late"
    assert p.alert_view(trade_alert(), NOW).buttons == ()  # an alert without id has nothing to press


def test_a_follow_up_title_from_the_pipeline_keeps_one_chart_emoji() -> None:
    titled = replace(follow_up_alert(), title="📈 +19.0¢ after 🐋 $72.4k BUY Yes @ 0.42")
    assert p.alert_headline(titled) == "📈 +19.0¢ after 🐋 $72.4k BUY Yes @ 0.42"
    assert p.alert_headline(replace(titled, title="")) == "📈 Price followed through"


def test_market_link_falls_back_to_the_market_slug() -> None:
    alert = replace(trade_alert(), trade=replace(trade(), event_slug=""))
    assert p.alert_market_url(alert) == f"https://polymarket.com/event/{MARKET.slug}"


def test_digest_wording_by_reason_and_length() -> None:
    alerts = [replace(trade_alert(i, severity=Severity.CRITICAL if i == 3 else Severity.HIGH), id=i) for i in range(20)]

    quiet = p.digest_view(alerts[:1], HoldReason.QUIET, NOW)
    cap = p.digest_view(alerts, HoldReason.CAP, NOW)

    assert quiet.title == "🌙 Quiet hours are over: 1 alert while you were away"
    assert cap.title == "⏸ 20 alerts held back by your hourly limit" and cap.severity is Severity.CRITICAL
    assert len(cap.body) == p.DIGEST_MAX_LINES + 1
    assert p.text_of(cap.body[-1]) == "…and 5 more: /alerts shows them."


def _fields(view: p.View) -> dict[str, str]:
    return {f.name: "\n".join(p.text_of(ln) for ln in f.lines) for f in view.fields}


def test_wallet_view() -> None:
    classification = WalletClassification(WALLET, WalletClass.TARGET, 0.82, 3, ("edge in politics",), T0)
    result = WalletResult(WALLET, PROFILE, classification, (trade(5, usd="25000"),), (), NOW, 10, followed=True)

    view = p.wallet_view(result)

    assert view.title == "👛 PPMT" and view.url == f"https://polymarket.com/profile/{WALLET}"
    assert [p.text_of(ln) for ln in view.body] == [WALLET, "🎯 TARGET (score 0.82): edge in politics"]
    fields = _fields(view)
    assert fields["Age"] == "41 days" and fields["Trades"] == "230" and fields["Volume"] == "$1.25M"
    assert fields["Win rate"] == "62% over 41 resolved" and fields["Market maker"] == "no"
    assert fields["Top categories"] == "politics $800k · crypto $200k"
    assert (
        fields["Recent large trades"] == "🦈 $25,000 BUY Yes @ 42¢ · Russia-Ukraine Ceasefire before GTA VI? · 1m ago"
    )
    assert [s.text for s in view.links] == ["Polymarket profile", "Polygonscan"]
    assert view.footer == "You follow this wallet"


def test_market_view() -> None:
    view = p.market_view(MarketResult(MARKET, BOOK, (trade(2),), (replace(trade_alert(), id=4),), NOW, muted=True))

    assert view.title == MARKET.question and view.url == "https://polymarket.com/event/what-will-happen-before-gta-vi"
    assert [p.text_of(ln) for ln in view.body] == ["Yes 52.5¢ · No 47.5¢", "politics · open"]
    fields = _fields(view)
    assert fields["24h volume"] == "$5,633" and fields["Liquidity"] == "$57,721"
    assert fields["Spread"] == "1¢ (52¢ / 53¢)" and fields["Depth ±5%"] == "$944"
    assert fields["Ends"] == "2026-07-31 12:00 UTC (in 29d 23h)"
    assert fields["Biggest trades, 24h"] == "🐋 $72,400 BUY Yes @ 42¢ · 1m ago"
    assert fields["Recent alerts"] == "🟠 🐋 $72,400 BUY Yes @ 42¢ · 1m ago"
    assert view.footer.startswith("muted for you · 0x9c1a")


def test_stats_view() -> None:
    result = StatsResult(
        as_of=NOW,
        started_at=NOW - timedelta(hours=26, minutes=5),
        trades_last_hour=1200,
        trades_last_day=30100,
        alerts_by_severity={Severity.CRITICAL: 1, Severity.HIGH: 4},
        feed_connected=False,
        feed_last_trade_at=NOW - timedelta(minutes=3),
        feed_reconnects=5,
        backlog={"telegram": 2, "discord": 0},
        subscriptions=12,
    )
    assert _fields(p.stats_view(result)) == {
        "Uptime": "1d 2h",
        "Trades (1h / 24h)": "1,200 / 30,100",
        "Subscriptions": "12",
        "Alerts, 24h": "🔴 1 · 🟠 4 · 🔵 0 · ⚪ 0",
        "Feed": "DISCONNECTED · last trade 3m ago · 5 reconnects",
        "Delivery backlog": "discord 0 · telegram 2",
    }
    no_feed = replace(result, feed_connected=None, backlog={})
    assert _fields(p.stats_view(no_feed))["Feed"] == "not running"
    assert _fields(p.stats_view(no_feed))["Delivery backlog"] == "empty"


def test_settings_view() -> None:
    sub = Subscription(
        1,
        DestinationKind.TELEGRAM_CHAT,
        "42",
        filters=SubscriptionFilters(
            min_usd=Decimal("25000"),
            min_confidence=0.6,
            kinds=frozenset({"trade", "wallet_target"}),
            categories_out=frozenset({"sports"}),
            follow_wallets=frozenset({WALLET}),
            mute_markets=frozenset({MARKET.condition_id}),
        ),
        quiet_hours=QuietHours(23 * 60, 7 * 60, "Europe/Berlin"),
        max_per_hour=20,
    )
    view = p.settings_view(SettingsResult(sub, True, NOW, "Minimum size set to $25,000."))

    assert [p.text_of(ln) for ln in view.body] == ["Minimum size set to $25,000.", "Subscribed ✅"]
    fields = _fields(view)
    assert fields["Minimum size"] == "$25,000" and fields["Minimum confidence"] == "60%"
    assert fields["Kinds"] == "trade, wallet_target" and fields["Categories"] == "all"
    assert fields["Excluded"] == "sports" and fields["Quiet hours"] == "23:00-07:00 Europe/Berlin"
    assert fields["Following"] == "0x510f…a43c" and fields["Muted (1)"] == "wallets: none\nmarkets: 0x9c1a…5763"
    followed_only = replace(sub, filters=replace(sub.filters, followed_only=True))
    assert "Following only" in p.text_of(p.settings_view(SettingsResult(followed_only, True, NOW)).body[0])
    assert "Not subscribed" in p.text_of(p.settings_view(SettingsResult(sub, False, NOW)).body[0])


def test_alerts_routes_help_and_notice_views() -> None:
    alert = replace(trade_alert(), id=5)
    delivery = Delivery(5, DestinationKind.TELEGRAM_CHAT, "42", status=DeliveryStatus.DIGESTED)
    listed = p.alerts_view(AlertsResult((AlertEntry(alert, delivery),), NOW))
    assert p.text_of(listed.body[0]).endswith(" · 1m ago · in a digest")
    assert "No alerts for you yet" in p.text_of(p.alerts_view(AlertsResult((), NOW)).body[0])

    rule = ChannelRule(3, "g", "555", "severity", "high", role_id="77")
    routes = p.routes_view(RoutesResult((rule,), "Rule added."))
    spans = routes.body[1]
    assert p.text_of(routes.body[1]) == "#3 severity ≥ high → #555 @77"
    assert [s.mention for s in spans if s.mention] == [("channel", "555"), ("role", "77")]

    one = p.help_view(
        HelpResult(Platform.TELEGRAM, catalogue.for_platform(Platform.TELEGRAM), catalogue.command("quiet"))
    )
    assert one.title == "📖 /quiet"
    assert [p.text_of(ln) for ln in one.body][:2] == [
        "Quiet hours: alerts are held and arrive as one digest afterwards",
        "/quiet [start] [end] [timezone]",
    ]
    everything = p.help_view(HelpResult(Platform.DISCORD, catalogue.for_platform(Platform.DISCORD)))
    assert [f.name for f in everything.fields] == ["Look up", "Alerts", "Help", "Server"]

    assert p.notice_view(Notice("Done.", hint="more")).title == "✅ Done."
    assert p.notice_view(Notice("Nothing to do.", ok=False)).title == "ℹ️ Nothing to do."


def test_plain_text_for_the_console() -> None:
    text = p.plain_text(p.alert_view(replace(trade_alert(), id=7), NOW))
    assert text.splitlines()[:3] == [
        "🐋 $72,400 BUY Yes @ 42¢",
        "https://polymarket.com/event/what-will-happen-before-gta-vi",
        "Russia-Ukraine Ceasefire before GTA VI?",
    ]
    assert "Confidence: 72% · 🟠 HIGH" in text
    assert "Market: https://polymarket.com/event/what-will-happen-before-gta-vi" in text
