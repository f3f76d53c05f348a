"""Which database errors mean "this row is bad" and which "the database cannot be used now".

Writers isolate bad rows by splitting batches (scanner_core.storage); that is only right when the
database refused the data itself. Refused data: SQLSTATE class 22 (data exception: a number out of
range, a string too long, a bad encoding) or 23 (integrity constraint), tortoise's integrity and
validation errors, and Python-side conversion errors (a Decimal that does not fit its column, an
integer SQLite cannot bind). Everything else (no connection, a timeout, a locked or read-only
SQLite file, a missing table) says nothing about the rows: they are kept and retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, ParamSpec, TypeVar

from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError, ValidationError

from scanner_core.stores import RowRefused, StoreError, StoreUnavailable

_DATA_STATES = frozenset({"22", "23"})
P = ParamSpec("P")
T = TypeVar("T")


def is_row_refusal(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(4):  # the driver's error is the cause of tortoise's (or its cause)
        if seen is None:
            break
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str) and state:
            return state[:2] in _DATA_STATES
        seen = seen.__cause__
    if isinstance(exc, IntegrityError | ValidationError):
        return True
    if isinstance(exc, OperationalError | DBConnectionError | OSError):
        return False
    return isinstance(exc, ArithmeticError | ValueError | TypeError)


def describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Re-raise a write's failure as RowRefused or StoreUnavailable (the original as its cause)."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if is_row_refusal(exc):
            raise RowRefused(describe(exc)) from exc
        raise StoreUnavailable(describe(exc)) from exc


def translated(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """`storage_errors` around an async repository write, which a cancelled caller cannot cut in
    half: tortoise's SQLite client leaves its BEGIN open when cancelled inside a write, and every
    later write then fails with "cannot start a transaction within a transaction". Shielded, the
    write finishes (the caller waits for it), then the caller sees its cancellation."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        inner = asyncio.ensure_future(func(*args, **kwargs))
        with storage_errors():
            try:
                return await asyncio.shield(inner)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await asyncio.shield(inner)
                raise

    return wrapper
