"""View -> Slack message (`text` + Block Kit `blocks`), for webhooks in the slack format.

Only markup happens here: what a view says was decided in scanner_core.presentation. The same JSON
works for Slack incoming webhooks and the Slack-compatible endpoints of Mattermost, Rocket.Chat and
Discord (`.../slack`). Text is escaped for Slack's mrkdwn (&, <, >), and Slack's limits are kept:
3000 characters a section, 10 fields of 2000 each, 10 context elements, 50 blocks. Buttons are
left out: they call back into the bots, which a webhook cannot; the links carry the same targets.
"""

from __future__ import annotations

from typing import Any

from scanner_core.presentation import Field, Line, Span, View, plain_text, text_of

SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
CONTEXT_ELEMENTS_MAX = 10
BLOCKS_MAX = 50
TEXT_MAX = 3000
ELLIPSIS = "…"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def span_mrkdwn(span: Span) -> str:
    text = escape(span.text)
    if span.code:
        text = f"`{text.replace('`', 'ˋ')}`"
    elif span.bold and text.strip():
        text = f"*{text}*"
    if span.url:
        label = text.replace("|", "¦")
        text = f"<{escape(span.url).replace('|', '%7C')}|{label}>"
    return text


def line_mrkdwn(line: Line) -> str:
    return "".join(span_mrkdwn(s) for s in line)


def _fit(lines: tuple[Line, ...], limit: int) -> list[str]:
    """mrkdwn chunks of whole lines, each within `limit` (a longer line is cut as plain text)."""
    chunks: list[str] = []
    current = ""
    for ln in lines:
        text = line_mrkdwn(ln)
        if len(text) > limit:
            text = _clip(escape(text_of(ln)), limit)
        joined = f"{current}\n{text}" if current else text
        if len(joined) > limit:
            chunks.append(current)
            joined = text
        current = joined
    if current:
        chunks.append(current)
    return chunks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _field_text(f: Field, limit: int) -> str:
    head = f"*{escape(f.name)}*"
    body = _fit(f.lines, limit - len(head) - 1)
    return f"{head}\n{body[0]}" if body else head


def _field_blocks(fields: tuple[Field, ...]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    inline: list[dict[str, Any]] = []

    def flush() -> None:
        if inline:
            blocks.append({"type": "section", "fields": list(inline)})
            inline.clear()

    for f in fields:
        if f.inline:
            inline.append({"type": "mrkdwn", "text": _field_text(f, FIELD_MAX)})
            if len(inline) == FIELDS_PER_SECTION:
                flush()
            continue
        flush()
        head = f"*{escape(f.name)}*"
        chunks = _fit(f.lines, SECTION_MAX - len(head) - 1) or [""]
        blocks.append(_section(f"{head}\n{chunks[0]}".rstrip()))
        blocks.extend(_section(chunk) for chunk in chunks[1:])
    flush()
    return blocks


def _context(texts: list[str]) -> dict[str, Any]:
    elements = [{"type": "mrkdwn", "text": _clip(t, SECTION_MAX)} for t in texts[:CONTEXT_ELEMENTS_MAX]]
    return {"type": "context", "elements": elements}


def render(view: View) -> dict[str, Any]:
    """{"text": the plain wording (notifications, clients without blocks), "blocks": [...]}."""
    title = escape(view.title)
    heading = f"*<{escape(view.url)}|{title.replace('|', '¦')}>*" if view.url else f"*{title}*"
    blocks: list[dict[str, Any]] = [_section(_clip(heading, SECTION_MAX))]
    blocks.extend(_section(chunk) for chunk in _fit(view.body, SECTION_MAX))
    blocks.extend(_field_blocks(view.fields))
    links = [span_mrkdwn(s) for s in view.links if s.url]
    if links:
        blocks.append(_context([" · ".join(links)]))
    if view.footer:
        blocks.append(_context([escape(view.footer)]))
    if len(blocks) > BLOCKS_MAX:
        blocks = [*blocks[: BLOCKS_MAX - 1], _context(["…more in the text of this message"])]
    return {"text": _clip(escape(plain_text(view)), TEXT_MAX), "blocks": blocks}  # Slack parses it too
