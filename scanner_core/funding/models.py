"""Funding values: collateral transfers on Polygon, who funded a wallet, and which wallets share a
funder. Immutable; money is Decimal USD (both collateral tokens have 6 decimals and track $1),
time is aware UTC, addresses are lowercase.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from scanner_core.models import ZERO, DomainError


class FunderKind(enum.StrEnum):
    """What sent a wallet its collateral. Only a plain WALLET links the wallets it funds: an
    exchange hot wallet, a bridge or an on-ramp pays thousands of unrelated people."""

    EXCHANGE = "exchange"
    BRIDGE = "bridge"
    ONRAMP = "onramp"
    MINT = "mint"  # the token contract minted it (a bridge deposit of USDC.e, pUSD minted on a wrap)
    POLYMARKET = "polymarket"  # Polymarket's own contracts: trade proceeds and redemptions, not funding
    SERVICE = "service"  # an unlabelled address paying more wallets than a person would (funding_busy_recipients)
    WALLET = "wallet"  # a plain wallet

    @property
    def links(self) -> bool:
        """Wallets funded by it may be siblings."""
        return self is FunderKind.WALLET

    @property
    def funds(self) -> bool:
        """A transfer from it is funding (money put in), not the proceeds of trading."""
        return self is not FunderKind.POLYMARKET


@dataclass(frozen=True, slots=True)
class Transfer:
    """One ERC-20 Transfer of a collateral token, as logged on chain."""

    token: str
    sender: str
    recipient: str
    amount: Decimal  # USD
    block_number: int
    log_index: int
    tx_hash: str
    timestamp: datetime

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is None:
            raise DomainError("Transfer.timestamp must be timezone-aware")
        if self.sender != self.sender.lower() or self.recipient != self.recipient.lower():
            raise DomainError("Transfer addresses must be lowercase")

    @property
    def key(self) -> tuple[str, int]:
        return (self.tx_hash, self.log_index)


@dataclass(frozen=True, slots=True)
class KnownFunder:
    address: str
    kind: FunderKind
    label: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Funder:
    """Everything one sender paid a wallet (within what was scanned, up to the profile's time)."""

    address: str
    kind: FunderKind
    label: str
    total_usd: Decimal
    transfers: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class FirstFunding:
    at: datetime
    amount: Decimal
    sender: str
    kind: FunderKind
    label: str
    tx_hash: str


@dataclass(frozen=True, slots=True)
class FundingProfile:
    """Who put collateral into a wallet, as of `as_of`, from the transfers scanned."""

    wallet: str
    as_of: datetime
    first: FirstFunding | None = None
    funders: tuple[Funder, ...] = ()  # largest first
    total_usd: Decimal = ZERO
    transfers: int = 0

    @property
    def first_funded_at(self) -> datetime | None:
        return self.first.at if self.first is not None else None

    def funder(self, address: str) -> Funder | None:
        return next((f for f in self.funders if f.address == address), None)


@dataclass(frozen=True, slots=True)
class Sibling:
    """Another wallet paid by one of this wallet's plain-wallet funders within the sibling window."""

    wallet: str
    funder: str
    funded_at: datetime
    amount: Decimal
    gap_hours: float  # between its funding and this wallet's funding by the same funder


@dataclass(frozen=True, slots=True)
class SiblingBet:
    """A sibling's buys of this trade's outcome (`scope` "outcome") or of the same outcome in
    another market of the event (`scope` "event"), before the moment judged."""

    wallet: str
    funder: str
    scope: str
    usd: Decimal
    trades: int
    first_at: datetime
    last_at: datetime
    condition_id: str
    outcome: str


@dataclass(frozen=True, slots=True)
class FundingContext:
    """What enrichment knows about a trade's wallet on chain: its funding, siblings and their bets."""

    profile: FundingProfile | None = None
    siblings: tuple[Sibling, ...] = ()
    bets: tuple[SiblingBet, ...] = ()
    busy_funders: tuple[str, ...] = ()  # plain-looking funders that paid too many wallets to link them


@dataclass(frozen=True, slots=True)
class WalletFunding:
    """What /wallet shows about a wallet's money: its funding, its siblings, when it was traced."""

    profile: FundingProfile
    siblings: tuple[Sibling, ...] = ()
    busy_funders: tuple[str, ...] = ()
    traced_at: datetime | None = None


__all__ = [
    "FirstFunding",
    "Funder",
    "FunderKind",
    "FundingContext",
    "FundingProfile",
    "KnownFunder",
    "Sibling",
    "SiblingBet",
    "Transfer",
    "WalletFunding",
]
