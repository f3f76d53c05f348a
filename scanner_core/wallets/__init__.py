"""The one wallet domain: a wallet's history record and its staged fetcher, stored histories with
watermarks, the pure `profile_as_of(history, moment, params)`, the one win rate (with its sample and
Wilson bound), the one market-maker rule set, the copy-target classifier, and WalletService.

    history.py      WalletHistory: activity rows, resolved and open positions, first activity, watermark
    assemble.py     Data API rows -> history records
    fetcher.py      HistoryFetcher: cheapest calls first, each stage only when needed, refresh past the watermark
    index.py        HistoryIndex (a history compiled once) and profile_as_of
    marketmaker.py  the market-maker rule set
    stats.py        WinRecord (the one win rate), Wilson bound, drawdown
    params.py       ProfileParams, MarketMakerParams, FetchLimits (from Settings)
    service.py      WalletService: profiles as of any moment, ensure_histories, prefetch, offline mode
    readahead.py    reading a trade stream ahead of the pipeline (what prefetch looks at)
    classifier/     the three stages, the runner and its process component
Stored histories: db/wallet_histories.py (tables wallet_histories, wallet_history_activity,
wallet_history_positions).
The one category taxonomy is scanner_core.categories (markets use it too).
"""

from __future__ import annotations

from scanner_core.wallets.history import ActivityRow, Depth, OpenPosition, ResolvedPosition, WalletHistory
from scanner_core.wallets.index import HistoryIndex, profile_as_of
from scanner_core.wallets.params import FetchLimits, MarketMakerParams, ProfileParams
from scanner_core.wallets.service import ServiceOptions, WalletService
from scanner_core.wallets.stats import WinRecord

__all__ = [
    "ActivityRow",
    "Depth",
    "FetchLimits",
    "HistoryIndex",
    "MarketMakerParams",
    "OpenPosition",
    "ProfileParams",
    "ResolvedPosition",
    "ServiceOptions",
    "WalletHistory",
    "WalletService",
    "WinRecord",
    "profile_as_of",
]
