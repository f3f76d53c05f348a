"""`polyscan doctor`: the effective settings (secrets masked) and a check of each dependency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp

from db import setup as db_setup
from scanner_core.cache import build_cache
from scanner_core.config import Settings, env_name


async def _check_database(settings: Settings) -> tuple[bool, str]:
    try:
        await db_setup.connect(settings.database_url, 1, connect_timeout=5)
    except db_setup.DatabaseUnavailable as exc:
        return False, str(exc)
    await db_setup.close()
    return True, "answers"


async def _check_redis(settings: Settings) -> tuple[bool, str]:
    if not settings.redis_url:
        return True, "not configured (in-memory cache)"
    cache = build_cache(settings.redis_url, l1_max_items=100, retry_seconds=1, timeout=2, health=None)
    try:
        ok = await cache.ping()
    finally:
        await cache.close()
    return ok, "answers" if ok else "unreachable (cache would run on memory only)"


async def _check_http(session: aiohttp.ClientSession, url: str, setting: str) -> tuple[bool, str]:
    try:
        async with session.get(url) as response:
            if response.status == 403:  # Cloudflare's block page: Polymarket is not available here
                return False, f"HTTP 403 Forbidden: geo-blocked? set {setting} to a relay where Polymarket works"
            return response.status < 500, f"HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return False, f"unreachable ({type(exc).__name__})"


async def _check_tcp(url: str) -> tuple[bool, str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme in ("wss", "https") else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port), 5)
    except (OSError, TimeoutError) as exc:
        return False, f"unreachable ({type(exc).__name__})"
    writer.close()
    return True, "TCP connect ok"


async def doctor(settings: Settings, out: Callable[[str], None]) -> int:
    out("Effective settings (secrets masked):")
    for name, value in settings.public_view().items():
        out(f"  {env_name(name)} = {value}")
    out("")
    out("Checks:")
    results: list[tuple[str, bool, str, bool]] = []
    ok, detail = await _check_database(settings)
    results.append(("database", ok, detail, True))
    ok, detail = await _check_redis(settings)
    results.append(("redis", ok, detail, False))
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for label, url, setting in (
            ("gamma api", f"{settings.gamma_url}/markets?limit=1", "gamma_url"),
            ("data api", f"{settings.data_api_url}/trades?limit=1", "data_api_url"),
            ("clob api", f"{settings.clob_url}/time", "clob_url"),
        ):
            ok, detail = await _check_http(session, url, env_name(setting))
            results.append((label, ok, detail, False))
    for label, url in (("rtds stream", settings.rtds_url), ("clob stream", settings.clob_ws_url)):
        ok, detail = await _check_tcp(url)
        results.append((label, ok, detail, False))
    results.append(("telegram bot", True, "token set" if settings.telegram_token else "off (no token)", False))
    results.append(("discord bot", True, "token set" if settings.discord_token else "off (no token)", False))
    for label, ok, detail, _required in results:
        out(f"  [{'ok' if ok else 'FAIL'}] {label}: {detail}")
    required_failed = [label for label, ok, _, required in results if required and not ok]
    return 1 if required_failed else 0
