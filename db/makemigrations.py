"""Developer tool: write aerich migrations for both dialects from db/models.py.

    python -m db.makemigrations [name]

Offline: needs no running database. Each dialect gets its own folder because aerich writes
dialect-specific SQL. A test fails when the models changed and this was not run.
"""

from __future__ import annotations

import asyncio
import sys

from aerich import Command
from aerich.migrate import Migrate
from tortoise import Tortoise

from db.setup import APP, MIGRATIONS_ROOT, tortoise_config

# Offline generation never connects; these URLs only pick the dialect.
DIALECT_URLS = {"sqlite": "sqlite://:memory:", "postgres": "postgres://offline@127.0.0.1:5432/offline"}


def _forget_pending_operations() -> None:
    """aerich keeps a run's pending SQL in class attributes: without this, the first dialect's
    CREATE TABLE of a new model also lands in the second dialect's migration."""
    for name in (
        "upgrade_operators",
        "downgrade_operators",
        "_upgrade_fk_m2m_index_operators",
        "_downgrade_fk_m2m_index_operators",
        "_upgrade_m2m",
        "_downgrade_m2m",
    ):
        setattr(Migrate, name, [])
    Migrate._rename_fields = {}
    Migrate._rename_models = {}


async def make_migrations(name: str = "update", *, dry_run: bool = False) -> dict[str, str | None]:
    """Generate (or, with dry_run, detect) pending migrations per dialect; returns new file names."""
    created: dict[str, str | None] = {}
    for dialect, url in DIALECT_URLS.items():
        _forget_pending_operations()
        location = MIGRATIONS_ROOT / dialect
        folder = location / APP
        command = Command(tortoise_config(url), app=APP, location=str(location))
        await Tortoise.init(config=tortoise_config(url))  # a fresh context per dialect
        try:
            if not folder.exists() or not any(folder.glob("*.py")):
                if dry_run:
                    created[dialect] = "initial migration missing"
                    continue
                await command.init_migrations(safe=True)
                created[dialect] = sorted(p.name for p in folder.glob("*.py"))[-1]
            else:
                await command.init(offline=True)
                before = set(folder.glob("*.py"))
                result = await command.migrate(name, no_input=True, offline=True)
                new = set(folder.glob("*.py")) - before
                if dry_run:
                    for path in new:
                        path.unlink()
                created[dialect] = result or None
        finally:
            await Tortoise.close_connections()
    return created


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "update"
    for dialect, created in asyncio.run(make_migrations(name)).items():
        print(f"{dialect}: {created or 'no changes'}")


if __name__ == "__main__":
    main()
