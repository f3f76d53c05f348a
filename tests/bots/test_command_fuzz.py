"""Bounded fuzzing of the commands: 10,000 random and mutated command lines (unicode, huge numbers,
control characters, very long input, every command of the catalogue with garbage arguments) go
through both bots' parsing into the one CommandService on the real database, and every reply is
rendered for both platforms. Zero crashes: each outcome is a result, or a ServiceError whose short
message renders within the limits.

Deterministic in CI: the 10,000 lines come from a seeded generator (fast enough for every run);
a smaller Hypothesis run, derandomised (a fixed sequence), explores the same space with its own
strategies and shrinks whatever it finds to a minimal line.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.command_calls import Args, calls, with_subcommands
from bot.handlers.common import parse_command
from bot.render import discord as discord_render
from bot.render import telegram as telegram_render
from scanner_core import catalogue
from scanner_core.catalogue import ArgType
from scanner_core.commands import ButtonAction, CommandService, Result, ServiceError, UserRef, encode_button
from scanner_core.models import Platform
from scanner_core.presentation import View, error_view, result_view
from tests.bots.support import CONDITION, DC_ADMIN, DC_MEMBER, SLUG, TG_GROUP_MEMBER, TG_USER, WALLET
from tests.fakes.telegram import html_to_text

SEEDED_LINES = 10_000
SEED = 20_260_701
EXAMPLES = 300  # Hypothesis: each example costs milliseconds of drawing alone
BOT = "polyscan_test_bot"
MESSAGE_MAX = (
    600  # a ServiceError is one short reply: echoed input is cut to 40 characters, lists of kinds are the rest
)

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large),
)

# ---------------------------------------------------------------- what users type

VALID_WORDS = (
    "25k", "$25,000", "1.5m", "0.6", "60%", "0", "100%", "high", "critical", "info", "trade,wallet_target",
    "cluster", "politics", "politics,crypto", "all", "default", "23:00", "07:00", "7", "11pm", "off",
    "Europe/Berlin", "UTC", WALLET, WALLET.upper(), "PPMT", "@PPMT", SLUG, CONDITION, "540816",
    f"https://polymarket.com/event/what-will-happen-before-gta-vi/{SLUG}", f"https://polymarket.com/profile/{WALLET}",
    "1", "20", "#1", "min_size", "min_confidence", "severity", "kinds", "categories", "exclude_categories",
    "max_per_hour", "category:politics", "severity:high", "kind:wallet_target",
)  # fmt: skip
ABSURD = (
    "1e999999999999", "1E-5001", "$1E-5001", "-0%", "-0", "NaN", "sNaN", "inf", "-Infinity", "1e400", "0x10",
    "٣٠", "1_000", "9" * 400, "0." + "0" * 300 + "1", "[polymarket.com", "https://[::1", "../../etc/passwd",
    "\x00", "\u202e", "\u200b", "<b>", "</code>", "&amp;", "@everyone", "<@&1>", "`", "**", "%", "$", ".",
)  # fmt: skip

control = st.text(st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp")), min_size=1, max_size=8)
number = st.from_regex(r"\A[+-]?[0-9]{1,40}(\.[0-9]{0,40})?([eE][+-]?[0-9]{1,16})?[%kKmM$]?\Z")
huge = st.builds(lambda unit, n: unit * n, st.text(min_size=1, max_size=3), st.integers(200, 2500))
mutated = st.builds(
    lambda word, at, insert: word[:at] + insert + word[at + 1 :],
    st.sampled_from(VALID_WORDS),
    st.integers(0, 60),
    st.text(max_size=4),
)
word = st.one_of(
    st.sampled_from(VALID_WORDS),
    mutated,
    st.sampled_from(ABSURD),
    number,
    control,
    st.text(max_size=24),
    huge,
)
NAMES = tuple(sorted({c.name for c in catalogue.COMMANDS} | {"route", "start", "nope", "Help", "SETTINGS"}))
name = st.one_of(st.sampled_from(NAMES), st.from_regex(r"\A[A-Za-z0-9_]{1,40}\Z"))
suffix = st.sampled_from(("", "", "", f"@{BOT}", f"@{BOT.upper()}", "@other_bot"))
separator = st.sampled_from((" ", " ", "  ", "\n", "\t", " \u3000 "))


# the same space, drawn from a seeded generator: microseconds a line


def _random_text(rng: random.Random, size: int) -> str:
    """Characters from everywhere: ASCII, Latin, any plane below the surrogates, astral (emoji), control."""
    ranges = ((0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x2FF), (0x2000, 0x206F), (0x0600, 0x06FF), (0xE000, 0xFFFD))
    out = []
    for _ in range(size):
        low, high = rng.choice((*ranges, (0x1F300, 0x1FAFF), (0x10000, 0x10FFFF)))
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(chars))
        action = rng.randint(0, 2)
        if action == 0 or not chars:
            chars[at:at] = _random_text(rng, rng.randint(1, 3))
        elif action == 1:
            del chars[min(at, len(chars) - 1)]
        else:
            chars[min(at, len(chars) - 1)] = _random_text(rng, 1)
    return "".join(chars)


def _seeded_word(rng: random.Random) -> str:
    kind = rng.randint(0, 7)
    if kind == 0:
        return rng.choice(VALID_WORDS)
    if kind == 1:
        return _mutate(rng, rng.choice(VALID_WORDS))
    if kind == 2:
        return rng.choice(ABSURD)
    if kind == 3:
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 40)))
        return rng.choice(("", "-", "+", "$")) + digits + rng.choice(("", ".5", "e999999", "E-5001", "%", "k", "m"))
    if kind == 4:
        return "".join(chr(rng.choice((0, 7, 9, 10, 13, 27, 127, 0x200B, 0x202E, 0x2028, 0xFEFF))) for _ in range(4))
    if kind == 5:
        return _random_text(rng, rng.randint(1, 24))
    if kind == 6:
        return _random_text(rng, rng.randint(1, 3)) * rng.randint(200, 2500)
    return rng.choice(VALID_WORDS) + _random_text(rng, rng.randint(1, 5))


def seeded_lines(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        if rng.randint(0, 19) == 0:
            lines.append("/" + _random_text(rng, rng.randint(0, 200)))
            continue
        command = rng.choice(NAMES) if rng.randint(0, 3) else _mutate(rng, rng.choice(NAMES))
        sep = rng.choice((" ", " ", "  ", "\n", "\t", " \u3000 "))
        words = [_seeded_word(rng) for _ in range(rng.randint(0, 5))]
        suffix = rng.choice(("", "", "", f"@{BOT}", f"@{BOT.upper()}", "@other_bot"))
        lines.append(f"/{command}{suffix}{sep}{sep.join(words)}".rstrip())
    return lines


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 19)) == 0:
        return "/" + draw(st.text(max_size=200))  # anything at all after a slash
    words = draw(st.lists(word, max_size=5))
    sep = draw(separator)
    return f"/{draw(name)}{draw(suffix)}{sep}{sep.join(words)}".rstrip()


# ---------------------------------------------------------------- both bots' parsing


_COMMAND_ENTITY = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{3,64}))?")


def telegram_call(service: CommandService, user: UserRef, text: str, *, private: bool) -> Awaitable[Result] | None:
    """What the Telegram bot does with a message: Telegram marks `/name[@bot]` at the start as a
    bot_command; CommandHandler takes known names addressed to this bot (or to no bot), the unknown
    command handler answers the rest addressed to it; nothing answers other messages."""
    entity = _COMMAND_ENTITY.match(text)
    if entity is None:
        return None
    command, target = entity[1].lower(), (entity[2] or "").lower()
    if target and target != BOT:
        return None
    entry = catalogue.find(command)
    if entry is None or not entry.on(Platform.TELEGRAM):
        if not (private or target):
            return None
        return _unknown(service, command)
    tokens = text.split()[1:]
    table = with_subcommands(calls(service))

    async def run() -> Result:
        return await table[entry.name](user, parse_command(entry, tokens))

    return run()


async def _unknown(service: CommandService, command: str) -> Result:
    return service.help(Platform.TELEGRAM, command)


def discord_calls(words: list[str]) -> list[tuple[str, Args]]:
    """Every Discord command of the catalogue that takes options, with options filled from `words`
    the way Discord would deliver them: text options as typed, choices only from their list,
    channels and roles as snowflakes, optional options sometimes left out. (Discord sends no options
    to a command without any: /stats cannot be given garbage there.)"""
    out = []
    for entry in catalogue.for_platform(Platform.DISCORD):
        for leaf, key in [(sub, f"{entry.name} {sub.name}") for sub in entry.subcommands] or [(entry, entry.name)]:
            if not leaf.args:
                continue
            args: Args = {}
            for index, spec in enumerate(leaf.args):
                given = words[index % len(words)] if words else ""
                if spec.type is ArgType.CHOICE:
                    args[spec.name] = spec.choices[len(given) % len(spec.choices)] if given else None
                elif spec.type in (ArgType.CHANNEL, ArgType.ROLE):
                    args[spec.name] = str(1_000_000_000 + len(given)) if given or spec.required else None
                else:
                    args[spec.name] = given if given or spec.required else None
            out.append((key, args))
    return out


def check_render(view: View) -> None:
    visible = html_to_text(telegram_render.render(view).text)
    assert telegram_render.units(visible) <= telegram_render.MESSAGE_MAX
    embed: dict[str, Any] = discord_render.render(view).embed.to_dict()
    assert len(embed.get("title", "")) <= 256 and len(embed.get("description", "")) <= 4096


async def outcome(call: Awaitable[Result]) -> None:
    try:
        result = await call
    except ServiceError as exc:
        assert 0 < len(exc.user_message) <= MESSAGE_MAX, exc.user_message[:400]
        check_render(error_view(exc.user_message))
    else:
        check_render(result_view(result))


# ---------------------------------------------------------------- the fuzz

DISCORD_KEYS = tuple(key for key, _ in discord_calls([]))
ACTIONS = tuple(ButtonAction)


async def exercise(service: CommandService, line: str, *, pick: int, button: str | None) -> None:
    """One line through both bots (Telegram in a private chat or as a group member's message,
    Discord as one command's options for an admin or a member), and maybe one button press."""
    private = pick % 2 == 0
    call = telegram_call(service, TG_USER if private else TG_GROUP_MEMBER, line, private=private)
    if call is not None:
        await outcome(call)
    key, args = discord_calls(line.split()[1:])[pick % len(DISCORD_KEYS)]
    await outcome(calls(service)[key](DC_ADMIN if pick % 3 else DC_MEMBER, args))
    if button is not None:
        await outcome(service.press(TG_USER if private else TG_GROUP_MEMBER, button))


async def test_ten_thousand_seeded_command_lines_never_crash_either_bot(service: CommandService) -> None:
    rng = random.Random(SEED + 1)
    lines = seeded_lines(SEED, SEEDED_LINES)
    assert len(set(lines)) > SEEDED_LINES * 0.8  # varied, not one line ten thousand times
    for index, line in enumerate(lines):
        button = None
        if index % 4 == 0:  # a press every fourth line: buttons are a small language
            button = _mutate(rng, encode_button(rng.choice(ACTIONS), rng.choice((1, 999_999_999, 10**18 - 1))))
        await exercise(service, line, pick=rng.randrange(10_000), button=button)


buttons = st.one_of(
    st.text(max_size=40),
    st.builds(encode_button, st.sampled_from(ACTIONS), st.integers(0, 10**18)),
    st.from_regex(r"\Aps:[a-z]{2}:[0-9]{1,25}\Z"),
)


@FUZZ
@given(line=command_lines(), pick=st.integers(0, 10_000), button=buttons)
async def test_hypothesis_command_lines_never_crash_either_bot(
    service: CommandService, line: str, pick: int, button: str
) -> None:
    await exercise(service, line, pick=pick, button=button)
