"""FundingService: traces a wallet's funding on chain (off the hot path) and answers, from what was
stored, who funded a wallet, its siblings and their bets (the hot path and /wallet).

Tracing reads only block ranges never read before (`chain_scans`), stores every transfer once
(`chain_transfers`, folded into `funder_edges`) and spends at most a budget of RPC calls. The
wallet's inbound transfers are read back from the block of its first Polymarket activity through
the lookback; then each plain-wallet funder's outbound transfers within the sibling window of its
payments, which finds siblings polyscan never saw trade. A funder paying more wallets than a
person would is a service and stops being read.

Lookups never touch the chain: one indexed query for a wallet nobody traced (remembered briefly),
a few more for a wallet with a plain funder, and the siblings' trades (Data API, cached briefly,
the stored trades when it does not answer).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from cachetools import TTLCache

from scanner_core.config import FundingSettings
from scanner_core.funding.known import FunderBook
from scanner_core.funding.models import (
    FundingContext,
    FundingProfile,
    Sibling,
    SiblingBet,
    Transfer,
    WalletFunding,
)
from scanner_core.funding.profile import SiblingRules, find_siblings, funding_profile, plain_funders, sibling_bets
from scanner_core.funding.ranges import Range, merge, uncovered
from scanner_core.health import HealthRegistry, State
from scanner_core.logs import get_logger
from scanner_core.metrics import ERRORS
from scanner_core.models import Trade
from scanner_core.sources.data_api import DataApiClient
from scanner_core.sources.errors import SourceError
from scanner_core.sources.polygon import Budget, BudgetExhausted, PolygonRpc

log = get_logger("funding")
HEALTH_NAME = "polygon"
UNFUNDED_TTL = 60.0  # seconds a "nothing stored for this wallet" answer is reused
UNFUNDED_MAX = 50_000
BLOCK_MARGIN = 1.05  # a window estimated in blocks is widened this much (block times vary)
ESTIMATE_WITHIN = timedelta(hours=6)  # a block this close to a known one is counted, not looked up
BATCH_WALLETS = 50  # wallets named in one eth_getLogs (providers accept long topic lists; answers stay small)
BATCH_STRETCH = 1.5  # wallets are read together while that spans at most this times the widest own range


class FundingStore(Protocol):
    """db.funding.FundingRepository."""

    async def save_transfers(self, transfers: Sequence[Transfer]) -> list[Transfer]: ...

    async def has_funding(self, wallet: str) -> bool: ...

    async def inbound(self, wallet: str, *, until: datetime | None = None) -> list[Transfer]: ...

    async def outbound(self, funder: str, *, since: datetime, until: datetime) -> list[Transfer]: ...

    async def covered(self, address: str, direction: str) -> list[Range]: ...

    async def add_covered(self, address: str, direction: str, ranges: Sequence[Range], now: datetime) -> None: ...

    async def last_traced(self, wallet: str) -> datetime | None: ...

    async def mark_traced(
        self, wallet: str, now: datetime, status: str, detail: str = "", requests: int = 0
    ) -> None: ...

    async def wallet_trades(self, wallets: Sequence[str], *, since: datetime, until: datetime) -> list[Trade]: ...


class SiblingTrades(Protocol):
    async def trades(self, wallet: str, *, since: datetime, until: datetime) -> Sequence[Trade]: ...


class StoredSiblingTrades:
    """Siblings' trades from polyscan's own stored trades (the offline fallback)."""

    def __init__(self, store: FundingStore) -> None:
        self.store = store

    async def trades(self, wallet: str, *, since: datetime, until: datetime) -> Sequence[Trade]:
        return await self.store.wallet_trades([wallet], since=since, until=until)


class DataApiSiblingTrades:
    """Siblings' trades of any size from the Data API (maker rows too), cached for a minute; the
    stored trades when the Data API does not answer."""

    def __init__(
        self,
        data_api: DataApiClient,
        store: FundingStore,
        *,
        limit: int = 500,
        ttl: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.data_api = data_api
        self.fallback = StoredSiblingTrades(store)
        self.limit = limit
        self._cache: TTLCache[tuple[str, int, int], Sequence[Trade]] = TTLCache(
            maxsize=10_000, ttl=ttl, timer=monotonic
        )

    async def trades(self, wallet: str, *, since: datetime, until: datetime) -> Sequence[Trade]:
        key = (wallet, int(since.timestamp()) // 60, int(until.timestamp()) // 60)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            page = await self.data_api.trades(user=wallet, taker_only=False, start=since, end=until, limit=self.limit)
            found: Sequence[Trade] = page.trades
        except SourceError as exc:
            log.info("sibling_trades_from_storage", wallet=wallet, error=type(exc).__name__)
            return await self.fallback.trades(wallet, since=since, until=until)
        self._cache[key] = found
        return found


@dataclass(frozen=True, slots=True)
class FundingParams:
    lookback: timedelta
    sibling_window: timedelta
    max_funders: int
    busy_recipients: int
    min_usd: Decimal
    trace_ttl: timedelta
    max_requests: int
    linked_min_usd: Decimal
    linked_lookback: timedelta
    linked_max_siblings: int

    @classmethod
    def from_settings(cls, s: FundingSettings) -> FundingParams:
        return cls(
            lookback=timedelta(hours=s.funding_lookback_hours),
            sibling_window=timedelta(hours=s.funding_sibling_window_hours),
            max_funders=s.funding_max_funders,
            busy_recipients=s.funding_busy_recipients,
            min_usd=s.funding_min_usd,
            trace_ttl=timedelta(hours=s.funding_trace_ttl_hours),
            max_requests=s.funding_max_requests_per_wallet,
            linked_min_usd=s.linked_min_usd,
            linked_lookback=timedelta(hours=s.linked_lookback_hours),
            linked_max_siblings=s.linked_max_siblings,
        )

    @property
    def rules(self) -> SiblingRules:
        return SiblingRules(self.sibling_window, self.busy_recipients, self.min_usd)


@dataclass(frozen=True, slots=True)
class TraceResult:
    wallet: str
    status: str  # ok | cached | partial (budget used up) | failed | off
    requests: int = 0
    new_transfers: int = 0
    profile: FundingProfile | None = None
    siblings: tuple[Sibling, ...] = ()
    detail: str = ""


class FundingService:
    def __init__(
        self,
        rpc: PolygonRpc | None,
        store: FundingStore,
        book: FunderBook,
        params: FundingParams,
        *,
        clock: Callable[[], datetime],
        health: HealthRegistry | None = None,
        sibling_trades: SiblingTrades | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rpc = rpc
        self.store = store
        self.book = book
        self.params = params
        self.clock = clock
        self.health = health
        self.sibling_trades = sibling_trades or StoredSiblingTrades(store)
        self._unfunded: TTLCache[str, bool] = TTLCache(maxsize=UNFUNDED_MAX, ttl=UNFUNDED_TTL, timer=monotonic)
        self._traced: TTLCache[str, datetime] = TTLCache(
            maxsize=UNFUNDED_MAX, ttl=params.trace_ttl.total_seconds(), timer=monotonic
        )

    @property
    def enabled(self) -> bool:
        return self.rpc is not None

    # ------------------------------------------------------------------ tracing (off the hot path)

    async def trace(
        self, wallet: str, *, first_activity: datetime | None = None, as_of: datetime | None = None, force: bool = False
    ) -> TraceResult:
        """Read the wallet's funding (and its plain funders' payments) from the chain into storage."""
        return (await self.trace_many([(wallet, first_activity)], as_of=as_of, force=force))[0]

    async def trace_many(
        self,
        wallets: Sequence[tuple[str, datetime | None]],
        *,
        as_of: datetime | None = None,
        force: bool = False,
    ) -> list[TraceResult]:
        """Trace several wallets, (address, first Polymarket activity) each: their inbound
        transfers are read together (one eth_getLogs names them all) where their windows overlap,
        so a burst of alerts costs about as many calls as one."""
        results: dict[str, TraceResult] = {}
        now = self.clock()
        as_of = as_of or now
        todo: dict[str, datetime] = {}
        for address, first in wallets:
            wallet = address.lower()
            if self.rpc is None:
                results[wallet] = TraceResult(wallet, "off")
            elif wallet in todo or (not force and await self._recently_traced(wallet, now)):
                results.setdefault(wallet, TraceResult(wallet, "cached"))
            else:
                todo[wallet] = first or as_of
        if todo and self.rpc is not None:
            results.update(await self._trace_batch(self.rpc, todo, as_of, now))
        return [results[address.lower()] for address, _ in wallets]

    async def _trace_batch(
        self, rpc: PolygonRpc, anchors: dict[str, datetime], as_of: datetime, now: datetime
    ) -> dict[str, TraceResult]:
        budget = Budget(self.params.max_requests * len(anchors))
        status, detail = "ok", ""
        new = 0
        try:
            new = await self._trace(rpc, anchors, as_of, budget)
        except BudgetExhausted as exc:
            status, detail = "partial", str(exc)
        except SourceError as exc:
            ERRORS.labels("funding").inc()
            self._report(State.DEGRADED, f"{type(exc).__name__}: {exc}"[:200])
            log.warning("funding_trace_failed", wallets=len(anchors), error=f"{type(exc).__name__}: {exc}"[:200])
            for wallet in anchors:
                await self.store.mark_traced(wallet, now, "failed", str(exc), budget.spent)
            return {w: TraceResult(w, "failed", budget.spent, detail=str(exc)[:200]) for w in anchors}
        self._report(State.OK, f"last trace {status}, {budget.spent} calls for {len(anchors)} wallets")
        spent = max(1, budget.spent // len(anchors))
        out: dict[str, TraceResult] = {}
        for wallet in anchors:
            await self.store.mark_traced(wallet, now, status, detail, spent)
            self._traced[wallet] = now
            context = await self._context(wallet, None, as_of)
            out[wallet] = TraceResult(
                wallet,
                status,
                spent,
                new if len(anchors) == 1 else 0,
                context.profile if context else None,
                context.siblings if context else (),
                detail,
            )
        return out

    async def _recently_traced(self, wallet: str, now: datetime) -> bool:
        if wallet in self._traced:
            return True
        last = await self.store.last_traced(wallet)
        if last is not None and now - last < self.params.trace_ttl:
            self._traced[wallet] = last
            return True
        return False

    async def _trace(self, rpc: PolygonRpc, anchors: dict[str, datetime], as_of: datetime, budget: Budget) -> int:
        lookback = self.params.lookback
        ends = {w: max(a - lookback, min(as_of, a + lookback)) for w, a in anchors.items()}
        latest = max(ends.values())
        head = await rpc.block_at(latest, budget)
        wanted: dict[str, Range] = {}
        for wallet, end in ends.items():
            if latest - end > ESTIMATE_WITHIN:  # far back: block times drift, ask the chain
                high = await rpc.block_at(end, budget)
            else:
                high = head - math.floor((latest - end).total_seconds() / rpc.block_seconds)
            span = math.ceil((end - (anchors[wallet] - lookback)).total_seconds() / rpc.block_seconds * BLOCK_MARGIN)
            wanted[wallet] = (max(0, high - span), max(0, high))
        new = 0
        for group, ranges in await self._inbound_groups(wanted):
            new += await self._scan(rpc, group, "in", ranges, budget)
        for wallet in anchors:
            new += await self._follow_funders(rpc, wallet, as_of, head, budget)
        return new

    async def _inbound_groups(self, wanted: dict[str, Range]) -> list[tuple[list[str], list[Range]]]:
        """Wallets whose unread inbound ranges overlap enough to be read together (newest first),
        with the union of what each of them still lacks."""
        gaps = {w: uncovered(r, await self.store.covered(w, "in")) for w, r in wanted.items()}
        todo = sorted((w for w in gaps if gaps[w]), key=lambda w: gaps[w][-1][1], reverse=True)
        groups: list[tuple[list[str], list[Range]]] = []
        for wallet in todo:
            lo, hi = gaps[wallet][0][0], gaps[wallet][-1][1]
            if groups:
                members, ranges = groups[-1]
                g_lo, g_hi = ranges[0][0], ranges[-1][1]
                joined = max(hi, g_hi) - min(lo, g_lo) + 1
                widest = max(hi - lo + 1, max(wanted[m][1] - wanted[m][0] + 1 for m in members))
                if len(members) < BATCH_WALLETS and joined <= widest * BATCH_STRETCH:
                    members.append(wallet)
                    groups[-1] = (members, merge([*ranges, *gaps[wallet]]))
                    continue
            groups.append(([wallet], list(gaps[wallet])))
        return groups

    async def _follow_funders(self, rpc: PolygonRpc, wallet: str, as_of: datetime, head: int, budget: Budget) -> int:
        """Read each plain funder's payments within the sibling window of its payments to `wallet`."""
        inbound = await self.store.inbound(wallet, until=as_of)
        profile = funding_profile(wallet, inbound, self.book, as_of=as_of, min_usd=self.params.min_usd)
        window = self.params.sibling_window
        new = 0
        for funder in plain_funders(profile, self.params.max_funders):
            paid = [t for t in inbound if t.sender == funder.address]
            if not paid:
                continue
            low = _block_near(paid[0], paid[0].timestamp - window, rpc.block_seconds)
            high = _block_near(paid[-1], min(as_of, paid[-1].timestamp + window), rpc.block_seconds)
            wanted = (max(0, low), min(head, high))
            gaps = uncovered(wanted, await self.store.covered(funder.address, "out"))
            new += await self._scan(rpc, [funder.address], "out", gaps, budget, stop_after=self.params.busy_recipients)
        return new

    async def _scan(
        self,
        rpc: PolygonRpc,
        addresses: Sequence[str],
        direction: str,
        ranges: Sequence[Range],
        budget: Budget,
        stop_after: int = 0,
    ) -> int:
        """Read `ranges` for transfers into (or out of) `addresses`; store them and what was read.
        Inbound is read newest first (walking back from the anchor), outbound oldest first."""
        inbound = direction == "in"
        read: list[Range] = []
        recipients: set[str] = set()
        new = 0
        try:
            for low, high in reversed(ranges) if inbound else ranges:
                pages = rpc.transfers(
                    senders=() if inbound else addresses,
                    recipients=addresses if inbound else (),
                    from_block=low,
                    to_block=high,
                    newest_first=inbound,
                    budget=budget,
                )
                async for page_low, page_high, transfers in pages:
                    if transfers:
                        stored = await self.store.save_transfers(transfers)
                        new += len(stored)
                        for t in stored:
                            self._unfunded.pop(t.recipient, None)
                    read.append((page_low, page_high))
                    recipients.update(t.recipient for t in transfers)
                    if stop_after and len(recipients) > stop_after:
                        return new  # a service: reading more of it links nobody
        finally:
            for address in addresses:
                await self.store.add_covered(address, direction, read, self.clock())
        return new

    def _report(self, state: State, detail: str) -> None:
        if self.health is not None:
            self.health.set(HEALTH_NAME, state, detail)

    # ------------------------------------------------------------------ lookups (stored data only)

    async def funding(self, trade: Trade) -> FundingContext | None:
        """As of the trade (enrichment): nothing after it is used."""
        return await self._context(trade.wallet, trade, trade.timestamp)

    async def context(self, trade: Trade, *, until: datetime) -> FundingContext | None:
        """As of `until` (a follow-up judged when its trace finished)."""
        return await self._context(trade.wallet, trade, until)

    async def wallet_funding(self, address: str) -> WalletFunding | None:
        address = address.lower()
        context = await self._context(address, None, self.clock())
        if context is None or context.profile is None:
            return None
        traced = await self.store.last_traced(address)
        return WalletFunding(context.profile, context.siblings, context.busy_funders, traced)

    async def _context(self, wallet: str, trade: Trade | None, until: datetime) -> FundingContext | None:
        if wallet in self._unfunded:
            return None
        if not await self.store.has_funding(wallet):  # most wallets: one look at the edges, remembered
            self._unfunded[wallet] = True
            return None
        inbound = await self.store.inbound(wallet, until=until)
        if not inbound:
            self._unfunded[wallet] = True
            return None
        p = self.params
        first_look = funding_profile(wallet, inbound, self.book, as_of=until, min_usd=p.min_usd)
        outbound: dict[str, list[Transfer]] = {}
        for funder in plain_funders(first_look, p.max_funders):
            since = funder.first_at - p.sibling_window
            outbound[funder.address] = await self.store.outbound(
                funder.address, since=since, until=min(until, funder.last_at + p.sibling_window)
            )
        siblings, busy = find_siblings(wallet, inbound, outbound, self.book, p.rules, as_of=until)
        profile = funding_profile(wallet, inbound, self.book, as_of=until, min_usd=p.min_usd, busy=busy)
        bets = await self._bets(trade, siblings, until) if trade is not None and siblings else ()
        return FundingContext(profile, siblings, bets, tuple(sorted(busy)))

    async def _bets(self, trade: Trade, siblings: Sequence[Sibling], until: datetime) -> tuple[SiblingBet, ...]:
        p = self.params
        chosen = list(siblings[: p.linked_max_siblings])
        since = until - p.linked_lookback
        found = await asyncio.gather(
            *(self.sibling_trades.trades(s.wallet, since=since, until=until) for s in chosen), return_exceptions=True
        )
        by_wallet: dict[str, Sequence[Trade]] = {}
        for sib, trades in zip(chosen, found, strict=True):
            if isinstance(trades, BaseException):
                log.warning("sibling_trades_failed", wallet=sib.wallet, error=type(trades).__name__)
                continue
            by_wallet[sib.wallet] = trades
        return sibling_bets(trade, chosen, by_wallet, since=since, until=until, min_usd=p.linked_min_usd)


def _block_near(anchor: Transfer, when: datetime, block_seconds: float) -> int:
    """The block about `when`, counted from a transfer whose block and time are known."""
    return anchor.block_number + round((when - anchor.timestamp).total_seconds() / block_seconds)


__all__ = [
    "DataApiSiblingTrades",
    "FundingParams",
    "FundingService",
    "FundingStore",
    "SiblingTrades",
    "StoredSiblingTrades",
    "TraceResult",
]
