"""How far an ingest got, per market and stage: what makes a re-run continue where it stopped.

A checkpoint is written in the same transaction as the rows of the page it follows, so a page is
either stored with its checkpoint or neither (a re-run fetches it again; dedup keys make that
harmless). `cursor` holds where an unfinished pass continues (stage-specific JSON); an empty
cursor means no pass is under way. `reached` says up to when the stage has everything; `done`
says nothing more can ever come (the market is closed or resolved), so a re-run skips the stage.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson


class Stage(enum.StrEnum):
    MARKET = "market"  # metadata and resolution (done once the resolution is final)
    TRADES = "trades"  # every fill, maker and taker rows
    PRICES = "prices"  # CLOB /prices-history of each outcome token
    WALLETS = "wallets"  # the history of each wallet that traded the market


@dataclass(frozen=True, slots=True)
class Checkpoint:
    condition_id: str
    stage: Stage
    cursor: str = ""
    reached: datetime | None = None
    done: bool = False
    rows: int = 0
    updated_at: datetime | None = None

    @property
    def state(self) -> dict[str, Any]:
        """The unfinished pass's position ({} when none is under way)."""
        if not self.cursor:
            return {}
        value = orjson.loads(self.cursor)
        return value if isinstance(value, dict) else {}

    def advanced(self, state: dict[str, Any], *, added: int, now: datetime) -> Checkpoint:
        """A pass moved on: its position is `state`."""
        return replace(self, cursor=orjson.dumps(state).decode(), rows=self.rows + added, updated_at=now)

    def finished(self, *, reached: datetime | None, done: bool, added: int, now: datetime) -> Checkpoint:
        """A pass got to the end: covered up to `reached`; `done` when nothing more can come."""
        return replace(
            self,
            cursor="",
            reached=reached if reached is not None else self.reached,
            done=done,
            rows=self.rows + added,
            updated_at=now,
        )
