"""The three-stage copy-target classifier (TARGET / WATCHLIST / REJECT) over wallet histories, and
the runner that feeds it."""

from __future__ import annotations

from scanner_core.wallets.classifier.params import ClassifierParams
from scanner_core.wallets.classifier.verdict import classify, screen

__all__ = ["ClassifierParams", "classify", "screen"]
