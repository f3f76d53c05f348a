"""The history tables: checkpoints, price points and page writes, and the retention that spares
ingested markets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from db.repositories import Repositories
from scanner_core.backtest.checkpoints import Checkpoint, Stage
from scanner_core.jobs import prune_old_data
from scanner_core.models import Side, Trade, TradeSource
from scanner_core.sources.types import PricePoint

NOW = datetime(2026, 8, 1, tzinfo=UTC)
INGESTED, LIVE = "0x" + "a" * 64, "0x" + "b" * 64


def trade(market: str, n: int, when: datetime) -> Trade:
    return Trade(
        tx_hash="0x" + f"{n:064x}",
        wallet="0x" + f"{n % 3:040x}",
        condition_id=market,
        token_id="123",
        side=Side.BUY,
        outcome="Yes",
        outcome_index=0,
        size=Decimal("10"),
        price=Decimal("0.4"),
        timestamp=when,
        source=TradeSource.DATA_API,
    )


async def test_retention_keeps_the_trades_of_ingested_markets(db: str) -> None:
    repos = Repositories()
    old = NOW - timedelta(days=90)
    await repos.trades.save_trades(
        [trade(INGESTED, i, old) for i in range(5)] + [trade(LIVE, 10 + i, old) for i in range(4)]
    )
    await repos.history.save_checkpoint(Checkpoint(INGESTED, Stage.MARKET, done=True, updated_at=NOW))
    result = await prune_old_data(repos.trades, repos.metrics, now=NOW, retention=timedelta(days=30))
    assert result.trades == 4
    assert len(await repos.trades.market_trades(INGESTED)) == 5
    assert await repos.trades.market_trades(LIVE) == []


async def test_pages_and_checkpoints_are_written_together_and_idempotently(db: str) -> None:
    repos = Repositories()
    history = repos.history
    first = Checkpoint(INGESTED, Stage.TRADES, updated_at=NOW).advanced(
        {"api": "v2", "cursor": "abc"}, added=3, now=NOW
    )
    page = [trade(INGESTED, i, NOW - timedelta(minutes=i)) for i in range(3)]
    assert await history.save_trades_page(page, first) == 3
    assert await history.save_trades_page(page, first) == 0  # the same page again: nothing twice
    stored = (await history.checkpoints(INGESTED))[Stage.TRADES]
    assert stored == first and stored.state == {"api": "v2", "cursor": "abc"}
    done = stored.finished(reached=NOW, done=True, added=0, now=NOW)
    await history.save_checkpoint(done)
    assert (await history.checkpoints(INGESTED))[Stage.TRADES] == done and done.state == {}
    assert await history.market_wallets(INGESTED) == sorted({t.wallet for t in page})
    assert await history.market_trade_span(INGESTED) == (NOW - timedelta(minutes=2), NOW)
    assert await history.market_trade_span(LIVE) is None

    points = [PricePoint(NOW - timedelta(hours=h), Decimal("0.5") + Decimal(h) / 100) for h in range(4)]
    prices = Checkpoint(INGESTED, Stage.PRICES, updated_at=NOW)
    assert await history.save_price_points("123", INGESTED, points, prices) == 4
    assert await history.save_price_points("123", INGESTED, points[:2], prices) == 0
    assert await history.price_points("123") == sorted(points, key=lambda p: p.timestamp)
    assert await history.price_points("123", since=NOW - timedelta(hours=1)) == [points[1], points[0]]
    assert await history.ingested_markets() == [INGESTED]
