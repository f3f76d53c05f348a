"""Who receives an alert: subscriptions and channel rules -> deliveries. Pure.

Inputs are values (the alert, subscriptions, channel rules, how much each destination received in
the last hour, `now`); the output is the list of `Delivery` rows to write to the outbox. Nothing
here awaits, reads a clock or touches storage.

Rules, in order, for a subscription:
- SYSTEM alerts never reach subscribers (they go to the admin chat).
- Mutes win over everything, follows included.
- A followed wallet's alert passes every other filter (size, confidence, severity, kinds,
  categories): following says "this wallet matters to me".
- `followed_only` subscriptions (made by /follow without /subscribe) get followed wallets only.
- Kinds: the chosen alert kinds (default: trade and follow_up; wallet_target is opt-in) and, if
  any signal kinds are chosen, the alert must carry one of them.
- Quiet hours in the subscriber's own time zone HOLD the delivery; the hourly cap holds what it
  holds back. Held deliveries leave as ONE digest when quiet hours end / the hour has room again;
  once a destination holds something, newer alerts queue behind it (held too), so the digest is
  never starved by fresh alerts and order is kept.

Channel rules send matching alerts to a Discord channel (one delivery per channel however many
rules match) and mention the rule's role on high-value alerts.
"""

from __future__ import annotations

import enum
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from scanner_core.models import (
    Alert,
    AlertKind,
    ChannelRule,
    Delivery,
    DeliveryStatus,
    DestinationKind,
    QuietHours,
    Severity,
    SignalKind,
    Subscription,
    SubscriptionFilters,
)

ALERT_KIND_VALUES = frozenset(k.value for k in AlertKind if k is not AlertKind.SYSTEM)
SIGNAL_KIND_VALUES = frozenset(k.value for k in SignalKind)
DEFAULT_ALERT_KINDS = frozenset({AlertKind.TRADE.value, AlertKind.FOLLOW_UP.value})


@dataclass(frozen=True, slots=True)
class Destination:
    kind: DestinationKind
    id: str

    @classmethod
    def of(cls, sub: Subscription) -> Destination:
        return cls(sub.destination_kind, sub.destination_id)


@dataclass(frozen=True, slots=True)
class Load:
    """What a destination already has in the last hour: pending or sent deliveries, and whether
    held deliveries wait for a digest."""

    recent: int = 0
    holding: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    channel_max_per_hour: int = 30  # Discord channels have no subscription of their own
    mention_min_severity: Severity = Severity.HIGH


class HoldReason(enum.StrEnum):
    QUIET = "quiet"
    CAP = "cap"


@dataclass(frozen=True, slots=True)
class DigestPlan:
    due: tuple[Destination, ...]  # send their held deliveries as one digest now
    cancelled: tuple[Destination, ...]  # nobody wants them any more (unsubscribed)


# ---------------------------------------------------------------- filters


def kinds_match(alert: Alert, kinds: frozenset[str]) -> bool:
    alert_kinds = (kinds & ALERT_KIND_VALUES) or DEFAULT_ALERT_KINDS
    if alert.kind.value not in alert_kinds:
        return False
    signal_kinds = kinds & SIGNAL_KIND_VALUES
    if signal_kinds and alert.kind is not AlertKind.WALLET_TARGET:
        return bool(signal_kinds & set(alert.signal_kinds))
    return True


def category_of(alert: Alert) -> str:
    return alert.market.category.strip().lower() if alert.market is not None else ""


def filters_match(alert: Alert, f: SubscriptionFilters) -> bool:
    if alert.kind is AlertKind.SYSTEM:
        return False
    wallet = alert.wallet_address
    market = (alert.condition_id or "").lower()
    if wallet is not None and wallet in f.mute_wallets:
        return False
    if market and market in f.mute_markets:
        return False
    if wallet is not None and wallet in f.follow_wallets:
        return True
    if f.followed_only:
        return False
    if not kinds_match(alert, f.kinds):
        return False
    if alert.trade is not None and alert.trade.usd < f.min_usd:
        return False
    if alert.confidence < f.min_confidence or alert.severity.rank < f.min_severity.rank:
        return False
    category = category_of(alert)
    if alert.market is not None and f.categories_in and category not in f.categories_in:
        return False
    return not (category and category in f.categories_out)


def rule_matches(rule: ChannelRule, alert: Alert) -> bool:
    if alert.kind is AlertKind.SYSTEM:
        return False
    value = rule.match_value.strip().lower()
    if rule.match_type == "severity":
        try:
            return alert.severity.rank >= Severity(value).rank
        except ValueError:
            return False
    if rule.match_type == "category":
        return bool(value) and category_of(alert) == value
    if rule.match_type == "kind":
        return value == alert.kind.value or value in alert.signal_kinds
    return False


# ---------------------------------------------------------------- time


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # validated when stored; a zone that vanished from tzdata falls back to UTC, not a crash
        return zoneinfo.ZoneInfo("UTC")


def in_quiet_hours(quiet: QuietHours | None, at: datetime) -> bool:
    if quiet is None or quiet.start_minute == quiet.end_minute:
        return False
    local = at.astimezone(_zone(quiet.tz))
    minute = local.hour * 60 + local.minute
    if quiet.start_minute < quiet.end_minute:
        return quiet.start_minute <= minute < quiet.end_minute
    return minute >= quiet.start_minute or minute < quiet.end_minute  # spans midnight


def hold_reason(sub: Subscription | None, held_at: datetime) -> HoldReason:
    """Why a delivery created at `held_at` was held (for the digest's wording)."""
    if sub is not None and in_quiet_hours(sub.quiet_hours, held_at):
        return HoldReason.QUIET
    return HoldReason.CAP


# ---------------------------------------------------------------- routing


def _status(load: Load, cap: int, quiet: bool) -> DeliveryStatus:
    if quiet or load.holding or load.recent >= cap:
        return DeliveryStatus.HELD
    return DeliveryStatus.PENDING


def _after(load: Load, status: DeliveryStatus) -> Load:
    if status is DeliveryStatus.HELD:
        return Load(load.recent, True)
    return Load(load.recent + 1, load.holding)


def route(
    alert: Alert,
    subscriptions: Sequence[Subscription],
    rules: Sequence[ChannelRule],
    loads: Mapping[Destination, Load],
    now: datetime,
    policy: Policy = Policy(),
) -> list[Delivery]:
    """The deliveries one stored alert produces, PENDING or HELD, one per destination."""
    if alert.id is None:
        raise ValueError("route() needs a stored alert (with an id): deliveries reference it")
    out: list[Delivery] = []
    seen: set[Destination] = set()
    for sub in subscriptions:
        dest = Destination.of(sub)
        if not sub.active or dest in seen or not filters_match(alert, sub.filters):
            continue
        seen.add(dest)
        status = _status(loads.get(dest, Load()), sub.max_per_hour, in_quiet_hours(sub.quiet_hours, now))
        out.append(Delivery(alert.id, dest.kind, dest.id, status=status))
    channels: dict[str, str | None] = {}
    for rule in sorted(rules, key=lambda r: r.id or 0):
        if not rule_matches(rule, alert):
            continue
        role = rule.role_id if alert.severity.rank >= policy.mention_min_severity.rank else None
        if channels.get(rule.channel_id) is None:
            channels[rule.channel_id] = role
    for channel_id, role in channels.items():
        dest = Destination(DestinationKind.DISCORD_CHANNEL, channel_id)
        if dest in seen:
            continue
        seen.add(dest)
        status = _status(loads.get(dest, Load()), policy.channel_max_per_hour, quiet=False)
        out.append(Delivery(alert.id, dest.kind, dest.id, status=status, mention_role_id=role))
    return out


def route_many(
    alerts: Iterable[Alert],
    subscriptions: Sequence[Subscription],
    rules: Sequence[ChannelRule],
    loads: Mapping[Destination, Load],
    now: datetime,
    policy: Policy = Policy(),
) -> tuple[list[Delivery], dict[Destination, Load]]:
    """Route alerts in order, each seeing the load the previous ones added. Returns the deliveries
    and the updated loads."""
    current = dict(loads)
    out: list[Delivery] = []
    for alert in alerts:
        for delivery in route(alert, subscriptions, rules, current, now, policy):
            dest = Destination(delivery.destination_kind, delivery.destination_id)
            current[dest] = _after(current.get(dest, Load()), delivery.status)
            out.append(delivery)
    return out, current


def plan_digests(
    held: Iterable[Destination],
    subscriptions: Mapping[Destination, Subscription],
    loads: Mapping[Destination, Load],
    now: datetime,
    policy: Policy = Policy(),
) -> DigestPlan:
    """Which destinations holding deliveries get their digest now: out of quiet hours, and the
    last hour has room for one more message."""
    due: list[Destination] = []
    cancelled: list[Destination] = []
    for dest in held:
        load = loads.get(dest, Load())
        if dest.kind is DestinationKind.DISCORD_CHANNEL:
            if load.recent < policy.channel_max_per_hour:
                due.append(dest)
            continue
        sub = subscriptions.get(dest)
        if sub is None or not sub.active:
            cancelled.append(dest)
        elif not in_quiet_hours(sub.quiet_hours, now) and load.recent < sub.max_per_hour:
            due.append(dest)
    return DigestPlan(tuple(due), tuple(cancelled))
