"""A wallet history as of the moment the classifier judges it: the profile `/wallet` shows (the
one win rate, the one market-maker rule set) and the rows and positions it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scanner_core.models import WalletProfile
from scanner_core.wallets.history import ActivityRow, Depth, ResolvedPosition, WalletHistory
from scanner_core.wallets.index import profile_as_of
from scanner_core.wallets.marketmaker import MarketMaking
from scanner_core.wallets.params import ProfileParams
from scanner_core.wallets.stats import WinRecord


@dataclass(frozen=True, slots=True)
class Judged:
    history: WalletHistory
    now: datetime
    profile: WalletProfile
    market_making: MarketMaking
    resolved: tuple[ResolvedPosition, ...]  # resolved at or before `now`
    trades: tuple[ActivityRow, ...]  # at or before `now`

    @classmethod
    def of(cls, history: WalletHistory, now: datetime, params: ProfileParams) -> Judged:
        return cls(
            history=history,
            now=now,
            profile=profile_as_of(history, now, params),
            market_making=history.compiled(params.contrarian_price).market_making(now, params),
            resolved=tuple(p for p in history.resolved if p.resolved_at <= now),
            trades=tuple(r for r in history.rows if r.is_trade and r.timestamp <= now),
        )

    @property
    def positions_known(self) -> bool:
        return self.history.depth >= Depth.POSITIONS

    @property
    def trades_known(self) -> bool:
        return self.history.depth >= Depth.FULL

    @property
    def record(self) -> WinRecord:
        """The profile's win record (unthrottled by the minimum sample: stages check that themselves)."""
        return WinRecord.of(self.profile.winning_positions, self.profile.resolved_positions)

    @property
    def last_activity(self) -> datetime | None:
        """The latest sign of life known at `now`: a row, the profile stage's latest row, a redemption."""
        known = [self.profile.last_seen]
        latest = self.history.latest_activity
        if latest is not None and latest <= self.now:
            known.append(latest)
        known.extend(p.resolved_at for p in self.resolved if p.redeemed)
        return max((t for t in known if t is not None), default=None)
