"""What a stage says about a wallet: passed or not, which checks fired and why, the numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner_core.models import frozen_map


@dataclass(frozen=True, slots=True)
class StageOutcome:
    passed: bool
    flags: tuple[str, ...] = ()  # stable codes of the checks that fired (e.g. "martingale")
    reasons: tuple[str, ...] = ()  # one sentence per flag, for people
    details: Mapping[str, Any] = field(default_factory=frozen_map)  # JSON-safe numbers behind the verdict

    @classmethod
    def of(cls, checks: list[tuple[str, str]], details: dict[str, Any]) -> StageOutcome:
        """Passed when no check fired; `checks` are (flag, reason) pairs."""
        return cls(
            passed=not checks,
            flags=tuple(flag for flag, _ in checks),
            reasons=tuple(reason for _, reason in checks),
            details=frozen_map(details),
        )
