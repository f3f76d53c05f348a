"""WalletHistory -> the Data API rows that describe it (/closed-positions, /positions, /activity),
in the real wire shape (camelCase, JSON numbers), so the fake Polymarket can serve hand-made or
generated wallets to the real clients."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from scanner_core.walletscan.history import ResolvedBet, WalletHistory
from tests.fakes.polymarket import FakePolymarket

_SLUG_OF = {
    "sports": "nfl-sea-ne-{n}",
    "politics": "presidential-election-winner-{n}",
    "crypto": "bitcoin-above-{n}",
    "economics": "fed-decision-{n}",
    "finance": "spx-close-{n}",
    "tech": "openai-release-{n}",
    "culture": "oscars-best-picture-{n}",
    "weather": "highest-temperature-{n}",
    "mentions": "will-trump-say-{n}",
}


def slug_for(category: str, condition_id: str) -> str:
    n = int(condition_id[-8:], 16)
    return _SLUG_OF.get(category, "market-{n}").format(n=n)


def _unix(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def _asset(condition_id: str, outcome_index: int | None) -> str:
    return str(int(condition_id[-16:], 16) * 2 + (outcome_index or 0) + 10**20)


def _common(wallet: str, bet: ResolvedBet) -> dict[str, Any]:
    slug = slug_for(bet.category, bet.condition_id)
    index = bet.outcome_index or 0
    return {
        "proxyWallet": wallet,
        "asset": _asset(bet.condition_id, index),
        "conditionId": bet.condition_id,
        "title": slug.replace("-", " ").capitalize() + "?",
        "slug": slug,
        "icon": "",
        "eventSlug": slug,
        "outcome": "Yes" if index == 0 else "No",
        "outcomeIndex": index,
        "oppositeOutcome": "No" if index == 0 else "Yes",
        "oppositeAsset": _asset(bet.condition_id, 1 - index),
        "endDate": bet.resolved_at.date().isoformat() if bet.resolved_at else "",
    }


def _shares(bet: ResolvedBet) -> Decimal:
    return bet.cost_usd / bet.avg_price if bet.avg_price else Decimal(0)


def closed_row(wallet: str, bet: ResolvedBet) -> dict[str, Any]:
    return {
        **_common(wallet, bet),
        "avgPrice": float(bet.avg_price),
        "totalBought": float(_shares(bet)),
        "realizedPnl": float(bet.realised_pnl),
        "curPrice": 1 if bet.won else 0,
        "timestamp": _unix(bet.resolved_at),
    }


def unredeemed_row(wallet: str, bet: ResolvedBet) -> dict[str, Any]:
    """A resolved position still in /positions: redeemable, worth 1 a share if won, else 0."""
    shares = _shares(bet)
    value = shares if bet.won else Decimal(0)
    return {
        **_common(wallet, bet),
        "size": float(shares),
        "avgPrice": float(bet.avg_price),
        "initialValue": float(bet.cost_usd),
        "currentValue": float(value),
        "cashPnl": float(bet.realised_pnl),
        "percentPnl": float(bet.realised_pnl / bet.cost_usd * 100) if bet.cost_usd else 0.0,
        "totalBought": float(shares),
        "realizedPnl": 0,
        "percentRealizedPnl": 0,
        "curPrice": 1 if bet.won else 0,
        "redeemable": True,
        "mergeable": False,
        "eventId": "1",
        "negativeRisk": False,
    }


def activity_rows(history: WalletHistory) -> list[dict[str, Any]]:
    out = []
    for i, trade in enumerate(history.trades or ()):
        out.append(
            {
                "proxyWallet": history.address,
                "timestamp": _unix(trade.timestamp),
                "conditionId": trade.condition_id,
                "type": "TRADE",
                "size": float(trade.usd / trade.price) if trade.price else 0.0,
                "usdcSize": float(trade.usd),
                "transactionHash": f"0x{i:04x}{history.address[2:]}{'0' * 20}",
                "price": float(trade.price),
                "asset": _asset(trade.condition_id, 0),
                "side": trade.side.value,
                "outcomeIndex": 0,
                "title": "",
                "slug": "",
                "icon": "",
                "eventSlug": "",
                "outcome": "Yes",
                "name": history.username,
                "pseudonym": "",
                "bio": "",
                "profileImage": "",
                "profileImageOptimized": "",
            }
        )
    return out


def serve(pm: FakePolymarket, history: WalletHistory) -> None:
    """Make the fake Polymarket answer for this wallet as its history says."""
    wallet = history.address
    pm.set_closed_positions(wallet, [closed_row(wallet, b) for b in history.bets if b.redeemed])
    pm.set_positions(wallet, [unredeemed_row(wallet, b) for b in history.bets if not b.redeemed])
    pm.set_activity(wallet, activity_rows(history))
