"""What detectors see: the rolling state the pipeline feeds with every trade, and the frozen
DetectionContext snapshot built from it plus the enrichment (market, wallet, book).

`ScanState.observe(trade)` is called once per trade in feed order, sub-floor trades included (they
count toward accumulation). It updates the windows and returns a `RollingView`: the aggregates as
of that trade, frozen at once, so enrichment may take its time (and later trades may be observed
meanwhile) without leaking anything from after the trade into its alert. The clock is the trades'
own time; nothing here reads the wall clock.

Memory is bounded whatever the run length: every table is an LRU with a cap from Settings, windows
are trimmed by time, per-outcome trade windows hold at most a fixed number of entries, and a
wallet's running position is kept in 24 time buckets however many fills it has. Running sums are
exact integer cents inside (a Decimal is four times the size of a small int; the state holds
hundreds of thousands of them) and Decimal again in every RollingView.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from scanner_core.detectors._common import bet_key, outcome_key
from scanner_core.detectors.params import DetectorParams
from scanner_core.detectors.timing import detect_follow_through
from scanner_core.funding.models import FundingContext
from scanner_core.models import (
    Alert,
    Market,
    OrderBookSummary,
    Side,
    Signal,
    Trade,
    WalletProfile,
)

CLUSTER_MAX_ENTRIES = 64  # per outcome: a burst beyond this many big buys in one window is a cluster anyway
PAIR_MAX_ENTRIES = 32  # per market, within the (seconds-long) pair window
PAIR_MAX_MARKETS = 16  # shared markets remembered per pair (the count saturates here)
POSITION_BUCKETS = 24  # a running position's window is kept in this many time buckets
SWEEP_EVERY = 256  # observations between sweeps of stale LRU heads
FOLLOWUP_MAX_PER_MARKET = 64  # watched alerts per market (the oldest gives way): bounds the cost of a print


_CENTS = Decimal(100)
_Entry = TypeVar("_Entry", bound=tuple[Any, ...])
_V = TypeVar("_V")


def _to_cents(usd: Decimal) -> int:
    return int((usd * _CENTS).to_integral_value())


def _to_usd(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True, slots=True)
class ClusterMember:
    """Another wallet that bought the same outcome within the cluster window before this trade."""

    wallet: str
    usd: Decimal  # its qualifying buys in the window
    seconds_before: float  # its first buy in the window, relative to this trade
    transactions: int


@dataclass(frozen=True, slots=True)
class PairPartner:
    """A wallet that made the same bet in this market seconds before, and has done so in other markets."""

    wallet: str
    shared_markets: int
    co_trades: int
    lag_seconds: float
    markets: tuple[str, ...]  # a few of the shared condition ids


@dataclass(frozen=True, slots=True)
class RollingView:
    """Window aggregates as of one trade (that trade included where it says so).

    The wallet's running position in this outcome is kept in exact cents; the `*_usd` properties
    give it as Decimal (computed on use: most trades never need it).
    """

    price_before: Decimal | None = None  # last price of this outcome from an earlier transaction
    price_before_age_seconds: float | None = None
    cluster: tuple[ClusterMember, ...] = ()  # only for BUYs of at least cluster_min_usd
    cluster_transactions: int = 0  # distinct transactions among members and this trade
    position_cents: int = 0  # net (buys - sells) in this outcome over the window, this fill included
    position_before_cents: int = 0
    position_gross_cents: int = 0  # buys + sells, this fill included
    position_fills: int = 0  # buy fills in the window, this one included
    position_span_hours: float = 0.0  # from the first fill in the window to this one
    position_largest_fill_cents: int = 0
    accumulation_tier: int | None = None  # index into large_trade_tiers newly reached by this fill
    partners: tuple[PairPartner, ...] = ()

    @property
    def position_usd(self) -> Decimal:
        return _to_usd(self.position_cents)

    @property
    def position_before_usd(self) -> Decimal:
        return _to_usd(self.position_before_cents)

    @property
    def position_gross_usd(self) -> Decimal:
        return _to_usd(self.position_gross_cents)

    @property
    def position_largest_fill_usd(self) -> Decimal:
        return _to_usd(self.position_largest_fill_cents)


EMPTY_VIEW = RollingView()


@dataclass(frozen=True, slots=True)
class DetectionContext:
    """Everything a detector may look at, as of the trade. Read-only."""

    now: datetime  # the trade's own time: wallet age, time to end, windows are judged as of it
    rolling: RollingView = EMPTY_VIEW
    market: Market | None = None
    wallet: WalletProfile | None = None
    book: OrderBookSummary | None = None
    price_before: Decimal | None = None
    price_after: Decimal | None = None
    funding: FundingContext | None = None  # on-chain funding, siblings and their bets (when traced)


def build_context(
    trade: Trade,
    rolling: RollingView | None = None,
    *,
    market: Market | None = None,
    wallet: WalletProfile | None = None,
    book: OrderBookSummary | None = None,
    price_before: Decimal | None = None,
    price_after: Decimal | None = None,
    funding: FundingContext | None = None,
) -> DetectionContext:
    """The context for one trade. `price_before` falls back to the rolling last price.

    Pass a book and a price_after only when they describe the time of the trade (live); in a
    replay the current book is from the future and must not be used.
    """
    view = rolling if rolling is not None else EMPTY_VIEW
    return DetectionContext(
        now=trade.timestamp,
        rolling=view,
        market=market,
        wallet=wallet,
        book=book,
        price_before=price_before if price_before is not None else view.price_before,
        price_after=price_after,
        funding=funding,
    )


class _Outcome:
    __slots__ = ("before", "before_t", "last_t", "price", "price_t", "tx")

    def __init__(self) -> None:
        self.tx = 0  # hash of the last transaction seen
        self.price: Decimal | None = None
        self.price_t = 0.0
        self.before: Decimal | None = None
        self.before_t = 0.0
        self.last_t = 0.0


class _Bucket:
    """Fills of one position within one slice (1/24) of the accumulation window."""

    __slots__ = ("fills", "first_t", "gross", "index", "largest", "net")

    def __init__(self, index: int, t: float) -> None:
        self.index = index
        self.net = 0  # cents, buys - sells
        self.gross = 0  # cents, buys + sells
        self.fills = 0  # buy fills
        self.first_t = t
        self.largest = 0  # cents, largest buy fill


class _Position:
    __slots__ = ("buckets", "fills", "fired", "gross", "last_t", "net")

    def __init__(self) -> None:
        self.buckets: list[_Bucket] = []
        self.net = 0  # cents
        self.gross = 0  # cents
        self.fills = 0
        self.fired = -1  # highest tier index already reported
        self.last_t = 0.0


class _Member:
    __slots__ = ("first_t", "txs", "usd")

    def __init__(self, usd: Decimal, t: float, tx: int) -> None:
        self.usd = usd
        self.first_t = t
        self.txs = {tx}


class _Pair:
    __slots__ = ("co_trades", "markets")

    def __init__(self) -> None:
        self.markets: list[str] = []  # distinct (interned) condition ids, at most PAIR_MAX_MARKETS
        self.co_trades = 0


def _touch(table: OrderedDict[int, _V], key: int, make: type[_V], cap: int) -> _V:
    """Get or create `key` in an LRU table, evicting the least recently used beyond `cap`."""
    item = table.get(key)
    if item is None:
        item = table[key] = make()
        if len(table) > cap:
            table.popitem(last=False)
    else:
        table.move_to_end(key)
    return item


class ScanState:
    """Rolling windows over the trade stream. Not thread-safe; one pipeline stage owns it.

    Tables are keyed by 64-bit hashes of their string keys, so an entry does not keep a wallet
    address, token id or tx hash alive (two keys sharing a hash, odds about 1e-9 at the caps,
    would share an entry). Running positions live in a segmented LRU: a new position waits in a
    probation segment (a quarter of state_max_positions) and moves to the protected segment at its
    second fill, so the flood of one-off trades can never push out a wallet that is building up.
    """

    def __init__(self, params: DetectorParams) -> None:
        self._p = params
        self._tier_cents = tuple(_to_cents(t) for t in params.large_trade_tiers)
        self._cluster_window = params.cluster_window_seconds
        self._cluster_floor = params.cluster_min_usd
        self._pair_window = params.pair_window_seconds
        self._window = params.accumulation_window_hours * 3600.0
        self._bucket = self._window / POSITION_BUCKETS
        self._price_age = params.impact_price_max_age_seconds
        self._probation_cap = max(1, params.state_max_positions // 4)
        self._protected_cap = max(1, params.state_max_positions - self._probation_cap)
        self._outcomes: OrderedDict[int, _Outcome] = OrderedDict()
        # per outcome: (time, wallet, usd, tx hash) of BUYs of at least cluster_min_usd, oldest first
        # (a short list costs a tenth of a deque's fixed block)
        self._buys: OrderedDict[int, list[tuple[float, str, Decimal, int]]] = OrderedDict()
        # per market: (time, wallet, bet hash, tx hash) of trades of at least cluster_min_usd
        self._markets: OrderedDict[int, list[tuple[float, str, int, int]]] = OrderedDict()
        self._probation: OrderedDict[int, _Position] = OrderedDict()
        self._protected: OrderedDict[int, _Position] = OrderedDict()
        self._pairs: OrderedDict[int, _Pair] = OrderedDict()
        self._clock = 0.0
        self._seen = 0

    @property
    def clock(self) -> float:
        """The latest trade time seen (unix seconds)."""
        return self._clock

    def sizes(self) -> dict[str, int]:
        """How many entries each table holds (for metrics and memory checks)."""
        return {
            "outcomes": len(self._outcomes),
            "buy_windows": len(self._buys),
            "markets": len(self._markets),
            "positions": len(self._probation) + len(self._protected),
            "pairs": len(self._pairs),
        }

    def observe(self, trade: Trade) -> RollingView:
        t = trade.timestamp.timestamp()
        if t > self._clock:
            self._clock = t
        self._seen += 1
        if self._seen % SWEEP_EVERY == 0:
            self._sweep()
        okey = outcome_key(trade)
        ohash, tx = hash(okey), hash(trade.tx_hash)
        outcome = _touch(self._outcomes, ohash, _Outcome, self._p.state_max_tokens)
        price_before, age = self._price(outcome, trade, t, tx)
        big = trade.usd >= self._cluster_floor
        is_buy = trade.side is Side.BUY
        cluster: tuple[ClusterMember, ...] = ()
        cluster_txs = 0
        if big and is_buy:
            buys = _touch(self._buys, ohash, list, self._p.state_max_tokens)
            cluster, cluster_txs = self._cluster(buys, trade, t, tx)
        partners = self._co_trades(trade, t, tx) if big else ()
        return self._position(trade, t, okey, is_buy, price_before, age, cluster, cluster_txs, partners)

    # ------------------------------------------------------------------ per-outcome price and buys

    def _price(self, outcome: _Outcome, trade: Trade, t: float, tx: int) -> tuple[Decimal | None, float | None]:
        """The price before this trade, taken from an earlier transaction (fills of one tx share it)."""
        if t < outcome.price_t:  # late (backfilled) trade: what came before it is not known here
            return None, None
        if tx != outcome.tx:
            outcome.before, outcome.before_t = outcome.price, outcome.price_t
            outcome.tx = tx
        outcome.price, outcome.price_t = trade.price, t
        outcome.last_t = t
        before = outcome.before
        if before is None:
            return None, None
        age = t - outcome.before_t
        if age > self._price_age:
            return None, None
        return before, age

    def _cluster(
        self, buys: list[tuple[float, str, Decimal, int]], trade: Trade, t: float, tx: int
    ) -> tuple[tuple[ClusterMember, ...], int]:
        window = self._cluster_window
        _trim(buys, self._clock - window, CLUSTER_MAX_ENTRIES)
        wallet, low = trade.wallet, t - window
        members: dict[str, _Member] = {}
        txs = {tx}
        for et, ew, eu, etx in buys:
            if et < low or et > t or ew == wallet:
                continue
            txs.add(etx)
            m = members.get(ew)
            if m is None:
                members[ew] = _Member(eu, et, etx)
            else:
                m.usd += eu
                m.first_t = min(m.first_t, et)
                m.txs.add(etx)
        buys.append((t, wallet, trade.usd, tx))
        if not members:
            return (), 1
        found = tuple(ClusterMember(w, m.usd, t - m.first_t, len(m.txs)) for w, m in members.items())
        return found, len(txs)

    # ------------------------------------------------------------------ coordinated pairs

    def _co_trades(self, trade: Trade, t: float, tx: int) -> tuple[PairPartner, ...]:
        cid = trade.condition_id
        recent = _touch(self._markets, hash(cid), list, self._p.state_max_tokens)
        window = self._pair_window
        _trim(recent, self._clock - window, PAIR_MAX_ENTRIES)
        wallet, bet, low = trade.wallet, hash(bet_key(trade)), t - window
        partners: list[PairPartner] = []
        seen: set[str] = set()
        for et, ew, eb, etx in recent:
            if et < low or et > t or eb != bet or ew == wallet or etx == tx or ew in seen:
                continue
            seen.add(ew)
            key = hash((wallet, ew) if wallet < ew else (ew, wallet))
            pair = _touch(self._pairs, key, _Pair, self._p.state_max_pairs)
            pair.co_trades += 1
            if len(pair.markets) < PAIR_MAX_MARKETS and cid not in pair.markets:
                pair.markets.append(sys.intern(cid))
            if len(pair.markets) >= self._p.pair_min_shared_markets:
                partners.append(PairPartner(ew, len(pair.markets), pair.co_trades, t - et, tuple(pair.markets[:5])))
        recent.append((t, wallet, bet, tx))
        return tuple(partners)

    # ------------------------------------------------------------------ running positions

    def _position_entry(self, key: int) -> _Position:
        pos = self._protected.get(key)
        if pos is not None:
            self._protected.move_to_end(key)
            return pos
        pos = self._probation.pop(key, None)
        if pos is not None:  # a second fill: this wallet is building something, protect it
            self._protected[key] = pos
            if len(self._protected) > self._protected_cap:
                self._protected.popitem(last=False)
            return pos
        pos = self._probation[key] = _Position()
        if len(self._probation) > self._probation_cap:
            self._probation.popitem(last=False)
        return pos

    def _position(
        self,
        trade: Trade,
        t: float,
        okey: str,
        is_buy: bool,
        price_before: Decimal | None,
        price_age: float | None,
        cluster: tuple[ClusterMember, ...],
        cluster_txs: int,
        partners: tuple[PairPartner, ...],
    ) -> RollingView:
        pos = self._position_entry(hash((trade.wallet, okey)))
        width = self._bucket
        oldest = int((self._clock - self._window) // width)
        self._expire(pos, oldest)
        before = pos.net
        index = int(t // width)
        if index >= oldest:
            self._add_fill(pos, index, _to_cents(trade.usd), is_buy, t)
        if t > pos.last_t:
            pos.last_t = t
        tier: int | None = None
        if is_buy and pos.fills >= self._p.accumulation_min_fills:
            reached = -1
            for i, cents in enumerate(self._tier_cents):
                if pos.net >= cents:
                    reached = i
            if reached > pos.fired:
                pos.fired = reached
                tier = reached
        buckets = pos.buckets
        first_t = buckets[0].first_t if buckets else t
        largest = max((b.largest for b in buckets), default=0)
        return RollingView(
            price_before=price_before,
            price_before_age_seconds=price_age,
            cluster=cluster,
            cluster_transactions=cluster_txs,
            position_cents=pos.net,
            position_before_cents=before,
            position_gross_cents=pos.gross,
            position_fills=pos.fills,
            position_span_hours=max(0.0, (t - first_t) / 3600.0),
            position_largest_fill_cents=largest,
            accumulation_tier=tier,
            partners=partners,
        )

    @staticmethod
    def _expire(pos: _Position, oldest: int) -> None:
        buckets = pos.buckets
        while buckets and buckets[0].index < oldest:
            gone = buckets.pop(0)
            pos.net -= gone.net
            pos.gross -= gone.gross
            pos.fills -= gone.fills
        if not buckets:  # the window emptied: a new build-up may fire its tiers again
            pos.net, pos.gross, pos.fills, pos.fired = 0, 0, 0, -1

    @staticmethod
    def _add_fill(pos: _Position, index: int, usd: int, is_buy: bool, t: float) -> None:
        buckets = pos.buckets
        if buckets and buckets[-1].index == index:
            bucket = buckets[-1]
        elif not buckets or buckets[-1].index < index:
            bucket = _Bucket(index, t)
            buckets.append(bucket)
        else:  # a late fill: find or insert its bucket in order
            at = next(i for i, b in enumerate(buckets) if b.index >= index)
            if buckets[at].index == index:
                bucket = buckets[at]
            else:
                bucket = _Bucket(index, t)
                buckets.insert(at, bucket)
        signed = usd if is_buy else -usd
        bucket.net += signed
        bucket.gross += usd
        if t < bucket.first_t:
            bucket.first_t = t
        if is_buy:
            bucket.fills += 1
            if usd > bucket.largest:
                bucket.largest = usd
            pos.fills += 1
        pos.net += signed
        pos.gross += usd

    # ------------------------------------------------------------------ housekeeping

    def _sweep(self) -> None:
        """Drop LRU heads that fell out of every window (the caps bound memory; this frees it sooner)."""
        clock = self._clock
        stale_outcome = clock - max(self._cluster_window, self._price_age)
        while self._outcomes:
            key, outcome = next(iter(self._outcomes.items()))
            if outcome.last_t >= stale_outcome:
                break
            del self._outcomes[key]
        _drop_stale_windows(self._buys, clock - self._cluster_window)
        _drop_stale_windows(self._markets, clock - self._pair_window)
        stale_position = clock - self._window - self._bucket
        for table in (self._probation, self._protected):
            while table:
                pkey, pos = next(iter(table.items()))
                if pos.last_t >= stale_position:
                    break
                del table[pkey]


def _drop_stale_windows(table: OrderedDict[int, list[_Entry]], horizon: float) -> None:
    """Pop LRU heads whose newest entry is older than `horizon` (or that are empty)."""
    while table:
        key, entries = next(iter(table.items()))
        if entries and entries[-1][0] >= horizon:
            break
        del table[key]


def _trim(entries: list[_Entry], horizon: float, keep: int) -> None:
    """Drop entries older than `horizon`, then the oldest beyond `keep` (entries are time-ordered)."""
    size = len(entries)
    cut = 0
    while cut < size and entries[cut][0] < horizon:
        cut += 1
    cut = max(cut, size - keep)
    if cut > 0:
        del entries[:cut]


class _Watch:
    __slots__ = ("alert", "buy", "deadline", "index", "key", "start", "streak", "token", "trade", "trigger")

    def __init__(self, alert: Alert, trade: Trade, within: float, min_move: Decimal) -> None:
        self.alert = alert
        self.trade = trade
        self.key = alert.dedup_key
        self.token = trade.token_id
        self.index = trade.outcome_index
        self.start = trade.timestamp.timestamp()
        self.deadline = self.start + within
        self.streak = 0
        self.buy = trade.side is Side.BUY
        # the price a print must reach before the (costlier) detector is asked
        self.trigger = trade.price + min_move if self.buy else trade.price - min_move


class FollowUpTracker:
    """Alerted trades waiting for "it moved after this trade". Fed with every trade's price.

    A follow-up fires once per alerted trade, after `followup_confirm_trades` consecutive prints of
    its market at or beyond the move (one print in a thin book is not a move), and only within
    `followup_within_hours`. A print of the other outcome of a binary market counts as 1 - price.
    """

    def __init__(self, params: DetectorParams) -> None:
        self._p = params
        self._within = params.followup_within_hours * 3600.0
        self._min_move = Decimal(str(params.followup_min_move))
        self._watches: OrderedDict[str, _Watch] = OrderedDict()
        self._by_market: dict[str, list[_Watch]] = {}
        self._clock = 0.0

    def __len__(self) -> int:
        return len(self._watches)

    def watch(self, alert: Alert) -> bool:
        """Start watching a trade alert; False for alerts without a trade or already watched."""
        trade = alert.trade
        if trade is None or alert.dedup_key in self._watches:
            return False
        item = _Watch(alert, trade, self._within, self._min_move)
        self._watches[item.key] = item
        watching = self._by_market.setdefault(trade.condition_id, [])
        watching.append(item)
        if len(watching) > FOLLOWUP_MAX_PER_MARKET:
            self._drop(watching[0])
        while len(self._watches) > self._p.followup_max_pending:
            _, oldest = self._watches.popitem(last=False)
            self._unlink(oldest)
        return True

    def observe(self, trade: Trade) -> tuple[tuple[Alert, Signal], ...]:
        """(original alert, PRICE_FOLLOW_THROUGH signal) for every watch this print completes."""
        t = trade.timestamp.timestamp()
        if t > self._clock:
            self._clock = t
            self._expire()
        watching = self._by_market.get(trade.condition_id)
        if not watching:
            return ()
        done: list[tuple[Alert, Signal]] = []
        for item in list(watching):
            if t > item.deadline:
                self._drop(item)
                continue
            if t < item.start or trade.tx_hash == item.trade.tx_hash:
                continue
            price = self._price_in_terms_of(item, trade)
            if price is None:
                continue
            reached = price >= item.trigger if item.buy else price <= item.trigger
            if not reached and item.streak == 0:
                continue
            found = detect_follow_through(item.trade, price, trade.timestamp, self._p) if reached else None
            if found is None:
                item.streak = 0
                continue
            item.streak += 1
            if item.streak >= self._p.followup_confirm_trades:
                done.append((item.alert, found))
                self._drop(item)
        return tuple(done)

    @staticmethod
    def _price_in_terms_of(item: _Watch, trade: Trade) -> Decimal | None:
        if trade.token_id and trade.token_id == item.token:
            return trade.price
        index = trade.outcome_index
        if index in (0, 1) and item.index in (0, 1):  # the two outcomes of a binary market
            return trade.price if index == item.index else 1 - trade.price
        return None

    def _expire(self) -> None:
        while self._watches:
            item = next(iter(self._watches.values()))
            if item.deadline >= self._clock:
                break
            self._drop(item)

    def _drop(self, item: _Watch) -> None:
        self._watches.pop(item.key, None)
        self._unlink(item)

    def _unlink(self, item: _Watch) -> None:
        cid = item.trade.condition_id
        watching = self._by_market.get(cid)
        if watching is None:
            return
        if item in watching:
            watching.remove(item)
        if not watching:
            del self._by_market[cid]
