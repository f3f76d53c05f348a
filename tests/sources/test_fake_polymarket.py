"""The fake Polymarket behaves like the real services where other helpers' tests rely on it."""

from __future__ import annotations

import json

import aiohttp

from tests.fakes.polymarket import FakePolymarket, fresh_trades, sample_trade_rows


async def rtds_client(
    session: aiohttp.ClientSession, pm: FakePolymarket, subscriptions: list[dict[str, str]]
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(pm.rtds_url)
    await ws.send_str(json.dumps({"action": "subscribe", "subscriptions": subscriptions}))
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 1)
    return ws


async def test_maker_rows_need_taker_only_false(pm: FakePolymarket, session: aiohttp.ClientSession) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 4, start_ts=1_790_000_000)
    rows[1]["_role"] = "maker"
    pm.add_trades(rows)
    async with session.get(f"{pm.data_api_url}/trades") as response:
        takers = await response.json()
    async with session.get(f"{pm.data_api_url}/trades", params={"takerOnly": "false"}) as response:
        everything = await response.json()
    assert len(takers) == 3 and len(everything) == 4
    assert all("_role" not in row for row in everything)
    assert [r["timestamp"] for r in everything] == sorted((r["timestamp"] for r in everything), reverse=True)


async def test_documented_limits_answer_400(pm: FakePolymarket, session: aiohttp.ClientSession) -> None:
    wallet = next(iter(pm.closed_positions))
    checks = [
        (f"{pm.data_api_url}/closed-positions", {"user": wallet, "limit": "51"}),
        (f"{pm.data_api_url}/v1/leaderboard", {"limit": "51"}),
        (f"{pm.data_api_url}/trades", {"offset": "10001"}),
        (f"{pm.data_api_url}/trades", {"filterType": "CASH"}),
        (f"{pm.data_api_url}/v2/trades", {"offset": "0"}),
        (f"{pm.data_api_url}/positions", {}),
    ]
    for url, params in checks:
        async with session.get(url, params=params) as response:
            assert response.status == 400, (url, params)


async def test_rtds_orders_matched_filters_and_clob_market(pm: FakePolymarket, session: aiohttp.ClientSession) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 3, start_ts=1_790_000_000)
    rows[0]["_role"] = "maker"
    ws = await rtds_client(
        session,
        pm,
        [
            {"topic": "activity", "type": "orders_matched"},
            {"topic": "clob_market", "type": "agg_orderbook"},
        ],
    )
    rejected = json.loads((await ws.receive(timeout=2)).data)
    assert rejected["statusCode"] == 400 and "not supported" in rejected["message"]
    await pm.publish_trades(rows)
    frames = [json.loads((await ws.receive(timeout=2)).data) for _ in range(2)]
    assert [f["payload"]["transactionHash"] for f in frames] == [r["transactionHash"] for r in rows[1:]]
    payload = frames[0]["payload"]
    assert payload["proxyWallet"] != payload["proxyWallet"].lower()  # mixed case, like the real stream
    assert list(payload) == sorted(payload) and frames[0]["type"] == "orders_matched"
    await ws.send_str("PING")
    assert (await ws.receive(timeout=2)).data == "PONG"
    await ws.close()


async def test_rtds_slug_filters_match_only_as_compact_json(pm: FakePolymarket, session: aiohttp.ClientSession) -> None:
    pm.clear_trades()
    rows = fresh_trades(sample_trade_rows(), 30, start_ts=1_790_000_000)
    slug = rows[0]["eventSlug"]
    compact = await rtds_client(
        session,
        pm,
        [{"topic": "activity", "type": "trades", "filters": json.dumps({"event_slug": slug}, separators=(",", ":"))}],
    )
    # json.dumps' default separators put a space after ":": the real server matches nothing then (#34)
    spaced = await rtds_client(
        session, pm, [{"topic": "activity", "type": "trades", "filters": json.dumps({"event_slug": slug})}]
    )
    await pm.wait_until(lambda: pm.rtds_subscriptions >= 2)
    await pm.publish_trades(rows)

    async def payloads(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, str]]:
        await ws.send_str("PING")
        received = []
        while True:
            message = (await ws.receive(timeout=2)).data
            if message == "PONG":
                return received
            received.append(json.loads(message)["payload"])

    received = await payloads(compact)
    assert received and all(p["eventSlug"] == slug for p in received)
    assert len(received) == sum(r["eventSlug"] == slug for r in rows)
    assert await payloads(spaced) == []
    assert pm.rtds_control_messages[0].startswith('{"action": "subscribe"')  # kept as sent
    await compact.close()
    await spaced.close()


async def test_refused_handshake(pm: FakePolymarket, session: aiohttp.ClientSession) -> None:
    from tests.fakes.polymarket import ConnFault

    pm.faults.market_ws_plan.append(ConnFault("refuse"))
    try:
        await session.ws_connect(pm.clob_ws_url)
    except aiohttp.WSServerHandshakeError as exc:
        assert exc.status == 503
    else:
        raise AssertionError("the handshake should have been refused")
    ws = await session.ws_connect(pm.clob_ws_url)
    assert pm.market_ws_connections == 1
    await ws.close()


async def test_rate_limit_answers_429_with_retry_after_per_route(session: aiohttp.ClientSession) -> None:
    from tests.fakes.polymarket import SlidingWindowLimit

    now = [100.0]
    async with FakePolymarket() as pm:
        pm.rate_limit = SlidingWindowLimit({"data:/trades": 3, "data:*": 100}, window=10.0, clock=lambda: now[0])
        statuses = []
        for _ in range(4):
            async with session.get(f"{pm.data_api_url}/trades") as response:
                statuses.append(response.status)
                retry_after = response.headers.get("Retry-After")
        assert statuses == [200, 200, 200, 429] and retry_after == "10.000"
        async with session.get(f"{pm.data_api_url}/v2/trades") as response:
            assert response.status == 200  # another route, its own budget
        now[0] += 9.5
        async with session.get(f"{pm.data_api_url}/trades") as response:
            assert response.status == 429 and response.headers["Retry-After"] == "0.500"
        now[0] += 0.5
        async with session.get(f"{pm.data_api_url}/trades") as response:
            assert response.status == 200  # the oldest request left the window
        assert pm.rate_limit.rejected == {"data:/trades": 2} and len(pm.rate_limit.admitted["data:/trades"]) == 4


async def test_markets_keyset_pages_with_cursors_and_refuses_offsets(
    pm: FakePolymarket, session: aiohttp.ClientSession
) -> None:
    closed = {k for k, m in pm.markets.items() if m.get("closed")}
    url = f"{pm.gamma_url}/markets/keyset"
    seen: list[str] = []
    cursor = None
    while True:
        params = {"closed": "true", "limit": "3", **({"after_cursor": cursor} if cursor else {})}
        async with session.get(url, params=params) as response:
            body = await response.json()
        seen += [m["id"] for m in body["markets"]]
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    assert set(seen) == closed and len(seen) == len(closed)
    for bad in ({"offset": "0"}, {"limit": "101"}):
        async with session.get(url, params=bad) as response:
            assert response.status == 400
    async with session.get(
        url, params={"closed": "true", "end_date_min": "2026-07-24T00:10:00Z", "end_date_max": "2026-07-24T00:20:00Z"}
    ) as response:
        ends = sorted(m["endDate"] for m in (await response.json())["markets"])
    assert ends == ["2026-07-24T00:10:00Z", "2026-07-24T00:15:00Z", "2026-07-24T00:20:00Z"]


async def test_prices_history_refuses_long_ranges_and_thins_to_the_fidelity(
    pm: FakePolymarket, session: aiohttp.ClientSession
) -> None:
    pm.price_history["42"] = [{"t": 1_790_000_400 + 60 * i, "p": i / 100} for i in range(30)]
    url = f"{pm.clob_url}/prices-history"
    async with session.get(url, params={"market": "42", "startTs": "0", "endTs": str(16 * 86400)}) as response:
        assert response.status == 400 and "interval is too long" in await response.text()
    params = {"market": "42", "startTs": "1790000400", "endTs": "1790002200", "fidelity": "10"}
    async with session.get(url, params=params) as response:
        history = (await response.json())["history"]
    # one point per 10 minutes (the last of each slot)
    assert [p["t"] for p in history] == [1_790_000_400 + 60 * i for i in (9, 19, 29)]
