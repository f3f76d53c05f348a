"""View -> Telegram HTML (escaped) + inline keyboard, within Telegram's limits.

Only markup happens here: what a view says was decided in scanner_core.presentation. Every piece
of text is HTML-escaped (market titles and usernames are user-supplied). The message is built
from whole lines while they fit in 4096 characters, counted as Telegram counts them (UTF-16 code
units of the text after entity parsing), so a long view loses its last lines, never a closing
tag. Callback data is the button data of the view (at most 64 bytes).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from scanner_core.presentation import Button, Line, Span, View

MESSAGE_MAX = 4096
CALLBACK_DATA_MAX_BYTES = 64
BUTTONS_PER_ROW = 2
ELLIPSIS = "…"


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def span_html(span: Span) -> str:
    if span.mention is not None:
        kind, entity_id = span.mention
        return esc(f"#{entity_id}" if kind == "channel" else f"@{entity_id}")
    text = esc(span.text)
    if span.code:
        text = f"<code>{text}</code>"
    if span.bold:
        text = f"<b>{text}</b>"
    if span.url:
        text = f'<a href="{html.escape(span.url, quote=True)}">{text}</a>'
    return text


def line_html(line: Line) -> str:
    return "".join(span_html(s) for s in line)


def _visible(line: Line) -> str:
    return "".join(s.text for s in line)


@dataclass(frozen=True, slots=True)
class _Piece:
    html: str
    visible: int


def _piece(line: Line) -> _Piece:
    return _Piece(line_html(line), units(_visible(line)))


def _clip_units(text: str, limit: int) -> str:
    if units(text) <= limit:
        return text
    out = []
    used = 0
    for char in text:
        cost = units(char)
        if used + cost > limit - 1:
            break
        out.append(char)
        used += cost
    return "".join(out) + ELLIPSIS


def _pieces(view: View) -> tuple[list[_Piece], list[_Piece]]:
    """(main pieces in order, tail pieces kept whatever happens: links and footer)."""
    main = [_Piece(f"<b>{esc(view.title)}</b>", units(view.title))]
    main.extend(_piece(ln) for ln in view.body)
    if view.fields:
        main.append(_Piece("", 0))
    for f in view.fields:
        if f.inline and len(f.lines) == 1:
            value = _piece(f.lines[0])
            main.append(_Piece(f"<b>{esc(f.name)}</b>: {value.html}", units(f"{f.name}: ") + value.visible))
        else:
            main.append(_Piece(f"<b>{esc(f.name)}</b>", units(f.name)))
            main.extend(_piece(ln) for ln in f.lines)
    tail: list[_Piece] = []
    if view.links:
        links: list[Span] = []
        for index, link in enumerate(view.links):
            links.extend([Span(" · "), link] if index else [link])
        tail.append(_Piece("", 0))
        tail.append(_piece(tuple(links)))
    if view.footer:
        tail.append(_Piece(f"<i>{esc(view.footer)}</i>", units(view.footer)))
    return main, tail


def render_html(view: View, limit: int = MESSAGE_MAX) -> str:
    main, tail = _pieces(view)
    tail_cost = sum(p.visible + 1 for p in tail)
    budget = max(limit - tail_cost, limit // 2)
    out: list[str] = []
    used = 0
    for index, piece in enumerate(main):
        cost = piece.visible + (1 if out else 0)
        if used + cost <= budget:
            out.append(piece.html)
            used += cost
            continue
        if index == 0:  # a title longer than the whole budget
            out.append(f"<b>{esc(_clip_units(view.title, budget))}</b>")
            used = budget
        elif used + 2 <= budget:
            out.append(ELLIPSIS)
            used += 2
        break
    for piece in tail:
        cost = piece.visible + 1
        if used + cost > limit:
            break
        out.append(piece.html)
        used += cost
    return "\n".join(out)


def render_keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    usable = [b for b in buttons if len(b.data.encode()) <= CALLBACK_DATA_MAX_BYTES]
    if not usable:
        return None
    rows = [usable[i : i + BUTTONS_PER_ROW] for i in range(0, len(usable), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows])


@dataclass(frozen=True)
class TelegramMessage:
    text: str
    reply_markup: InlineKeyboardMarkup | None


def render(view: View, *, buttons: bool = True) -> TelegramMessage:
    return TelegramMessage(render_html(view), render_keyboard(view.buttons) if buttons else None)


def render_text(text: str, limit: int = MESSAGE_MAX) -> str:
    """Plain text (admin messages) as escaped HTML within the limit."""
    return esc(_clip_units(text, limit))
