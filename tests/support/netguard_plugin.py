"""pytest plugin: the network guard (tests/support/netguard.py) for every test of the run.

An attempt fails the test in the phase it happened in (setup, call or teardown), even when the
code under test caught the refusal and carried on.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from tests.support import netguard


def pytest_configure(config: pytest.Config) -> None:
    netguard.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    netguard.uninstall()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    found = netguard.take_attempts()
    if not found:
        return
    report = outcome.get_result()
    what = f"reached beyond loopback during {call.when}: {'; '.join(found)}"
    if report.passed or report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} {what}"
    else:
        report.sections.append(("network guard", what))
