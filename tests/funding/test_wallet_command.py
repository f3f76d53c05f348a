"""/wallet shows a wallet's funding, true age and linked wallets; /follow asks for a trace; the
alert card names the funder and the siblings on both platforms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from bot.render.discord import render_embed
from bot.render.telegram import render_html
from db.repositories import Repositories
from scanner_core.commands import CommandService, UserRef
from scanner_core.config import Settings
from scanner_core.funding.known import shipped_book
from scanner_core.funding.models import Transfer
from scanner_core.funding.service import FundingParams, FundingService
from scanner_core.models import Platform, Signal, SignalKind, frozen_map
from scanner_core.presentation import alert_view, plain_text, result_view
from tests.bots.support import (
    PROFILE,
    T0,
    WALLET,
    FakeClassifications,
    FakeFeed,
    FakeMarkets,
    FakeWallets,
    trade_alert,
)
from tests.conftest import FakeClock

FUNDER = "0x" + "f1" * 20
SIBLING = "0x" + "5b" * 20
EXCHANGE = "0xe7804c37c13166ff0b37f5ae0bb07a3aebb6e245"
USER = UserRef(Platform.TELEGRAM, "7", "7", is_admin=True)


def transfer(sender: str, recipient: str, usd: str, days: float, n: int) -> Transfer:
    return Transfer(
        "0x2791bca1f2de4661ed88a30c99a7a9449aa84174",
        sender,
        recipient,
        Decimal(usd),
        70_000_000 + n,
        0,
        f"0x{n:064x}",
        T0 - timedelta(days=days),
    )


def service(settings: Settings, clock: FakeClock, funding: FundingService, follows: list[str]) -> CommandService:
    return CommandService(
        stores=Repositories(),
        markets=FakeMarkets(),
        wallets=FakeWallets(),
        classifications=FakeClassifications(),
        settings=settings,
        clock=clock,
        started_at=T0,
        feed=FakeFeed(),
        funding=funding,
        on_follow=follows.append,
    )


async def test_wallet_shows_funding_true_age_and_linked_wallets(
    db: str, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    clock = FakeClock(T0)
    store = Repositories().funding
    await store.save_transfers(
        [
            transfer(FUNDER, WALLET, "5000", 120, 1),  # funded long before its first trade (41 days ago)
            transfer(EXCHANGE, WALLET, "20000", 50, 2),
            transfer(FUNDER, SIBLING, "4000", 119, 3),
        ]
    )
    funding = FundingService(None, store, shipped_book(), FundingParams.from_settings(settings), clock=clock)
    follows: list[str] = []
    commands = service(settings, clock, funding, follows)
    result = await commands.wallet(USER, WALLET)
    assert result.funding is not None and result.funding.profile.first is not None
    assert PROFILE.first_seen == T0 - timedelta(days=41)
    text = plain_text(result_view(result))
    assert "Age: 120 days" in text  # its first funding, not its first trade
    assert "First funding:" in text and "$5,000 from 0xf1f1…f1f1 wallet" in text
    assert "0xe780…e245 exchange (Binance" in text and "$20,000 in 1" in text
    assert "Linked wallets (1):" in text and "0x5b5b…5b5b · $4,000 from 0xf1f1…f1f1 · 24h apart" in text
    html = render_html(result_view(result))
    assert "Linked wallets (1)" in html and f"https://polymarket.com/profile/{SIBLING}" in html

    unknown = await commands.wallet(USER, "0x" + "77" * 20)
    assert unknown.funding is None and "First funding" not in plain_text(result_view(unknown))

    await commands.follow(USER, SIBLING)
    assert follows == [SIBLING]


def test_the_alert_card_names_the_funder_and_the_siblings_on_both_platforms() -> None:
    linked = Signal(
        SignalKind.LINKED_WALLETS,
        0.8,
        "Linked wallets: 3 wallets funded by 0xf1f1…f1f1 bought Yes (0x5b5b…5b5b $6k, 0x1015…bac8 $4k)",
        frozen_map(
            {
                "wallets": 3,
                "funder": FUNDER,
                "scope": "outcome",
                "total_usd": Decimal("82400"),
                "siblings": f"{SIBLING},0x1015bb260154f51e5f432cb0a3227c1619fcbac8",
                "siblings_usd": "6000.00,4000.00",
            }
        ),
    )
    alert = replace(trade_alert(), id=9)
    alert = replace(alert, signals=(linked, *alert.signals))
    view = alert_view(alert, T0)
    text = plain_text(view)
    assert "Linked wallets:" in text and "Funded by 0xf1f1…f1f1" in text
    assert "0x5b5b…5b5b · $6,000" in text and "0x1015…bac8 · $4,000" in text
    html = render_html(view)
    assert f"https://polygonscan.com/address/{FUNDER}" in html and "$6,000" in html
    embed = render_embed(view)
    fields = {f.name: f.value for f in embed.fields}
    assert "Linked wallets" in fields and "$4,000" in str(fields["Linked wallets"])
