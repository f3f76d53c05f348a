"""A webhook receiver on 127.0.0.1: records every request and answers from a script.

`answer(...)` queues answers (status, headers) for the next requests; when the queue is empty the
receiver answers `default` (200). `stop()` closes the port (a receiver that is down) and `start()`
opens the same port again, so the webhook's URL stays the same.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() when it arrived
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class FakeReceiver:
    default: int = 200
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    _answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def __aenter__(self) -> FakeReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *answers: int | tuple[int, dict[str, str]]) -> None:
        for item in answers:
            self._answers.append(item if isinstance(item, tuple) else (item, {}))

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.requests if r.accepted]

    async def wait_for(self, n: int, *, accepted: bool = True, timeout: float = 10.0) -> list[Received]:
        def seen() -> list[Received]:
            return self.accepted if accepted else self.requests

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(seen()) >= n), timeout)
        return seen()

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        status, headers = self._answers.pop(0) if self._answers else (self.default, {})
        received = Received(time.monotonic(), request.path, dict(request.headers), body, status)
        async with self._changed:
            self.requests.append(received)
            self._changed.notify_all()
        return web.Response(status=status, headers=headers, text="ok" if 200 <= status < 300 else "no")
