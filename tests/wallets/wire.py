"""WalletHistory -> the Data API rows that describe it (/closed-positions, /positions, /activity),
in the real wire shape (camelCase, JSON numbers), so the fake Polymarket can serve hand-made or
generated wallets to the real clients."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from scanner_core.wallets.history import ResolvedPosition, WalletHistory
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


def _common(wallet: str, bet: ResolvedPosition, end_date: str) -> dict[str, Any]:
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
        "endDate": end_date,
    }


def _shares(bet: ResolvedPosition) -> Decimal:
    return bet.cost_usd / bet.avg_price if bet.avg_price else Decimal(0)


def closed_row(wallet: str, bet: ResolvedPosition) -> dict[str, Any]:
    return {
        **_common(wallet, bet, bet.resolved_at.date().isoformat()),
        "avgPrice": float(bet.avg_price),
        "totalBought": float(_shares(bet)),
        "realizedPnl": float(bet.realised_pnl),
        "curPrice": 1 if bet.won else 0,
        "timestamp": _unix(bet.resolved_at),
    }


def unredeemed_row(wallet: str, bet: ResolvedPosition, *, redeemable: bool = True) -> dict[str, Any]:
    """A resolved position still in /positions, worth 1 a share if won, else 0. Its market ended a
    day before `resolved_at` (polyscan dates such a result one day after the end date)."""
    shares = _shares(bet)
    value = shares if bet.won else Decimal(0)
    return {
        **_common(wallet, bet, (bet.resolved_at.replace(hour=0, minute=0, second=0, microsecond=0)).isoformat()),
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
        "redeemable": redeemable,
        "mergeable": False,
        "eventId": "1",
        "negativeRisk": False,
    }


def activity_rows(history: WalletHistory) -> list[dict[str, Any]]:
    out = []
    for i, row in enumerate(history.rows):
        side = row.side.value if row.side is not None else ""
        out.append(
            {
                "proxyWallet": history.address,
                "timestamp": _unix(row.timestamp),
                "conditionId": row.condition_id,
                "type": row.kind,
                "size": float(row.usd / row.price) if row.price else float(row.usd),
                "usdcSize": float(row.usd),
                "transactionHash": f"0x{i:04x}{history.address[2:]}{'0' * 20}",
                "price": float(row.price),
                "asset": _asset(row.condition_id, row.outcome_index) if row.condition_id else "",
                "side": side,
                "outcomeIndex": row.outcome_index if row.outcome_index is not None else 999,
                "title": "",
                "slug": slug_for(row.category, row.condition_id) if row.condition_id else "",
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
    pm.set_closed_positions(wallet, [closed_row(wallet, b) for b in history.resolved if b.redeemed])
    pm.set_positions(wallet, [unredeemed_row(wallet, b) for b in history.resolved if not b.redeemed])
    pm.set_activity(wallet, activity_rows(history))
