"""Tracing a wallet against the fake node into the real database: first funding, largest funders,
exchanges and on-ramps never making siblings, busy funders, siblings polyscan never saw, ranges
never read twice, no look-ahead, and a node that is down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from db.repositories import Repositories
from scanner_core.funding.models import FunderKind
from scanner_core.funding.service import FundingService
from scanner_core.health import HealthRegistry, State
from scanner_core.sources.polygon import PolygonRpc
from tests.conftest import FakeClock
from tests.fakes.polygon import PUSD, USDC_E, FakePolygon
from tests.funding.conftest import EXCHANGE, FUNDER, NOW, ONRAMP, ago, wallet

Build = Callable[..., tuple[FundingService, PolygonRpc, HealthRegistry]]


async def test_first_funding_and_largest_funders(db: str, chain: FakePolygon, make_service: Build) -> None:
    me = wallet(1)
    chain.add_transfer(USDC_E, "0x" + "99" * 20, me, "0.5", at=ago(days=6))  # dust (address poisoning)
    chain.add_transfer(USDC_E, FUNDER, me, "5000", at=ago(days=3))
    chain.add_transfer(PUSD, ONRAMP, me, "1200", at=ago(days=2))
    chain.add_transfer(USDC_E, EXCHANGE, me, "20000", at=ago(days=1))
    chain.add_transfer(USDC_E, "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e", me, "900", at=ago(hours=5))  # a sale
    chain.add_transfer(USDC_E, FUNDER, me, "800", at=ago(days=30))  # before the lookback: not read
    service, _rpc, health = make_service()
    result = await service.trace(me, first_activity=ago(days=1))
    assert result.status == "ok" and result.requests > 0
    profile = result.profile
    assert profile is not None and profile.first is not None
    first = profile.first
    assert (first.sender, first.amount, first.kind) == (FUNDER, Decimal("5000"), FunderKind.WALLET)
    assert first.at == chain.time_of(chain.block_of(ago(days=3)))
    assert [(f.address, f.kind, f.total_usd) for f in profile.funders] == [
        (EXCHANGE, FunderKind.EXCHANGE, Decimal("20000")),
        (FUNDER, FunderKind.WALLET, Decimal("5000")),
        (ONRAMP, FunderKind.ONRAMP, Decimal("1200")),
    ]
    assert profile.funders[0].label.startswith("Binance")
    assert profile.total_usd == Decimal("26200")  # trade proceeds are not funding
    state = health.get("polygon")
    assert state is not None and state.state is State.OK

    # cached: no second trace within the TTL, and a forced one reads no range twice
    calls = chain.requests["eth_getLogs"]
    assert (await service.trace(me, first_activity=ago(days=1))).status == "cached"
    assert (await service.trace(me, first_activity=ago(days=1), force=True)).status == "ok"
    assert chain.requests["eth_getLogs"] == calls
    counts = await Repositories().funding.counts()
    assert counts["transfers"] == 5 and counts["traces"] == 1


async def test_two_wallets_funded_by_an_exchange_or_the_onramp_are_not_siblings(
    db: str, chain: FakePolygon, make_service: Build
) -> None:
    a, b, c, d = wallet(1), wallet(2), wallet(3), wallet(4)
    chain.add_transfer(USDC_E, EXCHANGE, a, "3000", at=ago(hours=30))
    chain.add_transfer(USDC_E, EXCHANGE, b, "3000", at=ago(hours=29))
    chain.add_transfer(PUSD, ONRAMP, c, "3000", at=ago(hours=30))
    chain.add_transfer(PUSD, ONRAMP, d, "3000", at=ago(hours=28))
    service, _, _ = make_service()
    for w in (a, b, c, d):
        result = await service.trace(w, first_activity=ago(hours=20))
        assert result.status == "ok" and result.siblings == ()
    # nobody followed the exchange's or the onramp's outbound payments
    assert all(EXCHANGE[2:] not in str(t) and ONRAMP[2:] not in str(t) for t in chain.get_logs_ranges)
    found = await service.wallet_funding(a)
    assert found is not None and found.siblings == () and found.profile.funders[0].kind is FunderKind.EXCHANGE


async def test_a_plain_funder_links_wallets_polyscan_never_saw(
    db: str, chain: FakePolygon, make_service: Build
) -> None:
    me, sib1, sib2, late = wallet(1), wallet(2), wallet(3), wallet(4)
    chain.add_transfer(USDC_E, FUNDER, me, "4000", at=ago(hours=50))
    chain.add_transfer(USDC_E, FUNDER, sib1, "4500", at=ago(hours=49))
    chain.add_transfer(PUSD, FUNDER, sib2, "3900", at=ago(hours=20))
    chain.add_transfer(USDC_E, FUNDER, late, "4100", at=ago(hours=50) - timedelta(hours=80))  # outside 72 h
    service, _, _ = make_service()
    result = await service.trace(me, first_activity=ago(hours=40))
    assert [(s.wallet, s.amount, s.funder) for s in result.siblings] == [
        (sib1, Decimal("4500"), FUNDER),
        (sib2, Decimal("3900"), FUNDER),
    ]
    assert result.siblings[0].gap_hours == 1.0
    # the sibling was never traced, yet its own lookup finds the group from stored edges
    mine = await service.wallet_funding(sib1)
    assert mine is not None and {s.wallet for s in mine.siblings} == {me, sib2}


async def test_a_busy_funder_is_a_service_and_links_nobody(db: str, chain: FakePolygon, make_service: Build) -> None:
    me = wallet(1)
    chain.add_transfer(USDC_E, FUNDER, me, "2000", at=ago(hours=10))
    for i in range(12):
        chain.add_transfer(USDC_E, FUNDER, wallet(100 + i), "2000", at=ago(hours=9))
    service, _, _ = make_service(funding_busy_recipients=8)
    result = await service.trace(me, first_activity=ago(hours=5))
    assert result.siblings == ()
    assert result.profile is not None and result.profile.funders[0].kind is FunderKind.SERVICE


async def test_the_profile_as_of_a_moment_ignores_later_transfers(
    db: str, chain: FakePolygon, make_service: Build
) -> None:
    me, sib = wallet(1), wallet(2)
    chain.add_transfer(USDC_E, EXCHANGE, me, "1000", at=ago(hours=10))
    service, _, _ = make_service()
    as_of = ago(hours=5)
    await service.trace(me, first_activity=as_of, as_of=as_of)  # traced back then
    before = await service._context(me, None, as_of)
    # the future happens: a plain funder pays it later, and a sibling
    chain.add_transfer(USDC_E, FUNDER, me, "9000", at=ago(hours=2))
    chain.add_transfer(USDC_E, FUNDER, sib, "9000", at=ago(hours=1))
    await service.trace(me, first_activity=ago(hours=5), force=True)
    after = await service._context(me, None, as_of)
    assert before == after and before is not None and before.siblings == ()
    now = await service._context(me, None, NOW)
    assert now is not None and [s.wallet for s in now.siblings] == [sib]


async def test_a_node_that_is_down_degrades_the_source_and_fails_the_trace_only(
    db: str, chain: FakePolygon, make_service: Build, clock: FakeClock, fast_http: dict[str, Any]
) -> None:
    chain.down = True
    service, _, health = make_service()
    result = await service.trace(wallet(1))
    assert result.status == "failed"
    state = health.get("polygon")
    assert state is not None and state.state is State.DEGRADED and "test-api-key" not in state.detail
    assert await service.wallet_funding(wallet(1)) is None
    chain.down = False
    clock.advance(hours=1)
    assert (await service.trace(wallet(1))).status == "ok"  # a failed trace is retried, not cached
    state = health.get("polygon")
    assert state is not None and state.state is State.OK


async def test_a_trace_spends_at_most_its_budget(db: str, chain: FakePolygon, make_service: Build) -> None:
    service, _, _ = make_service(funding_max_requests_per_wallet=10, polygon_max_block_range=1000)
    result = await service.trace(wallet(1), first_activity=ago(days=2))
    assert result.status == "partial" and result.requests == 10


async def test_a_burst_of_wallets_is_read_together(db: str, chain: FakePolygon, make_service: Build) -> None:
    wallets = [wallet(10 + i) for i in range(6)]
    for i, w in enumerate([*wallets, wallet(9)]):
        chain.add_transfer(USDC_E, FUNDER if i < 3 else EXCHANGE, w, 1000 + i, at=ago(hours=20 + i))
    service, _, _ = make_service(polygon_max_block_range=20_000)
    alone = await service.trace(wallet(9), first_activity=ago(hours=10))
    one = chain.requests["eth_getLogs"]
    assert alone.profile is not None and alone.profile.total_usd == 1006
    results = await service.trace_many([(w, ago(hours=10)) for w in wallets])
    batched = chain.requests["eth_getLogs"] - one
    assert [r.status for r in results] == ["ok"] * 6
    assert [r.profile.total_usd for r in results if r.profile] == [1000 + i for i in range(6)]
    assert {s.wallet for s in results[0].siblings} == set(wallets[1:3])
    assert all(r.siblings == () for r in results[3:])
    assert chain.max_topics_seen == 6  # one query named all six
    assert batched < 2 * one  # six wallets for the price of (about) one, plus their funder


async def test_an_old_wallet_is_traced_around_its_first_activity(db: str, make_service: Build) -> None:
    me = wallet(1)
    async with FakePolygon(head_time=NOW, block_seconds=2.3) as old_chain:  # not the client's 2 s guess
        first_trade = ago(days=400)
        old_chain.add_transfer(USDC_E, FUNDER, me, "7000", at=first_trade - timedelta(days=2))
        old_chain.add_transfer(USDC_E, EXCHANGE, me, "100", at=ago(days=1))  # long after: outside the window
        fresh = wallet(2)
        old_chain.add_transfer(USDC_E, FUNDER, fresh, "50", at=ago(days=1))
        service, _, _ = make_service(polygon_rpc_url=old_chain.url, polygon_max_block_range=100_000)
        results = await service.trace_many([(me, first_trade), (fresh, ago(hours=2))])
        profile = results[0].profile
        assert profile is not None and profile.first is not None
        assert (profile.first.amount, profile.first.sender) == (Decimal("7000"), FUNDER)
        assert [f.address for f in profile.funders] == [FUNDER]
        assert results[1].profile is not None and results[1].profile.total_usd == Decimal("50")
