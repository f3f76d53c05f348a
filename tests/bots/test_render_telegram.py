"""Telegram rendering: exact HTML per alert kind, escaping, the 4096 limit, callback data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.render import telegram as render
from scanner_core.models import Alert
from scanner_core.presentation import Button, Field, Span, View, alert_view, line
from tests.bots.support import T0, follow_up_alert, system_alert, target_alert, trade_alert
from tests.fakes.telegram import html_to_text

NOW = T0 + timedelta(minutes=1)
PROFILE = "https://polymarket.com/profile/0x510f4963b66b1b18505faab74b0bb943d1dda43c"
EVENT = "https://polymarket.com/event/what-will-happen-before-gta-vi"
TX = "https://polygonscan.com/tx/0xb6acf6859bc84216f4b3e2567fb392a2eae19d275340ad96ea17218ccfec27b7"
WALLET_LINE = f'<a href="{PROFILE}"><code>0x510f…a43c</code></a> · PPMT'
TRADE_LINKS = f'<a href="{EVENT}">Market</a> · <a href="{PROFILE}">Wallet</a> · <a href="{TX}">Transaction</a>'
FOOTER = "<i>polyscan · alert #7 · 2026-07-01 12:00 UTC</i>"

EXPECTED = {
    "trade": [
        "<b>🐋 $72,400 BUY Yes @ 42¢</b>",
        f'<a href="{EVENT}"><b>Russia-Ukraine Ceasefire before GTA VI?</b></a>',
        "14.5% of 24h volume · 125.4% of liquidity · resolves in 29d 23h",
        "",
        "<b>Wallet</b>",
        WALLET_LINE,
        "<b>NEW WALLET (3 trades)</b>",
        "win rate: not enough history (0 resolved) · PnL -$150",
        "<b>Why</b>",
        "<b>• Large trade</b>: $72.4k, the 3rd tier",
        "   $72,400 · tier 2",
        "<b>• Fresh wallet</b>: first trade 2 days ago",
        "   age 2 days · trades 3",
        "<b>Confidence</b>: 72% · 🟠 HIGH",
        "",
        TRADE_LINKS,
        FOOTER,
    ],
    "follow_up": [
        "<b>📈 Yes moved 42¢ → 61¢ within 3h</b>",
        f'<a href="{EVENT}"><b>Russia-Ukraine Ceasefire before GTA VI?</b></a>',
        "14.5% of 24h volume · 125.4% of liquidity · resolves in 29d 23h",
        "After $72,400 BUY Yes @ 42¢ at 12:00 UTC",
        "",
        "<b>Wallet</b>",
        WALLET_LINE,
        "<b>NEW WALLET (3 trades)</b>",
        "win rate: not enough history (0 resolved) · PnL -$150",
        "<b>Why</b>",
        "<b>• Price followed through</b>: price rose 19 points",
        "   price before 42¢ · price after 61¢ · 3h",
        "<b>Confidence</b>: 72% · 🔵 NOTABLE",
        "",
        TRADE_LINKS,
        FOOTER,
    ],
    "wallet_target": [
        "<b>🎯 Wallet worth copying: 0x510f…a43c (PPMT)</b>",
        "Classified TARGET · score 0.81",
        "",
        "<b>Wallet</b>",
        f"{WALLET_LINE} · 🎯 TARGET",
        "1.1 years old · 512 trades",
        "win rate 67% over 120 resolved · PnL +$48,210",
        "<b>Why</b>",
        "• 67% over 120 resolved",
        "• edge in politics",
        "<b>Confidence</b>: 81% · 🔵 NOTABLE",
        "",
        f'<a href="{PROFILE}">Wallet</a> · '
        '<a href="https://polygonscan.com/address/0x510f4963b66b1b18505faab74b0bb943d1dda43c">Polygonscan</a>',
        FOOTER,
    ],
    "system": [
        "<b>⚠️ Live feed down</b>",
        "RTDS silent for 5m; backfilling from the Data API.",
        FOOTER,
    ],
}


@pytest.mark.parametrize("alert", [trade_alert(), follow_up_alert(), target_alert(), system_alert()], ids=str)
def test_exact_html_for_each_alert_kind(alert: Alert) -> None:
    message = render.render(alert_view(replace(alert, id=7), NOW))

    assert message.text.split("\n") == EXPECTED[alert.kind.value]
    html_to_text(message.text)  # valid Telegram HTML (raises like the Bot API otherwise)


def test_keyboard_of_a_trade_alert_and_a_wallet_target() -> None:
    trade = render.render(alert_view(replace(trade_alert(), id=7), NOW)).reply_markup
    target = render.render(alert_view(replace(target_alert(), id=8), NOW)).reply_markup
    system = render.render(alert_view(replace(system_alert(), id=9), NOW)).reply_markup

    assert trade is not None and trade.to_dict() == {
        "inline_keyboard": [
            [
                {"text": "View market", "callback_data": "ps:vm:7"},
                {"text": "View wallet", "callback_data": "ps:vw:7"},
            ],
            [
                {"text": "Mute market", "callback_data": "ps:mm:7"},
                {"text": "Mute wallet", "callback_data": "ps:mw:7"},
            ],
        ]
    }
    assert target is not None and target.to_dict() == {
        "inline_keyboard": [
            [
                {"text": "View wallet", "callback_data": "ps:vw:8"},
                {"text": "Mute wallet", "callback_data": "ps:mw:8"},
            ]
        ]
    }
    assert system is None


def test_user_supplied_text_is_escaped() -> None:
    nasty = trade_alert(question='Will <b>"Trump"</b> & co win? <script>', username="<i>x</i>&amp;")
    text = render.render(alert_view(replace(nasty, id=7), NOW)).text

    assert '<b>Will &lt;b&gt;"Trump"&lt;/b&gt; &amp; co win? &lt;script&gt;</b>' in text
    assert " · &lt;i&gt;x&lt;/i&gt;&amp;amp;" in text
    visible = html_to_text(text)
    assert 'Will <b>"Trump"</b> & co win? <script>' in visible and "<i>x</i>&amp;" in visible


def test_long_views_keep_whole_lines_links_and_footer_within_4096() -> None:
    body = tuple(line(f"line {i}: " + "🐳" * 40) for i in range(200))
    view = View(
        "title",
        body=body,
        fields=(Field("Field", (line("value"),)),),
        links=(Span("Market", url="https://polymarket.com/event/x"),),
        footer="the footer",
    )

    text = render.render_html(view)

    visible = html_to_text(text)
    assert render.units(visible) <= render.MESSAGE_MAX
    lines = text.split("\n")
    assert lines[-1] == "<i>the footer</i>" and lines[-2] == '<a href="https://polymarket.com/event/x">Market</a>'
    assert "…" in lines and all(ln.startswith("line ") for ln in lines[1 : lines.index("…")])


def test_a_title_longer_than_the_limit_is_cut_not_broken() -> None:
    text = render.render_html(View("<" * 5000))
    assert text.startswith("<b>&lt;&lt;") and text.endswith("…</b>")
    assert render.units(html_to_text(text)) <= render.MESSAGE_MAX


def test_callback_data_over_64_bytes_is_left_out() -> None:
    ok = Button("ok", "ps:vm:1")
    too_long = Button("long", "x" * 65)
    markup = render.render_keyboard((ok, too_long))
    assert markup is not None and markup.to_dict() == {
        "inline_keyboard": [[{"text": "ok", "callback_data": "ps:vm:1"}]]
    }
    assert render.render_keyboard((too_long,)) is None


def test_admin_text_is_escaped_and_clipped() -> None:
    assert render.render_text("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert render.units(render.render_text("🐳" * 3000)) <= render.MESSAGE_MAX
