"""Sample data and small in-memory implementations of the lookup ports for the bot tests.

The market and its token ids come from a real Gamma capture
(tests/fixtures/polymarket/gamma/market_active_pscanner_2026-04-25.json); the wallet address and
transaction hash from a real RTDS activity frame (tests/fixtures/polymarket/rtds/...2026-08-19).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from scanner_core.commands import UserRef
from scanner_core.marketref import parse_market_ref
from scanner_core.models import (
    Alert,
    AlertKind,
    Market,
    MarketSnapshot,
    OrderBookLevel,
    OrderBookSummary,
    Platform,
    Severity,
    Side,
    Signal,
    SignalKind,
    Trade,
    TradeSource,
    WalletClass,
    WalletClassification,
    WalletProfile,
    WalletSnapshot,
    frozen_map,
)

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
CONDITION = "0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763"
SLUG = "russia-ukraine-ceasefire-before-gta-vi-554"
EVENT_SLUG = "what-will-happen-before-gta-vi"
TOKENS = (
    "8501497159083948713316135768103773293754490207922884688769443031624417212426",
    "2527312495175492857904889758552137141356236738032676480522356889996545113869",
)
WALLET = "0x510f4963b66b1b18505faab74b0bb943d1dda43c"
OTHER_WALLET = "0x1015bb260154f51e5f432cb0a3227c1619fcbac8"
TX = "0xb6acf6859bc84216f4b3e2567fb392a2eae19d275340ad96ea17218ccfec27b7"

MARKET = Market(
    condition_id=CONDITION,
    question="Russia-Ukraine Ceasefire before GTA VI?",
    market_id="540816",
    slug=SLUG,
    event_slug=EVENT_SLUG,
    category="politics",
    outcomes=("Yes", "No"),
    outcome_prices=(Decimal("0.525"), Decimal("0.475")),
    token_ids=TOKENS,
    end_date=datetime(2026, 7, 31, 12, 0, tzinfo=UTC),
    liquidity=Decimal("57721.1642"),
    volume_24h=Decimal("5633.4206"),
)
BOOK = OrderBookSummary(
    token_id=TOKENS[0],
    best_bid=Decimal("0.52"),
    best_ask=Decimal("0.53"),
    bids=(OrderBookLevel(Decimal("0.52"), Decimal("1000")), OrderBookLevel(Decimal("0.40"), Decimal("5000"))),
    asks=(OrderBookLevel(Decimal("0.53"), Decimal("800")), OrderBookLevel(Decimal("0.70"), Decimal("100"))),
)
PROFILE = WalletProfile(
    address=WALLET,
    first_seen=T0 - timedelta(days=41),
    last_seen=T0,
    trade_count=230,
    total_volume=Decimal("1250000"),
    realised_pnl=Decimal("12300"),
    win_rate=0.62,
    resolved_positions=41,
    winning_positions=25,
    top_categories=(("politics", Decimal("800000")), ("crypto", Decimal("200000"))),
    username="PPMT",
)


def trade(
    i: int = 1,
    *,
    usd: str = "72400",
    price: str = "0.42",
    wallet: str = WALLET,
    side: Side = Side.BUY,
    outcome: str = "Yes",
    at: datetime = T0,
    title: str = MARKET.question,
) -> Trade:
    p = Decimal(price)
    return Trade(
        tx_hash=TX if i == 1 else f"0x{i:064x}",
        wallet=wallet,
        condition_id=CONDITION,
        token_id=TOKENS[0],
        side=side,
        outcome=outcome,
        outcome_index=0,
        size=Decimal(usd) / p,
        price=p,
        usd=Decimal(usd),
        timestamp=at,
        source=TradeSource.RTDS,
        title=title,
        slug=SLUG,
        event_slug=EVENT_SLUG,
    )


def snapshot(category: str = "politics", question: str = MARKET.question) -> MarketSnapshot:
    return MarketSnapshot(
        condition_id=CONDITION,
        question=question,
        slug=SLUG,
        category=category,
        end_date=MARKET.end_date,
        liquidity=MARKET.liquidity,
        volume_24h=Decimal("500000"),
    )


LARGE = Signal(SignalKind.LARGE_TRADE, 0.8, "$72.4k, the 3rd tier", frozen_map({"usd": Decimal("72400"), "tier": 2}))
FRESH = Signal(SignalKind.FRESH_WALLET, 0.7, "first trade 2 days ago", frozen_map({"age_days": 2.0, "trades": 3}))


def trade_alert(
    i: int = 1,
    *,
    usd: str = "72400",
    wallet: str = WALLET,
    severity: Severity = Severity.HIGH,
    confidence: float = 0.72,
    category: str = "politics",
    signals: tuple[Signal, ...] = (LARGE, FRESH),
    at: datetime = T0,
    question: str = MARKET.question,
    username: str = "PPMT",
) -> Alert:
    t = trade(i, usd=usd, wallet=wallet, at=at, title=question)
    return Alert(
        dedup_key=f"trade-alert-{i}",
        kind=AlertKind.TRADE,
        severity=severity,
        confidence=confidence,
        created_at=at,
        title=f"large trade {i}",
        signals=signals,
        trade=t,
        market=snapshot(category, question),
        wallet=WalletSnapshot(
            address=wallet,
            age_days=2.0,
            trade_count=3,
            win_rate=None,
            resolved_positions=0,
            realised_pnl=Decimal("-150"),
            username=username,
        ),
    )


def target_alert(i: int = 1, *, at: datetime = T0) -> Alert:
    return Alert(
        dedup_key=f"target-{i}",
        kind=AlertKind.WALLET_TARGET,
        severity=Severity.NOTABLE,
        confidence=0.81,
        created_at=at,
        title="wallet worth copying",
        wallet=WalletSnapshot(
            address=WALLET,
            age_days=400.0,
            trade_count=512,
            win_rate=0.67,
            resolved_positions=120,
            realised_pnl=Decimal("48210"),
            username="PPMT",
            classification=WalletClass.TARGET,
        ),
        details=frozen_map({"score": 0.81, "reasons": ["67% over 120 resolved", "edge in politics"]}),
    )


def follow_up_alert(i: int = 1, *, at: datetime = T0) -> Alert:
    base = trade_alert(i, at=at)
    return replace(
        base,
        dedup_key=f"follow-{i}",
        kind=AlertKind.FOLLOW_UP,
        severity=Severity.NOTABLE,
        title="Yes moved 42¢ → 61¢ within 3h",
        signals=(
            Signal(
                SignalKind.PRICE_FOLLOW_THROUGH,
                0.6,
                "price rose 19 points",
                frozen_map({"price_before": Decimal("0.42"), "price_after": Decimal("0.61"), "hours": 3}),
            ),
        ),
    )


def system_alert(at: datetime = T0) -> Alert:
    return Alert(
        dedup_key="system-1",
        kind=AlertKind.SYSTEM,
        severity=Severity.CRITICAL,
        confidence=1.0,
        created_at=at,
        title="Live feed down",
        details=frozen_map({"text": "RTDS silent for 5m; backfilling from the Data API."}),
    )


TG_USER = UserRef(Platform.TELEGRAM, "42", "42", None, True)
TG_GROUP_MEMBER = UserRef(Platform.TELEGRAM, "7", "-100123", None, False)
DC_ADMIN = UserRef(Platform.DISCORD, "1001", "2002", "3003", True)
DC_MEMBER = UserRef(Platform.DISCORD, "1002", "2002", "3003", False)


# ---------------------------------------------------------------- in-memory ports


@dataclass
class FakeMarkets:
    markets: list[Market] = field(default_factory=lambda: [MARKET])
    books: dict[str, OrderBookSummary] = field(default_factory=lambda: {TOKENS[0]: BOOK})
    fail: bool = False

    async def get_market(self, ref: str, *, as_of: datetime | None = None) -> Market | None:
        if self.fail:
            raise ConnectionError("gamma unreachable")
        parsed = parse_market_ref(ref)  # as MarketService does: URLs and event slugs included
        for m in self.markets:
            if parsed.value in (m.condition_id, m.slug, m.market_id, m.event_slug, *m.token_ids):
                return m
        return None

    async def get_book(self, token_id: str) -> OrderBookSummary | None:
        return self.books.get(token_id)

    async def candles(self, market: Market, token_id: str, interval: str, *, until: datetime) -> list[Any]:
        return []

    async def related(self, market: Market, limit: int = 5) -> list[Market]:
        return []


@dataclass
class FakeWallets:
    profiles: dict[str, WalletProfile] = field(default_factory=lambda: {WALLET: PROFILE})
    usernames: dict[str, str] = field(default_factory=lambda: {"ppmt": WALLET})
    trades: dict[str, list[Trade]] = field(default_factory=lambda: {WALLET: [trade(7, usd="25000")]})

    async def get_profile(self, address: str, *, as_of: datetime | None = None) -> WalletProfile:
        return self.profiles.get(address, WalletProfile(address=address))

    async def resolve_username(self, name: str) -> str | None:
        return self.usernames.get(name.lower())

    async def recent_trades(self, address: str, *, limit: int = 10, min_usd: Decimal | None = None) -> list[Trade]:
        return [t for t in self.trades.get(address, []) if min_usd is None or t.usd >= min_usd][:limit]


@dataclass
class FakeClassifications:
    known: dict[str, WalletClassification] = field(
        default_factory=lambda: {
            WALLET: WalletClassification(WALLET, WalletClass.WATCHLIST, 0.55, 2, ("consistent sizing",), T0)
        }
    )

    async def get_classification(self, address: str) -> WalletClassification | None:
        return self.known.get(address)


@dataclass
class FakeFeed:
    connected: bool = True
    last_trade_at: datetime | None = T0 - timedelta(seconds=3)
    reconnects: int = 2
    problem: str | None = None


R = TypeVar("R")


class DiesAfterTheWire:
    """A notifier in a process that dies right after the platform accepted a message: the send
    went out, the call never returns, so the outbox never marks it sent."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.on_the_wire = asyncio.Event()

    @property
    def ready(self) -> bool:
        return bool(self.inner.ready)

    async def send_view(self, destination: Any, view: Any, **kwargs: Any) -> None:
        await self.inner.send_view(destination, view, **kwargs)
        self.on_the_wire.set()
        await asyncio.Event().wait()  # the process is gone before the "sent" mark

    async def send_text(self, destination_id: str, text: str) -> None:
        await self.inner.send_text(destination_id, text)


async def crash(dispatcher: Any) -> None:
    """What a killed process leaves of an outbox dispatcher: every task gone mid-step, nothing
    handed back, nothing marked."""
    tasks = [*dispatcher._tasks, *dispatcher._background]
    tasks += [t for sender in dispatcher.senders.values() for t in sender.inflight]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def crash_mid_send(outbox: Callable[[list[Any]], Any], notifier: Any, publish: Callable[[], Awaitable[R]]) -> R:
    """Run an outbox worker (`outbox(notifiers)` builds a Dispatcher) in a "process" that dies
    right after the message of what `publish` stored reached the platform; returns that."""
    dying = DiesAfterTheWire(notifier)
    before = outbox([dying])
    await before.start()
    published = await publish()
    await asyncio.wait_for(dying.on_the_wire.wait(), 5)
    await crash(before)
    return published


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"no {what} within {timeout}s")
        await asyncio.sleep(0.005)


async def eventually(probe: Callable[[], Awaitable[R]], timeout: float = 5.0, what: str = "a result") -> R:
    """Poll an async probe until it returns something truthy (a row that another task writes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"no {what} within {timeout}s")
        await asyncio.sleep(0.01)
