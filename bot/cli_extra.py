"""Subcommands contributed by later modules (replay, scan-wallets, ...). Each adds one entry."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def commands() -> list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]]:
    return []
