"""The three-stage wallet classifier (TARGET / WATCHLIST / REJECT) and the runner that feeds it."""

from __future__ import annotations

from scanner_core.walletscan.classifier import classify, screen
from scanner_core.walletscan.history import OpenBook, ResolvedBet, TradeFact, WalletHistory
from scanner_core.walletscan.params import WalletScanParams

__all__ = ["OpenBook", "ResolvedBet", "TradeFact", "WalletHistory", "WalletScanParams", "classify", "screen"]
