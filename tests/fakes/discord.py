"""A fake Discord REST API + gateway for end-to-end tests of the real discord.py (2.7) client.

The unchanged library logs in, connects its gateway websocket and answers interactions over
loopback against this aiohttp server::

    async with FakeDiscord() as dc:  # starts the server and points discord.py at it
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(),
                           guild_ready_timeout=0.05)  # else READY waits 2 s for more guilds
        ...register app commands...
        task = asyncio.create_task(bot.start(dc.token))  # never bot.run(): it owns the loop
        await dc.wait_for_connection()  # wait_until_ready() raises if called before login ran
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        await bot.tree.sync(guild=discord.Object(dc.guild_id))
        handle = await dc.invoke_slash("ping", [{"name": "count", "value": 3}])
        reply = await dc.wait_for_response(handle)
        await bot.close()
        await task

Pointing discord.py here is process-wide (``discord.http.Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``; a plain ``Client`` never asks ``/gateway/bot``), so only one
FakeDiscord may be installed at a time. Close the bot before leaving the ``async with``.

The fake is stricter than the library, like Discord itself: invoked option names/types/values are
checked against the *synced* command definitions (the helper raises ``ValueError``), a first
interaction response later than ``interaction_deadline`` (3 s) gets 404/10062, a second initial
response 400/40060, message content over 2000 characters, embed and component limits 400/50035,
an empty message 400/50006, a nonce over 25 characters 400/50035. A channel message sent with
``enforce_nonce`` repeating a nonce the same author used in the same channel within
``nonce_window`` seconds (Discord: "the past few minutes") returns the earlier message and creates
none (``dc.nonce_repeats`` counts them). Lower ``dc.interaction_deadline`` (e.g. to 0) to test the late path
without waiting. Modal responses (type 9) are recorded in ``handle.modal``; submitting a modal
is not simulated. ``fail_next(status=500)`` is retried by discord.py after 1 s (use 503 to fail fast).
Assert ``dc.unknown_routes == []`` at teardown: unhandled routes are logged and answered 404.

Traps found in discord.py 2.7.1 while building this:

* every JSON answer needs ``Content-Type: application/json`` exactly (no charset), or discord.py
  treats the body as text and login fails;
* a 429 without a ``Via`` header is taken for a Cloudflare ban and raised as ``HTTPException``
  instead of being waited out, so the fake sends ``Via: 1.1 google`` like Discord;
* ``Client.connect`` uses ``DiscordWebSocket.DEFAULT_GATEWAY`` directly, and RESUME goes to READY's
  ``resume_gateway_url``; the client asks for ``compress=zlib-stream``, which the fake honours;
* a view sent with ``interaction.response.send_message`` is keyed by the callback answer's
  ``interaction.response_message_id``: without it button presses never reach the view;
* re-IDENTIFY after an invalidated session sleeps 5 s in ``before_identify``: use RESUME in tests;
* ``bot.wait_until_ready()`` raises RuntimeError (not waits) until ``login`` has run inside
  ``bot.start``: wait for ``dc.wait_for_connection()`` first, or race it against the start task.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import secrets
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple, NoReturn

import discord.http
import yarl
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket

__all__ = [
    "DiscordHTTPError",
    "FakeDiscord",
    "InteractionHandle",
    "OptionType",
    "RestCall",
    "SentMessage",
]

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
ZLIB_SUFFIX = b"\x00\x00\xff\xff"

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 53) - 1
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

MAX_CONTENT = 2000
MAX_NONCE = 25
NONCE_WINDOW_SECONDS = 300.0
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_ACTION_ROWS = 5
MAX_ROW_WIDTH = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_V2_COMPONENTS = 40
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
_COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


class OptionType:
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class InteractionType:
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


_ALLOWED_CALLBACKS = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}


class DiscordHTTPError(Exception):
    """An error answer in Discord's JSON shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self._body = body

    def body(self) -> dict[str, Any]:
        if self._body is not None:
            return self._body
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def _unknown(code: int, what: str) -> DiscordHTTPError:
    return DiscordHTTPError(404, code, f"Unknown {what}")


class RestCall(NamedTuple):
    """One REST request received by the fake; ``at`` is the event loop time it arrived."""

    method: str
    path: str
    at: float
    status: int


@dataclass
class SentMessage:
    """A message the bot made visible, as the fake stored it.

    ``source`` is ``channel`` (POST /channels/{id}/messages), ``channel_edit``, ``callback``
    (initial interaction response), ``update`` (component UPDATE_MESSAGE), ``edit`` (PATCH of an
    interaction message) or ``followup``.
    """

    source: str
    message_id: int
    channel_id: int
    content: str
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]]
    flags: int
    allowed_mentions: dict[str, Any] | None
    attachments: list[dict[str, Any]]
    payload: dict[str, Any]

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def custom_ids(self) -> list[str]:
        return [str(c["custom_id"]) for c in _walk_components(self.components) if "custom_id" in c]


@dataclass
class InteractionHandle:
    """An interaction the fake dispatched, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    user_id: int
    channel_id: int
    dispatched_at: float
    source_message_id: int | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    original_message_id: int | None = None
    replies: list[SentMessage] = field(default_factory=list)
    followup_ids: list[int] = field(default_factory=list)
    autocomplete_choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None

    @property
    def deferred(self) -> bool:
        return self.callback_type in (CallbackType.DEFERRED_CHANNEL_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE)


@dataclass
class _Fault:
    route: str
    remaining: int
    error: DiscordHTTPError


_RECHECK_INTERVAL = 0.02


@dataclass
class _Signal:
    """Lets tests wait for a condition; woken whenever the fake records something."""

    _waiters: set[asyncio.Future[None]] = field(default_factory=set)

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                # The re-check interval covers predicates on state outside the fake (the bot's).
                await asyncio.wait({waiter}, timeout=min(remaining, _RECHECK_INTERVAL))
            finally:
                self._waiters.discard(waiter)
                waiter.cancel()
        return True


@dataclass
class _Session:
    session_id: str
    seq: int = 0


class _GatewayConnection:
    """One websocket from the client; sends JSON payloads, zlib-stream compressed if asked."""

    def __init__(self, ws: web.WebSocketResponse, *, compress: bool) -> None:
        self.ws = ws
        self.session: _Session | None = None
        self._deflate = zlib.compressobj() if compress else None
        self._lock = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        async with self._lock:  # the zlib stream must see frames in send order
            if self._deflate is None:
                await self.ws.send_str(text)
            else:
                data = self._deflate.compress(text.encode()) + self._deflate.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        if self.session is None:
            raise RuntimeError("dispatch before IDENTIFY/RESUME")
        self.session.seq += 1
        await self.send({"op": 0, "t": event, "s": self.session.seq, "d": data})


def _walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            yield accessory


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _FormErrors:
    """Collects Discord's nested ``errors`` object for a 400/50035 answer."""

    def __init__(self, prefix: tuple[str, ...] = ()) -> None:
        self.prefix = prefix
        self.errors: dict[str, Any] = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.errors
        for part in (*self.prefix, *path):
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if isinstance(value, str | list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise DiscordHTTPError(400, 50035, "Invalid Form Body", errors=self.errors)


def _check_embed(embed: dict[str, Any], path: tuple[str | int, ...], errors: _FormErrors) -> int:
    size = 0
    for key, limit in EMBED_TEXT_LIMITS.items():
        text = embed.get(key)
        if isinstance(text, str):
            size += len(text)
            errors.max_length((*path, key), text, limit)
    for key, sub, limit in (("footer", "text", MAX_FOOTER), ("author", "name", MAX_AUTHOR)):
        text = (embed.get(key) or {}).get(sub)
        if isinstance(text, str):
            size += len(text)
            errors.max_length((*path, key, sub), text, limit)
    fields = embed.get("fields") or []
    errors.max_length((*path, "fields"), fields, MAX_EMBED_FIELDS)
    for index, embed_field in enumerate(fields):
        for key, limit in (("name", MAX_FIELD_NAME), ("value", MAX_FIELD_VALUE)):
            text = embed_field.get(key)
            if not text:
                errors.add((*path, "fields", index, key), "BASE_TYPE_REQUIRED", "This field is required")
                continue
            size += len(str(text))
            errors.max_length((*path, "fields", index, key), str(text), limit)
    return size


def _check_interactive(
    component: dict[str, Any], path: tuple[str | int, ...], seen: set[str], errors: _FormErrors
) -> None:
    kind = component.get("type")
    custom_id = component.get("custom_id")
    if kind == 2:
        style = component.get("style")
        if style == 5 and (not component.get("url") or custom_id):
            errors.add(path, "BUTTON_COMPONENT_INVALID_URL", "A link button needs a url and no custom_id")
        elif style not in (5, 6) and not custom_id:
            errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
        errors.max_length((*path, "label"), component.get("label"), MAX_BUTTON_LABEL)
    if kind in SELECT_TYPES:
        options = component.get("options") or []
        errors.max_length((*path, "options"), options, 25)
        errors.max_length((*path, "placeholder"), component.get("placeholder"), 150)
        for index, option in enumerate(options):
            for key in ("label", "value", "description"):
                errors.max_length((*path, "options", index, key), option.get(key), 100)
    if custom_id is not None:
        errors.max_length((*path, "custom_id"), str(custom_id), MAX_CUSTOM_ID)
        if custom_id in seen:
            errors.add(
                (*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        seen.add(str(custom_id))


def _check_components(components: list[dict[str, Any]], flags: int, errors: _FormErrors) -> None:
    seen: set[str] = set()
    if flags & IS_COMPONENTS_V2:
        everything = list(_walk_components(components))
        errors.max_length(("components",), everything, MAX_V2_COMPONENTS)
        for index, component in enumerate(everything):
            _check_interactive(component, ("components", index), seen, errors)
        return
    errors.max_length(("components",), components, MAX_ACTION_ROWS)
    for row_index, row in enumerate(components):
        path: tuple[str | int, ...] = ("components", row_index)
        if row.get("type") != 1:
            errors.add((*path, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
            continue
        children = row.get("components") or []
        has_select = any(child.get("type") in SELECT_TYPES for child in children)
        if not children or len(children) > MAX_ROW_WIDTH or (has_select and len(children) > 1):
            errors.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for index, child in enumerate(children):
            _check_interactive(child, (*path, "components", index), seen, errors)


def validate_message(
    payload: dict[str, Any], *, prefix: tuple[str, ...] = (), creating: bool, has_files: bool = False
) -> None:
    """Raise DiscordHTTPError the way Discord rejects a message create/edit payload."""
    errors = _FormErrors(prefix)
    content = payload.get("content")
    errors.max_length(("content",), content, MAX_CONTENT)
    if creating and payload.get("nonce") is not None:
        errors.max_length(("nonce",), str(payload["nonce"]), MAX_NONCE)
    embeds = payload.get("embeds") or []
    errors.max_length(("embeds",), embeds, MAX_EMBEDS)
    total = sum(_check_embed(embed, ("embeds", index), errors) for index, embed in enumerate(embeds))
    if total > MAX_EMBED_TOTAL:
        errors.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}")
    flags = int(payload.get("flags") or 0)
    components = payload.get("components") or []
    _check_components(components, flags, errors)
    if flags & IS_COMPONENTS_V2 and (content or embeds):
        errors.add(("content",), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "content/embeds with V2 flag")
    errors.raise_if_any()
    if creating and not (
        content or embeds or components or has_files or payload.get("sticker_ids") or payload.get("poll")
    ):
        raise DiscordHTTPError(400, 50006, "Cannot send an empty message")


class _Snowflakes:
    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


class FakeDiscord:
    """Discord REST (``/api/v10``) and gateway on 127.0.0.1 with one guild, its roles, channels and members.

    World: ``guild_id``; ``channel_ids`` (``[alerts, general]``, text channels); ``role_ids``
    (``everyone`` == guild id, ``admin`` with Manage Server, ``alerts`` mentionable, ``bot``);
    ``admin_user_id`` (has the admin role), ``member_user_id`` (no extra role), ``owner_user_id``
    and ``bot_user_id`` == ``application_id``.
    """

    _installed: ClassVar[FakeDiscord | None] = None

    def __init__(
        self,
        token: str = "fake-discord-token",
        *,
        interaction_deadline: float = 3.0,
        heartbeat_interval_ms: int = 41_250,
        compress: bool = True,
    ) -> None:
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compress = compress
        self.port = 0

        self._snowflake = _Snowflakes()
        self.application_id = self.bot_user_id = self._snowflake()
        self.guild_id = self._snowflake()
        self.owner_user_id = self._snowflake()
        self.admin_user_id = self._snowflake()
        self.member_user_id = self._snowflake()
        self.role_ids: dict[str, int] = {
            "everyone": self.guild_id,
            "admin": self._snowflake(),
            "alerts": self._snowflake(),
            "bot": self._snowflake(),
        }
        self.channel_ids: list[int] = [self._snowflake(), self._snowflake()]

        self.users: dict[int, dict[str, Any]] = {}
        self.roles: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[str, Any]] = {}
        self._build_world()

        self.synced_commands: dict[int | None, list[dict[str, Any]]] = {}
        self.channel_messages: list[SentMessage] = []
        self.message_edits: list[SentMessage] = []
        self.deleted_message_ids: list[int] = []
        self.interactions: list[InteractionHandle] = []
        self.requests: list[RestCall] = []
        self.unknown_routes: list[str] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.resume_count = 0
        self.gateway_queries: list[dict[str, str]] = []
        self.nonce_window = NONCE_WINDOW_SECONDS
        self.nonce_repeats: list[str] = []  # enforced nonces answered with their earlier message

        self._messages: dict[int, dict[str, Any]] = {}
        self._nonces: dict[tuple[int, int, str], tuple[float, int]] = {}  # (author, channel, nonce) -> (at, message)
        self._interactions: dict[int, InteractionHandle] = {}
        self._dm_channels: dict[int, int] = {}
        self._forbidden_channels: set[int] = set()
        self._forbidden_dm_users: set[int] = set()
        self._command_overrides: set[tuple[str, int]] = set()
        self._faults: list[_Fault] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_GatewayConnection] = set()
        self._active: _GatewayConnection | None = None
        self._signal = _Signal()
        self._runner: web.AppRunner | None = None
        self._saved_targets: tuple[str, yarl.URL] | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        self.install()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.uninstall()
        await self.stop()

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/ws/", self._gateway)
        app.router.add_get("/ws-resume/", self._gateway)
        self._add_rest_routes(app.router)
        app.router.add_route("*", "/{tail:.*}", self._unknown_route)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for connection in list(self._connections):
            await connection.ws.close(code=1001, message=b"fake discord shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def install(self) -> None:
        """Point discord.py (process-wide) at this fake; ``uninstall`` restores the real targets."""
        if FakeDiscord._installed is not None:
            raise RuntimeError("another FakeDiscord is installed: discord.py's targets are process-wide")
        self._saved_targets = (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        FakeDiscord._installed = self

    def uninstall(self) -> None:
        if FakeDiscord._installed is self and self._saved_targets is not None:
            discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved_targets
            FakeDiscord._installed = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    # -- world -----------------------------------------------------------------------------------

    def _build_world(self) -> None:
        people = [
            (self.bot_user_id, "polyscan-test", "0001", True),
            (self.owner_user_id, "olivia_owner", "0", False),
            (self.admin_user_id, "alice_admin", "0", False),
            (self.member_user_id, "bob_member", "0", False),
        ]
        for user_id, name, discriminator, bot in people:
            self.users[user_id] = {
                "id": str(user_id),
                "username": name,
                "discriminator": discriminator,
                "global_name": None if bot else name.split("_")[0].title(),
                "avatar": None,
                "bot": bot,
                "public_flags": 0,
            }
        role_specs = [
            ("everyone", "@everyone", EVERYONE_PERMISSIONS, 0, False),
            ("admin", "Admin", EVERYONE_PERMISSIONS | MANAGE_GUILD, 3, False),
            ("alerts", "Alerts", 0, 1, True),
            ("bot", "PolyScan", EVERYONE_PERMISSIONS | MENTION_EVERYONE | MANAGE_MESSAGES, 2, False),
        ]
        for key, name, permissions, position, mentionable in role_specs:
            role_id = self.role_ids[key]
            self.roles[role_id] = {
                "id": str(role_id),
                "name": name,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": position,
                "permissions": str(permissions),
                "managed": key == "bot",
                "mentionable": mentionable,
                "flags": 0,
            }
        for position, (channel_id, name) in enumerate(zip(self.channel_ids, ("alerts", "general"), strict=True)):
            self.channels[channel_id] = {
                "id": str(channel_id),
                "type": 0,
                "guild_id": str(self.guild_id),
                "name": name,
                "position": position,
                "permission_overwrites": [],
                "parent_id": None,
                "nsfw": False,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            }
        member_roles = {
            self.bot_user_id: [self.role_ids["bot"]],
            self.owner_user_id: [],
            self.admin_user_id: [self.role_ids["admin"]],
            self.member_user_id: [],
        }
        for user_id, roles in member_roles.items():
            self.members[user_id] = {
                "user": self.users[user_id],
                "roles": [str(r) for r in roles],
                "nick": None,
                "avatar": None,
                "joined_at": _now_iso(),
                "premium_since": None,
                "deaf": False,
                "mute": False,
                "pending": False,
                "flags": 0,
                "communication_disabled_until": None,
            }

    def permissions_of(self, user_id: int) -> int:
        """The guild-level permissions of a member (no channel overwrites in this fake)."""
        if user_id == self.owner_user_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        if member is None:
            return 0
        permissions = int(self.roles[self.guild_id]["permissions"])
        for role_id in member["roles"]:
            permissions |= int(self.roles[int(role_id)]["permissions"])
        return ALL_PERMISSIONS if permissions & ADMINISTRATOR else permissions

    def guild_payload(self) -> dict[str, Any]:
        channels = [
            {k: v for k, v in channel.items() if k != "guild_id"}
            for channel in self.channels.values()
            if channel.get("guild_id") == str(self.guild_id)
        ]
        return {
            "id": str(self.guild_id),
            "name": "PolyScan Test Guild",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_user_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": str(self.channel_ids[1]),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": "en-US",
            "features": [],
            "max_members": 500_000,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "channels": channels,
            "threads": [],
            "members": list(self.members.values()),
            "member_count": len(self.members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": _now_iso(),
            "lazy": True,
            "application_id": None,
            "incidents_data": None,
        }

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": "PolyScan Test",
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 1 << 23,
            "owner": self.users[self.owner_user_id],
            "team": None,
            "rpc_origins": [],
            "bot": self.users[self.bot_user_id],
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "integration_types_config": {"0": {}},
        }

    def dm_channel_id(self, user_id: int) -> int | None:
        """The DM channel the bot opened with ``user_id`` (POST /users/@me/channels), if any."""
        return self._dm_channels.get(user_id)

    # -- test API: interactions ------------------------------------------------------------------

    async def invoke_slash(
        self,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        user_id: int | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a slash command (INTERACTION_CREATE type 2) the way the Discord client would.

        ``options`` are ``{"name", "value"}`` dicts (``type`` optional; if given it must match the
        synced definition). ``subcommand`` is ``"sub"`` or ``"group sub"``. Raises ValueError when the
        command, a subcommand or an option is not in the synced commands, or a value is invalid, and
        PermissionError when the user lacks the command's ``default_member_permissions``.
        """
        user_id = self.admin_user_id if user_id is None else user_id
        command = self._synced_command(name, 1)
        self._check_can_use(command, user_id)
        resolved: dict[str, dict[str, Any]] = {}
        parts = subcommand.split() if subcommand else []
        data_options = self._command_options(command.get("options") or [], parts, options or [], f"/{name}", resolved)
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": data_options}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return await self._dispatch_interaction(InteractionType.APPLICATION_COMMAND, data, user_id, channel_id)

    async def invoke_autocomplete(
        self,
        name: str,
        focused: str,
        value: str,
        options: list[dict[str, Any]] | None = None,
        *,
        user_id: int | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
    ) -> InteractionHandle:
        """Dispatch an autocomplete interaction (type 4) for option ``focused`` typed as ``value``."""
        user_id = self.admin_user_id if user_id is None else user_id
        command = self._synced_command(name, 1)
        definitions = self._leaf_definitions(command, subcommand)
        definition = next((d for d in definitions if d["name"] == focused), None)
        if definition is None or not definition.get("autocomplete"):
            raise ValueError(f"/{name} has no autocomplete option {focused!r}")
        given = [o for o in options or [] if o["name"] != focused]
        resolved: dict[str, dict[str, Any]] = {}
        parts = subcommand.split() if subcommand else []
        built = self._command_options(command.get("options") or [], parts, given, f"/{name}", resolved, partial=True)
        leaf = built
        while leaf and leaf[0]["type"] in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            leaf = leaf[0]["options"]
        leaf.append({"name": focused, "type": definition["type"], "value": value, "focused": True})
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": built}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._dispatch_interaction(InteractionType.AUTOCOMPLETE, data, user_id, channel_id)

    def allow_command(self, name: str, user_id: int) -> None:
        """A server's Integrations settings let ``user_id`` use ``/name`` despite its
        ``default_member_permissions``: the interaction arrives with the member's real permissions."""
        self._command_overrides.add((name, user_id))

    async def invoke_unsynced(
        self, name: str, *, user_id: int | None = None, channel_id: int | None = None
    ) -> InteractionHandle:
        """A slash command this bot does not (or no longer) has: e.g. a client that still shows a
        command an older version synced."""
        user_id = self.admin_user_id if user_id is None else user_id
        data = {"id": str(self._snowflake()), "name": name, "type": 1, "options": [], "guild_id": str(self.guild_id)}
        return await self._dispatch_interaction(InteractionType.APPLICATION_COMMAND, data, user_id, channel_id)

    async def press_unknown_button(
        self, custom_id: str, *, user_id: int | None = None, channel_id: int | None = None
    ) -> InteractionHandle:
        """Press a button with ``custom_id`` on a message the bot sent long ago (by an older version
        of it, say): Discord still shows it, the bot does not know it."""
        channel = channel_id or self.channel_ids[0]
        button = {"type": 2, "style": 2, "label": "Old button", "custom_id": custom_id}
        message = self._new_message(channel, {"components": [{"type": 1, "components": [button]}]}, [], 0, 0)
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._dispatch_component(message, data, user_id, channel)

    async def press_button(
        self,
        custom_id: str,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
        channel_id: int | None = None,
    ) -> InteractionHandle:
        """Press a button the bot sent (newest message carrying ``custom_id`` unless ``message_id``)."""
        message, component = self._find_component(custom_id, message_id)
        if component.get("type") != 2:
            raise ValueError(f"component {custom_id!r} is not a button")
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._dispatch_component(message, data, user_id, channel_id)

    async def choose_select(
        self,
        custom_id: str,
        values: list[str],
        *,
        message_id: int | None = None,
        user_id: int | None = None,
        channel_id: int | None = None,
    ) -> InteractionHandle:
        """Pick ``values`` in a select menu the bot sent."""
        message, component = self._find_component(custom_id, message_id)
        kind = int(component.get("type", 0))
        if kind not in SELECT_TYPES:
            raise ValueError(f"component {custom_id!r} is not a select menu")
        if not component.get("min_values", 1) <= len(values) <= component.get("max_values", 1):
            raise ValueError(
                f"select {custom_id!r} takes {component.get('min_values', 1)}..{component.get('max_values', 1)}"
            )
        allowed = {option["value"] for option in component.get("options") or []}
        if kind == 3 and not set(values) <= allowed:
            raise ValueError(f"select {custom_id!r} has no option(s) {sorted(set(values) - allowed)}")
        data = {"custom_id": custom_id, "component_type": kind, "values": values}
        return await self._dispatch_component(message, data, user_id, channel_id)

    async def wait_for_response(self, handle: InteractionHandle, timeout: float = 5.0) -> SentMessage:
        """Wait for the first visible reply (callback message, @original edit after a deferral, or a
        follow-up) and return the newest one at that moment."""
        await self._wait_until(lambda: bool(handle.replies), timeout, f"a reply to interaction {handle.id}", handle)
        return handle.replies[-1]

    async def wait_for_replies(self, handle: InteractionHandle, n: int, timeout: float = 5.0) -> list[SentMessage]:
        await self._wait_until(lambda: len(handle.replies) >= n, timeout, f"{n} replies to {handle.id}", handle)
        return list(handle.replies)

    async def wait_for_ack(self, handle: InteractionHandle, timeout: float = 5.0) -> int:
        """Wait until the bot answered the interaction at all; return the callback type."""
        await self._wait_until(lambda: handle.acknowledged, timeout, f"an answer to {handle.id}", handle)
        assert handle.callback_type is not None
        return handle.callback_type

    # -- test API: gateway -----------------------------------------------------------------------

    async def wait_for_connection(self, timeout: float = 5.0) -> None:
        """Wait until a client identified (or resumed) and received READY + GUILD_CREATE."""
        await self._wait_until(lambda: self._active is not None, timeout, "a gateway connection")

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any gateway DISPATCH event (e.g. GUILD_MEMBER_UPDATE) to the connected client."""
        await self._connection().dispatch(event, data)

    async def request_reconnect(self, timeout: float = 5.0) -> None:
        """Send op 7 RECONNECT and wait until the client RESUMEd on a new connection."""
        resumed = self.resume_count
        connection = self._connection()
        self._active = None
        await connection.send({"op": 7, "d": None})
        await self._wait_until(lambda: self.resume_count > resumed and self._active is not None, timeout, "a RESUME")

    # -- test API: channel messages --------------------------------------------------------------

    async def wait_for_channel_messages(
        self, n: int, channel_id: int | None = None, timeout: float = 5.0
    ) -> list[SentMessage]:
        def matching() -> list[SentMessage]:
            return [m for m in self.channel_messages if channel_id is None or m.channel_id == channel_id]

        await self._wait_until(lambda: len(matching()) >= n, timeout, f"{n} channel message(s) in {channel_id}")
        return matching()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        """Wait until ``predicate()`` holds; re-checked on every fake event and every 20 ms."""
        await self._wait_until(predicate, timeout, what)

    # -- test API: fault injection ---------------------------------------------------------------

    def rate_limit_next(
        self,
        route_substring: str,
        n: int = 1,
        retry_after: float = 1.0,
        *,
        scope: str = "user",
        is_global: bool = False,
    ) -> None:
        """Answer the next ``n`` requests whose ``"METHOD /path"`` (path without /api/v10) contains
        ``route_substring`` with a 429 that discord.py waits out."""
        bucket = f"{zlib.crc32(route_substring.encode()):08x}fake"
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else scope,
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        message = "You are being rate limited."
        body = {"message": message, "retry_after": retry_after, "global": is_global}
        error = DiscordHTTPError(429, 0, message, headers=headers, body=body)
        self._faults.append(_Fault(route_substring, n, error))

    def fail_next(
        self, route_substring: str, status: int = 500, n: int = 1, *, code: int = 0, message: str | None = None
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` (discord.py retries 500/502/504)."""
        text = message or {500: "500: Internal Server Error", 502: "502: Bad Gateway"}.get(status, f"{status}: Error")
        self._faults.append(_Fault(route_substring, n, DiscordHTTPError(status, code, text)))

    def forbid_channel(self, channel_id: int) -> None:
        """POSTs to this channel answer 403 / 50001 Missing Access."""
        self._forbidden_channels.add(channel_id)

    def forbid_dm(self, user_id: int) -> None:
        """Messages to this user's DM channel answer 403 / 50007 (user has DMs closed)."""
        self._forbidden_dm_users.add(user_id)

    # -- HTTP plumbing ---------------------------------------------------------------------------

    def _add_rest_routes(self, router: web.UrlDispatcher) -> None:
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/applications/{app_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/commands", self._put_commands),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app_id}/{token}", self._create_followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._get_webhook_message),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._edit_webhook_message),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._delete_webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._create_channel_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_channel_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_channel_message),
            ("POST", "/channels/{channel_id}/typing", self._typing),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
        ]
        for method, path, handler in routes:
            router.add_route(method, API_PREFIX + path, handler)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        at = asyncio.get_running_loop().time()
        path = request.path.removeprefix(API_PREFIX)
        try:
            if request.path.startswith(API_PREFIX):
                self._check_auth(request, path)
                self._raise_injected_fault(f"{request.method} {path}")
            response: web.StreamResponse = await handler(request)
        except DiscordHTTPError as error:
            response = _json(error.body(), status=error.status, headers=error.headers)
        self.requests.append(RestCall(request.method, path, at, response.status))
        self._signal.notify()
        return response

    def _check_auth(self, request: web.Request, path: str) -> None:
        if path.startswith(("/interactions/", "/webhooks/")):
            return  # interaction tokens authorise these, not the bot token
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordHTTPError(401, 0, "401: Unauthorized")

    def _raise_injected_fault(self, route: str) -> None:
        for fault in self._faults:
            if fault.route in route and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                raise fault.error

    async def _unknown_route(self, request: web.Request) -> web.Response:
        route = f"{request.method} {request.path}"
        log.error("FakeDiscord: unhandled route %s - add it to tests/fakes/discord.py", route)
        self.unknown_routes.append(route)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """JSON body, or multipart ``payload_json`` plus the uploaded files' metadata."""
        if not request.body_exists:
            return {}, []
        if not request.content_type.startswith("multipart/"):
            body = await request.json()
            return (body if isinstance(body, dict) else {"_": body}), []
        form = await request.post()
        payload_json = form.get("payload_json")
        payload = json.loads(payload_json) if isinstance(payload_json, str) else {}
        files = []
        for value in form.values():
            if isinstance(value, web.FileField):
                files.append(
                    {"filename": value.filename, "size": len(value.file.read()), "content_type": value.content_type}
                )
        return payload, files

    # -- REST: users, application, gateway -------------------------------------------------------

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json({**self.users[self.bot_user_id], "verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(_snowflake(request, "user_id"))
        if user is None:
            raise _unknown(10013, "User")
        return _json(user)

    async def _create_dm(self, request: web.Request) -> web.Response:
        payload, _ = await self._read_body(request)
        user_id = int(payload.get("recipient_id", 0))
        if user_id not in self.users:
            raise _unknown(10013, "User")
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            channel_id = self._dm_channels[user_id] = self._snowflake()
            self.channels[channel_id] = {
                "id": str(channel_id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.users[user_id]],
            }
        return _json(self.channels[channel_id])

    async def _get_application(self, request: web.Request) -> web.Response:
        return _json(self.application_payload())

    async def _get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    # -- REST: application commands --------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        if _snowflake(request, "app_id") != self.application_id:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        if "guild_id" not in request.match_info:
            return None
        if _snowflake(request, "guild_id") != self.guild_id:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        return self.guild_id

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self.synced_commands.get(self._command_scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        payload, _ = await self._read_body(request)
        commands = payload.get("_", [])
        _validate_commands(commands)
        previous = {(c["name"], c["type"]): c["id"] for c in self.synced_commands.get(scope, [])}
        synced = []
        for command in commands:
            kind = command.get("type", 1)
            synced.append(
                {
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    "type": kind,
                    "id": previous.get((command["name"], kind)) or str(self._snowflake()),
                    "application_id": str(self.application_id),
                    "version": str(self._snowflake()),
                    **({"guild_id": str(scope)} if scope else {}),
                }
            )
        self.synced_commands[scope] = synced
        return _json(synced)

    # -- REST: interaction responses -------------------------------------------------------------

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        handle = self._interactions.get(_snowflake(request, "interaction_id"))
        if handle is None or handle.token != request.match_info["token"]:
            raise _unknown(10062, "interaction")
        payload, files = await self._read_body(request)
        if handle.acknowledged:
            self._reject(handle, DiscordHTTPError(400, 40060, "Interaction has already been acknowledged."))
        elapsed = asyncio.get_running_loop().time() - handle.dispatched_at
        if elapsed > self.interaction_deadline:
            handle.errors.append(f"first response after {elapsed:.2f}s > {self.interaction_deadline}s")
            self._reject(handle, _unknown(10062, "interaction"))
        kind = payload.get("type")
        data = payload.get("data") or {}
        if not isinstance(kind, int) or kind not in _ALLOWED_CALLBACKS[handle.type]:
            errors = _FormErrors()
            errors.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", f"Invalid response type {kind} here")
            self._reject(handle, DiscordHTTPError(400, 50035, "Invalid Form Body", errors=errors.errors))
        message = self._apply_callback(handle, kind, data, files)
        handle.callback_type, handle.callback_data = kind, data
        self._signal.notify()
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(handle.id),
                "type": handle.type,
                "response_message_loading": kind == CallbackType.DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            if kind != CallbackType.DEFERRED_UPDATE_MESSAGE:
                answer["resource"]["message"] = message
        return _json(answer)

    def _apply_callback(
        self, handle: InteractionHandle, kind: int, data: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        try:
            if kind == CallbackType.CHANNEL_MESSAGE:
                validate_message(data, prefix=("data",), creating=True, has_files=bool(files))
                message_type = 20 if handle.type == InteractionType.APPLICATION_COMMAND else 0
                message = self._new_message(handle.channel_id, data, files, message_type, EPHEMERAL, handle)
                handle.original_message_id = int(message["id"])
                self._add_reply(handle, "callback", message, data)
                return message
            if kind == CallbackType.DEFERRED_CHANNEL_MESSAGE:
                flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
                message = self._new_message(handle.channel_id, {"flags": flags}, [], 20, LOADING | EPHEMERAL, handle)
                handle.original_message_id = int(message["id"])
                return message
            if kind == CallbackType.DEFERRED_UPDATE_MESSAGE:
                handle.original_message_id = handle.source_message_id
                return self._messages.get(handle.source_message_id or 0)
            if kind == CallbackType.UPDATE_MESSAGE:
                validate_message(data, prefix=("data",), creating=False, has_files=bool(files))
                source = self._messages.get(handle.source_message_id or 0)
                if source is None:
                    raise _unknown(10008, "Message")
                handle.original_message_id = handle.source_message_id
                message = source
                _update_message(message, data, files)
                self._add_reply(handle, "update", message, data)
                return message
            if kind == CallbackType.AUTOCOMPLETE_RESULT:
                choices = data.get("choices") or []
                errors = _FormErrors(("data",))
                errors.max_length(("choices",), choices, 25)
                errors.raise_if_any()
                handle.autocomplete_choices = choices
                return None
            handle.modal = data
            return None
        except DiscordHTTPError as error:
            self._reject(handle, error)

    async def _create_followup(self, request: web.Request) -> web.StreamResponse:
        handle = self._handle_for_webhook(request)
        payload, files = await self._read_body(request)
        try:
            validate_message(payload, creating=True, has_files=bool(files))
        except DiscordHTTPError as error:
            self._reject(handle, error)
        original = self._messages.get(handle.original_message_id or 0)
        if original is not None and original["flags"] & LOADING and not handle.followup_ids:
            # After DEFERRED_CHANNEL_MESSAGE the first follow-up fills in the "thinking..." message.
            original["flags"] &= ~LOADING
            _update_message(original, {k: v for k, v in payload.items() if k != "flags"}, files)
            message = original
        else:
            message = self._new_message(handle.channel_id, payload, files, 0, EPHEMERAL, handle)
        handle.followup_ids.append(int(message["id"]))
        self._add_reply(handle, "followup", message, payload)
        if request.query.get("wait", "").lower() in ("0", "false"):
            return web.Response(status=204)
        return _json(message)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        handle = self._handle_for_webhook(request)
        return _json(self._webhook_message(handle, request.match_info["message_id"]))

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        handle = self._handle_for_webhook(request)
        message = self._webhook_message(handle, request.match_info["message_id"])
        payload, files = await self._read_body(request)
        try:
            validate_message(payload, creating=False, has_files=bool(files))
        except DiscordHTTPError as error:
            self._reject(handle, error)
        message["flags"] &= ~LOADING
        _update_message(message, payload, files)
        self._add_reply(handle, "edit", message, payload)
        return _json(message)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        handle = self._handle_for_webhook(request)
        message = self._webhook_message(handle, request.match_info["message_id"])
        self._messages.pop(int(message["id"]), None)
        self.deleted_message_ids.append(int(message["id"]))
        return web.Response(status=204)

    def _handle_for_webhook(self, request: web.Request) -> InteractionHandle:
        token = request.match_info["token"]
        handle = next((h for h in self.interactions if h.token == token), None)
        if handle is None or _snowflake(request, "app_id") != self.application_id or not handle.acknowledged:
            raise _unknown(10015, "Webhook")
        return handle

    def _webhook_message(self, handle: InteractionHandle, message_ref: str) -> dict[str, Any]:
        message_id = handle.original_message_id if message_ref == "@original" else int(message_ref)
        allowed = {handle.original_message_id, *handle.followup_ids}
        message = self._messages.get(message_id or 0)
        if message is None or message_id not in allowed:
            raise _unknown(10008, "Message")
        return message

    # -- REST: channels and guild ----------------------------------------------------------------

    def _channel(self, request: web.Request) -> dict[str, Any]:
        channel = self.channels.get(_snowflake(request, "channel_id"))
        if channel is None:
            raise _unknown(10003, "Channel")
        return channel

    async def _get_channel(self, request: web.Request) -> web.Response:
        return _json(self._channel(request))

    async def _create_channel_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        channel_id = int(channel["id"])
        if channel_id in self._forbidden_channels:
            raise DiscordHTTPError(403, 50001, "Missing Access")
        recipients = channel.get("recipients") or []
        if recipients and int(recipients[0]["id"]) in self._forbidden_dm_users:
            raise DiscordHTTPError(403, 50007, "Cannot send messages to this user")
        payload, files = await self._read_body(request)
        validate_message(payload, creating=True, has_files=bool(files))
        nonce = None if payload.get("nonce") is None else str(payload["nonce"])
        now = asyncio.get_running_loop().time()
        if nonce is not None and payload.get("enforce_nonce"):
            earlier = self._message_by_nonce(channel_id, nonce, now)
            if earlier is not None:  # Discord: "that message will be returned and no new message created"
                self.nonce_repeats.append(nonce)
                self._signal.notify()
                return _json(earlier)
        message = self._new_message(channel_id, payload, files, 19 if payload.get("message_reference") else 0, 0)
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[(self.bot_user_id, channel_id, nonce)] = (now, int(message["id"]))
        self.channel_messages.append(_sent("channel", message, payload))
        self._signal.notify()
        return _json(message)

    def _message_by_nonce(self, channel_id: int, nonce: str, now: float) -> dict[str, Any] | None:
        found = self._nonces.get((self.bot_user_id, channel_id, nonce))
        if found is None or now - found[0] > self.nonce_window:
            return None
        return self._messages.get(found[1])

    def _channel_message(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        message = self._messages.get(_snowflake(request, "message_id"))
        if message is None or message["channel_id"] != channel["id"]:
            raise _unknown(10008, "Message")
        return message

    async def _get_channel_message(self, request: web.Request) -> web.Response:
        return _json(self._channel_message(request))

    async def _edit_channel_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        payload, files = await self._read_body(request)
        validate_message(payload, creating=False, has_files=bool(files))
        _update_message(message, payload, files)
        self.message_edits.append(_sent("channel_edit", message, payload))
        self._signal.notify()
        return _json(message)

    async def _delete_channel_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        self._messages.pop(int(message["id"]))
        self.deleted_message_ids.append(int(message["id"]))
        self._signal.notify()
        return web.Response(status=204)

    async def _typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return web.Response(status=204)

    def _guild(self, request: web.Request) -> None:
        if _snowflake(request, "guild_id") != self.guild_id:
            raise _unknown(10004, "Guild")

    async def _get_guild(self, request: web.Request) -> web.Response:
        self._guild(request)
        payload = self.guild_payload()
        for key in ("channels", "members", "threads", "presences", "voice_states"):
            payload.pop(key)
        return _json(payload)

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        self._guild(request)
        return _json([c for c in self.channels.values() if c.get("guild_id") == str(self.guild_id)])

    async def _get_guild_roles(self, request: web.Request) -> web.Response:
        self._guild(request)
        return _json(list(self.roles.values()))

    async def _get_member(self, request: web.Request) -> web.Response:
        self._guild(request)
        member = self.members.get(_snowflake(request, "user_id"))
        if member is None:
            raise _unknown(10007, "Member")
        return _json(member)

    # -- gateway ---------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.gateway_queries.append({"path": request.path, **request.query})
        connection = _GatewayConnection(ws, compress=self.compress and request.query.get("compress") == "zlib-stream")
        self._connections.add(connection)
        try:
            await connection.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_gateway_payload(connection, json.loads(message.data))
                else:
                    log.warning("FakeDiscord gateway: ignoring %s frame", message.type)
        finally:
            self._connections.discard(connection)
            if self._active is connection:
                self._active = None
        return ws

    async def _on_gateway_payload(self, connection: _GatewayConnection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            await connection.send({"op": 11})
        elif op == 2:
            await self._identify(connection, data or {})
        elif op == 6:
            await self._resume(connection, data or {})
        elif op == 3:
            self.presence_updates.append(data or {})
        elif op == 8:
            await self._send_member_chunk(connection, data or {})
        elif op != 4:
            log.warning("FakeDiscord gateway: unhandled op %s: %s", op, payload)

    async def _identify(self, connection: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identify_payloads.append(data)
        session = _Session(secrets.token_hex(16))
        self._sessions[session.session_id] = session
        connection.session = session
        ready = {
            "v": 10,
            "user": {**self.users[self.bot_user_id], "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/ws-resume/",
            "shard": data.get("shard", [0, 1]),
            "application": {"id": str(self.application_id), "flags": 1 << 23},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }
        await connection.dispatch("READY", ready)
        await connection.dispatch("GUILD_CREATE", self.guild_payload())
        self._active = connection
        self._signal.notify()

    async def _resume(self, connection: _GatewayConnection, data: dict[str, Any]) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await connection.send({"op": 9, "d": False})
            return
        connection.session = session
        await connection.dispatch("RESUMED", {})
        self.resume_count += 1
        self._active = connection
        self._signal.notify()

    async def _send_member_chunk(self, connection: _GatewayConnection, data: dict[str, Any]) -> None:
        query = str(data.get("query") or "").lower()
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            member
            for user_id, member in self.members.items()
            if (user_id in wanted if wanted else member["user"]["username"].startswith(query))
        ]
        chunk = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await connection.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _connection(self) -> _GatewayConnection:
        if self._active is None:
            raise RuntimeError("no client is connected to FakeDiscord's gateway: await bot.wait_until_ready() first")
        return self._active

    # -- interactions: building and bookkeeping --------------------------------------------------

    def _synced_command(self, name: str, kind: int) -> dict[str, Any]:
        for scope in (self.guild_id, None):
            for command in self.synced_commands.get(scope, []):
                if command["name"] == name and command["type"] == kind:
                    return command
        names = sorted(c["name"] for commands in self.synced_commands.values() for c in commands)
        raise ValueError(f"command {name!r} was never synced (synced: {names}); call bot.tree.sync() first")

    def _check_can_use(self, command: dict[str, Any], user_id: int) -> None:
        required = command.get("default_member_permissions")
        if required is None or (command["name"], user_id) in self._command_overrides:
            return
        if self.permissions_of(user_id) & int(required) != int(required):
            raise PermissionError(
                f"user {user_id} cannot see /{command['name']}: it needs permissions {required}"
                " (default_member_permissions)"
            )

    def _leaf_definitions(self, command: dict[str, Any], subcommand: str | None) -> list[dict[str, Any]]:
        definitions = command.get("options") or []
        for part in subcommand.split() if subcommand else []:
            definitions = next((d.get("options") or [] for d in definitions if d["name"] == part), [])
        return definitions

    def _command_options(
        self,
        definitions: list[dict[str, Any]],
        parts: list[str],
        given: list[dict[str, Any]],
        where: str,
        resolved: dict[str, dict[str, Any]],
        *,
        partial: bool = False,
    ) -> list[dict[str, Any]]:
        groups = {
            d["name"]: d for d in definitions if d["type"] in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
        }
        if not parts:
            if groups:
                raise ValueError(f"{where} needs a subcommand, one of {sorted(groups)}")
            return self._leaf_options(definitions, given, where, resolved, partial=partial)
        head, *rest = parts
        sub = groups.get(head)
        if sub is None:
            raise ValueError(f"{where} has no subcommand {head!r}; it has {sorted(groups)}")
        if sub["type"] == OptionType.SUB_COMMAND and rest:
            raise ValueError(f"{where} {head} is a subcommand, not a group")
        inner = self._command_options(
            sub.get("options") or [], rest, given, f"{where} {head}", resolved, partial=partial
        )
        return [{"name": head, "type": sub["type"], "options": inner}]

    def _leaf_options(
        self,
        definitions: list[dict[str, Any]],
        given: list[dict[str, Any]],
        where: str,
        resolved: dict[str, dict[str, Any]],
        *,
        partial: bool,
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in definitions}
        built = []
        for option in given:
            definition = by_name.get(option["name"])
            if definition is None:
                raise ValueError(f"{where} has no option {option['name']!r}; it has {sorted(by_name)}")
            kind = option.get("type", definition["type"])
            if kind != definition["type"]:
                raise ValueError(
                    f"{where} option {option['name']!r} has type {definition['type']}, the test sent type {kind}"
                )
            value = self._option_value(definition, option["value"], f"{where} {option['name']}", resolved)
            built.append({"name": option["name"], "type": kind, "value": value})
        names = [o["name"] for o in given]
        if len(set(names)) != len(names):
            raise ValueError(f"{where}: an option was given twice: {names}")
        missing = [d["name"] for d in definitions if d.get("required") and d["name"] not in names]
        if missing and not partial:
            raise ValueError(f"{where}: required option(s) missing: {missing}")
        return built

    def _option_value(
        self, definition: dict[str, Any], value: Any, where: str, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        kind = definition["type"]
        if kind == OptionType.STRING:
            if not isinstance(value, str):
                raise ValueError(f"{where} takes a string, got {value!r}")
            if not definition.get("min_length", 0) <= len(value) <= definition.get("max_length", 6000):
                raise ValueError(f"{where}: length {len(value)} outside the declared min/max_length")
        elif kind in (OptionType.INTEGER, OptionType.NUMBER):
            numeric = (int,) if kind == OptionType.INTEGER else (int, float)
            if isinstance(value, bool) or not isinstance(value, numeric) or abs(value) >= 2**53:
                raise ValueError(
                    f"{where} takes {'an integer' if kind == OptionType.INTEGER else 'a number'}: {value!r}"
                )
            if not definition.get("min_value", -math.inf) <= value <= definition.get("max_value", math.inf):
                raise ValueError(f"{where}: {value} outside the declared min/max_value")
        elif kind == OptionType.BOOLEAN:
            if not isinstance(value, bool):
                raise ValueError(f"{where} takes a boolean, got {value!r}")
        elif kind in (OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE):
            return self._resolve_entity(definition, int(value), where, resolved)
        else:
            raise ValueError(f"{where}: option type {kind} is not supported by FakeDiscord")
        choices = [c["value"] for c in definition.get("choices") or []]
        if choices and value not in choices:
            raise ValueError(f"{where}: {value!r} is not one of the choices {choices}")
        return value

    def _resolve_entity(
        self, definition: dict[str, Any], entity_id: int, where: str, resolved: dict[str, dict[str, Any]]
    ) -> str:
        kind = definition["type"]
        if kind in (OptionType.USER, OptionType.MENTIONABLE) and entity_id in self.users:
            resolved.setdefault("users", {})[str(entity_id)] = self.users[entity_id]
            member = self.members.get(entity_id)
            if member is not None:
                partial_member = {k: v for k, v in member.items() if k != "user"}
                partial_member["permissions"] = str(self.permissions_of(entity_id))
                resolved.setdefault("members", {})[str(entity_id)] = partial_member
        elif kind in (OptionType.ROLE, OptionType.MENTIONABLE) and entity_id in self.roles:
            resolved.setdefault("roles", {})[str(entity_id)] = self.roles[entity_id]
        elif kind == OptionType.CHANNEL and entity_id in self.channels:
            channel = self.channels[entity_id]
            allowed_types = definition.get("channel_types")
            if allowed_types and channel["type"] not in allowed_types:
                raise ValueError(f"{where}: channel type {channel['type']} not in {allowed_types}")
            resolved.setdefault("channels", {})[str(entity_id)] = {**channel, "permissions": str(ALL_PERMISSIONS)}
        else:
            raise ValueError(f"{where}: no such {'channel' if kind == OptionType.CHANNEL else 'user/role'} {entity_id}")
        return str(entity_id)

    def _find_component(self, custom_id: str, message_id: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
        candidates = [self._messages[message_id]] if message_id in self._messages else []
        if message_id is None:
            candidates = sorted(self._messages.values(), key=lambda m: int(m["id"]), reverse=True)
        for message in candidates:
            for component in _walk_components(message.get("components") or []):
                if component.get("custom_id") == custom_id:
                    if component.get("disabled"):
                        raise ValueError(f"component {custom_id!r} in message {message['id']} is disabled")
                    return message, component
        where = f"message {message_id}" if message_id is not None else "any message the bot sent"
        raise ValueError(f"no component with custom_id {custom_id!r} in {where}")

    async def _dispatch_component(
        self, message: dict[str, Any], data: dict[str, Any], user_id: int | None, channel_id: int | None
    ) -> InteractionHandle:
        user_id = self.admin_user_id if user_id is None else user_id
        channel = channel_id or int(message["channel_id"])
        return await self._dispatch_interaction(
            InteractionType.MESSAGE_COMPONENT, data, user_id, channel, message=message
        )

    async def _dispatch_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user_id: int,
        channel_id: int | None,
        *,
        message: dict[str, Any] | None = None,
    ) -> InteractionHandle:
        channel_id = self.channel_ids[0] if channel_id is None else channel_id
        channel = self.channels.get(channel_id)
        if channel is None or channel.get("guild_id") != str(self.guild_id):
            raise ValueError(f"{channel_id} is not a text channel of the fake guild")
        member = self.members.get(user_id)
        if member is None:
            raise ValueError(f"{user_id} is not a member of the fake guild")
        connection = self._connection()
        interaction_id = self._snowflake()
        token = secrets.token_urlsafe(32)
        permissions = str(self.permissions_of(user_id))
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": {**channel, "permissions": permissions},
            "member": {**member, "permissions": permissions},
            "token": token,
            "version": 1,
            "app_permissions": str(self.permissions_of(self.bot_user_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        handle = InteractionHandle(
            id=interaction_id,
            token=token,
            type=kind,
            payload=payload,
            user_id=user_id,
            channel_id=channel_id,
            dispatched_at=asyncio.get_running_loop().time(),
            source_message_id=int(message["id"]) if message else None,
        )
        self._interactions[interaction_id] = handle
        self.interactions.append(handle)
        await connection.dispatch("INTERACTION_CREATE", payload)
        return handle

    def _new_message(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        message_type: int,
        settable_flags: int,
        handle: InteractionHandle | None = None,
    ) -> dict[str, Any]:
        message_id = self._snowflake()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self.users[self.bot_user_id],
            "content": "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": message_type,
            "flags": int(payload.get("flags") or 0) & (settable_flags | IS_COMPONENTS_V2 | 1 << 2 | 1 << 12),
            "components": [],
        }
        channel = self.channels.get(channel_id, {})
        if "guild_id" in channel:
            message["guild_id"] = channel["guild_id"]
        if handle is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(handle.id),
                "type": handle.type,
                "user": self.users[handle.user_id],
                "authorizing_integration_owners": {"0": str(self.guild_id)},
            }
        _update_message(message, {k: v for k, v in payload.items() if k != "flags"}, files, edited=False)
        self._messages[message_id] = message
        return message

    def _add_reply(
        self, handle: InteractionHandle, source: str, message: dict[str, Any], payload: dict[str, Any]
    ) -> None:
        handle.replies.append(_sent(source, message, payload))
        self._signal.notify()

    def _reject(self, handle: InteractionHandle, error: DiscordHTTPError) -> NoReturn:
        handle.errors.append(f"{error.status} {error.code} {error.message} {error.errors or ''}".strip())
        self._signal.notify()
        raise error

    async def _wait_until(
        self, predicate: Callable[[], bool], timeout: float, what: str, handle: InteractionHandle | None = None
    ) -> None:
        if await self._signal.wait_for(predicate, timeout):
            return
        details = ""
        if handle is not None:
            details = f"; callback_type={handle.callback_type} errors={handle.errors}"
        raise TimeoutError(
            f"FakeDiscord: no {what} within {timeout}s{details}; unknown routes={self.unknown_routes}"
            f"; last requests={[(r.method, r.path, r.status) for r in self.requests[-10:]]}"
        )


def _validate_commands(commands: Any) -> None:
    errors = _FormErrors()
    if not isinstance(commands, list):
        errors.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        errors.raise_if_any()
    errors.max_length((), commands, 100)
    for index, command in enumerate(commands):
        _validate_command_node(command, (index,), errors, is_command=True)
    errors.raise_if_any()


def _validate_command_node(
    node: dict[str, Any], path: tuple[str | int, ...], errors: _FormErrors, *, is_command: bool
) -> None:
    name = str(node.get("name", ""))
    kind = node.get("type", 1)
    is_chat_input = not is_command or kind == 1
    if is_chat_input and (not _COMMAND_NAME_RE.match(name) or name != name.lower()):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")
    if is_chat_input and not 1 <= len(node.get("description") or "") <= 100:
        errors.add((*path, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    options = node.get("options") or []
    errors.max_length((*path, "options"), options, 25)
    seen_optional = False
    for index, option in enumerate(options):
        if option.get("required") and seen_optional:
            errors.add(
                (*path, "options", index, "required"),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        seen_optional = seen_optional or not option.get("required")
        errors.max_length((*path, "options", index, "choices"), option.get("choices") or [], 25)
        _validate_command_node(option, (*path, "options", index), errors, is_command=False)


def _update_message(
    message: dict[str, Any], payload: dict[str, Any], files: list[dict[str, Any]], *, edited: bool = True
) -> None:
    for key in ("content", "embeds", "components", "allowed_mentions"):
        if key in payload:
            message[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
    if payload.get("flags") is not None:
        fixed = EPHEMERAL | LOADING  # set only by the initial response
        message["flags"] = (message["flags"] & fixed) | (int(payload["flags"]) & ~fixed)
    if files or "attachments" in payload:
        kept = [
            a
            for a in message["attachments"]
            if any(str(p.get("id")) == a["id"] for p in payload.get("attachments") or [])
        ]
        message["attachments"] = kept + [
            {
                "id": str(int(time.time() * 1000) + index),
                "filename": f["filename"],
                "size": f["size"],
                "content_type": f["content_type"],
                "url": f"https://cdn.discordapp.com/attachments/{message['channel_id']}/{f['filename']}",
                "proxy_url": f"https://media.discordapp.net/attachments/{message['channel_id']}/{f['filename']}",
            }
            for index, f in enumerate(files)
        ]
    if edited:
        message["edited_timestamp"] = _now_iso()


def _sent(source: str, message: dict[str, Any], payload: dict[str, Any]) -> SentMessage:
    return SentMessage(
        source=source,
        message_id=int(message["id"]),
        channel_id=int(message["channel_id"]),
        content=message.get("content") or "",
        embeds=list(message.get("embeds") or []),
        components=list(message.get("components") or []),
        flags=int(message.get("flags") or 0),
        allowed_mentions=payload.get("allowed_mentions"),
        attachments=list(message.get("attachments") or []),
        payload=payload,
    )


def _snowflake(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise DiscordHTTPError(
            400,
            50035,
            "Invalid Form Body",
            errors={name: {"_errors": [{"code": "NUMBER_TYPE_COERCE", "message": "not snowflake"}]}},
        ) from None


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py compares the header verbatim, a charset breaks it.
    return web.Response(body=json.dumps(data).encode(), status=status, headers=headers, content_type="application/json")
