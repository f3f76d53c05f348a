"""A fake Telegram Bot API server for end-to-end tests of python-telegram-bot (PTB).

The real, unchanged PTB ``Application`` talks HTTP over loopback to this aiohttp server::

    async with FakeTelegram(token="123:ABC") as tg:
        app = (
            Application.builder()
            .token(tg.token)
            .base_url(tg.base_url)
            .base_file_url(tg.base_file_url)
            .build()
        )
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        tg.push_command(chat_id=42, text="/start")
        [reply] = await tg.wait_for_messages(1, chat_id=42)
        await app.updater.stop()  # sends one last getUpdates: keep the fake running until here
        await app.stop()
        await app.shutdown()

Notes for test authors:

* Never use ``run_polling``/``run_webhook`` in a shared event loop; ``post_init`` is not run on the
  manual lifecycle above.
* Set ``NO_PROXY=127.0.0.1,localhost`` (httpx honours ``HTTP_PROXY``).
* Set ``PTB_TIMEDELTA=true``: PTB 22 otherwise emits a ``PTBDeprecationWarning`` while *building*
  ``telegram.error.RetryAfter`` (and when reading other time periods), which ``filterwarnings=error``
  turns into a different exception than the one the bot expects.
* getUpdates is a real long poll: it is held open up to its ``timeout`` or until an update is queued.
  A newer getUpdates ends an older, still open one with 409 Conflict, like Telegram does.
* Faults on demand: ``fail_next`` answers a Telegram-style error (429, 401, 409, ...), ``drop_next``
  closes the connection without an answer, ``clear_faults`` forgets both; ``stop()`` then ``start()``
  takes the fake away and brings it back on the same port.
* Only ``parse_mode=HTML`` is validated (tags Telegram supports, nesting, ``<`` escaping); the
  4096 limit is checked on the text after entity parsing, as Telegram does.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypedDict

from aiohttp import web

__all__ = [
    "DROPPED",
    "MAX_MESSAGE_LENGTH",
    "ApiCall",
    "CallbackAnswer",
    "EditedMessage",
    "FakeTelegram",
    "SentMessage",
    "TelegramApiError",
]

log = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
DEFAULT_GROUP_USER_ID = 4242
DROPPED = 0  # ApiCall.error_code of a call whose connection the fake closed without an answer

ChatId = int | str
Params = dict[str, Any]

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    429: "Too Many Requests: retry after {retry_after}",
    502: "Bad Gateway",
}
_BLOCKED = "Forbidden: bot was blocked by the user"

# Form values are JSON-encoded unless they are strings; these parameters are always strings.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "data",
        "language_code",
        "url",
        "secret_token",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
        "title",
    }
)
_PARSE_MODES = frozenset({"HTML", "Markdown", "MarkdownV2"})
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "code",
        "del",
        "em",
        "i",
        "ins",
        "pre",
        "s",
        "span",
        "strike",
        "strong",
        "tg-emoji",
        "tg-spoiler",
        "u",
    }
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_HTML_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


class TelegramApiError(Exception):
    """An error answer of the Bot API (``{"ok": false, ...}``)."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    @classmethod
    def default(
        cls, error_code: int, *, description: str | None = None, retry_after: int | None = None
    ) -> TelegramApiError:
        if error_code == 429 and retry_after is None:
            retry_after = 1
        text = description or _DEFAULT_DESCRIPTIONS.get(error_code, "Internal Server Error")
        return cls(error_code, text.format(retry_after=retry_after), retry_after=retry_after)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad_request(description: str) -> TelegramApiError:
    return TelegramApiError(400, f"Bad Request: {description}")


class ApiCall(NamedTuple):
    """One Bot API call received by the fake; ``at`` is the event loop time it arrived."""

    method: str
    at: float
    params: Params
    error_code: int | None


class SentMessage(TypedDict):
    chat_id: ChatId
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    params: Params


class EditedMessage(TypedDict):
    method: str
    chat_id: ChatId
    message_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None


class CallbackAnswer(TypedDict):
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass
class _Fault:
    method: str
    remaining: int
    error: TelegramApiError


@dataclass
class _StoredMessage:
    message: dict[str, Any]
    raw_text: str | None = None
    reply_markup: dict[str, Any] | None = None


_RECHECK_INTERVAL = 0.02


@dataclass
class _Signal:
    """Lets tests and long polls wait for a condition; woken whenever the fake records something."""

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


def _decode_form_value(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def html_to_text(text: str) -> str:
    """Validate Telegram HTML like the Bot API does and return the visible text."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                raise _bad_request(f"can't parse entities: Unclosed start tag at byte offset {_byte_offset(text, i)}")
            closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
            if name not in _HTML_TAGS:
                kind = "end" if closing else "start"
                raise _bad_request(
                    f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {_byte_offset(text, i)}'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise _bad_request(
                        f"can't parse entities: Unexpected end tag at byte offset {_byte_offset(text, i)}"
                    )
                stack.pop()
            else:
                if name == "span" and "tg-spoiler" not in attrs:
                    raise _bad_request(
                        'can\'t parse entities: Tag "span" must have class "tg-spoiler" '
                        f"at byte offset {_byte_offset(text, i)}"
                    )
                stack.append(name)
            i = match.end()
            continue
        if char == "&":
            entity = _HTML_ENTITY_RE.match(text, i)
            if entity is not None:
                out.append(html.unescape(entity.group(0)))
                i = entity.end()
                continue
        out.append(char)
        i += 1
    if stack:
        raise _bad_request(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def _check_reply_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    keyboard = markup.get("inline_keyboard")
    if keyboard is None:
        return markup
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise _bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    for row in keyboard:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
            if not _BUTTON_ACTIONS & button.keys():
                raise _bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise _bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return markup


def _callback_data_of(markup: dict[str, Any] | None) -> list[str]:
    if not markup:
        return []
    return [
        str(button["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]


def _as_chat_id(value: Any) -> ChatId:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value:
        return int(value) if value.lstrip("-").isdigit() else value
    raise _bad_request("chat_id is empty")


def _as_int(params: Params, name: str) -> int:
    try:
        return int(params[name])
    except (KeyError, TypeError, ValueError):
        raise _bad_request(f"{name} is empty") from None


class FakeTelegram:
    """An aiohttp server on 127.0.0.1 speaking the subset of the Bot API that PTB bots use."""

    def __init__(self, token: str = "123:ABC", *, bot_username: str = "polyscan_test_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.port = 0

        self.sent: list[SentMessage] = []
        self.edits: list[EditedMessage] = []
        self.deleted: list[tuple[ChatId, int]] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: list[dict[str, Any]] = []
        self.commands_by_scope: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[ApiCall] = []
        self.unknown_methods: list[str] = []
        self.webhook_url = ""

        self._pending_updates: list[dict[str, Any]] = []
        self._update_id = 0
        self._message_id = 0
        self._callback_id = 0
        self._messages: dict[tuple[ChatId, int], _StoredMessage] = {}
        self._chats: dict[ChatId, dict[str, Any]] = {}
        self._open_callback_queries: set[str] = set()
        self._blocked_chats: set[ChatId] = set()
        self.chat_admins: dict[ChatId, set[int]] = {}
        self._faults: list[_Fault] = []
        self._drops: dict[str, int] = {}
        self._poll_generation = 0
        self._closing = False
        self._signal = _Signal()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[Params], Awaitable[Any]]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendchataction": self._send_chat_action,
            "getchatmember": self._get_chat_member,
        }

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Serve on 127.0.0.1: a free port the first time, the same port again after ``stop()``."""
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release open long polls, then shut the server down."""
        self._closing = True
        self._signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "PolyScan Test", "username": self.bot_username}

    # -- test API: incoming updates --------------------------------------------------------------

    def push_command(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Queue a message update whose first word is a bot command (``/cmd`` or ``/cmd@bot``);
        ``reply_to`` makes it a reply to that message of the chat (e.g. one the bot sent)."""
        if not text.startswith("/"):
            raise ValueError(f"a command must start with '/': {text!r}")
        command = text.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}
        return self._push_message(chat_id, text, user_id, chat_type, entities=[entity], reply_to=reply_to)

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Queue a plain text message update."""
        return self._push_message(chat_id, text, user_id, chat_type, entities=None, reply_to=reply_to)

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
        strict: bool = True,
    ) -> dict[str, Any]:
        """Queue a callback_query update, as if a user pressed an inline button.

        Without ``message_id`` the button is looked up in the newest bot message of that chat; with
        ``strict`` a known message must carry a button with this ``callback_data``.
        """
        chat = self._chat(chat_id, chat_type)
        stored = self._find_message(chat_id, message_id, data)
        if stored is None:
            self._message_id += 1
            message = {
                "message_id": message_id or self._message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": self.bot_user,
                "text": "(message sent before the test)",
            }
        else:
            message = stored.message
            buttons = _callback_data_of(stored.reply_markup)
            if strict and data not in buttons:
                raise ValueError(f"message {message['message_id']} has no button {data!r}; its buttons: {buttons}")
        self._callback_id += 1
        query_id = str(self._callback_id)
        self._open_callback_queries.add(query_id)
        uid = self._default_user_id(chat_id, chat_type, user_id)
        query = {
            "id": query_id,
            "from": self._user(uid),
            "message": message,
            "chat_instance": str(chat_id),
            "data": data,
        }
        return self._push_update({"callback_query": query})

    # -- test API: fault injection ---------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        n: int = 1,
        error_code: int = 429,
        retry_after: int | None = 2,
        description: str | None = None,
    ) -> None:
        """Make the next ``n`` calls of ``method`` answer a Telegram-style error.

        Defaults per code: 429 "Too Many Requests: retry after N" (with ``parameters.retry_after``),
        403 "Forbidden: bot was blocked by the user", 400 "Bad Request: chat not found".
        """
        error = TelegramApiError.default(
            error_code, description=description, retry_after=retry_after if error_code == 429 else None
        )
        self._faults.append(_Fault(method.lower(), n, error))

    def drop_next(self, method: str, n: int = 1) -> None:
        """Close the connection of the next ``n`` calls of ``method`` without any answer (a network
        fault: the client sees the server disconnect). Recorded with ``error_code`` ``DROPPED``."""
        self._drops[method.lower()] = self._drops.get(method.lower(), 0) + n

    def clear_faults(self) -> None:
        """Forget every injected error and drop not used yet: the next calls succeed again."""
        self._faults.clear()
        self._drops.clear()

    def set_chat_admin(self, chat_id: ChatId, user_id: int) -> None:
        """getChatMember answers "administrator" for this user in this group (others: "member")."""
        self.chat_admins.setdefault(chat_id, set()).add(user_id)

    def block_chat(self, chat_id: ChatId) -> None:
        """Every later sendMessage to ``chat_id`` answers 403 "bot was blocked by the user"."""
        self._blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: ChatId) -> None:
        self._blocked_chats.discard(chat_id)

    # -- test API: observing ---------------------------------------------------------------------

    def calls(self, method: str) -> list[ApiCall]:
        """Received calls of one Bot API method, failed ones included."""
        return [call for call in self.requests if call.method.lower() == method.lower()]

    def messages_to(self, chat_id: ChatId) -> list[SentMessage]:
        return [message for message in self.sent if message["chat_id"] == chat_id]

    async def wait_for_messages(self, n: int, timeout: float = 5.0, chat_id: ChatId | None = None) -> list[SentMessage]:
        """Wait until ``n`` messages (to ``chat_id`` if given) were sent; return all of them."""

        def matching() -> list[SentMessage]:
            return self.sent if chat_id is None else self.messages_to(chat_id)

        await self.wait_until(lambda: len(matching()) >= n, timeout, f"{n} sent message(s) to {chat_id or 'any chat'}")
        return list(matching())

    async def wait_for_edits(self, n: int, timeout: float = 5.0) -> list[EditedMessage]:
        await self.wait_until(lambda: len(self.edits) >= n, timeout, f"{n} edit(s)")
        return list(self.edits)

    async def wait_for_callback_answers(self, n: int, timeout: float = 5.0) -> list[CallbackAnswer]:
        await self.wait_until(lambda: len(self.callback_answers) >= n, timeout, f"{n} callback answer(s)")
        return list(self.callback_answers)

    async def wait_for_calls(self, method: str, n: int, timeout: float = 5.0) -> list[ApiCall]:
        await self.wait_until(lambda: len(self.calls(method)) >= n, timeout, f"{n} {method} call(s)")
        return self.calls(method)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        """Wait until ``predicate()`` holds; re-checked on every fake event and every 20 ms."""
        if not await self._signal.wait_for(predicate, timeout):
            raise TimeoutError(
                f"FakeTelegram: no {what} within {timeout}s; sent={[(m['chat_id'], m['text'][:80]) for m in self.sent]}"
                f", calls={[(c.method, c.error_code) for c in self.requests[-20:]]}"
            )

    # -- HTTP plumbing ---------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = asyncio.get_running_loop().time()
        method = request.match_info["method"]
        params = await self._read_params(request)
        if self._drops.get(method.lower(), 0) > 0 and request.transport is not None:
            self._drops[method.lower()] -= 1
            request.transport.abort()
            self._record_call(ApiCall(method, at, params, DROPPED))
            return web.Response(status=500)  # never reaches the client: the connection is gone
        try:
            if request.match_info["token"] != self.token:
                raise TelegramApiError.default(401)
            handler = self._methods.get(method.lower())
            if handler is None:
                log.error("FakeTelegram: unknown Bot API method %s(%s) - add it to the fake", method, params)
                self.unknown_methods.append(method)
                raise TelegramApiError.default(404)
            self._raise_injected_fault(method)
            result = await handler(params)
        except TelegramApiError as error:
            self._record_call(ApiCall(method, at, params, error.error_code))
            return web.json_response(error.to_json(), status=error.error_code)
        self._record_call(ApiCall(method, at, params, None))
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        log.error("FakeTelegram: file download %s is not supported", request.path)
        return web.json_response(TelegramApiError.default(404).to_json(), status=404)

    @staticmethod
    async def _read_params(request: web.Request) -> Params:
        params: Params = {key: _decode_form_value(key, value) for key, value in request.query.items()}
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params
        form = await request.post()
        for key, value in form.items():
            params[key] = _decode_form_value(key, value) if isinstance(value, str) else getattr(value, "filename", None)
        return params

    def _record_call(self, call: ApiCall) -> None:
        self.requests.append(call)
        self._signal.notify()

    def _raise_injected_fault(self, method: str) -> None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                raise fault.error

    # -- Bot API methods -------------------------------------------------------------------------

    async def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self._pending_updates = [u for u in self._pending_updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._signal.notify()  # a newer poll ends an older one, like Telegram's 409 Conflict
        if not self._pending_updates and timeout > 0 and not self._closing:
            await self._signal.wait_for(
                lambda: bool(self._pending_updates) or self._closing or self._poll_generation != generation,
                timeout,
            )
        if self._poll_generation != generation and not self._closing:
            raise TelegramApiError.default(409)
        return self._pending_updates[:limit]

    async def _send_message(self, params: Params) -> dict[str, Any]:
        chat_id = _as_chat_id(params.get("chat_id"))
        if chat_id in self._blocked_chats:
            raise TelegramApiError(403, _BLOCKED)
        raw_text = params.get("text")
        parse_mode = params.get("parse_mode") or None
        text = self._visible_text(raw_text, parse_mode)
        markup = _check_reply_markup(params.get("reply_markup"))
        message = self._bot_message(chat_id, text, markup)
        self._messages[(chat_id, message["message_id"])] = _StoredMessage(message, raw_text, markup)
        self.sent.append(
            SentMessage(
                chat_id=chat_id,
                message_id=message["message_id"],
                text=str(raw_text),
                parse_mode=parse_mode,
                reply_markup=markup,
                params=params,
            )
        )
        return message

    async def _edit_message_text(self, params: Params) -> dict[str, Any]:
        chat_id, stored = self._message_to_edit(params)
        raw_text = params.get("text")
        parse_mode = params.get("parse_mode") or None
        text = self._visible_text(raw_text, parse_mode)
        markup = _check_reply_markup(params.get("reply_markup"))
        if raw_text == stored.raw_text and markup == stored.reply_markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        stored.raw_text, stored.reply_markup = raw_text, markup
        stored.message.update(text=text, edit_date=int(time.time()))
        self._set_markup(stored.message, markup)
        self.edits.append(
            EditedMessage(
                method="editMessageText",
                chat_id=chat_id,
                message_id=stored.message["message_id"],
                text=str(raw_text),
                parse_mode=parse_mode,
                reply_markup=markup,
            )
        )
        return stored.message

    async def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat_id, stored = self._message_to_edit(params)
        markup = _check_reply_markup(params.get("reply_markup"))
        if markup == stored.reply_markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        stored.reply_markup = markup
        stored.message["edit_date"] = int(time.time())
        self._set_markup(stored.message, markup)
        self.edits.append(
            EditedMessage(
                method="editMessageReplyMarkup",
                chat_id=chat_id,
                message_id=stored.message["message_id"],
                text=None,
                parse_mode=None,
                reply_markup=markup,
            )
        )
        return stored.message

    async def _delete_message(self, params: Params) -> bool:
        chat_id = _as_chat_id(params.get("chat_id"))
        message_id = _as_int(params, "message_id")
        if self._messages.pop((chat_id, message_id), None) is None:
            raise _bad_request("message to delete not found")
        self.deleted.append((chat_id, message_id))
        self._signal.notify()
        return True

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callback_queries:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        self._open_callback_queries.discard(query_id)
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=params.get("text"),
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
            )
        )
        self._signal.notify()
        return True

    async def _set_my_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse BotCommand array")
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("command description must be non-empty")
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands_by_scope[scope] = commands
        self.commands = commands
        self._signal.notify()
        return True

    async def _get_my_commands(self, params: Params) -> list[dict[str, Any]]:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        return self.commands_by_scope.get(scope, [])

    async def _delete_my_commands(self, params: Params) -> bool:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands_by_scope.pop(scope, None)
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._pending_updates.clear()
        return True

    async def _set_webhook(self, params: Params) -> bool:
        self.webhook_url = str(params.get("url", ""))
        return True

    async def _get_webhook_info(self, params: Params) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending_updates),
        }

    async def _get_chat_member(self, params: Params) -> dict[str, Any]:
        """Admins (`set_chat_admin`) answer "administrator", everyone else "member"."""
        chat_id = _as_chat_id(params.get("chat_id"))
        user_id = _as_int(params, "user_id")
        user = self.bot_user if user_id == self.bot_id else self._user(user_id)
        if chat_id == user_id:  # a private chat's user owns it
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id not in self.chat_admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        rights = (
            "can_be_edited",
            "is_anonymous",
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        )
        return {"status": "administrator", "user": user, **dict.fromkeys(rights, False)}

    async def _send_chat_action(self, params: Params) -> bool:
        _as_chat_id(params.get("chat_id"))
        return True

    # -- helpers ---------------------------------------------------------------------------------

    def _visible_text(self, raw_text: Any, parse_mode: Any) -> str:
        if parse_mode is not None and parse_mode not in _PARSE_MODES:
            raise _bad_request(f"unsupported parse_mode {parse_mode}")
        if not isinstance(raw_text, str) or not raw_text.strip():
            raise _bad_request("message text is empty")
        text = html_to_text(raw_text) if parse_mode == "HTML" else raw_text
        if not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        return text

    def _message_to_edit(self, params: Params) -> tuple[ChatId, _StoredMessage]:
        chat_id = _as_chat_id(params.get("chat_id"))
        stored = self._messages.get((chat_id, _as_int(params, "message_id")))
        if stored is None:
            raise _bad_request("message to edit not found")
        return chat_id, stored

    def _find_message(self, chat_id: ChatId, message_id: int | None, data: str) -> _StoredMessage | None:
        if message_id is not None:
            return self._messages.get((chat_id, message_id))
        for (chat, _), stored in reversed(self._messages.items()):
            if chat == chat_id and data in _callback_data_of(stored.reply_markup):
                return stored
        return None

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    def _bot_message(self, chat_id: ChatId, text: str, markup: dict[str, Any] | None) -> dict[str, Any]:
        self._message_id += 1
        message = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            "text": text,
        }
        self._set_markup(message, markup)
        return message

    def _chat(self, chat_id: ChatId, chat_type: str | None = None) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is None or (chat_type is not None and chat["type"] != chat_type):
            kind = chat_type or ("private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup")
            chat = {"id": chat_id, "type": kind}
            if kind == "private":
                chat["first_name"] = f"User{chat_id}"
            else:
                chat["title"] = f"Test {kind} {chat_id}"
            self._chats[chat_id] = chat
        return chat

    @staticmethod
    def _default_user_id(chat_id: int, chat_type: str, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        return chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID

    @staticmethod
    def _user(user_id: int) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "username": f"user{user_id}",
            "language_code": "en",
        }

    def _push_message(
        self,
        chat_id: int,
        text: str,
        user_id: int | None,
        chat_type: str,
        entities: Iterable[dict[str, Any]] | None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        uid = self._default_user_id(chat_id, chat_type, user_id)
        self._message_id += 1
        message: dict[str, Any] = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": self._user(uid),
            "text": text,
        }
        if entities is not None:
            message["entities"] = list(entities)
        if reply_to is not None:
            replied = self._messages.get((chat_id, reply_to))
            if replied is None:
                raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
            message["reply_to_message"] = replied.message
        self._messages[(chat_id, self._message_id)] = _StoredMessage(message, text)
        return self._push_update({"message": message})

    def _push_update(self, body: dict[str, Any]) -> dict[str, Any]:
        self._update_id += 1
        update = {"update_id": self._update_id, **body}
        self._pending_updates.append(update)
        self._signal.notify()
        return update
