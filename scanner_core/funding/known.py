"""The known funders: addresses whose transfers never link wallets (exchanges, bridges, on-ramps,
token mints) or are no funding at all (Polymarket's own contracts).

The shipped list (scanner_core/data/known_funders.json) is versioned and names a source for every
entry; POLYSCAN_FUNDING_KNOWN_FUNDERS_FILE adds a file of the same shape (or a bare list of
entries), whose entries win over shipped ones for the same address.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from scanner_core.funding.models import FunderKind, KnownFunder
from scanner_core.models import DomainError, normalise_address

SHIPPED = "known_funders.json"


class FunderListError(ValueError):
    """A known-funders file that cannot be used; `str()` names the file and the entry."""


@dataclass(frozen=True, slots=True)
class FunderBook:
    """Address -> known funder. Unknown addresses are plain wallets."""

    entries: Mapping[str, KnownFunder] = field(default_factory=dict)
    version: str = ""

    def classify(self, address: str) -> tuple[FunderKind, str]:
        known = self.entries.get(address)
        return (known.kind, known.label) if known is not None else (FunderKind.WALLET, "")

    def kind(self, address: str) -> FunderKind:
        return self.classify(address)[0]

    def __len__(self) -> int:
        return len(self.entries)

    def merged(self, extra: Iterable[KnownFunder], version: str = "") -> FunderBook:
        entries = dict(self.entries)
        entries.update((k.address, k) for k in extra)
        return FunderBook(entries, f"{self.version}+{version}" if version else self.version)


def parse_entries(data: Any, origin: str) -> tuple[list[KnownFunder], str]:
    """Entries of a known-funders document: {"version", "entries": [...]} or a bare list."""
    version = ""
    rows = data
    if isinstance(data, dict):
        version = str(data.get("version", ""))
        rows = data.get("entries")
    if not isinstance(rows, list):
        raise FunderListError(f"{origin}: expected a list of entries or {{'entries': [...]}}")
    out: list[KnownFunder] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise FunderListError(f"{origin}: entry {i} is not an object")
        try:
            address = normalise_address(str(row.get("address", "")))
            kind = FunderKind(str(row.get("kind", "")).lower())
        except (DomainError, ValueError) as exc:
            raise FunderListError(f"{origin}: entry {i}: {exc}") from None
        if kind is FunderKind.WALLET:
            raise FunderListError(f"{origin}: entry {i}: 'wallet' is what unknown addresses are already")
        out.append(KnownFunder(address, kind, str(row.get("label", "")), str(row.get("source", ""))))
    return out, version


def shipped_book() -> FunderBook:
    text = resources.files("scanner_core").joinpath("data", SHIPPED).read_text(encoding="utf-8")
    entries, version = parse_entries(json.loads(text), SHIPPED)
    return FunderBook({k.address: k for k in entries}, version)


def load_book(extra_file: str = "") -> FunderBook:
    """The shipped list, plus the user's file when one is named (FunderListError if it is unusable)."""
    book = shipped_book()
    if not extra_file:
        return book
    path = Path(extra_file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FunderListError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise FunderListError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    entries, version = parse_entries(data, str(path))
    return book.merged(entries, version or path.name)


__all__ = ["FunderBook", "FunderListError", "load_book", "parse_entries", "shipped_book"]
