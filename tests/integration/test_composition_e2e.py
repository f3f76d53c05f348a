"""The real composition of `polyscan run` (bot/wiring.py over bot/scanner.py) against the fake
Polymarket and the fake Telegram: a chat subscribes, a large trade arrives on the live RTDS feed,
and the alert is delivered to the chat; the running parts are reached through the typed Process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from bot.app import Polyscan
from bot.wiring import Process, add_components
from scanner_core.config import Settings
from scanner_core.models import Platform
from tests.fakes.polymarket import FakePolymarket, fresh_trades, sample_trade_rows
from tests.fakes.telegram import FakeTelegram

CHAT = 4242
BIG = 1  # a fixture row of about $16k: stored and raising a large-trade alert


@pytest.fixture
async def running(
    database_url: str, make_settings: Callable[..., Settings]
) -> AsyncIterator[tuple[Polyscan, Process, FakePolymarket, FakeTelegram]]:
    async with FakePolymarket() as pm, FakeTelegram(token="123:COMPOSED") as tg:
        pm.clear_trades()
        settings = make_settings(
            **pm.settings_overrides(),
            database_url=database_url,
            http_port=0,
            telegram_token=tg.token,
            telegram_api_url=tg.base_url,
            telegram_file_url=tg.base_file_url,
        )
        app = Polyscan(settings)
        process = add_components(app)
        await app.start()
        try:
            yield app, process, pm, tg
        finally:
            await app.stop()


async def test_a_live_trade_becomes_a_delivered_alert(
    running: tuple[Polyscan, Process, FakePolymarket, FakeTelegram],
) -> None:
    app, process, pm, tg = running
    assert process.engine.scanner.sources is not None and app.feed is process.engine.scanner.sources.feed
    tg.push_command(CHAT, "/subscribe")
    await tg.wait_for_messages(1, timeout=15, chat_id=CHAT)
    assert "Subscribed" in tg.messages_to(CHAT)[0]["text"]

    await pm.wait_until(lambda: pm.rtds_subscriptions >= 1, timeout=15)
    now = int(time.time())
    row = fresh_trades(sample_trade_rows(), BIG + 1, start_ts=now - 5, salt="composed")[BIG]
    await pm.publish_trades([row])

    alerts = await tg.wait_for_messages(2, timeout=30, chat_id=CHAT)
    card = alerts[1]["text"]
    assert row["title"] in card or row["slug"] in card
    dispatcher = process.chat.dispatcher
    assert dispatcher is not None
    pipeline = process.pipeline.pipeline
    assert pipeline is not None and pipeline.stats.alerts_by_kind["trade"] == 1
    await pm.wait_until(lambda: pipeline.stats.stored == 1, timeout=10)  # the writer's next flush
    deadline = time.monotonic() + 10
    while (await app.repos.deliveries.backlog()).get(Platform.TELEGRAM.value, 0):  # marked sent after the send
        assert time.monotonic() < deadline, "the delivery was never marked sent"
        await asyncio.sleep(0.05)
