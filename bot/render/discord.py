"""View -> Discord embed (coloured by severity) + buttons, within Discord's limits.

Only markup happens here: what a view says was decided in scanner_core.presentation. User-supplied
text (market titles, usernames) is escaped for Markdown and mentions; nothing pings anyone except
the role a channel rule asked for.

Buttons are `AlertButton` dynamic items: their custom id carries the action and the alert id, so a
press works on any message, even after a restart, and nothing is kept per sent message. A press
is dispatched as the `alert_button` event (`on_alert_button(interaction, data)` in a cog).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from scanner_core.commands import BUTTON_TEMPLATE
from scanner_core.models import Severity
from scanner_core.presentation import Button, Field, Line, Span, View

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
BUTTONS_PER_ROW = 2
ELLIPSIS = "…"

SEVERITY_COLOURS = {
    Severity.INFO: 0x95A5A6,
    Severity.NOTABLE: 0x3498DB,
    Severity.HIGH: 0xE67E22,
    Severity.CRITICAL: 0xE74C3C,
}
NEUTRAL_COLOUR = 0x5865F2


def escape(text: str) -> str:
    """User text safe in embeds and content: no Markdown, no mention pings, and no "](" that
    would end the link text we wrap it in (escape_markdown leaves "]" alone)."""
    return escape_mentions(escape_markdown(text)).replace("]", "\\]")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def span_markdown(span: Span) -> str:
    if span.mention is not None:
        kind, entity_id = span.mention
        return f"<#{entity_id}>" if kind == "channel" else f"<@&{entity_id}>"
    text = f"`{span.text.replace('`', 'ˋ')}`" if span.code else escape(span.text)
    if span.bold:
        text = f"**{text}**"
    if span.url:
        text = f"[{text}]({_url(span.url)})"
    return text


def line_markdown(line: Line) -> str:
    return "".join(span_markdown(s) for s in line)


def _plain(line: Line) -> str:
    return "".join(s.text for s in line)


def fit_lines(lines: tuple[Line, ...], limit: int) -> str:
    """Whole lines while they fit; a first line longer than the limit is cut as escaped plain text
    (cutting Markdown in the middle would break a link)."""
    out: list[str] = []
    used = 0
    for line in lines:
        rendered = line_markdown(line)
        cost = len(rendered) + (1 if out else 0)
        if used + cost <= limit:
            out.append(rendered)
            used += cost
            continue
        if not out:
            out.append(_clip(escape(_plain(line)), limit))
        elif used + 2 <= limit:
            out.append(ELLIPSIS)
        break
    return "\n".join(out)


def _field(f: Field) -> tuple[str, str, bool]:
    name = _clip(f.name, FIELD_NAME_MAX) or "\u200b"
    value = fit_lines(f.lines, FIELD_VALUE_MAX) or "\u200b"
    return name, value, f.inline


def _links(links: tuple[Span, ...]) -> str:
    return " · ".join(span_markdown(s) for s in links)


def render_embed(view: View) -> discord.Embed:
    title = _clip(view.title, TITLE_MAX)
    description = fit_lines(view.body, DESCRIPTION_MAX)
    fields = [_field(f) for f in view.fields]
    room_for = FIELDS_MAX - (1 if view.links else 0)
    if len(fields) > room_for:
        fields = [*fields[: room_for - 1], ("…", f"{len(fields) - room_for + 1} more not shown", False)]
    if view.links:
        fields.append(("Links", _clip(_links(view.links), FIELD_VALUE_MAX), False))
    footer = _clip(view.footer, FOOTER_MAX)

    def total() -> int:
        return len(title) + len(description) + len(footer) + sum(len(n) + len(v) for n, v, _ in fields)

    if total() > EMBED_TOTAL_MAX:  # give up detail in this order: footer, long description, fields
        footer = _clip(footer, 200)
        fields_size = sum(len(n) + len(v) for n, v, _ in fields)
        room = EMBED_TOTAL_MAX - len(title) - len(footer) - fields_size
        description = fit_lines(view.body, max(room, 1000))
        links_last = bool(view.links)
        while total() > EMBED_TOTAL_MAX and len(fields) > int(links_last):
            fields.pop(-2 if links_last else -1)
        if total() > EMBED_TOTAL_MAX:
            description = fit_lines(view.body, max(0, EMBED_TOTAL_MAX - (total() - len(description))))
    colour = SEVERITY_COLOURS[view.severity] if view.severity is not None else NEUTRAL_COLOUR
    embed = discord.Embed(title=title, url=view.url, description=description or None, colour=colour)
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    return embed


class AlertButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """A button under an alert; the press goes to `on_alert_button` listeners."""

    def __init__(self, data: str, label: str, danger: bool = False) -> None:
        style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label, custom_id=data, style=style))
        self.data = data

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: Any
    ) -> AlertButton:
        return cls(item.custom_id or match.string, item.label or "", item.style is discord.ButtonStyle.danger)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        interaction.client.dispatch("alert_button", interaction, self.data)


def render_buttons(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for index, button in enumerate(buttons[:25]):
        item = AlertButton(button.data, button.label[:80], button.danger)
        item.item.row = index // BUTTONS_PER_ROW
        view.add_item(item)
    return view


@dataclass(frozen=True)
class DiscordMessage:
    content: str | None
    embed: discord.Embed
    view: discord.ui.View | None
    allowed_mentions: discord.AllowedMentions

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `Messageable.send` / `followup.send` / `response.send_message`."""
        kwargs: dict[str, Any] = {"embed": self.embed, "allowed_mentions": self.allowed_mentions}
        if self.content:
            kwargs["content"] = self.content
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs


def render(view: View, *, mention_role_id: str | None = None, buttons: bool = True) -> DiscordMessage:
    content = None
    mentions = discord.AllowedMentions.none()
    if mention_role_id:
        content = f"<@&{mention_role_id}>"
        mentions = discord.AllowedMentions(
            everyone=False, users=False, roles=[discord.Object(int(mention_role_id))], replied_user=False
        )
    components = render_buttons(view.buttons) if buttons else None
    return DiscordMessage(content, render_embed(view), components, mentions)


def render_text(text: str) -> str:
    """Plain text for a channel (admin messages): escaped and within the content limit."""
    return _clip(escape(text), CONTENT_MAX)
