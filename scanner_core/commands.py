"""CommandService: the one application API both bots call.

A caller is a platform-neutral `UserRef`. Every method validates and authorises here, returns a
small result dataclass, or raises `ServiceError(user_message)` with a short, specific reply; on a
bad argument nothing is stored. Adapters (Discord cogs, Telegram handlers) only parse platform
input, call one method, render the result through `presentation` and reply.

Storage is reached through the small protocols below (db.repositories implements them), market
and wallet data through scanner_core.ports, time through an injected clock.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from scanner_core import catalogue
from scanner_core.catalogue import RouteMatch, Setting
from scanner_core.config import Settings, check_timezone
from scanner_core.funding.models import WalletFunding
from scanner_core.logs import get_logger
from scanner_core.marketref import BadMarketRef, parse_market_ref
from scanner_core.metrics import ADMIN_REFUSED
from scanner_core.models import (
    Alert,
    ChannelRule,
    Delivery,
    DestinationKind,
    Market,
    OrderBookSummary,
    Platform,
    QuietHours,
    Severity,
    Subscription,
    SubscriptionFilters,
    Trade,
    WalletClassification,
    WalletProfile,
    is_address,
    normalise_address,
)
from scanner_core.ports import ClassificationLookup, FeedStatus, MarketLookup, WalletLookup
from scanner_core.userinput import clip, echo
from scanner_core.webhooks import (
    PingOutcome,
    SecretBox,
    Webhook,
    WebhookFormat,
    WebhookStore,
    WebhookTester,
    check_url,
    display_url,
    new_secret,
    parse_format,
    parse_options,
    url_digest,
)

log = get_logger("commands")
T = TypeVar("T")

MAX_FOLLOWS = 200
MAX_MUTES = 500
MAX_MIN_SIZE = Decimal("1000000000")
MAX_CATEGORY_LENGTH = 40
MAX_CATEGORIES = 20  # per /settings categories (or exclude_categories)
MAX_REFERENCE_LENGTH = 300  # a wallet or market reference longer than this is no reference
MAX_TIMEZONE_LENGTH = 64
LABEL_MAX = 100  # a market title quoted in a confirmation
RECENT_ALERT_HOURS = 24 * 7


class ServiceError(Exception):
    """A request the service refuses; `user_message` is the whole reply, short and specific."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who is asking, from where: the same shape on every platform.

    `chat_or_channel_id` is the Telegram chat or the Discord channel the command came from;
    `is_admin` means "may change this chat's alerts" on Telegram (always in a private chat, group
    admins in a group) and "has Manage Server" on Discord.
    """

    platform: Platform
    user_id: str
    chat_or_channel_id: str
    guild_id: str | None = None
    is_admin: bool = False

    @property
    def destination(self) -> tuple[DestinationKind, str]:
        """Where this caller's alerts go: the Telegram chat, or the Discord user's DMs."""
        if self.platform is Platform.TELEGRAM:
            return DestinationKind.TELEGRAM_CHAT, self.chat_or_channel_id
        if self.platform is Platform.DISCORD:
            return DestinationKind.DISCORD_USER, self.user_id
        return DestinationKind.CONSOLE, self.chat_or_channel_id


class ButtonAction(enum.StrEnum):
    VIEW_MARKET = "vm"
    VIEW_WALLET = "vw"
    MUTE_MARKET = "mm"
    MUTE_WALLET = "mw"


BUTTON_PREFIX = "ps"
# Full-match template: discord.py DynamicItem templates use it as they are.
BUTTON_TEMPLATE = rf"{BUTTON_PREFIX}:(?P<action>vm|vw|mm|mw):(?P<alert_id>[0-9]{{1,18}})"
BUTTON_PATTERN = re.compile(rf"^{BUTTON_TEMPLATE}$")


def encode_button(action: ButtonAction, alert_id: int) -> str:
    """Button data carried by a message (at most 25 bytes: fits Telegram's 64-byte callback_data)."""
    return f"{BUTTON_PREFIX}:{action.value}:{alert_id}"


def decode_button(data: str) -> tuple[ButtonAction, int] | None:
    match = BUTTON_PATTERN.match(data)
    if match is None:
        return None
    return ButtonAction(match["action"]), int(match["alert_id"])


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Notice:
    """A confirmation (or a gentle refusal that stored nothing)."""

    text: str
    ok: bool = True
    hint: str = ""


@dataclass(frozen=True, slots=True)
class WalletResult:
    address: str
    profile: WalletProfile
    classification: WalletClassification | None
    recent_trades: tuple[Trade, ...]
    recent_alerts: tuple[Alert, ...]
    as_of: datetime
    min_resolved: int
    followed: bool = False
    funding: WalletFunding | None = None  # on-chain funding and linked wallets, when traced


@dataclass(frozen=True, slots=True)
class MarketResult:
    market: Market
    book: OrderBookSummary | None
    biggest_trades: tuple[Trade, ...]
    recent_alerts: tuple[Alert, ...]
    as_of: datetime
    muted: bool = False


@dataclass(frozen=True, slots=True)
class StatsResult:
    as_of: datetime
    started_at: datetime
    trades_last_hour: int
    trades_last_day: int
    alerts_by_severity: dict[Severity, int]
    feed_connected: bool | None
    feed_last_trade_at: datetime | None
    feed_reconnects: int
    backlog: dict[str, int]
    subscriptions: int

    @property
    def uptime(self) -> timedelta:
        return self.as_of - self.started_at

    @property
    def feed_lag(self) -> timedelta | None:
        return None if self.feed_last_trade_at is None else self.as_of - self.feed_last_trade_at


@dataclass(frozen=True, slots=True)
class SettingsResult:
    subscription: Subscription
    exists: bool
    as_of: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class AlertEntry:
    alert: Alert
    delivery: Delivery


@dataclass(frozen=True, slots=True)
class AlertsResult:
    entries: tuple[AlertEntry, ...]
    as_of: datetime


@dataclass(frozen=True, slots=True)
class HelpResult:
    platform: Platform
    commands: tuple[catalogue.Command, ...]
    selected: catalogue.Command | None = None


@dataclass(frozen=True, slots=True)
class RoutesResult:
    rules: tuple[ChannelRule, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class WebhookEntry:
    webhook: Webhook
    subscription: Subscription | None
    backlog: int = 0


@dataclass(frozen=True, slots=True)
class WebhooksResult:
    entries: tuple[WebhookEntry, ...]
    as_of: datetime
    note: str = ""
    secret: str = field(default="", repr=False)  # only when a webhook is created: shown that once
    ping: PingOutcome | None = None


Result = (
    Notice
    | WalletResult
    | MarketResult
    | StatsResult
    | SettingsResult
    | AlertsResult
    | HelpResult
    | RoutesResult
    | WebhooksResult
)


# ---------------------------------------------------------------- storage the service needs


class SubscriptionStore(Protocol):
    async def get(self, kind: DestinationKind, destination_id: str) -> Subscription | None: ...

    async def save(self, sub: Subscription, now: datetime) -> Subscription: ...

    async def count_active(self) -> int: ...


class RuleStore(Protocol):
    async def add(self, rule: ChannelRule, now: datetime) -> ChannelRule: ...

    async def for_guild(self, guild_id: str) -> list[ChannelRule]: ...

    async def remove(self, guild_id: str, rule_id: int) -> bool: ...


class AlertStore(Protocol):
    async def get(self, alert_id: int) -> Alert | None: ...

    async def get_many(self, alert_ids: Iterable[int]) -> dict[int, Alert]: ...

    async def by_wallet(self, wallet: str, *, hours: float, now: datetime, limit: int = 50) -> list[Alert]: ...

    async def by_market(self, condition_id: str, *, hours: float, now: datetime, limit: int = 20) -> list[Alert]: ...

    async def counts_by_severity(self, since: datetime) -> dict[Severity, int]: ...


class TradeStore(Protocol):
    async def count_since(self, since: datetime) -> int: ...

    async def biggest_market_trades(self, condition_id: str, *, since: datetime, limit: int = 5) -> list[Trade]: ...


class DeliveryStore(Protocol):
    async def backlog(self) -> dict[str, int]: ...

    async def for_destination(self, kind: DestinationKind, destination_id: str, limit: int = 20) -> list[Delivery]: ...


class FundingLookup(Protocol):
    """A wallet's stored funding and siblings (scanner_core.funding.service.FundingService)."""

    async def wallet_funding(self, address: str) -> WalletFunding | None: ...


class Stores(Protocol):
    """The repositories the command service reads and writes (db.repositories.Repositories)."""

    @property
    def webhooks(self) -> WebhookStore: ...

    @property
    def subscriptions(self) -> SubscriptionStore: ...

    @property
    def channel_rules(self) -> RuleStore: ...

    @property
    def alerts(self) -> AlertStore: ...

    @property
    def trades(self) -> TradeStore: ...

    @property
    def deliveries(self) -> DeliveryStore: ...


def refuse_admin(user: UserRef, command: str, reply: str) -> ServiceError:
    """An admin-only command refused to `user`: logged (who, where, what: never the arguments)
    and counted in scanner_admin_refused_total; returns the error to raise."""
    ADMIN_REFUSED.labels(platform=user.platform.value, command=command).inc()
    log.warning(
        "admin_refused",
        platform=user.platform.value,
        user_id=user.user_id,
        chat_id=user.chat_or_channel_id,
        guild_id=user.guild_id,
        command=command,
    )
    return ServiceError(reply)


# ---------------------------------------------------------------- argument parsing (pure)

# Plain ASCII digits only (no exponent, sign, NaN, infinity, "_" or other scripts' digits): what
# a person writes for an amount, and nothing Decimal() would turn into an absurd value.
_MONEY_RE = re.compile(
    r"^\$?\s*([0-9]{1,3}(?:,[0-9]{3}){1,3}|[0-9]{1,12})?(?:\.([0-9]{1,8}))?\s*([km])?$", re.IGNORECASE
)
_FRACTION_RE = re.compile(r"^([0-9]{1,3}(?:\.[0-9]{1,6})?|\.[0-9]{1,6})\s*(%?)$")
_TIME_RE = re.compile(r"^([0-9]{1,2})(?::([0-9]{2}))?\s*(am|pm)?$", re.IGNORECASE)
_TIMEZONE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$")
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_CATEGORY_RE = re.compile(r"^[a-z0-9][a-z0-9 &+\-/]*$")
_CLEAR_WORDS = frozenset({"all", "any", "none", "off", "clear", "default", "reset", "-"})
CENT = Decimal("0.01")


def parse_money(text: str, what: str = "amount") -> Decimal:
    """'25000', '25k', '$25,000', '1.5m', '$12.50' -> Decimal USD, 0 to $1,000,000,000 in cents."""
    match = _MONEY_RE.match(text.strip())
    if match is None or (match[1] is None and match[2] is None):
        raise ServiceError(f"{echo(text)} is not a USD amount: write it like 25000, 25k or $1.5m ({what}).")
    number = Decimal(f"{(match[1] or '0').replace(',', '')}.{match[2] or '0'}")
    multiplier = {"k": Decimal(1000), "m": Decimal(1_000_000)}.get((match[3] or "").lower(), Decimal(1))
    value = number * multiplier
    if value > MAX_MIN_SIZE:
        raise ServiceError(f"{echo(text)} is more than the largest {what} polyscan accepts ($1,000,000,000).")
    if value != value.quantize(CENT):
        raise ServiceError(f"{echo(text)} is finer than a cent: give the {what} in dollars and cents at most.")
    return value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))


def parse_fraction(text: str, what: str = "confidence") -> float:
    """'0.6', '60', '60%' -> 0.6; anything outside 0..1 (0..100%) is refused."""
    match = _FRACTION_RE.match(text.strip())
    if match is None:
        raise ServiceError(f"{echo(text)} is not a {what}: write it like 0.6 or 60%.")
    number = Decimal(match[1])
    if match[2] or number > 1:
        number = number / 100
    if not Decimal(0) <= number <= Decimal(1):
        raise ServiceError(f"{echo(text)} is outside 0-100%: write a {what} like 0.6 or 60%.")
    return float(number)


def parse_int(text: str, what: str, low: int, high: int) -> int:
    raw = text.strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise ServiceError(f"{echo(text)} is not a whole number: {what} takes {low}-{high}.")
    value = int(raw)
    if not low <= value <= high:
        raise ServiceError(f"{what} takes {low}-{high}, not {value}.")
    return value


def parse_time_of_day(text: str) -> int:
    """'23:00', '7:30', '7', '11pm' -> minutes after midnight; '25:00' is refused."""
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ServiceError(f"{echo(text)} is not a time: write it as HH:MM, e.g. 23:00 or 07:30.")
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise ServiceError(f"{echo(text)} is not a time: with am/pm the hour is 1-12.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ServiceError(f"{echo(text)} is not a time: hours go 00-23 and minutes 00-59.")
    return hour * 60 + minute


def parse_timezone(text: str) -> str:
    name = text.strip()
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    unknown = ServiceError(
        f"{echo(text)} is not a time zone I know: use an IANA name like Europe/Berlin or America/New_York."
    )
    # only names shaped like IANA keys reach the zone database (no paths, no odd characters)
    if len(name) > MAX_TIMEZONE_LENGTH or not _TIMEZONE_RE.match(name):
        raise unknown
    try:
        check_timezone(name)
    except (ValueError, OSError):
        raise unknown from None
    return name


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text.strip()) if part.strip()]


def parse_kinds(text: str) -> frozenset[str]:
    """Alert kinds and/or signal kinds; 'all' or 'default' clears the choice."""
    parts = [p.lower() for p in split_list(text)]
    if not parts:
        raise ServiceError("Name at least one kind, e.g. trade,wallet_target - or 'default'.")
    if len(parts) == 1 and parts[0] in _CLEAR_WORDS:
        return frozenset()
    valid = set(catalogue.SUBSCRIBABLE_ALERT_KINDS) | set(catalogue.SIGNAL_KINDS)
    unknown = [p for p in parts if p not in valid]
    if unknown:
        raise ServiceError(
            f"Unknown kind {echo(unknown[0])}. Alert kinds: {', '.join(catalogue.SUBSCRIBABLE_ALERT_KINDS)}; "
            f"signal kinds: {', '.join(catalogue.SIGNAL_KINDS)}."
        )
    return frozenset(parts)


def parse_categories(text: str) -> frozenset[str]:
    parts = [p.strip().lower() for p in re.split(r",", text) if p.strip()]
    if not parts:
        raise ServiceError("Name at least one category, e.g. politics,crypto - or 'all'.")
    if len(parts) == 1 and parts[0] in _CLEAR_WORDS:
        return frozenset()
    for part in parts:
        if len(part) > MAX_CATEGORY_LENGTH or not _CATEGORY_RE.match(part):
            raise ServiceError(f"{echo(part)} is not a category name: use words like politics, sports, crypto.")
    if len(set(parts)) > MAX_CATEGORIES:
        raise ServiceError(f"That is {len(set(parts))} categories: name at most {MAX_CATEGORIES}.")
    return frozenset(parts)


def parse_severity(text: str) -> Severity:
    try:
        return Severity(text.strip().lower())
    except ValueError:
        raise ServiceError(f"{echo(text)} is not a severity: use one of {', '.join(catalogue.SEVERITIES)}.") from None


def parse_route_target(text: str) -> tuple[RouteMatch, str]:
    """What a channel rule matches: 'high' (a severity and above), 'wallet_target' or
    'fresh_wallet' (a kind), anything else a category; 'category:high' says it explicitly."""
    raw = text.strip().lower()
    if not raw:
        raise ServiceError("Say what to route: a severity (high), a category (politics) or a kind (wallet_target).")
    kind, sep, value = raw.partition(":")
    if sep:
        try:
            match = RouteMatch(kind.strip())
        except ValueError:
            raise ServiceError(f"{echo(kind)}: route by severity, category or kind, e.g. category:politics.") from None
        value = value.strip()
    elif raw in catalogue.SEVERITIES:
        match, value = RouteMatch.SEVERITY, raw
    elif raw in catalogue.SUBSCRIBABLE_ALERT_KINDS or raw in catalogue.SIGNAL_KINDS:
        match, value = RouteMatch.KIND, raw
    else:
        match, value = RouteMatch.CATEGORY, raw
    if match is RouteMatch.SEVERITY:
        return match, parse_severity(value).value
    values = parse_kinds(value) if match is RouteMatch.KIND else parse_categories(value)
    if len(values) != 1:
        raise ServiceError(f"Give exactly one {match.value} per rule, e.g. politics or wallet_target.")
    return match, next(iter(values))


def wallet_reference(text: str) -> tuple[str | None, str | None]:
    """(address, username) from an address, a profile link or a username; refuses malformed input."""
    raw = text.strip().strip("<>")
    if not raw:
        raise ServiceError("Give a wallet: a 0x address, a Polymarket username or a profile link.")
    if len(raw) > MAX_REFERENCE_LENGTH:
        raise ServiceError(f"{echo(raw)} is too long to be a wallet address, username or profile link.")
    if "polymarket.com" in raw.lower():
        try:
            path = urlsplit(raw if "://" in raw else f"https://{raw}").path.strip("/")
        except ValueError:  # e.g. an unclosed "[" taken for an IPv6 host
            raise ServiceError(f"{echo(text)} is not a Polymarket profile link.") from None
        parts = path.split("/")
        if parts and parts[0] == "profile" and len(parts) > 1:
            raw = parts[1]
        elif parts and parts[0].startswith("@"):
            raw = parts[0]
        else:
            raise ServiceError(f"{echo(text)} is not a Polymarket profile link.")
    if raw.lower().startswith("0x"):
        if not is_address(raw):
            raise ServiceError(f"{echo(raw)} is not a wallet address: it needs 0x followed by 40 hex digits.")
        return normalise_address(raw), None
    name = raw.removeprefix("@")
    if not _USERNAME_RE.match(name):
        raise ServiceError(f"{echo(raw)} is neither a 0x address nor a Polymarket username.")
    return None, name


# ---------------------------------------------------------------- the service


@dataclass
class CommandService:
    """Use cases of both bots. Constructor-injected; holds no per-user state of its own."""

    stores: Stores
    markets: MarketLookup
    wallets: WalletLookup
    classifications: ClassificationLookup
    settings: Settings
    clock: Callable[[], datetime]
    started_at: datetime
    feed: FeedStatus | None = None
    # told after every change to subscriptions or channel rules (the outbox drops its cached copy)
    on_change: Callable[[], None] | None = None
    webhook_tester: WebhookTester | None = None  # sends /webhook test payloads (bot/webhooks.py)
    funding: FundingLookup | None = None  # on-chain funding (None: POLYSCAN_POLYGON_RPC_URL unset)
    on_follow: Callable[[str], None] | None = None  # a wallet newly followed (its funding gets traced)

    # -- look up ---------------------------------------------------------------------------------

    async def wallet(self, user: UserRef, query: str) -> WalletResult:
        address = await self._resolve_wallet(query)
        return await self._wallet_result(user, address)

    async def market(self, user: UserRef, query: str) -> MarketResult:
        market = await self._resolve_market(query)
        return await self._market_result(user, market)

    async def stats(self, user: UserRef) -> StatsResult:
        now = self.clock()
        feed = self.feed
        return StatsResult(
            as_of=now,
            started_at=self.started_at,
            trades_last_hour=await self.stores.trades.count_since(now - timedelta(hours=1)),
            trades_last_day=await self.stores.trades.count_since(now - timedelta(days=1)),
            alerts_by_severity=await self.stores.alerts.counts_by_severity(now - timedelta(days=1)),
            feed_connected=feed.connected if feed is not None else None,
            feed_last_trade_at=feed.last_trade_at if feed is not None else None,
            feed_reconnects=feed.reconnects if feed is not None else 0,
            backlog=await self.stores.deliveries.backlog(),
            subscriptions=await self.stores.subscriptions.count_active(),
        )

    # -- subscription ----------------------------------------------------------------------------

    async def subscribe(self, user: UserRef) -> SettingsResult:
        self._require_manage(user, "subscribe")
        sub, exists = await self._subscription(user)
        if exists and sub.active and not sub.filters.followed_only:
            return SettingsResult(sub, True, self.clock(), "You are already subscribed here.")
        filters = replace(sub.filters, followed_only=False)
        saved = await self._save(replace(sub, active=True, filters=filters))
        return SettingsResult(saved, True, self.clock(), "Subscribed: alerts will arrive here.")

    async def unsubscribe(self, user: UserRef) -> Notice:
        self._require_manage(user, "unsubscribe")
        sub, exists = await self._subscription(user)
        if not exists or not sub.active:
            return Notice("You were not subscribed here.", ok=False, hint="/subscribe starts alerts.")
        await self._save(replace(sub, active=False))
        return Notice("Unsubscribed: no more alerts here.", hint="Your settings are kept; /subscribe resumes.")

    async def show_settings(self, user: UserRef) -> SettingsResult:
        sub, exists = await self._subscription(user)
        return SettingsResult(sub, exists, self.clock())

    async def change_setting(self, user: UserRef, name: str, value: str) -> SettingsResult:
        """Change one setting; `value` is what the user typed (validated here)."""
        self._require_manage(user, "settings")
        try:
            setting = Setting(name.strip().lower())
        except ValueError:
            raise ServiceError(
                f"{echo(name)} is not a setting: choose one of {', '.join(s.value for s in Setting)}."
            ) from None
        if not value.strip():
            raise ServiceError(f"Give a value for {setting.value}, e.g. {_SETTING_EXAMPLES[setting]}.")
        sub, _ = await self._subscription(user)
        updated, note = self._apply_setting(sub, setting, value)
        saved = await self._save(updated)
        return SettingsResult(saved, True, self.clock(), note)

    async def settings_command(self, user: UserRef, setting: str | None, value: str | None) -> SettingsResult:
        """/settings [setting] [value]: show without arguments, change with both."""
        if not setting:
            if value:
                raise ServiceError("Name the setting to change first, e.g. /settings min_size 25k.")
            return await self.show_settings(user)
        return await self.change_setting(user, setting, value or "")

    def _apply_setting(self, sub: Subscription, setting: Setting, value: str) -> tuple[Subscription, str]:
        f = sub.filters
        if setting is Setting.MIN_SIZE:
            amount = parse_money(value, "minimum size")
            return replace(sub, filters=replace(f, min_usd=amount)), f"Minimum size set to ${amount:,}."
        if setting is Setting.MIN_CONFIDENCE:
            fraction = parse_fraction(value)
            note = f"Minimum confidence set to {fraction:.0%}."
            return replace(sub, filters=replace(f, min_confidence=fraction)), note
        if setting is Setting.SEVERITY:
            severity = parse_severity(value)
            return replace(sub, filters=replace(f, min_severity=severity)), f"Minimum severity set to {severity.value}."
        if setting is Setting.KINDS:
            kinds = parse_kinds(value)
            note = f"Alert kinds set to {', '.join(sorted(kinds))}." if kinds else "Alert kinds reset to the default."
            return replace(sub, filters=replace(f, kinds=kinds)), note
        if setting is Setting.CATEGORIES:
            cats = parse_categories(value)
            note = f"Only these categories now: {', '.join(sorted(cats))}." if cats else "Every category again."
            return replace(sub, filters=replace(f, categories_in=cats)), note
        if setting is Setting.EXCLUDE_CATEGORIES:
            cats = parse_categories(value)
            note = f"Excluding: {', '.join(sorted(cats))}." if cats else "No category excluded."
            return replace(sub, filters=replace(f, categories_out=cats)), note
        cap = parse_int(value, "max_per_hour", 1, 1000)
        return replace(sub, max_per_hour=cap), f"At most {cap} alerts per hour; the rest arrive as a digest."

    async def quiet(
        self, user: UserRef, start: str | None, end: str | None = None, timezone: str | None = None
    ) -> SettingsResult:
        """/quiet (show), /quiet off, /quiet <start> <end> [time zone]."""
        sub, exists = await self._subscription(user)
        if not start:
            if end or timezone:
                raise ServiceError("Give a start time first: /quiet 23:00 07:00 [time zone].")
            return SettingsResult(sub, exists, self.clock())
        self._require_manage(user, "quiet")
        if start.strip().lower() in ("off", "none", "clear"):
            if end or timezone:
                raise ServiceError("/quiet off takes nothing after it.")
            saved = await self._save(replace(sub, quiet_hours=None))
            return SettingsResult(saved, True, self.clock(), "Quiet hours off.")
        if not end:
            raise ServiceError("Give both times: /quiet 23:00 07:00 [time zone], or /quiet off.")
        start_minute, end_minute = parse_time_of_day(start), parse_time_of_day(end)
        if start_minute == end_minute:
            raise ServiceError("Start and end are the same time: quiet hours need a span, e.g. 23:00 07:00.")
        tz = parse_timezone(timezone) if timezone else sub.timezone or "UTC"
        saved = await self._save(replace(sub, quiet_hours=QuietHours(start_minute, end_minute, tz), timezone=tz))
        note = f"Quiet hours {_hhmm(start_minute)}-{_hhmm(end_minute)} {tz}: alerts then arrive as one digest after."
        return SettingsResult(saved, True, self.clock(), note)

    async def follow(self, user: UserRef, query: str) -> Notice:
        self._require_manage(user, "follow")
        address = await self._resolve_wallet(query)
        sub, exists = await self._subscription(user)
        if address in sub.filters.follow_wallets:
            return Notice(f"You already follow {_short(address)}.", ok=False)
        if len(sub.filters.follow_wallets) >= MAX_FOLLOWS:
            raise ServiceError(f"You follow {MAX_FOLLOWS} wallets already: /unfollow one first.")
        filters = replace(sub.filters, follow_wallets=sub.filters.follow_wallets | {address})
        hint = ""
        if not exists or not sub.active:
            # following alone is a reason to receive alerts: only this wallet's, until /subscribe
            filters = replace(filters, followed_only=True)
            sub = replace(sub, active=True)
            hint = "You get alerts of followed wallets only; /subscribe for everything."
        await self._save(replace(sub, filters=filters))
        if self.on_follow is not None:
            self.on_follow(address)
        return Notice(f"Following {_short(address)}: its alerts reach you even below your minimum size.", hint=hint)

    async def unfollow(self, user: UserRef, query: str) -> Notice:
        self._require_manage(user, "unfollow")
        address = await self._resolve_wallet(query)
        sub, _ = await self._subscription(user)
        if address not in sub.filters.follow_wallets:
            return Notice(f"You were not following {_short(address)}.", ok=False)
        follows = sub.filters.follow_wallets - {address}
        await self._save(replace(sub, filters=replace(sub.filters, follow_wallets=follows)))
        return Notice(f"Stopped following {_short(address)}.")

    async def mute(self, user: UserRef, query: str) -> Notice:
        self._require_manage(user, "mute")
        kind, key, label = await self._resolve_target(query)
        return await self._set_mute(user, kind, key, label, muted=True)

    async def unmute(self, user: UserRef, query: str) -> Notice:
        self._require_manage(user, "unmute")
        kind, key, label = await self._resolve_target(query)
        return await self._set_mute(user, kind, key, label, muted=False)

    async def recent_alerts(self, user: UserRef, count: str | None = None) -> AlertsResult:
        limit = parse_int(count, "count", 1, 20) if count else 10
        kind, destination = user.destination
        deliveries = await self.stores.deliveries.for_destination(kind, destination, limit=limit)
        alerts = await self.stores.alerts.get_many(d.alert_id for d in deliveries)
        entries = tuple(AlertEntry(alerts[d.alert_id], d) for d in deliveries if d.alert_id in alerts)
        return AlertsResult(entries, self.clock())

    def help(self, platform: Platform, command: str | None = None) -> HelpResult:
        commands = catalogue.for_platform(platform)
        if not command:
            return HelpResult(platform, commands)
        selected = catalogue.find(command.strip())
        if selected is None or not selected.on(platform):
            name = echo(command.strip().lstrip("/"), 32, quote=False)
            raise ServiceError(f"There is no /{name} command. /help lists them all.")
        return HelpResult(platform, commands, selected)

    # -- Discord channel routing -----------------------------------------------------------------

    async def route_add(self, user: UserRef, what: str, channel_id: str, role_id: str | None = None) -> RoutesResult:
        """/route <severity | category | kind> #channel [@role]."""
        guild_id = self._require_server_admin(user, "route add")
        match_type, match_value = parse_route_target(what)
        if not channel_id.isdigit():
            raise ServiceError("Pick a channel of this server for the alerts.")
        rule = ChannelRule(None, guild_id, channel_id, match_type.value, match_value, role_id, user.user_id)
        await self.stores.channel_rules.add(rule, self.clock())
        self._changed()
        rules = tuple(await self.stores.channel_rules.for_guild(guild_id))
        note = f"Alerts with {_describe_match(match_type, match_value)} now go to the channel."
        if role_id:
            note += " Its role is mentioned on high and critical alerts."
        return RoutesResult(rules, note)

    async def route_list(self, user: UserRef) -> RoutesResult:
        guild_id = self._require_server_admin(user, "route list")
        return RoutesResult(tuple(await self.stores.channel_rules.for_guild(guild_id)))

    async def route_remove(self, user: UserRef, rule: str) -> RoutesResult:
        guild_id = self._require_server_admin(user, "route remove")
        rule_id = parse_int(rule.strip().lstrip("#"), "rule", 1, 10**9)
        if not await self.stores.channel_rules.remove(guild_id, rule_id):
            raise ServiceError(f"There is no rule #{rule_id} in this server: /route list shows them.")
        self._changed()
        rules = tuple(await self.stores.channel_rules.for_guild(guild_id))
        return RoutesResult(rules, f"Rule #{rule_id} removed.")

    # -- outgoing webhooks -----------------------------------------------------------------------

    async def webhook_add(self, user: UserRef, url: str, options: str | None = None) -> WebhooksResult:
        """/webhook add <url> [options]: a new webhook (its secret is shown this once), or new format
        and filters for a URL this chat already has (which also resumes it)."""
        scope, _ = self._webhook_scope(user)
        box = SecretBox.from_settings(self.settings)
        if box is None:
            raise ServiceError(
                "Webhooks are off: the operator must set POLYSCAN_WEBHOOK_KEY (it encrypts webhook URLs and "
                "secrets at rest) and restart polyscan."
            )
        try:
            checked = check_url(url, allow_private=self.settings.webhook_allow_private_hosts)
            pairs = parse_options(options)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
        payload_format, sub = await self._webhook_subscription(user, pairs)
        now = self.clock()
        digest = url_digest(checked)
        existing = await self.stores.webhooks.find(scope, digest)
        if existing is not None:
            updated = await self.stores.webhooks.update(existing.id, payload_format, sub, now)
            self._changed()
            resumed = " and it is resumed" if existing.paused else ""
            note = (
                f"Webhook #{existing.id} already sends to this URL: its format and filters are updated{resumed}. "
                "Its secret is unchanged (it was shown once, when the webhook was added)."
            )
            return WebhooksResult((await self._webhook_entry(updated or existing),), now, note)
        secret = new_secret()
        webhook = Webhook(
            id=0,
            url_display=display_url(checked),
            payload_format=payload_format,
            scope=scope,
            created_by=f"{user.platform.value}:{user.user_id}",
            created_at=now,
        )
        created, saved = await self.stores.webhooks.create(webhook, box.seal(checked), digest, box.seal(secret), sub)
        self._changed()
        log.info("webhook_added", webhook_id=created.id, host=created.url_display, scope=scope)
        shape = "Slack messages" if payload_format is WebhookFormat.SLACK else "signed JSON"
        note = f"Webhook #{created.id} added: matching alerts go to {created.url_display} as {shape}."
        return WebhooksResult((WebhookEntry(created, saved),), now, note, secret=secret)

    async def webhook_list(self, user: UserRef) -> WebhooksResult:
        scope, sees_all = self._webhook_scope(user)
        webhooks = await self.stores.webhooks.listed(None if sees_all else scope)
        backlog = await self.stores.webhooks.backlog()
        entries = [
            WebhookEntry(w, await self.stores.webhooks.subscription(w.id), backlog.get(w.id, 0)) for w in webhooks
        ]
        return WebhooksResult(tuple(entries), self.clock())

    async def webhook_remove(self, user: UserRef, ref: str) -> WebhooksResult:
        webhook = await self._webhook_here(user, ref)
        ended = await self.stores.webhooks.remove(webhook.id, self.clock())
        self._changed()
        log.info("webhook_removed", webhook_id=webhook.id, dropped=max(0, ended))
        dropped = f"; {ended} undelivered alert(s) dropped" if ended > 0 else ""
        note = f"Webhook #{webhook.id} removed: its URL and secret are forgotten{dropped}."
        return replace(await self.webhook_list(user), note=note)

    async def webhook_resume(self, user: UserRef, ref: str) -> WebhooksResult:
        webhook = await self._webhook_here(user, ref)
        if not webhook.paused and not webhook.consecutive_failures:
            return WebhooksResult(
                (await self._webhook_entry(webhook),), self.clock(), f"Webhook #{webhook.id} is not paused."
            )
        waiting = await self.stores.webhooks.resume(webhook.id, self.clock())
        self._changed()
        log.info("webhook_resumed", webhook_id=webhook.id, waiting=waiting)
        resumed = await self.stores.webhooks.get(webhook.id) or webhook
        note = f"Webhook #{webhook.id} resumed: {waiting} waiting alert(s) go out now."
        return WebhooksResult((await self._webhook_entry(resumed),), self.clock(), note)

    async def webhook_test(self, user: UserRef, ref: str) -> WebhooksResult:
        webhook = await self._webhook_here(user, ref)
        if self.webhook_tester is None:
            raise ServiceError("Webhooks are not running in this process: no test could be sent.")
        outcome = await self.webhook_tester.send_test(webhook)
        if outcome.ok:
            note = f"Test payload delivered to webhook #{webhook.id}: {outcome.detail} in {outcome.elapsed_ms:.0f} ms."
        else:
            note = f"Test payload to webhook #{webhook.id} failed: {outcome.detail}."
        return WebhooksResult((await self._webhook_entry(webhook),), self.clock(), note, ping=outcome)

    async def _webhook_entry(self, webhook: Webhook) -> WebhookEntry:
        backlog = await self.stores.webhooks.backlog()
        return WebhookEntry(webhook, await self.stores.webhooks.subscription(webhook.id), backlog.get(webhook.id, 0))

    async def _webhook_here(self, user: UserRef, ref: str) -> Webhook:
        scope, sees_all = self._webhook_scope(user)
        webhook_id = parse_int(ref.strip().lstrip("#"), "webhook", 1, 10**9)
        webhook = await self.stores.webhooks.get(webhook_id)
        if webhook is None or (not sees_all and webhook.scope != scope):
            raise ServiceError(f"There is no webhook #{webhook_id} here: /webhook list shows them.")
        return webhook

    def _webhook_scope(self, user: UserRef) -> tuple[str, bool]:
        """Where webhooks made by this caller belong, and whether the caller sees every webhook
        (the admin chat); refuses everyone else: Telegram group admins and the admin chat,
        Discord members with Manage Server."""
        s = self.settings
        where = user.chat_or_channel_id
        if user.platform is Platform.TELEGRAM:
            if s.telegram_admin_chat_id is not None and where == str(s.telegram_admin_chat_id):
                return f"telegram:{where}", True
            if where == user.user_id:
                raise ServiceError("Webhooks are managed in a group, by its admins, or in the admin chat.")
            if not user.is_admin:
                raise refuse_admin(user, "webhook", "Only this group's admins can manage its webhooks.")
            return f"telegram:{where}", False
        if user.platform is Platform.DISCORD:
            if not user.guild_id:
                raise ServiceError("/webhook works in a Discord server channel.")
            if not user.is_admin:
                raise refuse_admin(user, "webhook", "You need the Manage Server permission to manage webhooks.")
            admin_channel = s.discord_admin_channel_id is not None and where == str(s.discord_admin_channel_id)
            return f"discord:{user.guild_id}", admin_channel
        raise ServiceError("Webhooks are managed from Discord or Telegram.")

    async def _webhook_subscription(
        self, user: UserRef, pairs: list[tuple[str, str]]
    ) -> tuple[WebhookFormat, Subscription]:
        """The options of /webhook add, applied with the very parsers /settings, /follow and /mute use."""
        sub = Subscription(
            id=None,
            destination_kind=DestinationKind.WEBHOOK,
            destination_id="",
            filters=SubscriptionFilters(),
            max_per_hour=self.settings.webhook_default_max_per_hour,
            owner_id=user.user_id,
        )
        payload_format = WebhookFormat.GENERIC
        settings_names = {s.value for s in Setting}
        for key, value in pairs:
            f = sub.filters
            if key == "format":
                try:
                    payload_format = parse_format(value)
                except ValueError as exc:
                    raise ServiceError(str(exc)) from None
            elif key in settings_names:
                sub, _ = self._apply_setting(sub, Setting(key), value)
            elif key == "follow":
                follows = frozenset([await self._resolve_wallet(w) for w in split_list(value)])
                if len(follows) > MAX_FOLLOWS:
                    raise ServiceError(f"A webhook follows at most {MAX_FOLLOWS} wallets.")
                sub = replace(sub, filters=replace(f, follow_wallets=follows))
            elif key == "mute":
                targets = [await self._resolve_target(t) for t in value.split(",") if t.strip()]
                if len(targets) > MAX_MUTES:
                    raise ServiceError(f"A webhook mutes at most {MAX_MUTES} wallets and markets.")
                muted_wallets = frozenset(k for kind, k, _ in targets if kind == "wallet")
                muted_markets = frozenset(k for kind, k, _ in targets if kind == "market")
                sub = replace(sub, filters=replace(f, mute_wallets=muted_wallets, mute_markets=muted_markets))
            elif key == "followed_only":
                sub = replace(sub, filters=replace(f, followed_only=_yes_no(value, key)))
            else:
                raise ServiceError(f"{echo(key)} is not a webhook option: use {', '.join(WEBHOOK_OPTIONS)}.")
        if sub.filters.followed_only and not sub.filters.follow_wallets:
            raise ServiceError("followed_only=yes needs wallets to follow: add follow=<wallet>,<wallet>.")
        return payload_format, sub

    # -- buttons ---------------------------------------------------------------------------------

    async def press(self, user: UserRef, data: str) -> Result:
        """A button under an alert: view or mute its market or wallet."""
        decoded = decode_button(data)
        if decoded is None:
            raise ServiceError("That button is not one of mine.")
        action, alert_id = decoded
        alert = await self.stores.alerts.get(alert_id)
        if alert is None:
            raise ServiceError("That alert is gone (alerts are kept for a limited time).")
        if action in (ButtonAction.VIEW_MARKET, ButtonAction.MUTE_MARKET):
            condition_id = alert.condition_id
            if condition_id is None:
                raise ServiceError("That alert is not about a market.")
            if action is ButtonAction.MUTE_MARKET:
                self._require_manage(user, "mute_market_button")
                label = alert.market.question if alert.market and alert.market.question else _short(condition_id)
                label = clip(label, LABEL_MAX)
                return await self._set_mute(user, "market", condition_id, label, muted=True)
            market = await self._lookup(self.markets.get_market(condition_id), "the market")
            if market is None:
                raise ServiceError("Polymarket does not know that market any more.")
            return await self._market_result(user, market)
        address = alert.wallet_address
        if address is None:
            raise ServiceError("That alert is not about a wallet.")
        if action is ButtonAction.MUTE_WALLET:
            self._require_manage(user, "mute_wallet_button")
            return await self._set_mute(user, "wallet", address, _short(address), muted=True)
        return await self._wallet_result(user, address)

    # -- internals -------------------------------------------------------------------------------

    async def _wallet_result(self, user: UserRef, address: str) -> WalletResult:
        now = self.clock()
        profile = await self._lookup(self.wallets.get_profile(address), "the wallet profile")
        classification = await self._lookup(self.classifications.get_classification(address), "the classification")
        trades = await self._lookup(
            self.wallets.recent_trades(address, limit=5, min_usd=self.settings.min_trade_usd), "recent trades"
        )
        alerts = await self.stores.alerts.by_wallet(address, hours=RECENT_ALERT_HOURS, now=now, limit=5)
        sub, _ = await self._subscription(user)
        funding = await self._wallet_funding(address)
        return WalletResult(
            address=address,
            profile=profile,
            classification=classification,
            recent_trades=tuple(trades),
            recent_alerts=tuple(alerts),
            as_of=now,
            min_resolved=self.settings.wallet_min_resolved_positions,
            followed=address in sub.filters.follow_wallets,
            funding=funding,
        )

    async def _wallet_funding(self, address: str) -> WalletFunding | None:
        if self.funding is None:
            return None
        try:
            return await self.funding.wallet_funding(address)
        except Exception as exc:  # funding is extra: /wallet answers without it
            log.warning("funding_lookup_failed", error=type(exc).__name__, detail=str(exc)[:200])
            return None

    async def _market_result(self, user: UserRef, market: Market) -> MarketResult:
        now = self.clock()
        book = None
        if market.token_ids:
            book = await self._lookup(self.markets.get_book(market.token_ids[0]), "the order book")
        trades = await self.stores.trades.biggest_market_trades(
            market.condition_id, since=now - timedelta(days=1), limit=5
        )
        alerts = await self.stores.alerts.by_market(market.condition_id, hours=RECENT_ALERT_HOURS, now=now, limit=5)
        sub, _ = await self._subscription(user)
        return MarketResult(
            market=market,
            book=book,
            biggest_trades=tuple(trades),
            recent_alerts=tuple(alerts),
            as_of=now,
            muted=market.condition_id in sub.filters.mute_markets,
        )

    async def _resolve_wallet(self, query: str) -> str:
        address, username = wallet_reference(query)
        if address is not None:
            return address
        assert username is not None
        found = await self._lookup(self.wallets.resolve_username(username), "the username")
        if found is None:
            raise ServiceError(f"No Polymarket user named {echo(username)}.")
        return normalise_address(found)

    async def _resolve_market(self, query: str) -> Market:
        ref = query.strip().strip("<>")
        try:
            parse_market_ref(ref)  # the one parser of market references (MarketService uses it too)
        except BadMarketRef as exc:
            raise ServiceError(_sentence(str(exc))) from None
        market = await self._lookup(self.markets.get_market(ref), "the market")
        if market is None:
            raise ServiceError(f"No Polymarket market matches {echo(ref)}.")
        return market

    async def _resolve_target(self, query: str) -> tuple[str, str, str]:
        """('wallet' | 'market', key, label) for /mute and /unmute."""
        raw = query.strip()
        if (raw.lower().startswith("0x") and len(raw) <= 42) or "polymarket.com/profile" in raw.lower():
            address = await self._resolve_wallet(raw)
            return "wallet", address, _short(address)
        market = await self._resolve_market(raw)
        label = market.question or market.slug or _short(market.condition_id)
        return "market", market.condition_id.lower(), clip(label, LABEL_MAX)

    async def _set_mute(self, user: UserRef, kind: str, key: str, label: str, *, muted: bool) -> Notice:
        sub, _ = await self._subscription(user)
        f = sub.filters
        current = f.mute_wallets if kind == "wallet" else f.mute_markets
        if muted and key in current:
            return Notice(f"{label} is already muted.", ok=False)
        if not muted and key not in current:
            return Notice(f"{label} was not muted.", ok=False)
        if muted and len(f.mute_wallets) + len(f.mute_markets) >= MAX_MUTES:
            raise ServiceError(f"You have {MAX_MUTES} mutes already: /unmute some first.")
        changed = current | {key} if muted else current - {key}
        filters = replace(f, mute_wallets=changed) if kind == "wallet" else replace(f, mute_markets=changed)
        await self._save(replace(sub, filters=filters))
        if muted:
            return Notice(f"Muted {kind} {label}.", hint="/unmute brings its alerts back.")
        return Notice(f"Unmuted {kind} {label}.")

    async def _subscription(self, user: UserRef) -> tuple[Subscription, bool]:
        kind, destination = user.destination
        existing = await self.stores.subscriptions.get(kind, destination)
        if existing is not None:
            return existing, True
        fresh = Subscription(
            id=None,
            destination_kind=kind,
            destination_id=destination,
            active=False,
            filters=SubscriptionFilters(),
            max_per_hour=self.settings.default_max_alerts_per_hour,
            owner_id=user.user_id,
        )
        return fresh, False

    async def _save(self, sub: Subscription) -> Subscription:
        saved = await self.stores.subscriptions.save(sub, self.clock())
        self._changed()
        return saved

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @staticmethod
    def _require_manage(user: UserRef, command: str) -> None:
        if user.platform is Platform.TELEGRAM and not user.is_admin:
            raise refuse_admin(user, command, "Only this group's admins can change its alerts.")

    @staticmethod
    def _require_server_admin(user: UserRef, command: str) -> str:
        if user.platform is not Platform.DISCORD or not user.guild_id:
            raise ServiceError("/route works in a Discord server channel.")
        if not user.is_admin:
            raise refuse_admin(user, command, "You need the Manage Server permission to change where alerts go.")
        return user.guild_id

    @staticmethod
    async def _lookup(call: Awaitable[T], what: str) -> T:
        """Await a market/wallet lookup; an upstream failure becomes a polite reply, logged once."""
        try:
            return await call
        except ServiceError:
            raise
        except ValueError as exc:  # the service refused the reference itself (e.g. BadMarketRef)
            raise ServiceError(_sentence(clip(str(exc), 200))) from None
        except Exception as exc:  # upstream trouble (HTTP, breaker open, ...) must not crash a command
            log.warning("lookup_failed", what=what, error=type(exc).__name__, detail=str(exc)[:200])
            raise ServiceError(f"Polymarket did not answer for {what} just now: try again in a minute.") from exc


_SETTING_EXAMPLES = {
    Setting.MIN_SIZE: "25k",
    Setting.MIN_CONFIDENCE: "0.6",
    Setting.SEVERITY: "high",
    Setting.KINDS: "trade,wallet_target",
    Setting.CATEGORIES: "politics,crypto",
    Setting.EXCLUDE_CATEGORIES: "sports",
    Setting.MAX_PER_HOUR: "20",
}


WEBHOOK_OPTIONS = ("format", *(s.value for s in Setting), "follow", "mute", "followed_only")


def _yes_no(value: str, what: str) -> bool:
    word = value.strip().lower()
    if word in ("yes", "y", "true", "on", "1"):
        return True
    if word in ("no", "n", "false", "off", "0"):
        return False
    raise ServiceError(f"{what} takes yes or no, not {echo(value)}.")


def _describe_match(match: RouteMatch, value: str) -> str:
    if match is RouteMatch.SEVERITY:
        return f"severity {value} or above"
    return f"{match.value} {value}"


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


__all__ = [
    "AlertEntry",
    "AlertsResult",
    "ButtonAction",
    "CommandService",
    "HelpResult",
    "MarketResult",
    "Notice",
    "Result",
    "RoutesResult",
    "ServiceError",
    "SettingsResult",
    "StatsResult",
    "Stores",
    "UserRef",
    "WalletResult",
    "WebhookEntry",
    "WebhooksResult",
    "decode_button",
    "encode_button",
    "refuse_admin",
]
