"""The alert a wallet gets when it is newly classified TARGET (AlertKind.WALLET_TARGET). Pure."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from scanner_core.models import (
    Alert,
    AlertKind,
    Severity,
    WalletClass,
    WalletClassification,
    WalletSnapshot,
    frozen_map,
)

STRONG_TARGET_SCORE = 85.0


def is_new_target(result: WalletClassification, previous: WalletClassification | None) -> bool:
    return result.classification is WalletClass.TARGET and (
        previous is None or previous.classification is not WalletClass.TARGET
    )


def target_alert(result: WalletClassification, username: str = "") -> Alert:
    """One alert per wallet per day at most: the dedup key holds the date."""
    stage1: dict[str, Any] = dict(result.details.get("stage1", {}))
    stage3: dict[str, Any] = dict(result.details.get("stage3", {}))
    short = f"{result.address[:6]}…{result.address[-4:]}"
    return Alert(
        # 60 characters: alert dedup keys hold at most 64
        dedup_key=f"target:{result.address}:{result.classified_at.date().isoformat()}",
        kind=AlertKind.WALLET_TARGET,
        severity=Severity.HIGH if result.score >= STRONG_TARGET_SCORE else Severity.NOTABLE,
        confidence=round(result.score / 100, 4),
        created_at=result.classified_at,
        title=f"New copy target {username or short}: score {result.score:.0f}",
        wallet=WalletSnapshot(
            address=result.address,
            win_rate=stage3.get("win_rate"),
            resolved_positions=int(stage1.get("resolved", 0)),
            realised_pnl=_decimal(stage1.get("net_pnl")),
            username=username,
            classification=WalletClass.TARGET,
        ),
        details=frozen_map(
            {
                "score": result.score,
                # the evidence; the verdict line ("score 86 (TARGET at 70+)") is the card's own header
                "reasons": list(result.reasons[1:]) if result.stage == 3 else list(result.reasons),
                "win_rate_lower": stage3.get("win_rate_lower"),
                "edge_lower": stage3.get("edge_lower"),
                "top_category": stage3.get("top_category"),
                "roi": stage3.get("roi"),
            }
        ),
    )


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None
