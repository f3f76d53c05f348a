"""Alerts and command results -> one neutral `View`. Pure.

Wording, number formats, emoji and links are decided here, once. A View is plain text in a small
structure (title, body lines, fields, links, buttons, footer) whose spans say what is a link, bold
or code; bot/render/discord.py and bot/render/telegram.py only map it to markup, escape
user-supplied text and enforce platform limits. `plain_text` renders it for the console and logs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from scanner_core.commands import (
    AlertsResult,
    ButtonAction,
    HelpResult,
    MarketResult,
    Notice,
    Result,
    RoutesResult,
    SettingsResult,
    StatsResult,
    WalletResult,
    WebhookEntry,
    WebhooksResult,
    encode_button,
)
from scanner_core.funding.age import true_first_seen
from scanner_core.funding.models import FunderKind, WalletFunding
from scanner_core.models import (
    Alert,
    AlertKind,
    ChannelRule,
    DeliveryStatus,
    Platform,
    Severity,
    Signal,
    SignalKind,
    Subscription,
    Trade,
    WalletClass,
)
from scanner_core.routing import DEFAULT_ALERT_KINDS, HoldReason
from scanner_core.userinput import clip
from scanner_core.webhooks import describe_failures

POLYMARKET = "https://polymarket.com"
POLYGONSCAN = "https://polygonscan.com"
DEFAULT_TIERS = (Decimal(10_000), Decimal(50_000), Decimal(100_000))
TIER_EMOJI = ("🐟", "🦈", "🐋", "🐳")
SEVERITY_EMOJI = {Severity.INFO: "⚪", Severity.NOTABLE: "🔵", Severity.HIGH: "🟠", Severity.CRITICAL: "🔴"}
CLASS_EMOJI = {WalletClass.TARGET: "🎯", WalletClass.WATCHLIST: "👀", WalletClass.REJECT: "🚫"}
SIGNAL_LABELS = {
    SignalKind.LARGE_TRADE: "Large trade",
    SignalKind.FRESH_WALLET: "Fresh wallet",
    SignalKind.UNUSUAL_SIZE: "Unusual size for this wallet",
    SignalKind.MARKET_IMPACT: "Moved the market",
    SignalKind.NICHE_MARKET: "Niche market",
    SignalKind.CLUSTER: "Cluster of wallets",
    SignalKind.COORDINATED_PAIR: "Coordinated pair",
    SignalKind.NEAR_RESOLUTION: "Close to resolution",
    SignalKind.CONTRARIAN: "Against the consensus",
    SignalKind.ACCUMULATION: "Accumulating",
    SignalKind.CONCENTRATION: "Concentrated in one market",
    SignalKind.PRICE_FOLLOW_THROUGH: "Price followed through",
    SignalKind.LINKED_WALLETS: "Linked wallets",
}
FRESH_DAYS = 7.0
DELAYED_AFTER = timedelta(minutes=5)
DIGEST_MAX_LINES = 15
MAX_EVIDENCE_ITEMS = 4
DEPTH_FRACTION = Decimal("0.05")
# Outside text (Polymarket titles, outcomes, usernames) is cut to these before it enters a view.
TITLE_MAX = 250
OUTCOME_MAX = 40
NAME_MAX = 40
OUTCOMES_SHOWN = 10
SLUG_MAX = 255  # a longer "slug" is no Polymarket slug: no link is made of it


# ---------------------------------------------------------------- the view


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    url: str | None = None
    bold: bool = False
    code: bool = False
    mention: tuple[str, str] | None = None  # ("channel" | "role", id): Discord shows these natively


Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    lines: tuple[Line, ...]
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str
    danger: bool = False


@dataclass(frozen=True, slots=True)
class View:
    title: str
    severity: Severity | None = None
    url: str | None = None
    body: tuple[Line, ...] = ()
    fields: tuple[Field, ...] = ()
    links: tuple[Span, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""


def line(*parts: str | Span) -> Line:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts if not isinstance(p, str) or p)


def field(name: str, *lines: Line, inline: bool = False) -> Field:
    return Field(name, tuple(ln for ln in lines if ln), inline)


def text_of(ln: Line) -> str:
    return "".join(s.text for s in ln)


# ---------------------------------------------------------------- formats


def money(value: Decimal | float | int) -> str:
    """$72,400 / $950 / $12.50 / $1.25M (sign in front: -$4,100)."""
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount >= 1_000_000:
        return f"{sign}${_trim(f'{amount / 1_000_000:.2f}')}M"
    if amount >= 100:
        return f"{sign}${amount:,.0f}"
    return f"{sign}${amount:,.2f}"


def signed_money(value: Decimal | float | int) -> str:
    amount = Decimal(str(value))
    return money(amount) if amount < 0 else f"+{money(amount)}"


def compact_money(value: Decimal | float | int) -> str:
    """$72.4k / $950 / $1.25M, for dense lists."""
    amount = Decimal(str(value))
    if abs(amount) >= 1_000_000:
        return money(amount)
    if abs(amount) >= 1000:
        sign = "-" if amount < 0 else ""
        return f"{sign}${_trim(f'{abs(amount) / 1000:.1f}')}k"
    return money(amount)


def cents(price: Decimal | float) -> str:
    """0.42 -> 42¢, 0.425 -> 42.5¢, 0.005 -> 0.5¢."""
    value = Decimal(str(price)) * 100
    return f"{_trim(f'{value:.1f}')}¢"


def percent(fraction: Decimal | float, digits: int = 1) -> str:
    value = float(fraction) * 100
    if 0 < value < 10 ** (-digits):
        return f"<{10 ** (-digits):g}%"
    return f"{_trim(f'{value:.{digits}f}')}%"


def duration(delta: timedelta) -> str:
    """3d 4h / 5h 12m / 12m / <1m."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return "<1m"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def lag(delta: timedelta) -> str:
    """Like duration, with seconds under a minute (feed lag)."""
    seconds = int(delta.total_seconds())
    return f"{max(0, seconds)}s" if seconds < 60 else duration(delta)


def age(days: float | None) -> str:
    if days is None:
        return "age unknown"
    if days < 1:
        return "less than a day old"
    if days < 2:
        return "1 day old"
    if days < 365:
        return f"{int(days)} days old"
    return f"{_trim(f'{days / 365:.1f}')} years old"


def ago(when: datetime, now: datetime) -> str:
    delta = now - when
    return "just now" if delta < timedelta(minutes=1) else f"{duration(delta)} ago"


def shown_name(username: str, address: str) -> bool:
    """A username worth showing: Polymarket falls back to the address itself for anonymous ones."""
    name = username.strip().lower()
    return bool(name) and not (name.startswith("0x") and (name == address.lower() or len(name) >= 40))


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def utc_stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def tier_emoji(usd: Decimal, tiers: Sequence[Decimal] = DEFAULT_TIERS) -> str:
    index = sum(1 for t in tiers[:3] if usd >= t)
    return TIER_EMOJI[index]


def severity_label(severity: Severity) -> str:
    return f"{SEVERITY_EMOJI[severity]} {severity.value.upper()}"


def has_win_rate(win_rate: float | None, resolved: int, min_resolved: int) -> bool:
    return win_rate is not None and resolved >= min_resolved


def win_rate_text(win_rate: float | None, resolved: int, min_resolved: int, lower: float | None = None) -> str:
    """'62% over 41 resolved', or why there is no rate: a rate without its sample misleads. With
    its Wilson lower bound: '62% over 41 resolved (at least 47% at 95% confidence)'."""
    if win_rate is None or resolved < min_resolved:
        return f"not enough history ({resolved} resolved)"
    text = f"{percent(win_rate, 0)} over {resolved} resolved"
    return text if lower is None else f"{text} (at least {percent(lower, 0)} at 95% confidence)"


# ---------------------------------------------------------------- links


def market_url(event_slug: str = "", slug: str = "") -> str | None:
    target = event_slug or slug
    return f"{POLYMARKET}/event/{target}" if target and len(target) <= SLUG_MAX else None


def profile_url(address: str) -> str:
    return f"{POLYMARKET}/profile/{address}"


def address_url(address: str) -> str:
    return f"{POLYGONSCAN}/address/{address}"


def tx_url(tx_hash: str) -> str:
    return f"{POLYGONSCAN}/tx/{tx_hash}"


def alert_market_url(alert: Alert) -> str | None:
    trade = alert.trade
    slug = alert.market.slug if alert.market is not None else ""
    if trade is not None:
        return market_url(trade.event_slug, trade.slug or slug)
    return market_url("", slug)


# ---------------------------------------------------------------- evidence

_MONEY_KEYS = ("usd", "size", "volume", "liquidity", "pnl", "amount", "notional", "cash")
_PRICE_KEYS = ("price",)
_SHARE_KEYS = ("share", "pct", "percent", "fraction", "ratio", "rate", "move", "strength", "confidence")


def evidence_value(key: str, value: Any) -> str:
    name = key.lower()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        # most specific first: "size_multiple" is a multiple, "price_move" points of probability
        # (cents), "volume_share" a share
        if "multiple" in name or name.endswith("_x"):
            return f"{_trim(f'{number:.1f}')}×"
        if any(k in name for k in _PRICE_KEYS) and -1 <= number <= 1:
            return cents(number)
        if any(k in name for k in _SHARE_KEYS) and abs(number) <= Decimal("1.5"):
            return percent(number)
        if any(k in name for k in _MONEY_KEYS):
            return money(number)
        words = name.split("_")
        if "seconds" in words:
            return duration(timedelta(seconds=float(number)))
        if "hours" in words:
            return duration(timedelta(hours=float(number)))
        if "days" in words:
            return f"{_trim(f'{number:.1f}')} days"
        if number == number.to_integral_value():
            return f"{int(number):,}"
        return _trim(f"{number:,.3f}")
    if isinstance(value, datetime):
        return utc_stamp(value)
    if isinstance(value, list | tuple):
        shown = [clip(evidence_value(key, v), 24) for v in value[:3]]
        return ", ".join(shown) + (f" +{len(value) - 3}" if len(value) > 3 else "")
    return clip(str(value), 60)


_UNIT_SUFFIXES = ("_usd", "_days", "_hours", "_seconds", "_x")
_UNIT_WORDS = frozenset({"usd", "days", "hours", "seconds", "minutes"})


def evidence_label(key: str) -> str:
    """'age_days' -> 'age' (the value carries the unit); a bare unit word has no label."""
    name = key.lower()
    if name in _UNIT_WORDS:
        return ""
    for suffix in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    return name.replace("_", " ")


def evidence_line(evidence: Mapping[str, Any]) -> str:
    items = [(k, v) for k, v in evidence.items() if v is not None and not isinstance(v, Mapping)]
    parts = []
    for key, value in items[:MAX_EVIDENCE_ITEMS]:
        label = evidence_label(key)
        parts.append(f"{label} {evidence_value(key, value)}" if label else evidence_value(key, value))
    return " · ".join(parts)


def _signal_line(signal: Signal) -> Line:
    """'• Market impact: moved Yes 0.41 → 0.52': detectors lead their summary with their own name
    (made bold here); a summary without one gets ours."""
    label = SIGNAL_LABELS.get(signal.kind, signal.kind.value.replace("_", " "))
    summary = clip(signal.summary, 200) if signal.summary else ""
    head, sep, rest = summary.partition(": ")
    if sep and len(head) <= 40:
        return line(Span(f"• {head}", bold=True), f": {rest}")
    return line(Span(f"• {label}", bold=True), f": {summary}" if summary else "")


def reasons_field(alert: Alert, extra: Iterable[str] = ()) -> Field | None:
    lines: list[Line] = [line(f"• {clip(reason, 200)}") for reason in extra]
    for signal in alert.signals:
        lines.append(_signal_line(signal))
        detail = evidence_line(signal.evidence)
        if detail:
            lines.append(line(f"   {detail}"))
    return field("Why", *lines) if lines else None


# ---------------------------------------------------------------- alerts


def trade_phrase(trade: Trade) -> str:
    """'$72,400 BUY Yes @ 42¢'."""
    outcome = f" {clip(trade.outcome, OUTCOME_MAX)}" if trade.outcome else ""
    return f"{money(trade.usd)} {trade.side.value}{outcome} @ {cents(trade.price)}"


def alert_headline(alert: Alert, tiers: Sequence[Decimal] = DEFAULT_TIERS) -> str:
    """The title of an alert card; also one line of a digest or a list."""
    if alert.kind is AlertKind.TRADE and alert.trade is not None:
        return f"{tier_emoji(alert.trade.usd, tiers)} {trade_phrase(alert.trade)}"
    if alert.kind is AlertKind.FOLLOW_UP:
        if not alert.title:
            return "📈 Price followed through"
        title = clip(alert.title, TITLE_MAX)
        return title if title.startswith(("📈", "🔗")) else f"📈 {title}"
    if alert.kind is AlertKind.WALLET_TARGET:
        address = alert.wallet_address or ""
        wallet = alert.wallet
        who = clip(wallet.username, NAME_MAX) if wallet is not None and shown_name(wallet.username, address) else ""
        name = f"{short_address(address)} ({who})" if who else short_address(address)
        return f"🎯 Wallet worth copying: {name}"
    return f"⚠️ {clip(alert.title, TITLE_MAX)}" if alert.title else "⚠️ System alert"


def _market_lines(alert: Alert, now: datetime) -> tuple[Line, Line]:
    """(the question, linked; its size relative to the market and time to resolution)."""
    trade = alert.trade
    market = alert.market
    question = (market.question if market is not None else "") or (trade.title if trade is not None else "")
    parts: list[str] = []
    if trade is not None and market is not None:
        if market.volume_24h:
            parts.append(f"{percent(trade.usd / market.volume_24h)} of 24h volume")
        if market.liquidity:
            parts.append(f"{percent(trade.usd / market.liquidity)} of liquidity")
    if market is not None and market.end_date is not None:
        left = market.end_date - now
        parts.append(f"resolves in {duration(left)}" if left > timedelta(0) else "past its end date")
    question_line: Line = (Span(clip(question, 300), url=alert_market_url(alert), bold=True),) if question else ()
    return question_line, line(" · ".join(parts)) if parts else ()


def _wallet_lines(alert: Alert, min_resolved: int) -> tuple[Line, ...]:
    address = alert.wallet_address
    if address is None:
        return ()
    w = alert.wallet
    first: list[str | Span] = [Span(short_address(address), url=profile_url(address), code=True)]
    if w is not None and shown_name(w.username, address):
        first.append(f" · {clip(w.username, 40)}")
    if w is not None and w.classification is not None:
        first.append(f" · {CLASS_EMOJI[w.classification]} {w.classification.value}")
    lines = [line(*first)]
    if w is None:
        return tuple(lines)
    fresh = SignalKind.FRESH_WALLET.value in alert.signal_kinds or (w.age_days is not None and w.age_days < FRESH_DAYS)
    plural = "" if w.trade_count == 1 else "s"
    if fresh:
        count = f"{w.trade_count} trade{plural}" if w.trade_count else "first trade"
        lines.append(line(Span(f"NEW WALLET ({count})", bold=True)))
    else:
        lines.append(line(f"{age(w.age_days)} · {w.trade_count:,} trade{plural}"))
    rate = win_rate_text(w.win_rate, w.resolved_positions, min_resolved)
    known = has_win_rate(w.win_rate, w.resolved_positions, min_resolved)
    record = f"win rate {rate}" if known else f"win rate: {rate}"
    if w.realised_pnl is not None and (w.realised_pnl != 0 or w.resolved_positions):
        record += f" · PnL {signed_money(w.realised_pnl)}"
    lines.append(line(record))
    return tuple(lines)


def _alert_links(alert: Alert) -> tuple[Span, ...]:
    links: list[Span] = []
    url = alert_market_url(alert)
    if url:
        links.append(Span("Market", url=url))
    if alert.wallet_address:
        links.append(Span("Wallet", url=profile_url(alert.wallet_address)))
        if alert.trade is None:
            links.append(Span("Polygonscan", url=address_url(alert.wallet_address)))
    if alert.trade is not None and alert.trade.tx_hash:
        links.append(Span("Transaction", url=tx_url(alert.trade.tx_hash)))
    return tuple(links)


def _alert_buttons(alert: Alert) -> tuple[Button, ...]:
    if alert.id is None or alert.kind is AlertKind.SYSTEM:
        return ()
    buttons: list[Button] = []
    if alert.condition_id:
        buttons.append(Button("View market", encode_button(ButtonAction.VIEW_MARKET, alert.id)))
    if alert.wallet_address:
        buttons.append(Button("View wallet", encode_button(ButtonAction.VIEW_WALLET, alert.id)))
    if alert.condition_id:
        buttons.append(Button("Mute market", encode_button(ButtonAction.MUTE_MARKET, alert.id), danger=True))
    if alert.wallet_address:
        buttons.append(Button("Mute wallet", encode_button(ButtonAction.MUTE_WALLET, alert.id), danger=True))
    return tuple(buttons)


def _alert_footer(alert: Alert, now: datetime) -> str:
    parts = ["polyscan"]
    if alert.id is not None:
        parts.append(f"alert #{alert.id}")
    parts.append(utc_stamp(alert.created_at))
    if now - alert.created_at > DELAYED_AFTER:
        parts.append(f"delivered {duration(now - alert.created_at)} late")
    return " · ".join(parts)


MAX_LINKED_LINES = 8
_KIND_WORDS = {
    FunderKind.EXCHANGE: "exchange",
    FunderKind.BRIDGE: "bridge",
    FunderKind.ONRAMP: "on-ramp",
    FunderKind.MINT: "mint",
    FunderKind.POLYMARKET: "Polymarket",
    FunderKind.SERVICE: "busy service",
    FunderKind.WALLET: "wallet",
}


def _linked_field(alert: Alert) -> Field | None:
    """The funder and the siblings (with what each bet) of a linked-wallets signal."""
    found = next((s for s in alert.signals if s.kind is SignalKind.LINKED_WALLETS), None)
    if found is None:
        return None
    ev = found.evidence
    funder = str(ev.get("funder") or "")
    wallets = [w for w in str(ev.get("siblings") or "").split(",") if w]
    sizes = str(ev.get("siblings_usd") or "").split(",")
    lines: list[Line] = []
    if funder:
        lines.append(line("Funded by ", Span(short_address(funder), url=address_url(funder), code=True)))
    for i, wallet in enumerate(wallets[:MAX_LINKED_LINES]):
        size = sizes[i] if i < len(sizes) else ""
        try:
            amount = money(Decimal(size))
        except ArithmeticError:
            amount = ""
        lines.append(
            line(Span(short_address(wallet), url=profile_url(wallet), code=True), f" · {amount}" if amount else "")
        )
    if len(wallets) > MAX_LINKED_LINES:
        lines.append(line(f"…and {len(wallets) - MAX_LINKED_LINES} more"))
    return field("Linked wallets", *lines) if lines else None


def _funder_text(address: str, kind: FunderKind, label: str) -> list[str | Span]:
    who = f" ({clip(label, 40)})" if label else ""
    return [Span(short_address(address), url=address_url(address), code=True), f" {_KIND_WORDS[kind]}{who}"]


def _funding_fields(funding: WalletFunding, now: datetime) -> list[Field]:
    profile = funding.profile
    fields: list[Field] = []
    first = profile.first
    if first is not None:
        fields.append(
            field(
                "First funding",
                line(f"{money(first.amount)} from ", *_funder_text(first.sender, first.kind, first.label)),
                line(f"{ago(first.at, now)} · {utc_stamp(first.at)}"),
            )
        )
    if profile.funders:
        funders = [
            line(*_funder_text(f.address, f.kind, f.label), f" · {money(f.total_usd)} in {f.transfers}")
            for f in profile.funders[:3]
        ]
        fields.append(field("Largest funders", *funders))
    if funding.siblings:
        lines = [
            line(
                Span(short_address(s.wallet), url=profile_url(s.wallet), code=True),
                f" · {money(s.amount)} from {short_address(s.funder)} · {s.gap_hours:g}h apart",
            )
            for s in funding.siblings[:MAX_LINKED_LINES]
        ]
        if len(funding.siblings) > MAX_LINKED_LINES:
            lines.append(line(f"…and {len(funding.siblings) - MAX_LINKED_LINES} more"))
        fields.append(field(f"Linked wallets ({len(funding.siblings)})", *lines))
    return fields


def alert_view(
    alert: Alert,
    now: datetime,
    *,
    min_resolved: int = 10,
    tiers: Sequence[Decimal] = DEFAULT_TIERS,
) -> View:
    """The alert card: the same content on every platform."""
    body: list[Line] = []
    fields: list[Field] = []
    extra_reasons: list[str] = []
    if alert.kind is AlertKind.SYSTEM:
        text = str(alert.details.get("text") or alert.details.get("message") or "")
        body = [line(clip(text, 1500))] if text else []
        return View(alert_headline(alert), alert.severity, body=tuple(body), footer=_alert_footer(alert, now))
    question, stats = _market_lines(alert, now)
    body.extend(ln for ln in (question, stats) if ln)
    if alert.kind is AlertKind.FOLLOW_UP and alert.trade is not None:
        body.append(line(f"After {trade_phrase(alert.trade)} at {alert.trade.timestamp:%H:%M} UTC"))
    if alert.kind is AlertKind.WALLET_TARGET:
        score = alert.details.get("score")
        klass = alert.wallet.classification if alert.wallet is not None else None
        if klass is not None or score is not None:
            parts = [f"Classified {klass.value}" if klass is not None else "Classified"]
            if isinstance(score, int | float | Decimal):
                parts.append(f"score {_trim(f'{float(score):.2f}')}")
            body.append(line(" · ".join(parts)))
        reasons = alert.details.get("reasons")
        if isinstance(reasons, list | tuple):
            extra_reasons = [str(r) for r in reasons[:6]]
    wallet_lines = _wallet_lines(alert, min_resolved)
    if wallet_lines:
        fields.append(field("Wallet", *wallet_lines))
    reasons = reasons_field(alert, extra_reasons)
    if reasons is not None:
        fields.append(reasons)
    linked = _linked_field(alert)
    if linked is not None:
        fields.append(linked)
    confidence = line(f"{percent(alert.confidence, 0)} · {severity_label(alert.severity)}")
    fields.append(field("Confidence", confidence, inline=True))
    url = alert_market_url(alert) if alert.kind is not AlertKind.WALLET_TARGET else None
    if alert.kind is AlertKind.WALLET_TARGET and alert.wallet_address:
        url = profile_url(alert.wallet_address)
    return View(
        title=alert_headline(alert, tiers),
        severity=alert.severity,
        url=url,
        body=tuple(body),
        fields=tuple(fields),
        links=_alert_links(alert),
        buttons=_alert_buttons(alert),
        footer=_alert_footer(alert, now),
    )


def alert_line(alert: Alert, now: datetime, *, with_market: bool = True) -> Line:
    """One line about an alert for digests and lists."""
    parts: list[str | Span] = [f"{SEVERITY_EMOJI[alert.severity]} ", Span(alert_headline(alert), bold=True)]
    question = alert.market.question if alert.market is not None else ""
    if with_market and question:
        parts.extend([" · ", Span(clip(question, 70), url=alert_market_url(alert))])
    parts.append(f" · {ago(alert.created_at, now)}")
    return line(*parts)


def digest_view(alerts: Sequence[Alert], reason: HoldReason, now: datetime) -> View:
    n = len(alerts)
    noun = "alert" if n == 1 else "alerts"
    if reason is HoldReason.QUIET:
        title = f"🌙 Quiet hours are over: {n} {noun} while you were away"
    else:
        title = f"⏸ {n} {noun} held back by your hourly limit"
    lines = [alert_line(a, now) for a in alerts[:DIGEST_MAX_LINES]]
    if n > DIGEST_MAX_LINES:
        lines.append(line(f"…and {n - DIGEST_MAX_LINES} more: /alerts shows them."))
    worst = max((a.severity for a in alerts), key=lambda s: s.rank, default=Severity.INFO)
    return View(title=title, severity=worst, body=tuple(lines), footer=f"polyscan digest · {utc_stamp(now)}")


# ---------------------------------------------------------------- command results


def error_view(message: str) -> View:
    return View(title=f"⚠️ {clip(message, TITLE_MAX)}")


def notice_view(notice: Notice) -> View:
    title = f"{'✅' if notice.ok else 'ℹ️'} {clip(notice.text, TITLE_MAX)}"
    return View(title=title, body=(line(clip(notice.hint, 500)),) if notice.hint else ())


def _trade_line(trade: Trade, now: datetime, *, with_market: bool) -> Line:
    parts: list[str | Span] = [f"{tier_emoji(trade.usd)} {trade_phrase(trade)}"]
    if with_market and trade.title:
        parts.extend([" · ", Span(clip(trade.title, 60), url=market_url(trade.event_slug, trade.slug))])
    parts.append(" · ")
    parts.append(Span(ago(trade.timestamp, now), url=tx_url(trade.tx_hash) if trade.tx_hash else None))
    return line(*parts)


def wallet_view(result: WalletResult) -> View:
    p = result.profile
    now = result.as_of
    name = p.username or short_address(result.address)
    body: list[Line] = [line(Span(result.address, code=True))]
    c = result.classification
    if c is not None:
        # a stage-3 verdict's further reasons restate the record (win rates): the Win rate field says it once
        said = c.reasons[:1] if c.stage >= 3 else c.reasons
        reasons = f": {clip('; '.join(said), 200)}" if said else ""
        body.append(line(f"{CLASS_EMOJI[c.classification]} {c.classification.value} (score {c.score:.2f}){reasons}"))
    if p.trade_count == 0 and p.first_seen is None:
        body.append(line("No Polymarket activity found for this wallet."))
    mm = "no"
    if p.is_market_maker:
        mm = f"likely ({percent(p.mm_confidence, 0)})"
        if p.mm_indicators:
            mm += f": {clip(', '.join(p.mm_indicators), 120)}"
    first_seen = true_first_seen(p.first_seen, result.funding.profile if result.funding is not None else None)
    age_days = None if first_seen is None else (now - first_seen).total_seconds() / 86400
    fields = [
        field("Age", line(age(age_days).removesuffix(" old")), inline=True),
        field("Trades", line(f"{p.trade_count:,}"), inline=True),
        field("Volume", line(money(p.total_volume)), inline=True),
        field("PnL", line(signed_money(p.realised_pnl)), inline=True),
        field(
            "Win rate",
            line(win_rate_text(p.win_rate, p.resolved_positions, result.min_resolved, p.win_rate_lower)),
            inline=True,
        ),
        field("Market maker", line(mm), inline=True),
    ]
    if p.top_categories:
        cats = " · ".join(f"{clip(cat, 30)} {compact_money(vol)}" for cat, vol in p.top_categories[:4])
        fields.append(field("Top categories", line(cats)))
    if result.funding is not None:
        fields.extend(_funding_fields(result.funding, now))
    if result.recent_trades:
        fields.append(
            field("Recent large trades", *(_trade_line(t, now, with_market=True) for t in result.recent_trades[:5]))
        )
    if result.recent_alerts:
        fields.append(field("Recent alerts", *(alert_line(a, now) for a in result.recent_alerts[:5])))
    return View(
        title=f"👛 {clip(name, 80)}",
        url=profile_url(result.address),
        body=tuple(body),
        fields=tuple(fields),
        links=(
            Span("Polymarket profile", url=profile_url(result.address)),
            Span("Polygonscan", url=address_url(result.address)),
        ),
        footer="You follow this wallet" if result.followed else "/follow adds it to your alerts",
    )


def market_view(result: MarketResult) -> View:
    m = result.market
    now = result.as_of
    url = market_url(m.event_slug, m.slug)
    body: list[Line] = []
    prices = [f"{clip(o, 30)} {cents(p)}" for o, p in zip(m.outcomes, m.outcome_prices, strict=False)]
    if len(prices) > OUTCOMES_SHOWN:
        prices = [*prices[:OUTCOMES_SHOWN], f"+{len(prices) - OUTCOMES_SHOWN} more"]
    if prices:
        body.append(line(Span(" · ".join(prices), bold=True)))
    status = "closed" if m.closed else ("open" if m.active else "inactive")
    body.append(line(" · ".join(x for x in (clip(m.category, 40), status) if x)))
    fields = [
        field("24h volume", line(money(m.volume_24h) if m.volume_24h is not None else "unknown"), inline=True),
        field("Liquidity", line(money(m.liquidity) if m.liquidity is not None else "unknown"), inline=True),
    ]
    book = result.book
    bid = book.best_bid if book is not None else m.best_bid
    ask = book.best_ask if book is not None else m.best_ask
    if bid is not None and ask is not None:
        fields.append(field("Spread", line(f"{cents(ask - bid)} ({cents(bid)} / {cents(ask)})"), inline=True))
    if book is not None and book.mid is not None:
        depth = book.depth_within(DEPTH_FRACTION)
        fields.append(field(f"Depth ±{percent(DEPTH_FRACTION, 0)}", line(money(depth)), inline=True))
    if m.end_date is not None:
        left = m.end_date - now
        when = f"in {duration(left)}" if left > timedelta(0) else "passed"
        fields.append(field("Ends", line(f"{utc_stamp(m.end_date)} ({when})"), inline=True))
    if result.biggest_trades:
        trades = (_trade_line(t, now, with_market=False) for t in result.biggest_trades[:5])
        fields.append(field("Biggest trades, 24h", *trades))
    if result.recent_alerts:
        fields.append(field("Recent alerts", *(alert_line(a, now, with_market=False) for a in result.recent_alerts)))
    links = (Span("Polymarket", url=url),) if url else ()
    footer = f"{'muted for you · ' if result.muted else ''}{clip(m.condition_id, 80)}"
    return View(
        title=clip(m.question or m.slug or m.condition_id, TITLE_MAX),
        url=url,
        body=tuple(body),
        fields=tuple(fields),
        links=links,
        footer=footer,
    )


def stats_view(result: StatsResult) -> View:
    severities = sorted(Severity, key=lambda s: s.rank, reverse=True)
    alerts = " · ".join(f"{SEVERITY_EMOJI[s]} {result.alerts_by_severity.get(s, 0)}" for s in severities)
    if result.feed_connected is None:
        feed = "not running"
    else:
        feed = "connected" if result.feed_connected else "DISCONNECTED"
        behind = result.feed_lag
        feed += f" · last trade {lag(behind)} ago" if behind is not None else " · no trade yet"
        feed += f" · {result.feed_reconnects} reconnects"
    backlog = " · ".join(f"{p} {n}" for p, n in sorted(result.backlog.items())) or "empty"
    return View(
        title="📊 polyscan status",
        fields=(
            field("Uptime", line(duration(result.uptime)), inline=True),
            field("Trades (1h / 24h)", line(f"{result.trades_last_hour:,} / {result.trades_last_day:,}"), inline=True),
            field("Subscriptions", line(f"{result.subscriptions:,}"), inline=True),
            field("Alerts, 24h", line(alerts)),
            field("Feed", line(feed)),
            field("Delivery backlog", line(backlog)),
        ),
        footer=utc_stamp(result.as_of),
    )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _listed(values: Iterable[str], empty: str, shorten: bool = False, limit: int = 6) -> str:
    items = sorted(values)
    if not items:
        return empty
    shown = [short_address(v) if shorten else clip(v, 30) for v in items[:limit]]
    return ", ".join(shown) + (f" +{len(items) - limit} more" if len(items) > limit else "")


def settings_view(result: SettingsResult) -> View:
    sub = result.subscription
    f = sub.filters
    if not result.exists or not sub.active:
        status = "Not subscribed: /subscribe starts alerts here."
    elif f.followed_only:
        status = "Following only: alerts of the wallets you follow. /subscribe for everything."
    else:
        status = "Subscribed ✅"
    body = [line(Span(result.note, bold=True)), line(status)] if result.note else [line(status)]
    kinds = ", ".join(sorted(f.kinds)) if f.kinds else f"default ({', '.join(sorted(DEFAULT_ALERT_KINDS))})"
    quiet = sub.quiet_hours
    quiet_text = f"{_hhmm(quiet.start_minute)}-{_hhmm(quiet.end_minute)} {quiet.tz}" if quiet else "off"
    muted = len(f.mute_wallets) + len(f.mute_markets)
    return View(
        title="⚙️ Alert settings",
        body=tuple(body),
        fields=(
            field("Minimum size", line(money(f.min_usd)), inline=True),
            field("Minimum confidence", line(percent(f.min_confidence, 0)), inline=True),
            field("Minimum severity", line(f.min_severity.value), inline=True),
            field("Kinds", line(kinds)),
            field("Categories", line(_listed(f.categories_in, "all")), inline=True),
            field("Excluded", line(_listed(f.categories_out, "none")), inline=True),
            field("Max per hour", line(str(sub.max_per_hour)), inline=True),
            field("Quiet hours", line(quiet_text), inline=True),
            field("Following", line(_listed(f.follow_wallets, "nobody", shorten=True))),
            field(
                f"Muted ({muted})",
                line(f"wallets: {_listed(f.mute_wallets, 'none', shorten=True)}"),
                line(f"markets: {_listed(f.mute_markets, 'none', shorten=True)}"),
            ),
        ),
        footer="/settings <setting> <value> changes one · /help settings",
    )


_STATUS_WORDS = {
    DeliveryStatus.PENDING: "on its way",
    DeliveryStatus.HELD: "held for a digest",
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.DIGESTED: "in a digest",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.DEAD: "undeliverable",
}


def alerts_view(result: AlertsResult) -> View:
    if not result.entries:
        return View(title="🔔 Your recent alerts", body=(line("No alerts for you yet. /settings shows your filters."),))
    lines = []
    for entry in result.entries:
        base = alert_line(entry.alert, result.as_of)
        lines.append((*base, Span(f" · {_STATUS_WORDS[entry.delivery.status]}")))
    return View(title="🔔 Your recent alerts", body=tuple(lines))


def help_view(result: HelpResult) -> View:
    chosen = result.selected
    if chosen is not None:
        body = [line(chosen.description), line(Span(chosen.usage(), code=True))]
        for sub in chosen.subcommands:
            body.append(line(Span(f"/{chosen.name} {sub.name}", code=True), f" - {sub.description}"))
        for a in chosen.args:
            choices = f" (one of: {', '.join(a.choices)})" if a.choices else ""
            body.append(line(f"{a.usage}: {a.description}{choices}"))
        for example in chosen.examples:
            body.append(line("e.g. ", Span(example, code=True)))
        if chosen.manage_server and result.platform is Platform.TELEGRAM:
            body.append(line("For group admins, and the admin chat."))
        elif chosen.manage_server:
            body.append(line("Needs the Manage Server permission."))
        return View(title=f"📖 /{chosen.name}", body=tuple(body))
    groups: dict[str, list[Line]] = {}
    for cmd in result.commands:
        groups.setdefault(cmd.group, []).append(line(Span(cmd.usage(), code=True), f" - {cmd.description}"))
    return View(
        title="📖 polyscan: Polymarket whale and insider-trade alerts",
        body=(line("Alerts on big, fresh-wallet, unusual and clustered trades, with the evidence."),),
        fields=tuple(field(name, *lines) for name, lines in groups.items()),
        footer="/help <command> explains one command",
    )


def _rule_line(rule: ChannelRule) -> Line:
    match = (
        f"severity ≥ {rule.match_value}" if rule.match_type == "severity" else f"{rule.match_type} {rule.match_value}"
    )
    parts: list[str | Span] = [
        Span(f"#{rule.id}", bold=True),
        f" {match} → ",
        Span(f"#{rule.channel_id}", mention=("channel", rule.channel_id)),
    ]
    if rule.role_id:
        parts.extend([" ", Span(f"@{rule.role_id}", mention=("role", rule.role_id))])
    return line(*parts)


def routes_view(result: RoutesResult) -> View:
    lines = [_rule_line(r) for r in result.rules] or [line("No routing rules yet: /route add creates one.")]
    body = [line(Span(result.note, bold=True)), *lines] if result.note else lines
    return View(title="🧭 Alert routing", body=tuple(body), footer="/route remove <rule> deletes one")


def filters_summary(sub: Subscription) -> str:
    """What a subscription lets through, in one line (webhook lists)."""
    f = sub.filters
    parts = [f"severity ≥ {f.min_severity.value}"] if f.min_severity is not Severity.INFO else []
    if f.min_usd:
        parts.append(f"min {compact_money(f.min_usd)}")
    if f.min_confidence:
        parts.append(f"confidence ≥ {percent(f.min_confidence, 0)}")
    parts.append(f"kinds {', '.join(sorted(f.kinds))}" if f.kinds else "default kinds")
    if f.categories_in:
        parts.append(f"only {_listed(f.categories_in, '')}")
    if f.categories_out:
        parts.append(f"not {_listed(f.categories_out, '')}")
    if f.follow_wallets:
        parts.append(f"{'only ' if f.followed_only else ''}following {_listed(f.follow_wallets, '', shorten=True)}")
    muted = len(f.mute_wallets) + len(f.mute_markets)
    if muted:
        parts.append(f"{muted} muted")
    parts.append(f"max {sub.max_per_hour}/h")
    return " · ".join(parts)


def _webhook_lines(entry: WebhookEntry, now: datetime) -> tuple[Line, ...]:
    w = entry.webhook
    state = describe_failures(w)
    mark = "⏸" if w.paused else ("⚠️" if w.consecutive_failures else "✅")
    first = line(
        Span(f"#{w.id}", bold=True),
        " ",
        Span(w.url_display, code=True),
        f" · {w.payload_format.value} · {mark} {state}",
    )
    status = [f"backlog {entry.backlog}"]
    status.append(f"last success {ago(w.last_success_at, now)}" if w.last_success_at else "no delivery yet")
    status.append(f"added in {w.scope}")
    lines = [first, line("   " + " · ".join(status))]
    if entry.subscription is not None:
        lines.append(line(f"   {filters_summary(entry.subscription)}"))
    return tuple(lines)


def webhooks_view(result: WebhooksResult) -> View:
    body: list[Line] = [line(Span(result.note, bold=True))] if result.note else []
    if result.secret:
        body.append(line("Its signing secret is shown only this once: store it now (polyscan keeps it encrypted)."))
        body.append(line(Span(result.secret, code=True)))
        body.append(line("Receivers check the X-Polyscan-Signature header with it: see docs/webhooks.md."))
    for entry in result.entries:
        body.extend(_webhook_lines(entry, result.as_of))
    if not result.entries:
        body.append(line("No webhooks here yet: /webhook add <url> [options] creates one."))
    return View(
        title="🪝 Webhooks",
        body=tuple(body),
        footer="/webhook add <url> [options] · list · test <id> · resume <id> · remove <id>",
    )


def webhook_ping_view(webhook_id: int, now: datetime) -> View:
    """The wording of a /webhook test payload."""
    return View(
        title="✅ polyscan webhook test",
        body=(line(f"Webhook #{webhook_id} is reachable: alerts that match its filters arrive at this URL."),),
        footer=f"polyscan · {utc_stamp(now)}",
    )


def result_view(result: Result) -> View:
    """Any command result -> its view (the adapters' one call)."""
    if isinstance(result, Notice):
        return notice_view(result)
    if isinstance(result, WalletResult):
        return wallet_view(result)
    if isinstance(result, MarketResult):
        return market_view(result)
    if isinstance(result, StatsResult):
        return stats_view(result)
    if isinstance(result, SettingsResult):
        return settings_view(result)
    if isinstance(result, AlertsResult):
        return alerts_view(result)
    if isinstance(result, HelpResult):
        return help_view(result)
    if isinstance(result, WebhooksResult):
        return webhooks_view(result)
    return routes_view(result)


def plain_text(view: View) -> str:
    """The view as plain text: console notifier, admin messages, logs."""
    out = [view.title]
    if view.url:
        out.append(view.url)
    out.extend(text_of(ln) for ln in view.body)
    for f in view.fields:
        values = [text_of(ln) for ln in f.lines]
        if f.inline and len(values) == 1:
            out.append(f"{f.name}: {values[0]}")
        else:
            out.append(f"{f.name}:")
            out.extend(f"  {v}" for v in values)
    if view.links:
        out.append(" · ".join(f"{s.text}: {s.url}" for s in view.links))
    if view.footer:
        out.append(view.footer)
    return "\n".join(out)


__all__ = [
    "Button",
    "Field",
    "Line",
    "Span",
    "View",
    "alert_view",
    "digest_view",
    "error_view",
    "plain_text",
    "result_view",
]
