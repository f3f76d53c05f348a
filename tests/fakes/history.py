"""Market histories for the fake Polymarket: events with resolved (or open, split, voided) markets,
their fills and their price histories, built from the real captured payloads.

Every market row is a real closed Gamma market (the BTC 5-minute captures) with a fresh id,
condition id, token ids, slug, dates and outcome prices; every fill is a real /trades row with a
fresh tx hash, time, market and token; price points follow the documented `{t, p}` shape. So the
wire shapes are real and only identities and times are new::

    history = HistoryBuilder(pm, seed=1)
    event = history.event("two-markets", markets=[
        history.market(trades=300, resolution="resolved", winner=0),
        history.market(trades=200, resolution="split"),
    ])
    pm.trades_of(event.markets[0].condition_id)      # what /trades serves for it
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.polymarket import DEFAULT_FIXTURES, FakePolymarket, sample_trade_rows

_GAMMA = DEFAULT_FIXTURES / "gamma"
_PRICES = {
    "resolved": None,  # one-hot at the winner
    "split": ["0.5", "0.5"],
    "voided": ["0", "0"],
    "open": ["0.62", "0.38"],
    "pending": ["0.9995", "0.0005"],  # closed, proposal not final yet: last trading prices
}


def _hex(seed: str, length: int) -> str:
    out = ""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).hexdigest()
        counter += 1
    return out[:length]


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class BuiltMarket:
    row: dict[str, Any]
    condition_id: str
    token_ids: tuple[str, str]
    trades: list[dict[str, Any]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return str(self.row["slug"])

    @property
    def gamma_id(self) -> str:
        return str(self.row["id"])


@dataclass
class BuiltEvent:
    row: dict[str, Any]
    markets: list[BuiltMarket]

    @property
    def slug(self) -> str:
        return str(self.row["slug"])


class HistoryBuilder:
    def __init__(self, pm: FakePolymarket, *, seed: int = 1, wallets: int = 0) -> None:
        """`wallets` > 0 spreads the fills over that many fresh wallets (0 keeps the captured ones)."""
        self.pm = pm
        self.rng = random.Random(seed)
        self.seed = seed
        self._templates = sample_trade_rows()
        self._market_template = json.loads(
            (_GAMMA / "markets_btc5m_closed_resolved_2026-07-24_ligengxin.json").read_text()
        )[0]
        self._event_template = {
            k: v for k, v in json.loads((_GAMMA / "event_pscanner.json").read_text()).items() if k not in ("markets",)
        }
        self._count = 0
        self._wallets = [f"0x{_hex(f'wallet{seed}:{i}', 40)}" for i in range(wallets)]

    def market(
        self,
        *,
        trades: int = 100,
        resolution: str = "resolved",
        winner: int = 0,
        closed_at: datetime = datetime(2026, 7, 24, 0, 0, 16, tzinfo=UTC),
        span: timedelta = timedelta(days=2),
        price_step: timedelta = timedelta(minutes=10),
        maker_share: float = 0.3,
        uma_status: str | None = "resolved",
    ) -> BuiltMarket:
        """A market that traded for `span` before `closed_at` (open markets: still trading)."""
        self._count += 1
        n = self._count
        tag = f"{self.seed}:{n}"
        condition_id = "0x" + _hex(f"cond{tag}", 64)
        tokens = (str(int(_hex(f"tok{tag}:0", 30), 16)), str(int(_hex(f"tok{tag}:1", 30), 16)))
        created = closed_at - span
        row = dict(self._market_template)
        prices = _PRICES[resolution] or (["1", "0"] if winner == 0 else ["0", "1"])
        row.update(
            id=str(9_000_000 + self.seed * 10_000 + n),
            slug=f"history-{self.seed}-market-{n}",
            question=f"History market {n} of set {self.seed}?",
            conditionId=condition_id,
            questionID="0x" + _hex(f"q{tag}", 64),
            clobTokenIds=json.dumps(list(tokens)),
            outcomes=json.dumps(["Yes", "No"]),
            outcomePrices=json.dumps(prices),
            createdAt=_iso(created),
            startDate=_iso(created),
            endDate=_iso(closed_at.replace(second=0)),
            endDateIso=closed_at.date().isoformat(),
        )
        if resolution == "open":
            row.update(closed=False, acceptingOrders=True)
            for key in ("closedTime", "umaEndDate", "umaResolutionStatus"):
                row.pop(key, None)
        else:
            row.update(closed=True, closedTime=closed_at.strftime("%Y-%m-%d %H:%M:%S+00"), umaEndDate=_iso(closed_at))
            status = "proposed" if resolution == "pending" else uma_status
            if status is None:
                row.pop("umaResolutionStatus", None)
            else:
                row["umaResolutionStatus"] = status
        built = BuiltMarket(row, condition_id, tokens)
        built.trades = self._fills(built, trades, created, closed_at, maker_share)
        self.pm.add_trades(built.trades)
        self._prices(built, created, closed_at, price_step)
        return built

    def _fills(
        self, market: BuiltMarket, count: int, start: datetime, end: datetime, maker_share: float
    ) -> list[dict[str, Any]]:
        first, last = int(start.timestamp()), int(end.timestamp()) - 1
        rows = []
        for i in range(count):
            row = dict(self._templates[self.rng.randrange(len(self._templates))])
            index = self.rng.randrange(2)
            row.update(
                transactionHash="0x" + _hex(f"tx{market.condition_id}:{i}", 64),
                conditionId=market.condition_id,
                asset=market.token_ids[index],
                outcomeIndex=index,
                outcome=["Yes", "No"][index],
                timestamp=self.rng.randint(first, last),
                slug=market.slug,
                title=market.row["question"],
                size=round(self.rng.uniform(1, 5000), 2),
                price=round(self.rng.uniform(0.01, 0.99), 3),
            )
            row.pop("eventSlug", None)
            if self._wallets:
                row["proxyWallet"] = self._wallets[self.rng.randrange(len(self._wallets))]
            if self.rng.random() < maker_share:
                row["_role"] = "maker"
            rows.append(row)
        return rows

    def _prices(self, market: BuiltMarket, start: datetime, end: datetime, step: timedelta) -> None:
        for token in market.token_ids:
            points, price, t = [], 0.5, int(start.timestamp())
            while t <= int(end.timestamp()):
                price = min(0.99, max(0.01, price + self.rng.uniform(-0.02, 0.02)))
                points.append({"t": t, "p": round(price, 4)})
                t += int(step.total_seconds())
            self.pm.price_history[token] = points

    def event(self, slug: str, markets: list[BuiltMarket]) -> BuiltEvent:
        row = dict(self._event_template)
        row.update(
            id=str(800_000 + self.seed * 1000 + len(self.pm.events)),
            slug=slug,
            ticker=slug,
            title=f"Event {slug}",
            markets=[dict(m.row) for m in markets],
            closed=all(bool(m.row.get("closed")) for m in markets),
        )
        self.pm.add_event(row)
        return BuiltEvent(row, markets)

    def standalone(self, market: BuiltMarket) -> BuiltMarket:
        """A market outside any event (served by /markets and /markets/keyset)."""
        self.pm.add_market(market.row)
        return market
