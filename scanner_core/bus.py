"""The alert bus: the pipeline publishes stored alerts; routers and other consumers subscribe.

Each subscriber has its own bounded queue. A full queue never blocks the pipeline: the alert is
already in the database without `routed_at`, so the router picks it up from there (`catch_up`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from scanner_core.logs import get_logger
from scanner_core.models import Alert

log = get_logger("bus")


class Subscription:
    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=size)
        self.dropped = 0

    async def __aiter__(self) -> AsyncIterator[Alert]:
        while True:
            yield await self.queue.get()


class AlertBus:
    def __init__(self, queue_size: int = 10_000) -> None:
        self._queue_size = queue_size
        self._subscribers: list[Subscription] = []

    def subscribe(self, name: str) -> Subscription:
        sub = Subscription(name, self._queue_size)
        self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)

    def publish(self, alert: Alert) -> None:
        for sub in self._subscribers:
            try:
                sub.queue.put_nowait(alert)
            except asyncio.QueueFull:
                sub.dropped += 1
                log.warning("bus_subscriber_full", subscriber=sub.name, alert_id=alert.id)
