"""ClassificationLookup for `/wallet`: the stored verdict of one wallet."""

from __future__ import annotations

from typing import Protocol

from scanner_core.models import WalletClassification, is_address, normalise_address


class _Classifications(Protocol):
    async def get(self, address: str) -> WalletClassification | None: ...


class _HasClassifications(Protocol):
    @property
    def classifications(self) -> _Classifications: ...


class ClassificationReader:
    """scanner_core.ports.ClassificationLookup over the repositories (`Repositories()`)."""

    def __init__(self, repos: _HasClassifications) -> None:
        self._repos = repos

    async def get_classification(self, address: str) -> WalletClassification | None:
        if not is_address(address):
            return None
        return await self._repos.classifications.get(normalise_address(address))
