"""Discord rendering: exact embeds per alert kind, colours, buttons, escaping and embed limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.render import discord as render
from scanner_core.models import Alert, Severity
from scanner_core.presentation import Field, Span, View, alert_view, line
from tests.bots.support import T0, follow_up_alert, system_alert, target_alert, trade_alert

NOW = T0 + timedelta(minutes=1)
PROFILE = "https://polymarket.com/profile/0x510f4963b66b1b18505faab74b0bb943d1dda43c"
EVENT = "https://polymarket.com/event/what-will-happen-before-gta-vi"
TX = "https://polygonscan.com/tx/0xb6acf6859bc84216f4b3e2567fb392a2eae19d275340ad96ea17218ccfec27b7"
WALLET = f"[`0x510f…a43c`]({PROFILE}) · PPMT"
QUESTION = f"[**Russia-Ukraine Ceasefire before GTA VI?**]({EVENT})"
MARKET_STATS = "14.5% of 24h volume · 125.4% of liquidity · resolves in 29d 23h"
LINKS = ("Links", f"[Market]({EVENT}) · [Wallet]({PROFILE}) · [Transaction]({TX})", False)
NEW_WALLET = f"{WALLET}\n**NEW WALLET (3 trades)**\nwin rate: not enough history (0 resolved) · PnL -$150"
FOOTER = {"text": "polyscan · alert #7 · 2026-07-01 12:00 UTC"}

EXPECTED: dict[str, dict[str, Any]] = {
    "trade": {
        "title": "🐋 $72,400 BUY Yes @ 42¢",
        "url": EVENT,
        "color": 0xE67E22,
        "description": f"{QUESTION}\n{MARKET_STATS}",
        "fields": [
            ("Wallet", NEW_WALLET, False),
            (
                "Why",
                "**• Large trade**: $72.4k, the 3rd tier\n   $72,400 · tier 2\n"
                "**• Fresh wallet**: first trade 2 days ago\n   age 2 days · trades 3",
                False,
            ),
            ("Confidence", "72% · 🟠 HIGH", True),
            LINKS,
        ],
        "footer": FOOTER,
    },
    "follow_up": {
        "title": "📈 Yes moved 42¢ → 61¢ within 3h",
        "url": EVENT,
        "color": 0x3498DB,
        "description": f"{QUESTION}\n{MARKET_STATS}\nAfter $72,400 BUY Yes @ 42¢ at 12:00 UTC",
        "fields": [
            ("Wallet", NEW_WALLET, False),
            (
                "Why",
                "**• Price followed through**: price rose 19 points\n   price before 42¢ · price after 61¢ · 3h",
                False,
            ),
            ("Confidence", "72% · 🔵 NOTABLE", True),
            LINKS,
        ],
        "footer": FOOTER,
    },
    "wallet_target": {
        "title": "🎯 Wallet worth copying: 0x510f…a43c (PPMT)",
        "url": PROFILE,
        "color": 0x3498DB,
        "description": "Classified TARGET · score 0.81",
        "fields": [
            (
                "Wallet",
                f"{WALLET} · 🎯 TARGET\n1.1 years old · 512 trades\nwin rate 67% over 120 resolved · PnL +$48,210",
                False,
            ),
            ("Why", "• 67% over 120 resolved\n• edge in politics", False),
            ("Confidence", "81% · 🔵 NOTABLE", True),
            (
                "Links",
                f"[Wallet]({PROFILE}) · [Polygonscan](https://polygonscan.com/address/0x510f4963b66b1b18505faab74b0bb943d1dda43c)",
                False,
            ),
        ],
        "footer": FOOTER,
    },
    "system": {
        "title": "⚠️ Live feed down",
        "url": None,
        "color": 0xE74C3C,
        "description": "RTDS silent for 5m; backfilling from the Data API.",
        "fields": [],
        "footer": FOOTER,
    },
}


def _shape(embed: discord.Embed) -> dict[str, Any]:
    data = embed.to_dict()
    return {
        "title": data.get("title"),
        "url": data.get("url"),
        "color": data.get("color"),
        "description": data.get("description"),
        "fields": [(f["name"], f["value"], f["inline"]) for f in data.get("fields", [])],
        "footer": data.get("footer"),
    }


@pytest.mark.parametrize("alert", [trade_alert(), follow_up_alert(), target_alert(), system_alert()], ids=str)
def test_exact_embed_for_each_alert_kind(alert: Alert) -> None:
    message = render.render(alert_view(replace(alert, id=7), NOW))

    assert _shape(message.embed) == EXPECTED[alert.kind.value]
    assert message.content is None and message.allowed_mentions.to_dict() == {"parse": []}


def test_buttons_are_dynamic_items_two_per_row() -> None:
    message = render.render(alert_view(replace(trade_alert(), id=7), NOW))

    assert message.view is not None and message.view.timeout is None
    rows = message.view.to_components()
    assert [[c["custom_id"] for c in row["components"]] for row in rows] == [
        ["ps:vm:7", "ps:vw:7"],
        ["ps:mm:7", "ps:mw:7"],
    ]
    assert [[c["label"] for c in row["components"]] for row in rows] == [
        ["View market", "View wallet"],
        ["Mute market", "Mute wallet"],
    ]
    assert all(isinstance(item, render.AlertButton) for item in message.view.children)
    assert render.render(alert_view(replace(system_alert(), id=9), NOW)).view is None


def test_role_mention_pings_only_that_role() -> None:
    message = render.render(alert_view(replace(trade_alert(), id=7), NOW), mention_role_id="123")

    assert message.content == "<@&123>"
    assert message.allowed_mentions.to_dict() == {"parse": [], "roles": [123]}


def test_user_supplied_text_cannot_format_or_ping() -> None:
    nasty = trade_alert(
        question="**Big** [win](https://evil.example) @everyone", username="__x__ <@123456789012345678>"
    )
    embed = render.render(alert_view(replace(nasty, id=7), NOW)).embed

    description = embed.description or ""
    assert description.startswith("[**\\*\\*Big\\*\\* \\[win\\](https://evil.example) @\u200beveryone**](")
    assert "\\_\\_x\\_\\_ <@\u200b123456789012345678>" in embed.fields[0].value  # type: ignore[operator]


def test_embed_limits_are_enforced() -> None:
    fields = tuple(Field(f"field {i}", (line("v" * 2000),)) for i in range(40))
    view = View(
        "t" * 300,
        severity=Severity.CRITICAL,
        body=tuple(line("d" * 100) for i in range(100)),
        fields=fields,
        links=(Span("Market", url="https://polymarket.com/event/a(b)"),),
        footer="f" * 3000,
    )

    embed = render.render_embed(view)

    assert len(embed.title or "") == 256 and embed.title.endswith("…")  # type: ignore[union-attr]
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25 and all(len(f.value or "") <= 1024 for f in embed.fields)
    assert len(embed) <= 6000
    assert embed.fields[-1].name == "Links" and "a%28b%29" in (embed.fields[-1].value or "")


def test_a_single_overlong_line_is_cut_as_plain_text() -> None:
    view = View("t", body=(line("x" * 5000, "*"),))
    embed = render.render_embed(view)
    assert embed.description is not None and len(embed.description) == 4096 and embed.description.endswith("…")


def test_admin_text_is_escaped_and_within_2000() -> None:
    assert render.render_text("@everyone *now*") == "@\u200beveryone \\*now\\*"
    assert len(render.render_text("x" * 5000)) == 2000
