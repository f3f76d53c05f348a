"""Hypothesis settings for property tests: derandomised (CI sees the same examples every run), no
example database on disk, no per-example deadline (a loaded CI machine is slow, not wrong)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def property_settings(max_examples: int) -> settings:
    return settings(
        derandomize=True,
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
