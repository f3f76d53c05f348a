"""A replay fetches each wallet's history at most once, whatever the number of trades or the span:
at most (fetch stages x pages) Data API calls per wallet at the fake Polymarket, and a second
replay of the same trades fetches nothing (the histories are stored)."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.replay import run_replay
from scanner_core.models import now_utc
from tests.fakes.polymarket import FakePolymarket, sample_trade_rows

DAY = 86400
# a history under 500 activity rows and 50 closed positions: one page of each
# (profile: /activity oldest first + /traded; positions: /closed-positions + /positions; activity: /activity)
CALLS_PER_WALLET = 2 + 2 + 1


def tape(wallets: list[str], per_wallet: int, days: float, salt: str) -> list[dict[str, Any]]:
    """Real /trades rows given to `wallets`, `per_wallet` each, spread evenly over `days` ending a day ago."""
    templates = [  # rows the pipeline enriches: not an excluded market, not a decided price
        r
        for r in sample_trade_rows()
        if "up or down" not in str(r.get("title", "")).lower() and 0.05 < float(r["price"]) < 0.95
    ]
    end = int(now_utc().timestamp()) - DAY
    count = per_wallet * len(wallets)
    rows = []
    for i in range(count):
        row = dict(templates[i % len(templates)])
        row["proxyWallet"] = wallets[i % len(wallets)]
        row["transactionHash"] = "0x" + hashlib.sha256(f"{salt}{i}".encode()).hexdigest()
        row["timestamp"] = end - int(days * DAY) + int(i * days * DAY / count)
        rows.append(row)
    return rows[::-1]  # a /trades page: newest first


def positions_for(pm: FakePolymarket, wallet: str) -> None:
    """The captured real wallet's closed and open positions, as this wallet's."""
    source = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee"
    pm.set_closed_positions(wallet, [{**r, "proxyWallet": wallet} for r in pm.closed_positions[source]])
    pm.set_positions(wallet, [{**r, "proxyWallet": wallet} for r in pm.positions[source]])


async def replay(settings: Any, path: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = await run_replay(settings, [str(path)], as_json=True, speed=0, offline=False, out=out, err=err)
    assert code == 0, err.getvalue()
    return err.getvalue()


def wallet_calls(pm: FakePolymarket, wallets: list[str]) -> Counter[str]:
    calls: Counter[str] = Counter()
    for _route, query in pm.request_log:
        user = dict(query).get("user")
        if user in wallets:
            calls[user] += 1
    return calls


@pytest.mark.parametrize(("per_wallet", "days"), [(5, 2.0), (120, 6.0)])
async def test_each_wallet_costs_the_same_few_calls_and_a_second_replay_none(
    db: str, make_settings: Any, tmp_path: Path, per_wallet: int, days: float
) -> None:
    wallets = [f"0x{i:02x}{'5e' * 19}" for i in range(1, 7)]
    rows = tape(wallets, per_wallet, days, salt=f"{per_wallet}-{days}")
    path = tmp_path / "tape.json"
    path.write_text(json.dumps(rows))
    async with FakePolymarket() as pm:
        pm.activity_from_trades = True  # each wallet's /activity lists its trades, as the real API does
        pm.add_trades(rows)
        for wallet in wallets:
            positions_for(pm, wallet)
        settings = make_settings(**pm.settings_overrides(), min_trade_usd=0, http_max_retries=1)

        summary = await replay(settings, path)

        calls = wallet_calls(pm, wallets)
        assert set(calls) == set(wallets)
        assert all(n == CALLS_PER_WALLET for n in calls.values()), calls  # per wallet, whatever the trades or span
        assert f"replayed {len(rows)} trades" in summary and "wallet histories fetched: 6" in summary

        pm.reset_requests()
        warm = await replay(settings, path)

        assert wallet_calls(pm, wallets) == Counter()  # stored histories: nothing fetched again
        assert "wallet histories fetched: 0" in warm
