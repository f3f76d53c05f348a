"""Pure functions over fetched transfers: a wallet's funding profile, its siblings, their bets on
the trade's outcome, and its true age. Nothing here awaits or reads a clock; everything is judged
as of a given moment and ignores what happened after it (no look-ahead).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from scanner_core.detectors._common import bet_key
from scanner_core.funding.known import FunderBook
from scanner_core.funding.models import (
    FirstFunding,
    Funder,
    FunderKind,
    FundingProfile,
    Sibling,
    SiblingBet,
    Transfer,
)
from scanner_core.models import ZERO, Side, Trade

TOP_FUNDERS = 5


@dataclass(frozen=True, slots=True)
class SiblingRules:
    window: timedelta  # funded this close to the wallet by the same funder
    busy_recipients: int  # a funder paying more distinct wallets in the window is a service
    min_usd: Decimal = ZERO  # smaller transfers are dust (airdrop spam, address poisoning)


def _order(t: Transfer) -> tuple[int, int]:
    return (t.block_number, t.log_index)


def funding_profile(
    wallet: str,
    transfers: Iterable[Transfer],
    book: FunderBook,
    *,
    as_of: datetime,
    min_usd: Decimal = ZERO,
    busy: frozenset[str] = frozenset(),
    top: int = TOP_FUNDERS,
) -> FundingProfile:
    """Inbound collateral of `wallet` up to `as_of`: the first funding and the largest funders.

    Transfers from Polymarket's contracts (trade proceeds, redemptions) are not funding; dust below
    `min_usd` is ignored; `busy` funders are shown as services.
    """
    inbound = sorted(
        (
            t
            for t in transfers
            if t.recipient == wallet and t.timestamp <= as_of and t.amount >= min_usd and t.sender != wallet
        ),
        key=_order,
    )
    per_sender: dict[str, list[Transfer]] = {}
    first: FirstFunding | None = None
    total = ZERO
    counted = 0
    for t in inbound:
        kind, label = book.classify(t.sender)
        if not kind.funds:
            continue
        if kind is FunderKind.WALLET and t.sender in busy:
            kind = FunderKind.SERVICE
        if first is None:
            first = FirstFunding(t.timestamp, t.amount, t.sender, kind, label, t.tx_hash)
        per_sender.setdefault(t.sender, []).append(t)
        total += t.amount
        counted += 1
    funders = []
    for sender, sent in per_sender.items():
        kind, label = book.classify(sender)
        if kind is FunderKind.WALLET and sender in busy:
            kind = FunderKind.SERVICE
        funders.append(
            Funder(
                sender,
                kind,
                label,
                sum((t.amount for t in sent), ZERO),
                len(sent),
                sent[0].timestamp,
                sent[-1].timestamp,
            )
        )
    funders.sort(key=lambda f: (-f.total_usd, f.first_at, f.address))
    return FundingProfile(wallet, as_of, first, tuple(funders[:top]), total, counted)


def plain_funders(profile: FundingProfile, limit: int) -> list[Funder]:
    """The plain-wallet funders worth following (largest first)."""
    return [f for f in profile.funders if f.kind.links][:limit]


def find_siblings(
    wallet: str,
    inbound: Sequence[Transfer],
    outbound: Mapping[str, Sequence[Transfer]],
    book: FunderBook,
    rules: SiblingRules,
    *,
    as_of: datetime,
) -> tuple[tuple[Sibling, ...], frozenset[str]]:
    """Wallets paid by one of `wallet`'s plain funders within the window of that funder paying
    `wallet` (both up to `as_of`), and the funders too busy to link anyone.

    `outbound` holds each followed funder's transfers out (from storage or the chain).
    """
    siblings: dict[str, Sibling] = {}
    busy: set[str] = set()
    for funder, sent in outbound.items():
        if not book.kind(funder).links:
            continue
        to_wallet = [
            t.timestamp for t in inbound if t.sender == funder and t.recipient == wallet and t.timestamp <= as_of
        ]
        if not to_wallet:
            continue
        recipients: dict[str, list[Transfer]] = {}
        for t in sent:
            if t.sender != funder or t.timestamp > as_of or t.amount < rules.min_usd or t.recipient == funder:
                continue
            if not any(abs(t.timestamp - at) <= rules.window for at in to_wallet):
                continue
            recipients.setdefault(t.recipient, []).append(t)
        if len(recipients) > rules.busy_recipients:
            busy.add(funder)
            continue
        for recipient, paid in recipients.items():
            if recipient == wallet or book.kind(recipient) is not FunderKind.WALLET:
                continue
            paid.sort(key=_order)
            gap = min(abs((paid[0].timestamp - at).total_seconds()) for at in to_wallet) / 3600.0
            found = Sibling(recipient, funder, paid[0].timestamp, sum((t.amount for t in paid), ZERO), round(gap, 2))
            known = siblings.get(recipient)
            if known is None or found.gap_hours < known.gap_hours:
                siblings[recipient] = found
    ordered = sorted(siblings.values(), key=lambda s: (s.gap_hours, s.wallet))
    return tuple(ordered), frozenset(busy)


def _same_outcome(trade: Trade, other: Trade) -> bool:
    return other.condition_id == trade.condition_id and bet_key(other) == bet_key(trade)


def _same_event_outcome(trade: Trade, other: Trade) -> bool:
    return (
        bool(trade.event_slug)
        and other.event_slug == trade.event_slug
        and other.condition_id != trade.condition_id
        and other.side is Side.BUY
        and bool(trade.outcome)
        and other.outcome.lower() == trade.outcome.lower()
    )


def sibling_bets(
    trade: Trade,
    siblings: Sequence[Sibling],
    trades_by_wallet: Mapping[str, Sequence[Trade]],
    *,
    since: datetime,
    until: datetime,
    min_usd: Decimal,
) -> tuple[SiblingBet, ...]:
    """What each sibling bet the trade's way between `since` and `until`: on the same outcome of
    the market (or the same bet through the other outcome), else on the same outcome name in
    another market of the event. A sibling counts once, with its closest scope."""
    out: list[SiblingBet] = []
    for sib in siblings:
        trades = [t for t in trades_by_wallet.get(sib.wallet, ()) if since <= t.timestamp <= until]
        for scope, match in (("outcome", _same_outcome), ("event", _same_event_outcome)):
            hits = sorted((t for t in trades if match(trade, t)), key=lambda t: t.timestamp)
            usd = sum((t.usd for t in hits), ZERO)
            if hits and usd >= min_usd:
                first = hits[0]
                out.append(
                    SiblingBet(
                        sib.wallet,
                        sib.funder,
                        scope,
                        usd,
                        len(hits),
                        first.timestamp,
                        hits[-1].timestamp,
                        first.condition_id,
                        first.outcome,
                    )
                )
                break
    return tuple(sorted(out, key=lambda b: (b.scope != "outcome", -b.usd, b.wallet)))


__all__ = [
    "SiblingRules",
    "find_siblings",
    "funding_profile",
    "plain_funders",
    "sibling_bets",
]
