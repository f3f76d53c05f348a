"""Database lifecycle: tortoise config from a URL, connect, migrate (aerich), ping, close.

Migrations are checked in per dialect (aerich writes dialect-specific SQL): `migrations/sqlite`
and `migrations/postgres`, both generated from db/models.py and kept in step by a test.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aerich import Command
from tortoise import Tortoise, connections

MIGRATIONS_ROOT = Path(__file__).parent / "migrations"
APP = "models"
MODEL_MODULES = ["db.models", "aerich.models"]


class DatabaseUnavailable(Exception):
    """The database cannot be reached or used; `str()` is safe to show (no password)."""


def dialect_of(url: str) -> str:
    return "sqlite" if urlsplit(url).scheme == "sqlite" else "postgres"


def _with_pool(url: str, pool_max: int) -> str:
    if dialect_of(url) == "sqlite":
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("maxsize", str(pool_max))
    query.setdefault("minsize", "1")
    return urlunsplit(parts._replace(scheme="postgres", query=urlencode(query)))


def tortoise_config(url: str, pool_max: int = 10) -> dict[str, Any]:
    return {
        "connections": {"default": _with_pool(url, pool_max)},
        "apps": {APP: {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def migrations_location(url: str) -> Path:
    return MIGRATIONS_ROOT / dialect_of(url)


def _describe(url: str, exc: BaseException) -> str:
    where = urlsplit(url)
    target = where.path if where.scheme == "sqlite" else f"{where.hostname}:{where.port or 5432}{where.path}"
    reason = str(exc).strip() or type(exc).__name__
    return f"database {where.scheme}://{target} is not reachable: {reason}"


async def connect(url: str, pool_max: int = 10, *, connect_timeout: float = 10.0) -> None:
    """Initialise tortoise for the whole process and check the database answers."""
    try:
        await Tortoise.init(config=tortoise_config(url, pool_max), _enable_global_fallback=True)
        await asyncio.wait_for(ping(), connect_timeout)
    except (OSError, TimeoutError, Exception) as exc:  # driver errors have no common base
        await close()
        raise DatabaseUnavailable(_describe(url, exc)) from exc


async def ping() -> None:
    await connections.get("default").execute_query("SELECT 1")


async def migrate(url: str) -> list[str]:
    """Apply every checked-in migration not yet applied; returns the applied file names."""
    command = Command(tortoise_config(url), app=APP, location=str(migrations_location(url)))
    await command.init()
    return await command.upgrade(run_in_transaction=True)


async def close() -> None:
    if Tortoise.is_inited():
        await Tortoise.close_connections()
