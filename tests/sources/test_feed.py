"""The RTDS stream and the trade feed against the fake Polymarket over real sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp
from prometheus_client import REGISTRY

from scanner_core.config import Settings
from scanner_core.health import State
from scanner_core.models import TradeSource, from_unix, now_utc
from scanner_core.monitoring import Monitor
from scanner_core.ports import FeedStatus
from scanner_core.sources.feed import Deduper
from tests.fakes.polymarket import ConnFault, FakePolymarket, fresh_trades, sample_trade_rows
from tests.sources.feed_harness import START_TS, Harness


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def keys(rows: list[dict[str, Any]]) -> list[str]:
    from scanner_core.normalise import trade_from_row

    return [trade_from_row(row, not_after=now_utc()).dedup_key for row in rows]


async def test_5000_trades_20_drops_3_stalls_each_exactly_once(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 5000, start_ts=START_TS, per_second=40)
    plan = [ConnFault("silent" if i in (4, 11, 18) else "drop", after_frames=80 + (i * 37) % 60) for i in range(23)]
    pm.faults.rtds_plan.extend(plan)
    harness = harness_factory()
    await harness.start()

    published = 0
    for round_number, fault in enumerate(plan):
        chunk = rows[published : published + fault.after_frames + 60]
        published += await pm.publish_trades(chunk)
        # the connection died (or went silent) after `after_frames`; the rest of the chunk went
        # out while the client was away: wait for it to come back before the next round
        await pm.wait_until(lambda n=round_number: pm.rtds_subscriptions >= n + 2, timeout=5)
    published += await pm.publish_trades(rows[published:])
    assert published == 5000

    await harness.wait_for(5000)
    got = [t.dedup_key for t in harness.received]
    assert len(got) == 5000 and set(got) == set(keys(rows))
    assert pm.faults_applied["rtds_drop"] == 20 and pm.faults_applied["rtds_silent"] == 3
    counts = harness.feed.counts
    assert counts["live"] + counts["backfill"] == 5000 + harness.sentinels
    # every trade the fake never wrote to a socket (sent while the client was away) came from /trades
    missed = [t for t in harness.received if t.tx_hash not in pm.rtds_delivered]
    assert len(missed) >= 3 * 60 and all(t.source is TradeSource.BACKFILL for t in missed)
    assert counts["backfills"] >= 23 and counts["duplicates"] > 0
    assert harness.feed.reconnects >= 23
    assert harness.feed.last_trade_at == from_unix(rows[-1]["timestamp"])
    # backfill asks for maker and taker rows, as RTDS sends both
    backfills = [dict(q) for route, q in pm.request_log if route == "data:/trades"]
    assert backfills and all(q["takerOnly"] == "false" and "filterType" not in q for q in backfills)
    assert harness.health.get("rtds").state is State.OK  # type: ignore[union-attr]


async def test_malformed_and_string_typed_frames(pm: FakePolymarket, harness_factory: Callable[..., Harness]) -> None:
    pm.clear_trades()
    pm.faults.rtds_malformed_every = 10
    pm.faults.numbers_as_strings = True
    rows = fresh_trades(sample_trade_rows(), 300, start_ts=START_TS, per_second=5)
    harness = harness_factory()
    await harness.start()
    before = metric("scanner_frames_malformed_total", source="rtds")
    pm.push_rtds_raw("")  # keepalive
    pm.push_rtds_raw('{"message":"hello","statusCode":400}')
    await pm.publish_trades(rows)
    await harness.wait_for(300)
    assert [t.dedup_key for t in harness.received] == keys(rows)  # string numbers: same keys, same order
    assert all(t.wallet == t.wallet.lower() and isinstance(t.size, Decimal) for t in harness.received)
    assert (
        metric("scanner_frames_malformed_total", source="rtds")
        == before + pm.faults_applied["rtds_malformed"]
        == before + 60
    )
    assert harness.feed.connected


async def test_pings_keep_the_connection_and_silence_is_a_stall(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    pm.faults.rtds_plan.append(ConnFault("silent", after_frames=1))
    harness = harness_factory(ping_seconds=0.05, stall_seconds=0.3)
    stalls_before = metric("scanner_websocket_reconnects_total", stream="rtds", reason="stall")
    await harness.start()
    await pm.publish_trades(fresh_trades(sample_trade_rows(), 1, start_ts=START_TS))
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 2, timeout=3)
    assert metric("scanner_websocket_reconnects_total", stream="rtds", reason="stall") == stalls_before + 1
    pings_before = pm.pings["rtds"]
    # a healthy connection: PONGs keep it alive past stall_seconds (10 pings: 0.5 s > 0.3 s)
    await pm.wait_until(lambda: pm.pings["rtds"] >= pings_before + 10)
    assert pm.rtds_subscriptions == 2 and pm.rtds_connections == 2 and harness.feed.connected


async def test_down_after_10_failed_attempts_then_keeps_trying_slowly(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.faults.rtds_plan.extend(ConnFault("refuse") for _ in range(13))
    harness = harness_factory(backoff_min=0.001, backoff_max=0.02)
    await harness.feed.start()
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 1, timeout=5)
    states = [state for state, _ in harness.states]
    assert states[0] is State.STARTING
    assert State.DOWN in states and states[-1] is State.OK
    down_at = states.index(State.DOWN)
    assert "10 failed attempts" in harness.states[down_at][1]
    # exponential from backoff_min, doubling per failure, then the slow rate once down
    for failures, delay in enumerate(harness.backoffs[:13], start=1):
        ceiling = 0.02 if failures >= 10 else min(0.02, 0.001 * 2 ** (failures - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert pm.faults_applied["rtds_refuse"] == 13
    assert harness.health.get("rtds").state is State.OK  # type: ignore[union-attr]


async def test_slow_consumer_slows_the_reader_and_loses_nothing(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 400, start_ts=START_TS, per_second=20)
    harness = harness_factory(queue_size=10, stall_seconds=5.0)
    await harness.start(consume=False)
    blocked_before = metric("scanner_feed_backpressure_seconds_total")
    await pm.publish_trades(rows)
    # full: the reader waits on the 11th trade instead of buffering without bound
    await pm.wait_until(lambda: harness.feed.counts["live"] >= 11)
    assert harness.feed.queue_depth == 10 and harness.feed.counts["live"] == 11
    harness.consume()
    await harness.wait_for(400)
    assert [t.dedup_key for t in harness.received] == keys(rows)
    assert harness.feed.blocked_seconds > 0  # the reader waited for the consumer
    assert metric("scanner_feed_backpressure_seconds_total") > blocked_before


async def test_waiting_on_a_slow_consumer_is_not_silence(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 200, start_ts=START_TS, per_second=20)
    harness = harness_factory(queue_size=10, silence_seconds=0.3, stall_seconds=5.0, ping_seconds=0.05)
    silences = metric("scanner_rtds_silences_total", type="all")
    await harness.start(consume=False)
    await pm.publish_trades(rows)
    await pm.wait_until(lambda: harness.feed.counts["live"] >= 11)  # the reader waits on the full queue
    pings = pm.pings["rtds"]
    await pm.wait_until(lambda: pm.pings["rtds"] >= pings + 12)  # 0.6 s: twice the silence threshold
    assert metric("scanner_rtds_silences_total", type="all") == silences
    harness.consume()
    await harness.wait_for(200)
    assert pm.rtds_connections == 1 and metric("scanner_rtds_silences_total", type="all") == silences


async def test_start_since_backfills_what_happened_while_the_process_was_down(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 600, start_ts=START_TS, per_second=10)
    pm.add_trades(rows[:500])  # history: 10 trades a second for 50 s
    harness = harness_factory(page_size=100)
    since = from_unix(START_TS + 30)  # the newest trade the database had
    await harness.start(since=since)
    await pm.publish_trades(rows[500:])
    expected = [r for r in rows if r["timestamp"] >= START_TS + 30 - 2]  # boundary minus the overlap
    await harness.wait_for(len(expected))
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(expected))
    backfilled = [t for t in harness.received if t.source is TradeSource.BACKFILL]
    assert [t.timestamp for t in backfilled] == sorted(t.timestamp for t in backfilled)  # oldest first
    assert len(backfilled) >= 200


async def test_a_failed_backfill_is_retried_and_still_loses_nothing(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 300, start_ts=START_TS, per_second=10)
    pm.faults.rtds_plan.append(ConnFault("drop", after_frames=100))
    harness = harness_factory(max_retries=0)
    # the first connection has nothing to fill: the first /trades call is the reconnect's backfill
    # (set up front, as that backfill may start before the test sees the new subscription)
    pm.faults.fail("data:/trades", status=503, times=3)
    await harness.start()
    await pm.publish_trades(rows[:150])
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 2)
    await pm.publish_trades(rows[150:])
    await harness.wait_for(300)
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(rows))
    assert harness.feed.counts["backfill_failures"] == 3


async def test_backfill_uses_the_cash_floor_when_set(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    harness = harness_factory(filter_usd=Decimal(50))
    rows = fresh_trades(sample_trade_rows(), 20, start_ts=START_TS)
    await harness.start(since=from_unix(START_TS))
    await pm.publish_trades(rows)
    await pm.wait_until(lambda: pm.requests["data:/trades"] >= 1)
    query = dict(pm.request_log[-1][1])
    assert query["filterType"] == "CASH" and query["filterAmount"] == "50"


def test_feed_satisfies_feed_status(pm: FakePolymarket, session: aiohttp.ClientSession, settings: Settings) -> None:
    harness = Harness(pm, session, settings)
    status: FeedStatus = harness.feed
    assert status.connected is False and status.last_trade_at is None and status.reconnects == 0


def test_deduper_forgets_oldest_first() -> None:
    dedup = Deduper(3)
    assert [dedup.add(k) for k in "abca"] == [True, True, True, False]
    assert dedup.add("d") and "a" not in dedup and len(dedup) == 3
    assert dedup.add("a")


async def test_the_newest_stored_trade_is_where_a_restart_resumes(db: str) -> None:
    from db.repositories import Repositories
    from scanner_core.normalise import trade_from_row

    trades = Repositories().trades
    assert await trades.newest_trade_time() is None
    rows = fresh_trades(sample_trade_rows(), 5, start_ts=START_TS, per_second=1)
    await trades.save_trades([trade_from_row(r, not_after=now_utc()) for r in rows])
    assert await trades.newest_trade_time() == from_unix(START_TS + 4)


# ---------------------------------------------------------------- both RTDS types, silence watchdogs


async def publish_until(pm: FakePolymarket, rows: list[dict[str, Any]], done: Callable[[], bool], rate: float) -> int:
    """Publish `rows` one by one at `rate` a second until `done()` holds; returns how many went out.
    Keeps the stream flowing however slow the machine, so a watchdog sees "the other type flows"."""
    published = 0
    for row in rows:
        if done():
            break
        published += await pm.publish_trades([row])
        await asyncio.sleep(1 / rate)
    await pm.wait_until(done, timeout=10)
    return published


def control_messages(pm: FakePolymarket) -> list[dict[str, Any]]:
    return [json.loads(text) for text in pm.rtds_control_messages]


async def test_subscribes_to_both_types_in_compact_json(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    harness = harness_factory()
    await harness.start()
    [text] = pm.rtds_control_messages
    assert json.loads(text) == {
        "action": "subscribe",
        "subscriptions": [{"topic": "activity", "type": "trades"}, {"topic": "activity", "type": "orders_matched"}],
    }
    assert text == json.dumps(json.loads(text), separators=(",", ":"))
    # a taker fill arrives on both types: one Trade; a maker fill only on `trades`
    rows = fresh_trades(sample_trade_rows(), 40, start_ts=START_TS, per_second=4)
    for row in rows[::4]:
        row["_role"] = "maker"
    frames_before = pm.rtds_frames_sent
    await pm.publish_trades(rows)
    await harness.wait_for(40)
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(rows))
    assert pm.rtds_frames_sent - frames_before >= 40 + 30  # 30 takers twice, 10 makers once (+ sentinel)
    assert harness.feed.counts["duplicates"] >= 30


async def test_filters_are_sent_as_compact_json(pm: FakePolymarket, harness_factory: Callable[..., Harness]) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 30, start_ts=START_TS, per_second=4)
    slug = rows[0]["eventSlug"]
    harness = harness_factory(filters={"event_slug": slug})
    await harness.start()
    subscriptions = control_messages(pm)[0]["subscriptions"]
    assert {s["type"] for s in subscriptions} == {"trades", "orders_matched"}
    assert all(s["filters"] == json.dumps({"event_slug": slug}, separators=(",", ":")) for s in subscriptions)
    wanted = [r for r in rows if r["eventSlug"] == slug]
    await pm.publish_trades(rows)
    await harness.wait_for(len(wanted), sentinel={"eventSlug": slug})
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(wanted))


async def test_a_silent_type_is_reported_resubscribed_reconnected_and_filled(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    pm.faults.rtds_silent_types.add("trades")  # March 2026: `trades` silent, `orders_matched` flowing
    rows = fresh_trades(sample_trade_rows(), 2000, start_ts=START_TS, per_second=20)
    for row in rows[::3]:
        row["_role"] = "maker"  # travels on `trades` only: only the Data API has it now
    harness = harness_factory(type_silence_seconds=0.5, silence_seconds=10.0, stall_seconds=10.0)
    silences = metric("scanner_rtds_silences_total", type="trades")
    type_reconnects = metric("scanner_websocket_reconnects_total", stream="rtds", reason="type_silent")
    await harness.start()

    published = await publish_until(
        pm, rows, lambda: metric("scanner_rtds_silences_total", type="trades") == silences + 1, rate=50
    )
    problem = harness.feed.problem
    assert problem is not None and "activity/trades silent" in problem and "orders_matched" in problem
    last = harness.feed.last_trade_at
    assert last is not None
    monitor = Monitor(
        harness.health,
        db_ping=harness.feed.get,  # not called by check_feed
        cache=None,
        feed=harness.feed,
        max_trade_age_seconds=60,
        started_at=last,
        clock=lambda: last,
    )
    verdict = monitor.check_feed()
    assert verdict is not None and verdict.state is State.DEGRADED and "activity/trades silent" in verdict.detail
    shown = harness.health.get("feed")  # what /health shows
    assert shown is not None and shown.state is State.DEGRADED and shown.detail == verdict.detail
    # first the type alone is resubscribed on the same connection, then the connection is renewed
    published += await publish_until(
        pm,
        rows[published:],
        lambda: (
            metric("scanner_websocket_reconnects_total", stream="rtds", reason="type_silent") == type_reconnects + 1
            and pm.rtds_connections >= 2
        ),
        rate=50,
    )
    trades_only = [{"topic": "activity", "type": "trades"}]
    assert {"action": "unsubscribe", "subscriptions": trades_only} in control_messages(pm)
    assert {"action": "subscribe", "subscriptions": trades_only} in control_messages(pm)
    assert pm.rtds_connections >= 2
    # while `trades` stays silent the maker fills still arrive (from /trades), each once
    await harness.wait_for(published)
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(rows[:published]))
    assert harness.feed.counts["backfills"] >= 2
    # `trades` comes back: the problem clears
    pm.faults.rtds_silent_types.clear()
    published += await publish_until(pm, rows[published:], lambda: harness.feed.problem is None, rate=50)
    await harness.wait_for(published)
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(rows[:published]))
    assert metric("scanner_rtds_silences_total", type="trades") == silences + 1  # one episode, counted once


async def test_data_silence_while_pongs_flow_reconnects_and_backfills(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 100, start_ts=START_TS, per_second=10)
    harness = harness_factory(silence_seconds=0.4, stall_seconds=10.0, ping_seconds=0.05)
    silences = metric("scanner_rtds_silences_total", type="all")
    await harness.start()
    await pm.publish_trades(rows[:50])
    await harness.wait_for(50)
    # the socket stays open and answers every PING, but no activity comes on either type (#35)
    pm.faults.rtds_silent_types.update({"trades", "orders_matched"})
    await pm.publish_trades(rows[50:])
    await pm.wait_until(lambda: metric("scanner_rtds_silences_total", type="all") == silences + 1)
    await pm.wait_until(lambda: metric("scanner_websocket_reconnects_total", stream="rtds", reason="silent") >= 1)
    pm.faults.rtds_silent_types.clear()
    await harness.wait_for(100)  # the reconnect's backfill brings what the silence swallowed
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(rows))
    assert pm.pings["rtds"] > 0 and pm.faults_applied["rtds_silent"] == 0


async def test_scheduled_reconnect_backfills_like_any_reconnect(
    pm: FakePolymarket, harness_factory: Callable[..., Harness]
) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 3000, start_ts=START_TS, per_second=20)
    harness = harness_factory(reconnect_every_seconds=0.4)
    scheduled = metric("scanner_websocket_reconnects_total", stream="rtds", reason="scheduled")
    await harness.start()
    published = await publish_until(
        pm,
        rows,
        lambda: metric("scanner_websocket_reconnects_total", stream="rtds", reason="scheduled") >= scheduled + 2,
        rate=100,
    )
    await harness.wait_for(published)
    assert sorted(t.dedup_key for t in harness.received) == sorted(keys(rows[:published]))
    assert pm.rtds_connections >= 3 and harness.feed.counts["backfills"] >= 2


def test_one_fill_on_both_types_is_one_trade_whatever_the_number_format() -> None:
    from scanner_core.normalise import decode_rtds
    from tests.fakes.polymarket import to_rtds_payload

    row = fresh_trades(sample_trade_rows(), 1, start_ts=START_TS)[0]
    payload = to_rtds_payload(row)
    as_strings = {k: str(v) if isinstance(v, int | float) else v for k, v in payload.items()}
    as_strings["transactionHash"] = payload["transactionHash"].upper().replace("0X", "0x")
    frames = [
        {"connection_id": "a", "payload": payload, "timestamp": 1, "topic": "activity", "type": "trades"},
        {"connection_id": "b", "payload": as_strings, "timestamp": 2, "topic": "activity", "type": "orders_matched"},
    ]
    decoded = [decode_rtds(json.dumps(f), not_after=now_utc()) for f in frames]
    assert [d.types for d in decoded] == [("trades",), ("orders_matched",)]
    assert decoded[0].trades[0].dedup_key == decoded[1].trades[0].dedup_key
