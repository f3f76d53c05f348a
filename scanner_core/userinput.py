"""Text that comes from outside (what users type, titles and names from Polymarket): quoting it back
in a reply, and cutting it to a size fit for a message. Pure."""

from __future__ import annotations

ECHO_MAX = 40  # characters of a user's input an error reply quotes back
ELLIPSIS = "…"


def _shown(char: str) -> str:
    """A character as a reply may show it: printable ones as they are, the rest (control, format,
    bidi overrides, unassigned) as their escape, so a reply can be neither reordered nor hidden."""
    if char.isprintable() and char != "\\":
        return char
    return char.encode("unicode_escape").decode("ascii")


def echo(text: str, limit: int = ECHO_MAX, *, quote: bool = True) -> str:
    """`text` quoted for an error reply: at most `limit` characters shown (escapes count), "…" when
    cut, in single quotes unless `quote` is False. The one way replies repeat what a user typed."""
    out: list[str] = []
    used = 0
    for char in text:
        shown = _shown(char)
        if used + len(shown) > limit:
            out.append(ELLIPSIS)
            break
        out.append(shown)
        used += len(shown)
    body = "".join(out)
    return f"'{body}'" if quote else body


def clip(text: str, limit: int) -> str:
    """Outside text within `limit` characters, whitespace runs (newlines included) made one space."""
    if len(text) > 8 * limit + 64:  # a megabyte title: only its start can be shown
        text = text[: 8 * limit + 64]
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
