"""structlog set-up: JSON lines by default, console on request; every line names its component.

Third-party libraries (discord.py, python-telegram-bot, aiohttp) log through stdlib logging; their
lines go through the same processors, with the logger name as the component. Known secrets are
scrubbed from every line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import orjson
import structlog

_SECRETS: list[str] = []
_SECRET_KEYS = ("token", "secret", "password", "dsn", "authorization")


def _scrub_text(text: str) -> str:
    for secret in _SECRETS:
        if secret and secret in text:
            text = text.replace(secret, "****")
    return text


def _scrub(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if any(mark in key.lower() for mark in _SECRET_KEYS) and value:
            event[key] = "****"
        elif isinstance(value, str):
            event[key] = _scrub_text(value)
    return event


def _component(logger: Any, _: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    if "component" not in event:
        name = getattr(logger, "name", None) or event.get("logger")
        event["component"] = name or "polyscan"
    event.pop("logger", None)
    return event


def _json_dumps(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


def configure_logging(level: str = "INFO", fmt: str = "json", secrets: Iterable[str] = ()) -> None:
    _SECRETS[:] = sorted({s for s in secrets if s}, key=len, reverse=True)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _component,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        _scrub,
    ]
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if fmt == "console"
        else structlog.processors.JSONRenderer(serializer=_json_dumps)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # tests swap processors (capture_logs); logging is off the hot path
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # chatty libraries: their INFO is noise next to ours
    for name in ("discord", "telegram", "httpx", "aiohttp.access", "tortoise", "aiosqlite", "asyncio"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def get_logger(component: str, **bound: Any) -> Any:
    """A logger whose every line carries `component`."""
    # initial values, not .bind(): a bound logger freezes the processors of its first use
    return structlog.get_logger(component, component=component, **bound)
