"""Routing is pure: alerts, subscriptions, rules, loads and `now` in; deliveries out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from scanner_core import routing
from scanner_core.models import (
    Alert,
    AlertKind,
    ChannelRule,
    DeliveryStatus,
    DestinationKind,
    QuietHours,
    Severity,
    Subscription,
    SubscriptionFilters,
)
from scanner_core.routing import Destination, HoldReason, Load, Policy
from tests.bots.support import CONDITION, OTHER_WALLET, WALLET, follow_up_alert, system_alert, target_alert, trade_alert

NOON = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
CHAT = Destination(DestinationKind.TELEGRAM_CHAT, "42")
CHANNEL = Destination(DestinationKind.DISCORD_CHANNEL, "555")


def stored(alert: Alert, alert_id: int = 1) -> Alert:
    return replace(alert, id=alert_id)


def sub(**filters: object) -> Subscription:
    extra = {k: filters.pop(k) for k in ("quiet_hours", "max_per_hour", "active") if k in filters}
    return Subscription(None, CHAT.kind, CHAT.id, filters=SubscriptionFilters(**filters), **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("alert", "filters", "expected"),
    [
        (trade_alert(), {}, True),
        (trade_alert(usd="900"), {"min_usd": Decimal("1000")}, False),
        (trade_alert(usd="900"), {"min_usd": Decimal("1000"), "follow_wallets": frozenset({WALLET})}, True),
        (trade_alert(), {"min_confidence": 0.8}, False),
        (trade_alert(), {"min_severity": Severity.CRITICAL}, False),
        (trade_alert(severity=Severity.CRITICAL), {"min_severity": Severity.HIGH}, True),
        (trade_alert(), {"categories_in": frozenset({"crypto"})}, False),
        (trade_alert(), {"categories_in": frozenset({"politics"})}, True),
        (trade_alert(category="Politics "), {"categories_out": frozenset({"politics"})}, False),
        (trade_alert(), {"mute_wallets": frozenset({WALLET})}, False),
        (trade_alert(), {"mute_wallets": frozenset({WALLET}), "follow_wallets": frozenset({WALLET})}, False),
        (trade_alert(), {"mute_markets": frozenset({CONDITION})}, False),
        (trade_alert(), {"followed_only": True}, False),
        (trade_alert(), {"followed_only": True, "follow_wallets": frozenset({WALLET})}, True),
        (trade_alert(wallet=OTHER_WALLET), {"follow_wallets": frozenset({WALLET}), "min_usd": Decimal(10**6)}, False),
        (target_alert(), {}, False),  # wallet targets are opt-in
        (target_alert(), {"kinds": frozenset({"wallet_target"})}, True),
        (target_alert(), {"kinds": frozenset({"wallet_target"}), "categories_in": frozenset({"crypto"})}, True),
        (trade_alert(), {"kinds": frozenset({"wallet_target"})}, False),
        (trade_alert(), {"kinds": frozenset({"fresh_wallet"})}, True),
        (trade_alert(), {"kinds": frozenset({"cluster"})}, False),
        (follow_up_alert(), {}, True),
        (system_alert(), {}, False),
    ],
)
def test_filters(alert: Alert, filters: dict[str, object], expected: bool) -> None:
    assert routing.filters_match(alert, SubscriptionFilters(**filters)) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quiet", "at", "expected"),
    [
        (QuietHours(23 * 60, 7 * 60, "UTC"), NOON.replace(hour=23, minute=30), True),
        (QuietHours(23 * 60, 7 * 60, "UTC"), NOON.replace(hour=6, minute=59), True),
        (QuietHours(23 * 60, 7 * 60, "UTC"), NOON.replace(hour=7), False),
        (QuietHours(9 * 60, 17 * 60, "UTC"), NOON, True),
        # 12:00 UTC is 08:00 in New York (EDT): before a 09:00 start there
        (QuietHours(9 * 60, 17 * 60, "America/New_York"), NOON, False),
        (QuietHours(9 * 60, 17 * 60, "America/New_York"), NOON.replace(hour=13), True),
        (QuietHours(22 * 60, 6 * 60, "Asia/Tokyo"), NOON.replace(hour=14), True),  # 23:00 in Tokyo
        (QuietHours(22 * 60, 6 * 60, "Not/AZone"), NOON.replace(hour=23), True),  # falls back to UTC
        (None, NOON, False),
    ],
)
def test_quiet_hours_in_the_subscribers_time_zone(quiet: QuietHours | None, at: datetime, expected: bool) -> None:
    assert routing.in_quiet_hours(quiet, at) is expected


def test_quiet_hours_hold_and_followed_small_trades_still_arrive() -> None:
    quiet = sub(quiet_hours=QuietHours(11 * 60, 13 * 60, "UTC"))
    follower = replace(sub(min_usd=Decimal(10**6), follow_wallets=frozenset({WALLET})), destination_id="43")

    out = routing.route(stored(trade_alert(usd="500")), [quiet, follower], [], {}, NOON)

    assert [(d.destination_id, d.status) for d in out] == [
        ("42", DeliveryStatus.HELD),
        ("43", DeliveryStatus.PENDING),
    ]


def test_hourly_cap_holds_the_rest_and_later_alerts_queue_behind_the_held_ones() -> None:
    capped = sub(max_per_hour=2)
    alerts = [stored(trade_alert(i), i) for i in range(1, 5)]

    out, loads = routing.route_many(alerts, [capped], [], {CHAT: Load(recent=1)}, NOON)

    assert [d.status for d in out] == [DeliveryStatus.PENDING, *[DeliveryStatus.HELD] * 3]
    assert loads[CHAT] == Load(recent=2, holding=True)
    # an hour later there is room again, but a new alert still waits behind the held ones
    [later] = routing.route(stored(trade_alert(9), 9), [capped], [], {CHAT: Load(0, True)}, NOON)
    assert later.status is DeliveryStatus.HELD


def test_inactive_subscriptions_get_nothing_and_one_destination_gets_one_delivery() -> None:
    out = routing.route(stored(trade_alert()), [sub(active=False), sub(), sub()], [], {}, NOON)
    assert len(out) == 1


def test_channel_rules_match_and_mention_the_role_only_on_high_value_alerts() -> None:
    rules = [
        ChannelRule(1, "g", "555", "category", "politics", role_id="77"),
        ChannelRule(2, "g", "555", "severity", "notable"),
        ChannelRule(3, "g", "666", "kind", "fresh_wallet"),
        ChannelRule(4, "g", "777", "kind", "wallet_target", role_id="88"),
        ChannelRule(5, "g", "888", "severity", "critical"),
    ]

    high = routing.route(stored(trade_alert()), [], rules, {}, NOON)
    notable = routing.route(stored(trade_alert(severity=Severity.NOTABLE)), [], rules, {}, NOON)
    target = routing.route(stored(target_alert()), [], rules, {}, NOON)

    assert [(d.destination_id, d.mention_role_id) for d in high] == [("555", "77"), ("666", None)]
    assert [(d.destination_id, d.mention_role_id) for d in notable] == [("555", None), ("666", None)]
    assert [(d.destination_id, d.mention_role_id) for d in target] == [("555", None), ("777", None)]  # no ping
    assert {d.destination_kind for d in high} == {DestinationKind.DISCORD_CHANNEL}
    assert routing.route(stored(system_alert()), [], rules, {}, NOON) == []


def test_channels_have_a_cap_too() -> None:
    rule = ChannelRule(1, "g", "555", "severity", "info")
    [held] = routing.route(stored(trade_alert()), [], [rule], {CHANNEL: Load(3)}, NOON, Policy(channel_max_per_hour=3))
    assert held.status is DeliveryStatus.HELD


def test_route_needs_a_stored_alert() -> None:
    with pytest.raises(ValueError, match="stored alert"):
        routing.route(trade_alert(), [sub()], [], {}, NOON)


def test_digests_are_due_after_quiet_hours_and_when_the_hour_has_room() -> None:
    night = sub(quiet_hours=QuietHours(22 * 60, 7 * 60, "Europe/Berlin"))
    capped = replace(sub(max_per_hour=2), destination_id="43")
    gone = replace(sub(active=False), destination_id="44")
    dests = [CHAT, Destination(CHAT.kind, "43"), Destination(CHAT.kind, "44"), CHANNEL]
    subs = {Destination.of(s): s for s in (night, capped, gone)}
    loads = {Destination(CHAT.kind, "43"): Load(2, True), CHANNEL: Load(0, True)}

    at_night = routing.plan_digests(dests, subs, loads, NOON.replace(hour=23), Policy())  # 01:00 in Berlin
    morning = routing.plan_digests(dests, subs, {}, NOON.replace(hour=6), Policy())  # 08:00 in Berlin

    assert at_night.due == (CHANNEL,)
    assert at_night.cancelled == (Destination(CHAT.kind, "44"),)
    assert morning.due == (CHAT, Destination(CHAT.kind, "43"), CHANNEL)


def test_hold_reason_tells_quiet_hours_from_the_cap() -> None:
    night = sub(quiet_hours=QuietHours(22 * 60, 7 * 60, "UTC"))
    assert routing.hold_reason(night, NOON.replace(hour=23)) is HoldReason.QUIET
    assert routing.hold_reason(night, NOON) is HoldReason.CAP
    assert routing.hold_reason(None, NOON - timedelta(hours=1)) is HoldReason.CAP


def test_kinds_can_mix_alert_and_signal_kinds() -> None:
    both = frozenset({AlertKind.WALLET_TARGET.value, "fresh_wallet", AlertKind.TRADE.value})
    assert routing.kinds_match(target_alert(), both)
    assert routing.kinds_match(trade_alert(), both)
    assert not routing.kinds_match(follow_up_alert(), both)
