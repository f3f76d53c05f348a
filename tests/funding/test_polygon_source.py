"""The Polygon JSON-RPC source against the fake node: real-shaped logs, block times, the provider's
range and result limits handled by splitting, its rate budget, and a node that is down."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from scanner_core.config import Settings
from scanner_core.funding.models import Transfer
from scanner_core.normalise import MalformedPayload
from scanner_core.sources.errors import SourceError
from scanner_core.sources.polygon import (
    PolygonRpc,
    RangeTooLarge,
    RpcError,
    RpcRateLimited,
    classify_error,
    log_from_json,
    topic_address,
    transfer_from_log,
)
from tests.fakes.polygon import PUSD, USDC_E, FakePolygon
from tests.funding.conftest import FUNDER, NOW, ago, wallet

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "polygon" / "eth_getLogs_transfer_getblock_docs.json"


def rpc_for(chain: FakePolygon, session: aiohttp.ClientSession, settings: Settings) -> PolygonRpc:
    return PolygonRpc.from_settings(settings, settings, session)


async def collect(rpc: PolygonRpc, **kwargs: Any) -> list[Transfer]:
    out: list[Transfer] = []
    async for _, _, page in rpc.transfers(**kwargs):
        out.extend(page)
    return out


def test_a_real_log_parses_and_the_fake_answers_in_its_shape(chain: FakePolygon) -> None:
    real = json.loads(REAL.read_text())["result"][0]
    entry = log_from_json(real)
    assert entry.block_number == 0x1D612E6 and entry.log_index == 0 and not entry.removed
    assert topic_address(entry.topics[1]) == "0x7e4aa755550152a522d9578621ea22edab204308"
    with pytest.raises(MalformedPayload):  # USDC on another chain is no collateral of Polymarket
        transfer_from_log(entry, NOW)
    fake = chain.add_transfer(USDC_E, FUNDER, wallet(1), "318.0", at=ago(hours=1))
    assert set(fake) == set(real)
    parsed = transfer_from_log(log_from_json(fake), NOW)
    assert parsed.amount == Decimal("318") and parsed.sender == FUNDER and parsed.recipient == wallet(1)


async def test_transfers_into_a_wallet_with_block_times(
    chain: FakePolygon, session: aiohttp.ClientSession, make_settings: Callable[..., Settings]
) -> None:
    chain.add_transfer(USDC_E, FUNDER, wallet(1), "5000", at=ago(days=2))
    chain.add_transfer(PUSD, FUNDER, wallet(1), "250.5", at=ago(hours=3))
    chain.add_transfer(USDC_E, FUNDER, wallet(2), "999", at=ago(hours=3))  # someone else
    rpc = rpc_for(chain, session, make_settings(polygon_rpc_url=chain.url, polygon_max_block_range=500_000))
    head = await rpc.block_number()
    found = await collect(rpc, recipients=[wallet(1)], from_block=head - 200_000, to_block=head)
    assert [(t.amount, t.token) for t in found] == [(Decimal("5000"), USDC_E), (Decimal("250.5"), PUSD)]
    assert found[0].timestamp == chain.time_of(chain.block_of(ago(days=2)))
    assert chain.requests["eth_getBlockByNumber"] >= 2  # no blockTimestamp: headers fetched (and cached)
    before = chain.requests["eth_getBlockByNumber"]
    await collect(rpc, recipients=[wallet(1)], from_block=head - 200_000, to_block=head)
    assert chain.requests["eth_getBlockByNumber"] == before


async def test_block_timestamp_field_saves_header_calls(
    session: aiohttp.ClientSession, make_settings: Callable[..., Settings]
) -> None:
    async with FakePolygon(head_time=NOW, block_timestamps=True) as chain:
        chain.add_transfer(USDC_E, FUNDER, wallet(1), "10", at=ago(days=1))
        rpc = rpc_for(chain, session, make_settings(polygon_rpc_url=chain.url, polygon_max_block_range=100_000))
        found = await collect(rpc, recipients=[wallet(1)], from_block=chain.head - 90_000, to_block=chain.head)
        assert len(found) == 1 and chain.requests["eth_getBlockByNumber"] == 0


async def test_the_providers_range_limit_is_handled_by_splitting(
    session: aiohttp.ClientSession, make_settings: Callable[..., Settings]
) -> None:
    async with FakePolygon(head_time=NOW, max_block_range=1000) as chain:
        for hours in (1, 20, 60):
            chain.add_transfer(USDC_E, FUNDER, wallet(1), "100", at=ago(hours=hours))
        rpc = rpc_for(chain, session, make_settings(polygon_rpc_url=chain.url, polygon_max_block_range=64_000))
        found = await collect(rpc, recipients=[wallet(1)], from_block=chain.head - 150_000, to_block=chain.head)
        assert len(found) == 3
        assert 0 < chain.range_errors <= 20 and rpc.range_errors == chain.range_errors
        assert all(hi - lo + 1 <= 64_000 for lo, hi in chain.get_logs_ranges)
        covered = sorted(r for r in chain.get_logs_ranges if r[1] - r[0] + 1 <= 1000)
        assert covered[0][0] == chain.head - 150_000 and covered[-1][1] == chain.head
        assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(covered))  # no gap, no overlap
        assert rpc.span <= 1000  # remembered for the next scan
        errors = chain.range_errors
        await collect(rpc, recipients=[wallet(1)], from_block=chain.head - 5000, to_block=chain.head)
        assert chain.range_errors == errors


async def test_a_result_count_limit_splits_too_and_a_single_block_over_it_is_an_error(
    session: aiohttp.ClientSession, make_settings: Callable[..., Settings]
) -> None:
    async with FakePolygon(head_time=NOW, max_results=3) as chain:
        for i in range(8):
            chain.add_transfer(USDC_E, FUNDER, wallet(i), "10", at=ago(hours=i * 5 + 1))
        rpc = rpc_for(chain, session, make_settings(polygon_rpc_url=chain.url, polygon_max_block_range=100_000))
        found = await collect(rpc, senders=[FUNDER], from_block=chain.head - 80_000, to_block=chain.head)
        assert len(found) == 8 and chain.range_errors > 0
        for i in range(4):
            chain.add_transfer(USDC_E, FUNDER, wallet(50 + i), "10", block=chain.head - 10)
        with pytest.raises(RangeTooLarge):
            await collect(rpc, senders=[FUNDER], from_block=chain.head - 10, to_block=chain.head - 10)


async def test_block_at_finds_the_block_of_a_moment(
    session: aiohttp.ClientSession, make_settings: Callable[..., Settings]
) -> None:
    async with FakePolygon(head_time=NOW, block_seconds=2.2) as chain:  # not the 2 s the client guesses
        rpc = rpc_for(chain, session, make_settings(polygon_rpc_url=chain.url))
        for days in (1, 30, 400):
            when = ago(days=days)
            found = await rpc.block_at(when)
            assert abs((chain.time_of(found) - when).total_seconds()) <= 300
        assert await rpc.block_at(NOW + timedelta(hours=1)) == chain.head


async def test_the_rate_budget_keeps_under_the_providers_limit(
    session: aiohttp.ClientSession, make_settings: Callable[..., Settings]
) -> None:
    async with FakePolygon(head_time=NOW, rate_per_second=10) as chain:
        rpc = rpc_for(chain, session, make_settings(polygon_rpc_url=chain.url, polygon_rate_per_second=10))
        for n in range(25):
            await rpc.block_time(chain.head - n)
        assert chain.requests["eth_getBlockByNumber"] == 25 and chain.rate_limited == 0


async def test_a_node_that_is_down_raises_a_source_error_without_the_url(
    chain: FakePolygon,
    session: aiohttp.ClientSession,
    make_settings: Callable[..., Settings],
    fast_http: dict[str, Any],
) -> None:
    chain.down = True
    rpc = rpc_for(chain, session, make_settings(polygon_rpc_url=chain.url, **fast_http))
    with pytest.raises(SourceError) as raised:
        await rpc.block_number()
    assert "test-api-key" not in str(raised.value)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("query returned more than 10000 results", RangeTooLarge),
        ("Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range", RangeTooLarge),
        ("block range is too wide", RangeTooLarge),
        ("exceed maximum block range: 1000", RangeTooLarge),
        ("eth_getLogs is limited to a 10,000 range", RangeTooLarge),
        ("Your app has exceeded its compute units per second capacity", RpcRateLimited),
        ("Too Many Requests", RpcRateLimited),
        ("execution reverted", None),
    ],
)
def test_provider_errors_are_told_apart(message: str, kind: type | None) -> None:
    found = classify_error("polygon:eth_getLogs", -32005, message)
    assert type(found) is (kind or RpcError)
