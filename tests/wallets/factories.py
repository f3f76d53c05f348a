"""Hand-made wallet histories: each one a kind of trader the classifier must recognise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from scanner_core.models import Side
from scanner_core.wallets.classifier.judged import Judged
from scanner_core.wallets.classifier.params import ClassifierParams
from scanner_core.wallets.history import ActivityRow, Depth, ResolvedPosition, WalletHistory, sort_resolved, sort_rows

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
PARAMS = ClassifierParams()


def address(n: int) -> str:
    return f"0x{n:040x}"


def market(n: int) -> str:
    return f"0x{n:064x}"


def bet(
    n: int,
    *,
    won: bool,
    cost: str | Decimal = "100",
    price: str = "0.5",
    category: str = "sports",
    resolved_at: datetime | None = None,
    outcome_index: int = 0,
    redeemed: bool = True,
    pnl: str | None = None,
) -> ResolvedPosition:
    """A bet of `cost` USD at `price`: a win pays cost / price, a loss loses the cost."""
    stake, p = Decimal(cost), Decimal(price)
    realised = Decimal(pnl) if pnl is not None else (stake / p - stake if won else -stake)
    return ResolvedPosition(
        condition_id=market(n),
        outcome_index=outcome_index,
        avg_price=p,
        cost_usd=stake,
        realised_pnl=realised.quantize(Decimal("0.000001")),
        resolved_at=resolved_at or NOW - timedelta(days=30) + timedelta(hours=n),
        category=category,
        redeemed=redeemed,
    )


def trade(
    n: int, when: datetime, usd: str | Decimal, price: str = "0.5", side: Side = Side.BUY, outcome_index: int = 0
) -> ActivityRow:
    return ActivityRow(
        timestamp=when,
        kind="TRADE",
        condition_id=market(n),
        usd=Decimal(usd),
        key=f"{n}:{when.timestamp()}:{usd}:{side}:{outcome_index}",
        outcome_index=outcome_index,
        side=side,
        price=Decimal(price),
        category="sports",
    )


def buy(n: int, when: datetime, usd: str | Decimal, price: str = "0.5") -> ActivityRow:
    return trade(n, when, usd, price)


def entries_for(bets: Sequence[ResolvedPosition], *, hours_before: float = 2.0) -> tuple[ActivityRow, ...]:
    """One buy per bet, `hours_before` its resolution, for its whole cost."""
    trades = []
    for b in bets:
        n = int(b.condition_id, 16)
        trades.append(buy(n, b.resolved_at - timedelta(hours=hours_before), b.cost_usd, str(b.avg_price)))
    return sort_rows(trades)


def history(
    bets: Sequence[ResolvedPosition],
    *,
    trades: Sequence[ActivityRow] | None = (),
    n: int = 1,
    last_activity: datetime | None = None,
    markets_traded: int | None = None,
    username: str = "",
) -> WalletHistory:
    """A history fetched at NOW. `trades=None`: its activity was not fetched (positions only)."""
    times = [b.resolved_at for b in bets] + [t.timestamp for t in trades or ()]
    return WalletHistory(
        address=address(n),
        fetched_until=NOW,
        fetched_at=NOW,
        observed_at=NOW,
        depth=Depth.FULL if trades is not None else Depth.POSITIONS,
        rows=sort_rows(trades or ()),
        resolved=sort_resolved(bets),
        first_activity=min(times, default=None),
        latest_activity=last_activity or NOW - timedelta(days=1),
        markets_traded=markets_traded if markets_traded is not None else len({b.condition_id for b in bets}),
        username=username,
    )


# ---------------------------------------------------------------- the five wallets of the issue


def steady_specialist() -> WalletHistory:
    """40 sports-heavy bets at even odds, 70% won, level stakes, results spread over many markets."""
    bets = []
    for i in range(40):
        category = "sports" if i % 5 else "politics"  # 80% sports
        won = i % 10 not in (0, 3, 6)  # 28 of 40
        when = NOW - timedelta(days=40) + timedelta(days=i)
        bets.append(bet(i, won=won, cost=str(100 + 5 * (i % 4)), category=category, resolved_at=when))
    return history(bets, trades=entries_for(bets), n=1)


def martingale_bettor() -> WalletHistory:
    """Cycles of lose, lose, win with stakes 100, 200, 400: each loss is followed by a double stake."""
    bets = []
    stakes = ("100", "200", "400")
    when = NOW - timedelta(days=20)
    for i in range(15):
        won = i % 3 == 2
        bets.append(bet(i, won=won, cost=stakes[i % 3], category="crypto", resolved_at=when))
        when += timedelta(hours=12)
    return history(bets, trades=entries_for(bets, hours_before=6), n=2)


def market_maker() -> WalletHistory:
    """60 markets, both outcomes held in 40 of them, thin profits: a liquidity provider."""
    bets = []
    for i in range(60):
        when = NOW - timedelta(days=10) + timedelta(hours=i)
        bets.append(bet(i, won=True, cost="1000", price="0.5", pnl="4", outcome_index=0, resolved_at=when))
        if i < 40:
            bets.append(bet(i, won=False, cost="1000", price="0.5", pnl="-1", outcome_index=1, resolved_at=when))
    return history(bets, trades=entries_for(bets), n=3)


def lucky_one_market_winner() -> WalletHistory:
    """One 50k win on a 0.09 longshot; the other 14 bets lose slightly more than they win."""
    bets = [bet(0, won=True, cost="4500", price="0.09", category="politics", resolved_at=NOW - timedelta(days=25))]
    for i in range(1, 15):
        bets.append(
            bet(i, won=i % 7 in (1, 3, 5), cost="100", category="politics", resolved_at=NOW - timedelta(days=24 - i))
        )
    return history(bets, trades=entries_for(bets), n=4)


def too_little_history() -> WalletHistory:
    bets = [bet(i, won=True, cost="500") for i in range(4)]
    return history(bets, trades=entries_for(bets), n=5)


def with_unredeemed_losers(h: WalletHistory, count: int) -> WalletHistory:
    """The same history plus `count` losing positions that were never redeemed."""
    base = 1000
    extra = tuple(
        bet(base + i, won=False, cost="100", redeemed=False, resolved_at=NOW - timedelta(days=3, hours=i))
        for i in range(count)
    )
    return replace(h, resolved=sort_resolved(h.resolved + extra), markets_traded=(h.markets_traded or 0) + count)


def with_min_resolved(n: int, params: ClassifierParams = PARAMS) -> ClassifierParams:
    return replace(params, profile=replace(params.profile, min_resolved_positions=n))


def judged(h: WalletHistory, now: datetime = NOW, params: ClassifierParams = PARAMS) -> Judged:
    """The history as the stages see it at `now`."""
    return Judged.of(h, now, params.profile)


def shifted(h: WalletHistory, back: timedelta) -> WalletHistory:
    """The same wallet, everything `back` earlier (fetched at NOW all the same)."""
    return replace(
        h,
        rows=tuple(replace(r, timestamp=r.timestamp - back) for r in h.rows),
        resolved=tuple(replace(p, resolved_at=p.resolved_at - back) for p in h.resolved),
        first_activity=h.first_activity - back if h.first_activity else None,
        latest_activity=h.latest_activity - back if h.latest_activity else None,
    )


def profile_only(h: WalletHistory, **changes: object) -> WalletHistory:
    """What the profile stage knows of `h`: markets traded and the latest activity, no positions."""
    return replace(h, depth=Depth.PROFILE, rows=(), resolved=(), open_positions=(), **changes)  # type: ignore[arg-type]
