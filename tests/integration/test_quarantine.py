"""The quarantine: refused rows kept, bounded, on a real database of this run's backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from db.repositories import Repositories
from scanner_core.jobs import prune_old_data
from scanner_core.quarantine import PAYLOAD_CHARS, Quarantine, payload_text
from tests.conftest import FakeClock


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_payloads_are_kept_as_bounded_storable_text() -> None:
    assert payload_text('{"a":1}') == '{"a":1}'
    assert payload_text(b"\xff\xfeabc") == "\ufffd\ufffdabc"
    assert payload_text({"size": Decimal("1e400"), "t": datetime(2026, 1, 1, tzinfo=UTC)}).startswith(
        '{"size":"1E+400"'
    )
    assert "\x00" not in payload_text("a\x00b") and payload_text("\ud800x") == "?x"
    assert len(payload_text("x" * 100_000)) == PAYLOAD_CHARS
    deep: Any = []
    for _ in range(2000):  # deeper than orjson writes
        deep = [deep]
    assert payload_text(deep) == "<a list that is not JSON>"


async def test_entries_are_stored_found_and_pruned(db: str, clock: FakeClock) -> None:
    repos = Repositories()
    quarantine = Quarantine(repos.quarantine, clock=clock)
    quarantine.add("rtds", "size", "size: must be above 0", {"size": "1e400", "transactionHash": "0x1"})
    clock.advance(days=40)
    quarantine.add("trade_writer", "db_refused", "ValidationError: tx_hash too long", "raw\x00text")
    assert await quarantine.flush() == 2 and quarantine.pending == 0
    [newest, oldest] = await repos.quarantine.recent()
    assert (newest.source, newest.reason, newest.payload) == ("trade_writer", "db_refused", "rawtext")
    assert oldest.payload == '{"size":"1e400","transactionHash":"0x1"}' and oldest.received_at < newest.received_at
    result = await prune_old_data(
        repos.trades, repos.metrics, now=clock.now, retention=timedelta(days=30), quarantine=repos.quarantine
    )
    assert result.quarantined == 1 and await repos.quarantine.count() == 1


async def test_a_flood_is_counted_not_kept(db: str, clock: FakeClock) -> None:
    ticks = Ticks()
    quarantine = Quarantine(
        Repositories().quarantine, clock=clock, max_per_minute=60, max_pending=1000, monotonic=ticks
    )
    for n in range(100):
        quarantine.add("rtds", "json", "not JSON", f"frame {n}")
    assert quarantine.pending == 60 and quarantine.dropped == 40
    ticks.now += 10  # ten seconds refill ten entries
    for n in range(20):
        quarantine.add("rtds", "json", "not JSON", f"later {n}")
    assert quarantine.pending == 70 and quarantine.dropped == 50
    assert await quarantine.flush() == 70
