"""Component health: each part reports its state; /health and the alerter read the registry."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class State(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # working, with less (e.g. cache on L1 only)
    DOWN = "down"
    STARTING = "starting"
    DISABLED = "disabled"  # not configured (e.g. no bot token)


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    name: str
    state: State
    detail: str = ""
    last_success: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "detail": self.detail,
            "last_success": self.last_success.isoformat() if self.last_success else None,
        }


class HealthRegistry:
    """Latest state per component, plus listeners (the system alerter) told of every change."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._components: dict[str, ComponentHealth] = {}
        self._listeners: list[Callable[[ComponentHealth, ComponentHealth | None], None]] = []

    def set(self, name: str, state: State, detail: str = "") -> None:
        previous = self._components.get(name)
        last = previous.last_success if previous else None
        if state in (State.OK, State.DEGRADED):
            last = self._clock()
        current = ComponentHealth(name, state, detail, last)
        self._components[name] = current
        if previous is None or previous.state != current.state:
            for listener in self._listeners:
                listener(current, previous)

    def get(self, name: str) -> ComponentHealth | None:
        return self._components.get(name)

    def all(self) -> dict[str, ComponentHealth]:
        return dict(self._components)

    def subscribe(self, listener: Callable[[ComponentHealth, ComponentHealth | None], None]) -> None:
        self._listeners.append(listener)
