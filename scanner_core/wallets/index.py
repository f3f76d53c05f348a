"""A history compiled once for as-of queries: each `profile(moment)` costs about O(log n).

A replay of 200,000 trades judges thousands of moments of the same wallet, so nothing is
recomputed per moment: times are sorted integer microseconds, and everything a profile sums is a
prefix sum (trade count, volume, squares for the size spread, wins, PnL, per category), a running
maximum (the biggest market), or a sorted list of "first seen" times (markets traded, markets held,
markets held on both sides), so a moment is a few binary searches. The median trade size is the one
order statistic: a sorted prefix kept between calls and moved incrementally, since a replay asks
for moments in time order.

Money is summed in integer micro-dollars (exact) and returned as Decimal. The index is immutable
once built but for that median cache; `extended` returns a new index with newer trades added (the
live pipeline's own trades between two refreshes).
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from scanner_core.models import WalletProfile
from scanner_core.wallets.history import ActivityRow, Depth, WalletHistory
from scanner_core.wallets.marketmaker import MarketFacts, MarketMaking, market_making
from scanner_core.wallets.params import ProfileParams
from scanner_core.wallets.stats import WinRecord

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_MILLION = 1_000_000


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _micro(usd: Decimal) -> int:
    return int((usd * _MILLION).to_integral_value())


def _usd(micro: int | float) -> Decimal:
    return Decimal(int(micro)).scaleb(-6)


def _count(times: Sequence[int], moment: int) -> int:
    """How many of the sorted `times` are at or before `moment`."""
    return bisect.bisect_right(times, moment)


@dataclass(frozen=True, slots=True)
class _Category:
    times: array[int]
    cum: array[int]  # micro-dollars, len(times) + 1


class HistoryIndex:
    __slots__ = (
        "_all_t",
        "_best",
        "_cat",
        "_cum",
        "_cum_f",
        "_cum_sq",
        "_market_t",
        "_market_usd",
        "_median",
        "_pos_markets_t",
        "_r_contra",
        "_r_contra_wins",
        "_r_pnl",
        "_r_t",
        "_r_wins",
        "_sizes",
        "_trade_t",
        "_two_sided_t",
        "address",
        "contrarian_price",
        "depth",
        "fetched_until",
        "first_activity",
        "latest_activity",
        "markets_traded",
        "observed_at",
        "username",
    )

    def __init__(self, history: WalletHistory) -> None:
        self.address = history.address
        self.username = history.username
        self.depth = history.depth
        self.fetched_until = history.fetched_until
        self.first_activity = history.first_activity
        self.latest_activity = history.latest_activity
        self.markets_traded = history.markets_traded
        self.observed_at = history.observed_at
        self.contrarian_price = ProfileParams().contrarian_price
        # trades
        self._trade_t: array[int] = array("q")
        self._cum: array[int] = array("q", [0])
        self._cum_f: array[float] = array("d", [0.0])
        self._cum_sq: array[float] = array("d", [0.0])
        self._sizes: array[int] = array("q")  # micro-dollars, in time order
        self._best: array[int] = array("q", [0])  # the biggest market's volume after k trades
        self._market_usd: dict[str, int] = {}
        self._market_t: array[int] = array("q")  # first trade in each market, sorted
        self._cat: dict[str, _Category] = {}
        self._all_t: array[int] = array("q")  # every activity row
        self._median: tuple[int, array[int]] = (0, array("q"))  # (k, sorted sizes of the first k trades)
        # resolved positions
        self._r_t: array[int] = array("q")
        self._r_wins: array[int] = array("q", [0])
        self._r_pnl: array[int] = array("q", [0])
        self._r_contra: array[int] = array("q", [0])
        self._r_contra_wins: array[int] = array("q", [0])
        # positions held per market, and held on both outcomes
        self._pos_markets_t: array[int] = array("q")
        self._two_sided_t: array[int] = array("q")

    # ---------------------------------------------------------------- building

    @classmethod
    def build(cls, history: WalletHistory, contrarian_price: Decimal) -> HistoryIndex:
        index = cls(history)
        for row in history.rows:
            index._add_row(row)
        index._add_positions(history, contrarian_price)
        index.contrarian_price = contrarian_price
        return index

    def _add_row(self, row: ActivityRow) -> None:
        t = to_us(row.timestamp)
        self._all_t.append(t)
        if not row.is_trade:
            return
        micro = _micro(row.usd)
        as_float = micro / _MILLION
        self._trade_t.append(t)
        self._sizes.append(micro)
        self._cum.append(self._cum[-1] + micro)
        self._cum_f.append(self._cum_f[-1] + as_float)
        self._cum_sq.append(self._cum_sq[-1] + as_float * as_float)
        market = row.condition_id
        before = self._market_usd.get(market)
        if before is None:
            self._market_t.append(t)
            before = 0
        self._market_usd[market] = before + micro
        self._best.append(max(self._best[-1], before + micro))
        category = self._cat.get(row.category or "other")
        if category is None:
            category = self._cat[row.category or "other"] = _Category(array("q"), array("q", [0]))
        category.times.append(t)
        category.cum.append(category.cum[-1] + micro)

    def _add_positions(self, history: WalletHistory, contrarian_price: Decimal) -> None:
        held: list[tuple[int, str, int | None]] = []  # (since when, market, outcome)
        for p in history.resolved:  # sorted by resolved_at
            t = to_us(p.resolved_at)
            self._r_t.append(t)
            won = 1 if p.won else 0
            contra = 1 if p.avg_price < contrarian_price else 0
            self._r_wins.append(self._r_wins[-1] + won)
            self._r_pnl.append(self._r_pnl[-1] + _micro(p.realised_pnl))
            self._r_contra.append(self._r_contra[-1] + contra)
            self._r_contra_wins.append(self._r_contra_wins[-1] + contra * won)
            held.append((t, p.condition_id, p.outcome_index))
        if history.observed_at is not None:
            seen = to_us(history.observed_at)
            held.extend((seen, p.condition_id, p.outcome_index) for p in history.open_positions)
        outcomes: dict[str, set[int | None]] = {}
        for t, market, outcome in sorted(held, key=lambda h: h[0]):
            known = outcomes.get(market)
            if known is None:
                outcomes[market] = {outcome}
                self._pos_markets_t.append(t)
            elif outcome not in known:
                known.add(outcome)
                if len(known) == 2:
                    self._two_sided_t.append(t)

    def extended(self, rows: Iterable[ActivityRow]) -> HistoryIndex:
        """A new index with `rows` added: rows newer than everything indexed (the pipeline's own
        trades since the last fetch). Older rows are left to the next refresh."""
        newest = self._all_t[-1] if self._all_t else -1
        fresh = sorted((r for r in rows if to_us(r.timestamp) > newest), key=lambda r: r.timestamp)
        if not fresh:
            return self
        copy = HistoryIndex.__new__(HistoryIndex)
        for name in HistoryIndex.__slots__:
            value = getattr(self, name)
            if isinstance(value, array):
                value = array(value.typecode, value)
            elif name == "_market_usd":
                value = dict(value)
            elif name == "_cat":
                value = {k: _Category(array("q", c.times), array("q", c.cum)) for k, c in value.items()}
            setattr(copy, name, value)
        copy._median = (0, array("q"))
        for row in fresh:
            copy._add_row(row)
        return copy

    # ---------------------------------------------------------------- queries

    def covers(self, moment: datetime) -> bool:
        """Everything up to `moment` is in the index (a full history fetched up to it or later)."""
        return self.depth >= Depth.FULL and self.fetched_until >= moment

    def trades_at(self, moment: datetime) -> int:
        return _count(self._trade_t, to_us(moment))

    def record(self, moment: datetime, min_sample: int = 1) -> WinRecord:
        """The win record over positions resolved at or before `moment`."""
        r = _count(self._r_t, to_us(moment))
        return WinRecord.of(self._r_wins[r], r, min_sample)

    def market_facts(self, moment: datetime) -> MarketFacts:
        return self._facts(to_us(moment), moment)

    def _facts(self, m: int, moment: datetime) -> MarketFacts:
        k = _count(self._trade_t, m)
        per_hour = 0.0
        if k >= 2:
            span_hours = max((self._trade_t[k - 1] - self._trade_t[0]) / 3_600_000_000, 1.0)
            per_hour = k / span_hours
        cv: float | None = None
        if k >= 2:
            mean = self._cum_f[k] / k
            variance = max(0.0, self._cum_sq[k] / k - mean * mean)
            cv = math.sqrt(variance) / mean if mean > 0 else None
        markets = _count(self._market_t, m)
        held = _count(self._pos_markets_t, m)
        if self.markets_traded is not None and self.observed_at is not None and moment >= self.observed_at:
            markets = max(markets, self.markets_traded)
        return MarketFacts(
            trades=k,
            trades_per_hour=per_hour,
            size_cv=cv,
            markets=max(markets, held),
            position_markets=held,
            two_sided_markets=_count(self._two_sided_t, m),
        )

    def market_making(self, moment: datetime, params: ProfileParams) -> MarketMaking:
        return market_making(self.market_facts(moment), params.mm)

    def _median_size(self, k: int) -> Decimal:
        """The median size of the first k trades (k > 0)."""
        done, ordered = self._median
        if k < done // 2 or not ordered:  # far back: start over
            done, ordered = 0, array("q")
        sizes = self._sizes
        while done < k:
            bisect.insort(ordered, sizes[done])
            done += 1
        while done > k:
            done -= 1
            del ordered[bisect.bisect_left(ordered, sizes[done])]
        self._median = (done, ordered)
        middle = k // 2
        return _usd(ordered[middle]) if k % 2 else (_usd(ordered[middle - 1]) + _usd(ordered[middle])) / 2

    def profile(self, moment: datetime, params: ProfileParams) -> WalletProfile:
        """The wallet as known at `moment`: its rows at or before it, its positions resolved at or
        before it, the snapshot (open positions, markets traded) only if taken by then."""
        if params.contrarian_price != self.contrarian_price:
            raise ValueError(
                f"this index counts long shots below {self.contrarian_price}, not {params.contrarian_price}"
            )
        m = to_us(moment)
        k = _count(self._trade_t, m)
        volume = self._cum[k]
        first_seen = self._first_seen(m)
        j = _count(self._all_t, m)
        last = self._all_t[j - 1] if j else None
        if self.latest_activity is not None and self.latest_activity <= moment:
            latest = to_us(self.latest_activity)
            last = latest if last is None or latest > last else last
        r = _count(self._r_t, m)
        record = WinRecord.of(self._r_wins[r], r, params.min_resolved_positions)
        categories = []
        for name, c in self._cat.items():
            n = _count(c.times, m)
            if n:
                categories.append((name, c.cum[n]))
        categories.sort(key=lambda item: (-item[1], item[0]))
        facts = self._facts(m, moment)
        mm = market_making(facts, params.mm, explain=False)
        return WalletProfile(
            address=self.address,
            first_seen=from_us(first_seen) if first_seen is not None else None,
            last_seen=from_us(last) if last is not None else None,
            trade_count=k,
            total_volume=_usd(volume),
            avg_trade_size=_usd(volume) / k if k else Decimal(0),
            median_trade_size=self._median_size(k) if k else Decimal(0),
            realised_pnl=_usd(self._r_pnl[r]),
            win_rate=record.rate,
            win_rate_lower=record.lower,
            resolved_positions=r,
            winning_positions=self._r_wins[r],
            top_categories=tuple((name, _usd(micro)) for name, micro in categories[:3]),
            top_market_share=round(self._best[k] / volume, 4) if volume > 0 else 0.0,
            markets_traded=facts.markets,
            mm_confidence=mm.confidence,
            mm_indicators=mm.indicators,
            username=self.username,
            contrarian_trades=self._r_contra[r],
            contrarian_wins=self._r_contra_wins[r],
            updated_at=moment,
        )

    def _first_seen(self, m: int) -> int | None:
        """The oldest row known at or before `m`: the first activity when it is that old, else the
        oldest indexed row."""
        candidates = []
        if self.first_activity is not None and to_us(self.first_activity) <= m:
            candidates.append(to_us(self.first_activity))
        if self._all_t and self._all_t[0] <= m:
            candidates.append(self._all_t[0])
        return min(candidates, default=None)


def profile_as_of(history: WalletHistory, moment: datetime, params: ProfileParams) -> WalletProfile:
    """The wallet's profile as of `moment`, from its history alone: trades at or before the moment,
    positions counted as resolved only once they resolved at or before it, first activity from
    the oldest row known. Pure (the compiled index is built once per history and reused)."""
    return history.compiled(params.contrarian_price).profile(moment, params)
