from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from scanner_core.context import ScanState
from scanner_core.detectors.clustering import detect_cluster, detect_coordinated_pair
from scanner_core.detectors.params import DetectorParams
from scanner_core.models import Side, Signal, SignalKind, Trade
from tests.unit.detectors.factories import (
    NO,
    T0,
    ctx,
    make_trade,
    params,
    real_trades,
    wallet_n,
)
from tests.unit.detectors.factories import cid_n as market

P = params()  # cluster: 3 wallets, 300 s, $1k each; pairs: 10 s, 3 markets


def run(trades: list[Trade], p: DetectorParams = P, detector=detect_cluster) -> list[Signal | None]:  # type: ignore[no-untyped-def]
    state = ScanState(p)
    return [detector(t, ctx(t, state.observe(t)), p) for t in trades]


def buy(n: int, seconds: float, usd: str = "2000", tx: str | None = None, **kw: object) -> Trade:
    return make_trade(usd, wallet=wallet_n(n), at=T0 + timedelta(seconds=seconds), tx=tx or f"0xt{n}-{seconds}", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("trades", "fires_at"),
    [
        pytest.param([buy(1, 0), buy(2, 60), buy(3, 120)], [2], id="three wallets"),
        pytest.param([buy(1, 0), buy(2, 60), buy(3, 120), buy(4, 130)], [2, 3], id="each new member"),
        pytest.param([buy(1, 0), buy(1, 60), buy(2, 120)], [], id="same wallet twice is one"),
        pytest.param([buy(1, 0), buy(2, 60), buy(3, 301)], [], id="first falls out of the window"),
        pytest.param([buy(1, 0), buy(2, 60), buy(3, 300)], [2], id="window edge is inside"),
        pytest.param([buy(1, 0), buy(2, 0, tx="0xsame"), buy(3, 0, tx="0xsame")], [], id="two in one tx"),
        pytest.param([buy(1, 0, tx="0xa"), buy(2, 0, tx="0xa"), buy(3, 0, tx="0xa")], [], id="one taker sweep"),
        pytest.param([buy(1, 0), buy(2, 60, usd="999"), buy(3, 120)], [], id="a member below cluster_min_usd"),
        pytest.param([buy(1, 0), buy(2, 60), buy(3, 120, usd="999")], [], id="this trade below cluster_min_usd"),
        pytest.param([buy(1, 0), buy(2, 60, side=Side.SELL), buy(3, 120)], [], id="a seller is no member"),
        pytest.param([buy(1, 0), buy(2, 60, token=NO, outcome="No", index=1), buy(3, 120)], [], id="other outcome"),
        pytest.param([buy(1, 0), buy(2, 60, cid=market(9), token="9"), buy(3, 120)], [], id="other market"),
    ],
)
def test_cluster_table(trades: list[Trade], fires_at: list[int]) -> None:
    found = run(trades)
    assert [i for i, s in enumerate(found) if s is not None] == fires_at


def test_cluster_evidence_and_strength() -> None:
    trades = [buy(1, 0, "5000"), buy(2, 30, "3000"), buy(3, 90, "1500"), buy(4, 100), buy(5, 110), buy(6, 120)]
    found = run(trades)
    third, sixth = found[2], found[5]
    assert third is not None and sixth is not None and third.kind is SignalKind.CLUSTER
    assert third.strength == pytest.approx(0.5) and sixth.strength == pytest.approx(1.0)
    assert third.evidence["wallets"] == 3 and third.evidence["transactions"] == 3
    assert third.evidence["total_usd"] == Decimal(9500)
    assert third.evidence["span_seconds"] == 90.0
    assert third.evidence["others"] == f"{wallet_n(1)},{wallet_n(2)}"
    assert third.evidence["others_usd"] == "5000.00,3000.00"
    assert third.evidence["others_seconds_before"] == "90,60"
    assert third.summary == "3 wallets bought Yes within 1.5 min ($9.5k together)"


def test_cluster_settings() -> None:
    trades = [buy(1, 0, "600"), buy(2, 500, "600")]
    assert run(trades) == [None, None]
    loose = params(cluster_min_wallets=2, cluster_window_seconds=600, cluster_min_usd=500)
    assert run(trades, loose)[1] is not None


def test_real_maduro_maker_rows_are_not_a_cluster() -> None:
    """tx 0xb1105dad: one SELL of 800 Yes filled six resting bids of five wallets (takerOnly=false rows)."""
    trades = real_trades("maduro_takerOnly_false_2026-01-06")
    one_tx = [t for t in trades if t.tx_hash.startswith("0xb1105dad")]
    buyers = {t.wallet for t in one_tx if t.side is Side.BUY and t.outcome == "Yes"}
    assert len(buyers) == 5
    loose = params(cluster_min_usd=0, cluster_window_seconds=1)
    assert all(s is None for s in run(one_tx, loose))
    # over the whole sample with a wide window, independent transactions do form clusters
    wide = params(cluster_min_usd=0, cluster_window_seconds=3600)
    hits = [s for s in run(trades, wide) if s is not None]
    assert hits and all(int(s.evidence["transactions"]) >= 3 for s in hits)


def pair_trade(n: int, m: int, seconds: float, usd: str = "2000", **kw: object) -> Trade:
    """Wallet n trades market m at T0 + seconds (Yes unless told otherwise)."""
    at = T0 + timedelta(seconds=seconds)
    kw.setdefault("token", f"{m}-yes")
    return make_trade(usd, wallet=wallet_n(n), cid=market(m), at=at, tx=f"0x{n}-{m}-{seconds}", **kw)  # type: ignore[arg-type]


def test_coordinated_pair_fires_in_the_third_shared_market() -> None:
    trades = []
    for m in range(3):
        base = m * 3600
        trades += [pair_trade(1, m, base), pair_trade(2, m, base + 4)]
    found = run(trades, detector=detect_coordinated_pair)
    assert [i for i, s in enumerate(found) if s is not None] == [5]
    hit = found[5]
    assert hit is not None and hit.kind is SignalKind.COORDINATED_PAIR
    assert hit.evidence["partner"] == wallet_n(1)
    assert hit.evidence["shared_markets"] == 3 and hit.evidence["co_trades"] == 3
    assert hit.evidence["lag_seconds"] == 4.0
    assert hit.strength == pytest.approx(0.5)
    assert (
        hit.summary
        == f"Trades in step with {wallet_n(1)[:6]}…{wallet_n(1)[-4:]}: same bet 4s apart, together in 3 markets"
    )


@pytest.mark.parametrize(
    ("second", "note"),
    [
        (lambda m, base: pair_trade(2, m, base + 11), "outside the 10 s window"),
        (lambda m, base: pair_trade(2, m, base + 2, side=Side.SELL), "the counterparty's side"),
        (lambda m, base: pair_trade(2, m, base + 2, token=f"{m}-no", outcome="No", index=1), "the other outcome"),
        (lambda m, base: pair_trade(2, m, base + 2, usd="999"), "below cluster_min_usd"),
    ],
)
def test_pairs_need_same_bet_within_seconds(second, note: str) -> None:  # type: ignore[no-untyped-def]
    trades = []
    for m in range(4):
        base = m * 3600
        trades += [pair_trade(1, m, base), second(m, base)]
    assert all(s is None for s in run(trades, detector=detect_coordinated_pair)), note


def test_mint_counterparties_are_not_a_pair() -> None:
    """BUY Yes against BUY No in one mint: opposite bets, same tx."""
    trades = []
    for m in range(4):
        yes = pair_trade(1, m, m * 3600)
        no = make_trade(
            "2000",
            wallet=wallet_n(2),
            cid=market(m),
            token=f"{m}-no",
            outcome="No",
            index=1,
            at=yes.timestamp,
            tx=yes.tx_hash,
        )
        trades += [yes, no]
    assert all(s is None for s in run(trades, detector=detect_coordinated_pair))


def test_sell_of_the_other_outcome_is_the_same_bet() -> None:
    trades = []
    for m in range(3):
        trades += [
            pair_trade(1, m, m * 3600),
            pair_trade(2, m, m * 3600 + 3, token=f"{m}-no", outcome="No", index=1, side=Side.SELL),
        ]
    found = run(trades, detector=detect_coordinated_pair)
    assert found[-1] is not None


def test_pair_min_shared_markets_setting() -> None:
    trades = [pair_trade(1, 0, 0), pair_trade(2, 0, 1), pair_trade(1, 1, 100), pair_trade(2, 1, 101)]
    assert run(trades, detector=detect_coordinated_pair)[-1] is None
    assert run(trades, params(pair_min_shared_markets=2), detect_coordinated_pair)[-1] is not None
