"""`polyscan ingest` against the fake Polymarket, on a real database of this run's backend:
events, markets, periods and files in; every fill, price point and resolution stored; killed
halfway and resumed with nothing missing and nothing twice; a second run adds nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from scanner_core.backtest.checkpoints import Stage
from scanner_core.backtest.selection import Selection
from scanner_core.backtest.stopping import StopSignal
from scanner_core.marketref import parse_market_ref
from scanner_core.models import ResolutionStatus
from tests.backtest.conftest import NOW, IngestRig
from tests.fakes.history import BuiltMarket
from tests.fakes.polymarket import to_rtds_payload


def two_events(rig: IngestRig) -> list[BuiltMarket]:
    h = rig.history
    first = h.event("election-night", [h.market(trades=260, winner=0), h.market(trades=190, winner=1)])
    second = h.event("rate-decision", [h.market(trades=230, resolution="split"), h.market(trades=120, winner=1)])
    return [*first.markets, *second.markets]


async def assert_complete(rig: IngestRig, markets: list[BuiltMarket]) -> None:
    """Stored trades and price points are exactly what the fake holds: nothing missing, nothing twice."""
    for market in markets:
        expected = rig.expected_trades(market.condition_id)
        stored = await rig.stored_trades(market.condition_id)
        assert stored.keys() == expected.keys(), market.slug
        for token in market.token_ids:
            points = await rig.repos.history.price_points(token)
            held = [(p["t"], Decimal(str(p["p"]))) for p in rig.pm.price_history[token]]
            assert [(int(p.timestamp.timestamp()), p.price) for p in points] == held


async def stored_trade_count(rig: IngestRig, markets: list[BuiltMarket]) -> int:
    total = 0
    for market in markets:
        total += len(await rig.stored_trades(market.condition_id))
    return total


async def test_two_events_killed_halfway_then_resumed_lose_nothing_and_store_nothing_twice(rig: IngestRig) -> None:
    markets = two_events(rig)
    selection = Selection(events=("election-night", "rate-decision"))
    full_pages = sum(-(-len(rig.pm.trades_of(m.condition_id)) // 50) for m in markets)

    run = asyncio.create_task(rig.run(selection))
    await rig.pm.wait_until(lambda: rig.pm.requests["data:/v2/trades"] >= full_pages // 2, timeout=20)
    run.cancel()  # killed: no graceful stop
    await asyncio.gather(run, return_exceptions=True)
    first_calls = rig.pm.requests["data:/v2/trades"]
    partial = await stored_trade_count(rig, markets)
    total = sum(len(rig.pm.trades_of(m.condition_id)) for m in markets)
    assert 0 < partial < total

    report = await rig.run(selection)
    assert report.markets == report.markets_done == 4 and not report.failures and not report.interrupted
    await assert_complete(rig, markets)
    # the second run continued from the checkpoints instead of paging every market again
    assert rig.pm.requests["data:/v2/trades"] - first_calls < full_pages
    assert report.resolutions == {"resolved": 3, "split": 1}
    # every wallet that traded was handed to the wallets domain, up to the market's last fill
    wallets = {str(t.wallet) for m in markets for t in rig.expected_trades(m.condition_id).values()}
    assert {a for addresses, _ in rig.wallets.calls for a in addresses} == wallets


async def test_a_graceful_stop_keeps_what_was_fetched_and_the_same_command_finishes(rig: IngestRig) -> None:
    markets = two_events(rig)
    selection = Selection(events=("election-night", "rate-decision"))
    stop = StopSignal()
    ingestor = rig.ingestor(stop=stop)
    run = asyncio.create_task(ingestor.run(selection))
    await rig.pm.wait_until(lambda: rig.pm.requests["data:/v2/trades"] >= 4, timeout=20)
    stop.set()
    report = await run
    assert report.interrupted and report.pending > 0
    stored = await stored_trade_count(rig, markets)
    assert stored >= report.trades_new > 0  # each page written before the stop stayed written

    again = await rig.run(selection)
    assert not again.interrupted and again.markets_done == 4
    await assert_complete(rig, markets)


async def test_a_second_run_adds_nothing_and_makes_few_calls(rig: IngestRig) -> None:
    markets = two_events(rig)
    selection = Selection(events=("election-night", "rate-decision"))
    first = await rig.run(selection)
    assert first.trades_new == sum(len(rig.pm.trades_of(m.condition_id)) for m in markets)
    assert first.price_points_new == sum(len(rig.pm.price_history[t]) for m in markets for t in m.token_ids)
    wallet_calls = len(rig.wallets.calls)
    rig.pm.reset_requests()

    second = await rig.run(selection)
    assert second.markets_done == 4
    assert second.trades_new == 0 and second.price_points_new == 0 and second.trades_fetched == 0
    assert dict(rig.pm.requests) == {"gamma:/events/slug/{slug}": 2}  # the two event lookups, nothing per market
    assert len(rig.wallets.calls) == wallet_calls
    await assert_complete(rig, markets)


async def test_markets_by_slug_url_and_condition_id(rig: IngestRig) -> None:
    h = rig.history
    by_slug, by_url, by_id = (h.standalone(h.market(trades=40)) for _ in range(3))
    refs = (
        parse_market_ref(by_slug.slug),
        parse_market_ref(f"https://polymarket.com/event/some-event/{by_url.slug}"),
        parse_market_ref(by_id.condition_id.upper().replace("0X", "0x")),
    )
    report = await rig.run(Selection(markets=refs))
    assert report.markets_done == 3 and not report.failures
    await assert_complete(rig, [by_slug, by_url, by_id])
    stored = await rig.repos.markets.get(by_id.condition_id)
    assert stored is not None and stored.resolution.status is ResolutionStatus.RESOLVED
    assert stored.closed_time == datetime(2026, 7, 24, 0, 0, 16, tzinfo=UTC)
    assert stored.end_date == datetime(2026, 7, 24, 0, 0, tzinfo=UTC)

    rig.pm.reset_requests()
    again = await rig.run(Selection(markets=refs[2:]))
    assert again.markets_done == 1 and again.trades_new == 0
    assert sum(rig.pm.requests.values()) == 0  # stored with a final resolution: no call at all


async def test_an_unknown_market_or_event_is_reported_and_the_rest_is_ingested(rig: IngestRig) -> None:
    known = rig.history.standalone(rig.history.market(trades=30))
    selection = Selection(
        events=("no-such-event",), markets=(parse_market_ref("no-such-market"), parse_market_ref(known.slug))
    )
    report = await rig.run(selection)
    assert report.markets_done == 1
    assert report.failures == [
        "--event no-such-event: event 'no-such-event' not found on Gamma",
        "--market no-such-market: market 'no-such-market' not found on Gamma",
    ]
    await assert_complete(rig, [known])


async def test_closed_since_until_takes_the_markets_that_closed_in_the_period(rig: IngestRig) -> None:
    h = rig.history
    day = datetime(2026, 7, 10, 18, 30, tzinfo=UTC)
    inside = [h.standalone(h.market(trades=20, closed_at=day + timedelta(days=d))) for d in (0, 3, 6)]
    before = h.standalone(h.market(trades=20, closed_at=day - timedelta(days=2)))
    after = h.standalone(h.market(trades=20, closed_at=day + timedelta(days=9)))
    still_open = h.standalone(h.market(trades=20, resolution="open", closed_at=day + timedelta(days=2)))
    since, until = datetime(2026, 7, 10, tzinfo=UTC), datetime(2026, 7, 16, 23, 59, 59, tzinfo=UTC)

    report = await rig.run(Selection(closed_since=since, closed_until=until))
    assert report.markets_done == 3 and not report.failures
    await assert_complete(rig, inside)
    for outside in (before, after, still_open):
        assert await rig.repos.markets.get(outside.condition_id) is None
    keyset = [query for route, query in rig.pm.request_log if route == "gamma:/markets/keyset"]
    assert keyset and all(("closed", "true") in query for query in keyset)


async def test_closed_pages_through_keyset_cursors_and_falls_back_to_offsets(rig: IngestRig) -> None:
    h = rig.history
    day = datetime(2026, 7, 20, tzinfo=UTC)
    markets = [h.standalone(h.market(trades=2, closed_at=day + timedelta(hours=i))) for i in range(130)]
    selection = Selection(closed_since=day, closed_until=day + timedelta(days=7))
    report = await rig.run(selection, ingest_concurrency=8)
    assert report.markets_done == 130
    assert rig.pm.requests["gamma:/markets/keyset"] == 2  # 100 a page, then the rest

    rig.pm.reset_requests()
    rig.pm.faults.fail("gamma:/markets/keyset", 404, body='{"error": "not found"}')
    again = await rig.run(selection)
    assert again.markets == 130 and again.trades_new == 0
    assert rig.pm.requests["gamma:/markets"] == 2  # offset pages of 100 where keyset is missing
    assert {m.condition_id for m in markets} <= set(await rig.repos.history.ingested_markets())


async def test_resolutions_unresolved_split_voided_and_pending(rig: IngestRig) -> None:
    h = rig.history
    cases = {
        "resolved": h.market(trades=10, winner=1),
        "split": h.market(trades=10, resolution="split"),
        "voided": h.market(trades=10, resolution="voided"),
        "open": h.market(trades=10, resolution="open", closed_at=NOW - timedelta(hours=1)),
        "pending": h.market(trades=10, resolution="pending"),
        "legacy": h.market(trades=10, winner=0, uma_status=None),  # closed one-hot, no status field
    }
    h.event("all-the-ends", list(cases.values()))
    report = await rig.run(Selection(events=("all-the-ends",)))
    assert report.resolutions == {"resolved": 2, "split": 1, "voided": 1, "unresolved": 2}

    stored = {name: await rig.repos.markets.get(m.condition_id) for name, m in cases.items()}
    won = stored["resolved"]
    assert won is not None and won.resolution.status is ResolutionStatus.RESOLVED
    assert won.resolution.winning_index == 1 and won.resolution.winning_token_id == cases["resolved"].token_ids[1]
    assert won.payout_of(cases["resolved"].token_ids[1]) == 1 and won.payout_of(cases["resolved"].token_ids[0]) == 0
    split = stored["split"]
    assert split is not None and split.resolution.payouts == (Decimal("0.5"), Decimal("0.5"))
    assert stored["voided"] is not None and stored["voided"].resolution.status is ResolutionStatus.VOIDED
    assert stored["voided"].payout_of(cases["voided"].token_ids[0]) is None
    for name in ("open", "pending"):
        market = stored[name]
        assert market is not None and market.resolution.status is ResolutionStatus.UNRESOLVED
        assert market.payout_of(cases[name].token_ids[0]) is None
    legacy = stored["legacy"]
    assert legacy is not None and legacy.resolution.winning_index == 0

    # unresolved markets are looked at again on the next run; final ones are not
    checkpoints = {name: await rig.repos.history.checkpoints(m.condition_id) for name, m in cases.items()}
    assert checkpoints["resolved"][Stage.MARKET].done and not checkpoints["pending"][Stage.MARKET].done
    assert checkpoints["pending"][Stage.TRADES].done  # closed: no fill can come any more
    assert not checkpoints["open"][Stage.TRADES].done


async def test_an_open_market_is_caught_up_on_the_next_run(rig: IngestRig) -> None:
    market = rig.history.market(trades=120, resolution="open", closed_at=NOW - timedelta(hours=2))
    rig.history.event("still-trading", [market])
    await rig.run(Selection(events=("still-trading",)))
    newer = rig.history.market(trades=0, resolution="open")  # a template for new fills
    fills = [
        {**row, "conditionId": market.condition_id, "asset": market.token_ids[0], "timestamp": int(NOW.timestamp())}
        for row in rig.history._fills(newer, 30, NOW - timedelta(hours=1), NOW, 0.3)
    ]
    rig.pm.add_trades(fills)
    rig.pm.reset_requests()

    report = await rig.run(Selection(events=("still-trading",)))
    assert report.trades_new == 30
    assert rig.pm.requests["data:/v2/trades"] == 1  # newest page only: it reaches what was stored
    await assert_complete(rig, [market])


async def test_v1_time_windows_when_v2_is_missing(rig: IngestRig) -> None:
    # many fills share each second, so windows restart inside a second and must not lose rows
    market = rig.history.market(trades=700, span=timedelta(seconds=90))
    rig.history.event("dense", [market])
    rig.pm.faults.fail("data:/v2/trades", 404, body='{"error": "not found"}')
    ingestor = rig.ingestor()
    ingestor.trades.max_offset = 200  # the real cap is 10,000: a smaller one walks several windows here
    report = await ingestor.run(Selection(events=("dense",)))
    assert report.markets_done == 1
    await assert_complete(rig, [market])
    windows = {dict(q).get("end") for route, q in rig.pm.request_log if route == "data:/trades"}
    assert len(windows) > 3  # the pass moved its end down several times
    assert all(("takerOnly", "false") in q for route, q in rig.pm.request_log if route == "data:/trades")


async def test_price_history_is_fetched_in_windows_the_clob_accepts(rig: IngestRig) -> None:
    market = rig.history.market(trades=5, span=timedelta(days=40), price_step=timedelta(hours=2))
    rig.history.event("long-market", [market])
    report = await rig.run(Selection(events=("long-market",)))
    assert report.markets_done == 1 and not report.failures
    await assert_complete(rig, [market])
    spans = [
        int(dict(q)["endTs"]) - int(dict(q)["startTs"]) for route, q in rig.pm.request_log if "prices-history" in route
    ]
    assert len(spans) == 6 and max(spans) <= 14 * 86400  # 3 windows per token, none over the cap
    fidelity = {dict(q)["fidelity"] for route, q in rig.pm.request_log if "prices-history" in route}
    assert fidelity == {"39"}  # 40 days over 1,500 points


async def test_files_of_both_formats_with_a_broken_line(rig: IngestRig, tmp_path: Path) -> None:
    h = rig.history
    paged, framed = h.market(trades=80, winner=0), h.market(trades=60, resolution="split")
    h.event("recorded", [paged, framed])
    page = tmp_path / "page.json"
    page.write_text(json.dumps(rig.pm.trades_of(paged.condition_id)))  # a /trades page, newest first
    rows = rig.pm.trades_of(framed.condition_id)
    frames = [json.dumps({"topic": "activity", "type": "trades", "payload": to_rtds_payload(r)}) for r in rows]
    lines = tmp_path / "frames.jsonl"
    lines.write_text("\n".join([*frames[:50], '{"topic": "activity", "payl', *frames[50:]]) + "\n")

    report = await rig.run(Selection(files=(page, lines)))
    assert report.file_error is not None and report.file_error.startswith(f"{lines}:51:")
    assert report.file_trades == 80 + 50 and report.file_trades_new == 130
    assert report.markets_done == 2 and report.resolutions == {"resolved": 1, "split": 1}
    assert rig.pm.requests["data:/v2/trades"] == rig.pm.requests["data:/trades"] == 0  # the files are the tape
    await assert_complete(rig, [paged])
    stored = await rig.stored_trades(framed.condition_id)
    assert len(stored) == 50  # the valid lines before the broken one
    framed_market = await rig.repos.markets.get(framed.condition_id)
    assert framed_market is not None and framed_market.resolution.status is ResolutionStatus.SPLIT
    assert rig.wallets.calls  # wallets seen in files are handed on too


async def test_a_file_market_gamma_does_not_know_stays_unresolved_with_its_trades(
    rig: IngestRig, tmp_path: Path
) -> None:
    known = rig.history.market(trades=10)
    rig.history.event("known", [known])
    unknown = rig.history.market(trades=10)  # its fills exist, Gamma does not know the market
    page = tmp_path / "page.json"
    page.write_text(json.dumps(rig.pm.trades_of(known.condition_id) + rig.pm.trades_of(unknown.condition_id)))
    report = await rig.run(Selection(files=(page,)))
    assert report.failures == [f"--file: market {unknown.condition_id} not found on Gamma (its trades are stored)"]
    assert len(await rig.stored_trades(unknown.condition_id)) == 10
    assert await rig.repos.markets.get(unknown.condition_id) is None  # no resolution: unresolved
    assert unknown.condition_id in await rig.repos.history.ingested_markets()  # kept by the retention too
