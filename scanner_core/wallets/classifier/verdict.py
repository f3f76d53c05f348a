"""classify(history, params, now): run the stages in order and stop at the first REJECT.

`screen` runs stage 1 alone, so the runner can reject most wallets before it fetches the rest of
their history. Every stage reads the history as of `now` and the profile computed from it (the one
`/wallet` shows), so the classifier and the profile agree by construction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner_core.models import WalletClass, WalletClassification, frozen_map
from scanner_core.wallets.classifier import stage1, stage2, stage3
from scanner_core.wallets.classifier.judged import Judged
from scanner_core.wallets.classifier.outcome import StageOutcome
from scanner_core.wallets.classifier.params import ClassifierParams
from scanner_core.wallets.history import WalletHistory


def screen(history: WalletHistory, params: ClassifierParams, now: datetime) -> WalletClassification | None:
    """The stage-1 REJECT, or None when the wallet deserves a closer look."""
    first = stage1.evaluate(Judged.of(history, now, params.profile), params)
    return None if first.passed else _rejected(history, 1, first, {}, now)


def classify(history: WalletHistory, params: ClassifierParams, now: datetime) -> WalletClassification:
    judged = Judged.of(history, now, params.profile)
    first = stage1.evaluate(judged, params)
    if not first.passed:
        return _rejected(history, 1, first, {}, now)
    second = stage2.evaluate(judged, params)
    if not second.passed:
        return _rejected(history, 2, second, {"stage1": dict(first.details)}, now)
    scored = stage3.evaluate(judged, params)
    details: dict[str, Any] = {
        **_identity(history),
        "flags": list(scored.flags),
        "stage1": dict(first.details),
        "stage2": dict(second.details),
        "stage3": scored.details,
    }
    return WalletClassification(
        address=history.address,
        classification=scored.classification,
        score=scored.score,
        stage=3,
        reasons=scored.reasons,
        classified_at=now,
        details=frozen_map(details),
    )


def _rejected(
    history: WalletHistory, stage: int, outcome: StageOutcome, earlier: dict[str, Any], now: datetime
) -> WalletClassification:
    details = {**_identity(history), "flags": list(outcome.flags), **earlier, f"stage{stage}": dict(outcome.details)}
    return WalletClassification(
        address=history.address,
        classification=WalletClass.REJECT,
        score=0.0,
        stage=stage,
        reasons=outcome.reasons,
        classified_at=now,
        details=frozen_map(details),
    )


def _identity(history: WalletHistory) -> dict[str, Any]:
    return {"username": history.username} if history.username else {}
