"""Pure parts of funding: the known-funders list, the linked_wallets detector, true age in the
fresh-wallet detector, sibling bets, block ranges, and the RPC URL kept secret."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from scanner_core.config import Settings, SettingsError, load_settings
from scanner_core.context import build_context
from scanner_core.detectors.fresh_wallet import detect_fresh_wallet
from scanner_core.detectors.linked_wallets import detect_linked_wallets
from scanner_core.funding.known import FunderListError, load_book, shipped_book
from scanner_core.funding.models import (
    FirstFunding,
    FunderKind,
    FundingContext,
    FundingProfile,
    Sibling,
    SiblingBet,
)
from scanner_core.funding.profile import sibling_bets
from scanner_core.funding.ranges import merge, uncovered
from scanner_core.models import Side, SignalKind
from scanner_core.scoring import score
from tests.unit.detectors.factories import CID, T0, make_profile, make_trade, params, scoring_params, wallet_n

FUNDER = "0x" + "f1" * 20


def test_the_shipped_list_is_versioned_and_sourced() -> None:
    book = shipped_book()
    assert book.version and len(book) >= 30
    assert all(entry.source for entry in book.entries.values())
    assert book.kind("0x93070a847efef7f70739046a929d47a521f5b8ee") is FunderKind.ONRAMP
    assert book.kind("0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e") is FunderKind.POLYMARKET
    assert book.kind("0x" + "12" * 20) is FunderKind.WALLET


def test_a_user_file_extends_and_overrides_the_list(tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text(
        json.dumps(
            [
                {"address": "0x" + "AB" * 20, "kind": "exchange", "label": "My CEX", "source": "their docs"},
                {"address": "0xe7804c37c13166ff0b37f5ae0bb07a3aebb6e245", "kind": "bridge", "label": "relabelled"},
            ]
        )
    )
    book = load_book(str(mine))
    assert book.classify("0x" + "ab" * 20) == (FunderKind.EXCHANGE, "My CEX")
    assert book.kind("0xe7804c37c13166ff0b37f5ae0bb07a3aebb6e245") is FunderKind.BRIDGE
    assert book.version.endswith("mine.json")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "not JSON"),
        ('{"entries": 3}', "expected a list"),
        ('[{"address": "0x12", "kind": "exchange"}]', "entry 0"),
        ('[{"address": "0x' + "12" * 20 + '", "kind": "casino"}]', "entry 0"),
        ('[{"address": "0x' + "12" * 20 + '", "kind": "wallet"}]', "unknown addresses"),
    ],
)
def test_a_bad_user_file_gets_a_clear_message(tmp_path: Path, text: str, says: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(FunderListError, match=says):
        load_book(str(bad))
    with pytest.raises(FunderListError, match="cannot read"):
        load_book(str(tmp_path / "missing.json"))


def bet(n: int, usd: str, scope: str = "outcome") -> SiblingBet:
    at = T0 - timedelta(hours=n)
    return SiblingBet(wallet_n(n), FUNDER, scope, Decimal(usd), 1, at, at, CID, "Yes")


def funding(*bets: SiblingBet) -> FundingContext:
    siblings = tuple(Sibling(b.wallet, FUNDER, T0 - timedelta(days=2), Decimal(5000), 3.0) for b in bets)
    return FundingContext(None, siblings, bets)


def test_linked_wallets_needs_enough_wallets_on_one_outcome() -> None:
    trade = make_trade(5000, "0.12")
    p = params()
    assert detect_linked_wallets(trade, build_context(trade), p) is None
    assert detect_linked_wallets(trade, build_context(trade, funding=funding()), p) is None
    two = detect_linked_wallets(trade, build_context(trade, funding=funding(bet(1, "3000"))), p)
    assert two is not None and two.kind is SignalKind.LINKED_WALLETS and two.evidence["wallets"] == 2
    three = detect_linked_wallets(trade, build_context(trade, funding=funding(bet(1, "3000"), bet(2, "7000"))), p)
    assert three is not None and three.strength > two.strength
    assert three.evidence["siblings"] == f"{wallet_n(2)},{wallet_n(1)}"
    assert three.evidence["siblings_usd"] == "7000.00,3000.00" and three.evidence["funder"] == FUNDER
    assert "0xf1f1…f1f1" in three.summary and "$7k" in three.summary
    assert (
        detect_linked_wallets(
            trade, build_context(trade, funding=funding(bet(1, "3000"))), params(linked_min_wallets=3)
        )
        is None
    )
    sell = make_trade(5000, "0.12", side=Side.SELL)
    assert detect_linked_wallets(sell, build_context(sell, funding=funding(bet(1, "3000"))), p) is None
    event = detect_linked_wallets(trade, build_context(trade, funding=funding(bet(1, "3000", "event"))), p)
    assert event is not None and event.evidence["scope"] == "event" and event.strength < two.strength


def test_linked_wallets_raises_the_score_as_its_own_family() -> None:
    trade = make_trade(5000, "0.12")
    found = detect_linked_wallets(
        trade, build_context(trade, funding=funding(bet(1, "3000"), bet(2, "7000"))), params()
    )
    assert found is not None
    alone = score([found], scoring_params())
    assert alone.should_alert and alone.contributions[0].family == "funding"


def test_true_age_makes_an_old_wallet_not_fresh() -> None:
    trade = make_trade(10_000, "0.2")
    profile = make_profile(first_seen=T0 - timedelta(days=2), trade_count=8)
    p = params()
    fresh = detect_fresh_wallet(trade, build_context(trade, wallet=profile), p)
    assert fresh is not None and "first Polymarket activity" in fresh.summary
    funded_long_ago = FundingProfile(
        profile.address,
        T0,
        FirstFunding(T0 - timedelta(days=300), Decimal(5000), FUNDER, FunderKind.WALLET, "", "0xtx"),
    )
    ctx = build_context(trade, wallet=profile, funding=FundingContext(funded_long_ago))
    assert detect_fresh_wallet(trade, ctx, p) is None  # 300 days old, not 2
    funded_yesterday = FundingProfile(
        profile.address, T0, FirstFunding(T0 - timedelta(days=1), Decimal(5000), FUNDER, FunderKind.WALLET, "", "0x")
    )
    older_trades = make_profile(first_seen=T0 - timedelta(days=40), trade_count=8)
    ctx = build_context(trade, wallet=older_trades, funding=FundingContext(funded_yesterday))
    assert detect_fresh_wallet(trade, ctx, p) is None  # the earlier of the two counts: 40 days
    unknown = make_profile(first_seen=None, trade_count=0)
    ctx = build_context(trade, wallet=unknown, funding=FundingContext(funded_yesterday))
    found = detect_fresh_wallet(trade, ctx, p)
    assert found is not None and found.evidence["age_basis"] == "first funding" and "first funded" in found.summary


def test_sibling_bets_count_only_the_same_bet_before_the_moment() -> None:
    trade = make_trade(5000, "0.3", event_slug="the-event")
    sib = Sibling(wallet_n(1), FUNDER, T0 - timedelta(days=1), Decimal(100), 1.0)
    other = Sibling(wallet_n(2), FUNDER, T0 - timedelta(days=1), Decimal(100), 1.0)
    trades = {
        wallet_n(1): [
            make_trade(400, "0.3", wallet=wallet_n(1), at=T0 - timedelta(hours=3), tx="0xa"),
            make_trade(300, "0.3", wallet=wallet_n(1), at=T0 - timedelta(hours=2), tx="0xb"),
            make_trade(9000, "0.3", wallet=wallet_n(1), at=T0 + timedelta(hours=1), tx="0xc"),  # later
            make_trade(9000, "0.7", wallet=wallet_n(1), at=T0 - timedelta(hours=1), tx="0xd", token="2222", index=1),
        ],
        wallet_n(2): [
            make_trade(
                2000,
                "0.3",
                wallet=wallet_n(2),
                at=T0 - timedelta(hours=1),
                cid="0x" + "2" * 64,
                event_slug="the-event",
                tx="0xe",
            ),
        ],
    }
    found = sibling_bets(trade, [sib, other], trades, since=T0 - timedelta(days=7), until=T0, min_usd=Decimal(500))
    assert [(b.wallet, b.scope, b.usd, b.trades) for b in found] == [
        (wallet_n(1), "outcome", Decimal("700.0"), 2),
        (wallet_n(2), "event", Decimal("2000.0"), 1),
    ]
    assert sibling_bets(trade, [sib], trades, since=T0, until=T0, min_usd=Decimal(1)) == ()


def test_ranges_not_read_yet() -> None:
    assert merge([(5, 9), (1, 3), (4, 4), (20, 30)]) == [(1, 9), (20, 30)]
    assert uncovered((0, 100), []) == [(0, 100)]
    assert uncovered((0, 100), [(10, 20), (50, 200)]) == [(0, 9), (21, 49)]
    assert uncovered((10, 20), [(0, 100)]) == []


def test_the_rpc_url_is_a_secret() -> None:
    url = "https://polygon-mainnet.example.org/v2/SECRETKEY123456"
    settings = Settings(_env_file=None, polygon_rpc_url=url)  # type: ignore[call-arg]
    assert settings.public_view()["polygon_rpc_url"] == "****"
    assert "v2/SECRETKEY123456" in settings.secrets()
    assert Settings(_env_file=None, polygon_rpc_url="").polygon_rpc_url is None  # type: ignore[call-arg]
    with pytest.raises(SettingsError) as bad:
        load_settings(_env_file=None, polygon_rpc_url="ftp://node/KEY99999999")
    assert "POLYSCAN_POLYGON_RPC_URL" in str(bad.value) and "KEY99999999" not in str(bad.value)
