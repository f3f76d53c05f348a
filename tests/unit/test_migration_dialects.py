"""Each dialect's migrations hold that dialect's SQL only (aerich once leaked SQLite statements
into the PostgreSQL files when both were generated in one process)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "db" / "migrations"
FOREIGN = {"postgres": ("AUTOINCREMENT", "VARCHAR(40)"), "sqlite": ("SERIAL", "TIMESTAMPTZ", "BIGSERIAL")}


@pytest.mark.parametrize("dialect", sorted(FOREIGN))
def test_migrations_hold_their_own_dialect_only(dialect: str) -> None:
    files = sorted((ROOT / dialect / "models").glob("*.py"))
    assert files
    for path in files:
        sql = path.read_text().split("MODELS_STATE", 1)[0]
        for word in FOREIGN[dialect]:
            assert word not in sql, f"{path.name} holds {word} ({dialect} migration)"


def test_both_dialects_have_the_same_migrations() -> None:
    names = {d: [p.name.split("_", 2)[-1] for p in sorted((ROOT / d / "models").glob("*.py"))] for d in FOREIGN}
    assert names["postgres"] == names["sqlite"]
