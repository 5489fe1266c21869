"""A strict local Telegram Bot API server for tests: aiohttp on 127.0.0.1, a random port.

Unmodified python-telegram-bot talks to it over HTTP through `base_url`. It answers the way Telegram
does (the same JSON shapes, HTTP codes, error descriptions and `parameters`), and it is strict where
Telegram is: the token, chat ids and membership, text length after entity parsing (UTF-16 units and
code points), the HTML rules (see `fake_html`), at most 100 formatting entities, callback_data of
1–64 bytes, reply targets, forum topics and the rights to use them, kicked bots and blocked users,
migrated groups, and flood limits (20 messages a minute per group, 30 a second overall, answered with
429 and `retry_after`; `Limits.telegram(scale)` divides the periods so tests run fast).

Tests drive the other side: add users and chats, post messages, documents and edits as members
(delivered to the bot by Telegram's privacy-mode rules, a document's caption counting as its text),
press buttons, kick the bot, migrate a group, open and close topics. Every Bot API call is recorded in
`calls`; files are handed out as Telegram does, by `getFile` (20 MB at most) then a download from
`/file/bot<token>/<file_path>`, each download recorded in `downloads`.

The fake delivers webhooks to 127.0.0.1 only, over plain HTTP (Telegram requires HTTPS); that is the
one place it is laxer than Telegram, so that no test talks to anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.local_server import serve_locally
from tests.telegram.fake_html import EntityParseError, ParsedText, parse_html, strip_text, utf16_len

GROUP_ANONYMOUS_BOT_ID = 1087968824
CHANNEL_BOT_ID = 136817688
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ENTITIES = 100
MAX_CALLBACK_ANSWER = 200
# getFile hands bots files of at most 20 MB; a bigger one is "Bad Request: file is too big".
MAX_DOWNLOAD = 20 * 1024 * 1024
# Update kinds Telegram sends when `allowed_updates` is empty: all but these.
NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
# Methods that post a message count towards flood limits.
COUNTED_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "sendAudio",
    "sendVideo",
    "sendAnimation",
    "sendVoice",
    "sendSticker",
    "sendPoll",
    "copyMessage",
    "forwardMessage",
}


class ApiError(Exception):
    """An error answer: HTTP status, description and optional `parameters`."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


@dataclass(frozen=True)
class Limits:
    """Flood limits: `per_chat` messages per `per_chat_period` seconds in one group, `overall` per `overall_period`."""

    per_chat: int = 20
    per_chat_period: float = 60.0
    overall: int = 30
    overall_period: float = 1.0
    whole_seconds: bool = True  # retry_after as Telegram gives it: whole seconds

    @classmethod
    def telegram(cls, scale: float = 1.0) -> Limits:
        """Telegram's limits, `scale` times faster (periods divided by `scale`)."""
        return cls(20, 60.0 / scale, 30, 1.0 / scale, whole_seconds=scale == 1.0)


class _Window:
    """Timestamps of the messages in the last `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """0 if one more message fits now, else how long until one does."""
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + self.period - now

    def add(self, now: float) -> None:
        self.times.append(now)


@dataclass
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False
    language_code: str | None = None
    last_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class AdminRights:
    can_manage_chat: bool = True
    can_delete_messages: bool = False
    can_manage_video_chats: bool = False
    can_restrict_members: bool = False
    can_promote_members: bool = False
    can_change_info: bool = False
    can_invite_users: bool = True
    can_post_stories: bool = False
    can_edit_stories: bool = False
    can_delete_stories: bool = False
    can_pin_messages: bool = False
    can_manage_topics: bool = False
    is_anonymous: bool = False


@dataclass
class Membership:
    status: str  # creator, administrator, member, restricted, left, kicked
    rights: AdminRights | None = None
    can_send_messages: bool = True


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int = 7322096
    closed: bool = False
    deleted: bool = False
    created_by_bot: bool = False


@dataclass
class FakeChat:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    is_forum: bool = False
    user: FakeUser | None = None  # the other side of a private chat
    members: dict[int, Membership] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    migrated_to: int | None = None
    blocked: bool = False  # a private chat whose user blocked the bot
    started: bool = True  # a private chat whose user pressed Start
    next_message_id: int = 1

    def to_json(self) -> dict[str, Any]:
        if self.type == "private":
            assert self.user is not None
            data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title}
        if self.is_forum:
            data["is_forum"] = True
        return data

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


@dataclass
class Call:
    """One Bot API call: method, parsed parameters, HTTP status, and what was answered."""

    method: str
    params: dict[str, Any]
    status: int
    answer: dict[str, Any]
    at: float


class FakeBotApi:
    """The fake server. Use `async with FakeBotApi() as api:` or `await start()` / `await stop()`."""

    def __init__(
        self,
        *,
        token: str = "123456789:AAF-fakeTOKEN-for-tests-0123456789abc",
        username: str = "atou_test_bot",
        can_read_all_group_messages: bool = False,
        limits: Limits | None = None,
        callback_timeout: float = 15.0,
    ) -> None:
        self.token = token
        self.bot = FakeUser(int(token.split(":")[0]), "atou", username, is_bot=True)
        self.can_read_all_group_messages = can_read_all_group_messages
        self.limits = limits or Limits.telegram()
        self.callback_timeout = callback_timeout
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.chats: dict[int, FakeChat] = {}
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.documents: dict[str, bytes] = {}  # file_id → content, of files the bot sent or members posted
        self._file_unique_ids: dict[str, str] = {}  # file_id → file_unique_id, of members' documents
        self._file_paths: dict[str, str] = {}  # file_path given by getFile → file_id
        self.downloads: list[str] = []  # file paths downloaded, in order
        self.too_many_requests = 0
        self._ids = itertools.count(1000)
        self._group_ids = itertools.count(100001)
        self._update_ids = itertools.count(700000)
        self._updates: deque[dict[str, Any]] = deque()
        self._new_update = asyncio.Event()
        self._allowed_updates: list[str] = []
        self._poller: asyncio.Future[None] | None = None
        self._chat_windows: dict[int, _Window] = {}
        self._overall = _Window(self.limits.overall, self.limits.overall_period)
        self._callbacks: dict[str, tuple[float, bool]] = {}  # id → (created, answered)
        self.callback_answers: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_last_error: tuple[int, str] | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._hooks: list[Callable[[Call], None]] = []
        self._failures: dict[str, deque[tuple[int, str]]] = {}
        self.anonymous_bot = self.add_user(
            "Group", username="GroupAnonymousBot", user_id=GROUP_ANONYMOUS_BOT_ID, is_bot=True
        )
        self.channel_bot = self.add_user(
            "Channel", username="Channel_Bot", user_id=CHANNEL_BOT_ID, is_bot=True
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as `base_url` (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FakeBotApi:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner, self.port = await serve_locally(app, access_log=None, handle_signals=False)
        return self

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._poller is not None and not self._poller.done():
            self._poller.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def fail_next(
        self, method: str, times: int = 1, *, code: int = 502, description: str = "Bad Gateway"
    ) -> None:
        """Answer the next `times` calls of `method` with an error, as a struggling Telegram does."""
        self._failures.setdefault(method, deque()).extend([(code, description)] * times)

    def on_call(self, hook: Callable[[Call], None]) -> None:
        """Run `hook` after every recorded call (tests use it to wait for something to happen)."""
        self._hooks.append(hook)

    # ------------------------------------------------------------------ world set-up (the test's side)

    def add_user(
        self,
        first_name: str,
        *,
        username: str | None = None,
        user_id: int | None = None,
        is_bot: bool = False,
        language_code: str | None = "en",
    ) -> FakeUser:
        user = FakeUser(user_id or next(self._ids), first_name, username, is_bot, language_code)
        self.users[user.id] = user
        return user

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        creator: FakeUser | None = None,
        supergroup: bool = True,
        forum: bool = False,
        bot_admin: bool = False,
        bot_rights: AdminRights | None = None,
        chat_id: int | None = None,
    ) -> FakeChat:
        """A group with the bot in it (as a member, or an admin with `bot_rights`)."""
        number = next(self._group_ids)
        if chat_id is None:
            chat_id = -(1000000000000 + number) if supergroup else -number
        chat = FakeChat(
            chat_id, "supergroup" if supergroup else "group", title, is_forum=forum and supergroup
        )
        creator = creator or self.add_user(f"Owner of {title}")
        chat.members[creator.id] = Membership(
            "creator", AdminRights(can_manage_topics=True, can_pin_messages=True)
        )
        for admin in admins:
            chat.members[admin.id] = Membership("administrator", AdminRights())
        for member in members:
            chat.members.setdefault(member.id, Membership("member"))
        if bot_admin or bot_rights is not None:
            chat.members[self.bot.id] = Membership("administrator", bot_rights or AdminRights())
        else:
            chat.members[self.bot.id] = Membership("member")
        self.chats[chat.id] = chat
        return chat

    def add_private(self, user: FakeUser, *, started: bool = True) -> FakeChat:
        """The private chat of `user` with the bot; `started=False` until the user presses Start."""
        chat = self.chats.get(user.id) or FakeChat(user.id, "private", user=user)
        chat.started = started
        chat.members = {user.id: Membership("member"), self.bot.id: Membership("member")}
        self.chats[user.id] = chat
        return chat

    def set_admin(self, chat: FakeChat, user: FakeUser, rights: AdminRights | None = None) -> None:
        chat.members[user.id] = Membership("administrator", rights or AdminRights())

    def set_member(self, chat: FakeChat, user: FakeUser, status: str = "member") -> None:
        chat.members[user.id] = Membership(status)

    def set_bot_status(
        self, chat: FakeChat, status: str, *, by: FakeUser | None = None, rights: AdminRights | None = None
    ) -> None:
        """Change the bot's membership (member, administrator, left, kicked) and tell the bot like Telegram does."""
        old = chat.members.get(self.bot.id, Membership("left"))
        new = Membership(status, rights or (AdminRights() if status == "administrator" else None))
        chat.members[self.bot.id] = new
        self._enqueue(
            "my_chat_member",
            {
                "chat": chat.to_json(),
                "from": (by or self._owner(chat)).to_json(),
                "date": int(time.time()),
                "old_chat_member": self._member_json(chat, self.bot, old),
                "new_chat_member": self._member_json(chat, self.bot, new),
            },
        )

    def kick_bot(self, chat: FakeChat, *, by: FakeUser | None = None) -> None:
        # A basic group has no ban list: a removed member is "left"; a supergroup bans ("kicked").
        self.set_bot_status(chat, "kicked" if chat.type == "supergroup" else "left", by=by)

    def block_bot(self, user: FakeUser) -> None:
        chat = self.add_private(user)
        chat.blocked = True
        self.set_bot_status(chat, "kicked", by=user)

    def migrate(self, chat: FakeChat, *, by: FakeUser | None = None) -> FakeChat:
        """Upgrade a basic group to a supergroup: a new id; sends to the old id fail with migrate_to_chat_id."""
        assert chat.type == "group", "only basic groups migrate"
        new = FakeChat(
            -(1000000000000 + next(self._group_ids)), "supergroup", chat.title, members=dict(chat.members)
        )
        self.chats[new.id] = new
        chat.migrated_to = new.id
        actor = by or self._owner(chat)
        old_note = self._store(chat, actor, {"migrate_to_chat_id": new.id})
        self._enqueue("message", old_note)
        new_note = self._store(new, actor, {"migrate_from_chat_id": chat.id})
        self._enqueue("message", new_note)
        return new

    def create_topic(self, chat: FakeChat, name: str, *, by: FakeUser | None = None) -> Topic:
        assert chat.is_forum
        actor = by or self._owner(chat)
        note = self._store(chat, actor, {"forum_topic_created": {"name": name, "icon_color": 7322096}})
        topic = Topic(note["message_id"], name, created_by_bot=actor.id == self.bot.id)
        chat.topics[topic.thread_id] = topic
        note["message_thread_id"] = topic.thread_id
        note["is_topic_message"] = True
        self._enqueue("message", note)
        return topic

    def close_topic(self, chat: FakeChat, thread_id: int) -> None:
        chat.topics[thread_id].closed = True

    def delete_topic(self, chat: FakeChat, thread_id: int) -> None:
        chat.topics[thread_id].deleted = True

    def post(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        sender_chat: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        quote: str | None = None,
    ) -> dict[str, Any]:
        """`user` writes `text` in `chat`; delivered to the bot when Telegram would deliver it.

        `quote`: the member replies quoting this part of the answered message (it must be in its text)."""
        extra: dict[str, Any] = {"text": text}
        if quote is not None:
            if reply_to is None:
                raise ValueError("a quote needs the message it quotes (reply_to)")
            quoted = chat.messages[reply_to].get("text", "")
            at = quoted.find(quote)
            if not quote.strip() or at < 0:
                raise ValueError("QUOTE_TEXT_INVALID: the quote is not part of the answered message")
            extra["quote"] = {
                "text": quote,
                "position": len(quoted[:at].encode("utf-16-le")) // 2,
                "is_manual": True,
            }
        found = entities if entities is not None else self._user_entities(text)
        if found:
            extra["entities"] = found
        if sender_chat is not None:
            extra["sender_chat"] = sender_chat
        message = self._store(chat, user, extra, reply_to=reply_to, thread_id=thread_id)
        if self._bot_sees(chat, message):
            self._enqueue("message", message)
        return message

    def post_document(
        self,
        chat: FakeChat,
        user: FakeUser,
        filename: str,
        data: bytes,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """`user` sends a file as a document, with an optional caption (a leading /command in it is one)."""
        if not data:
            raise ValueError("Telegram does not send empty files")
        file_id = f"BQACAgIAAx{next(self._ids)}"
        self.documents[file_id] = data
        extra: dict[str, Any] = {
            "document": {
                "file_id": file_id,
                "file_unique_id": self._file_unique_ids.setdefault(file_id, f"AgAD{next(self._ids)}"),
                "file_name": filename,
                "mime_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
                "file_size": len(data),
            }
        }
        if caption:
            extra["caption"] = caption
            found = self._user_entities(caption)
            if found:
                extra["caption_entities"] = found
        message = self._store(chat, user, extra, reply_to=reply_to, thread_id=thread_id)
        if self._bot_sees(chat, message):
            self._enqueue("message", message)
        return message

    def post_as_anonymous_admin(self, chat: FakeChat, text: str, **kwargs: Any) -> dict[str, Any]:
        """An admin who chose "remain anonymous": from GroupAnonymousBot, sender_chat is the group."""
        return self.post(chat, self.anonymous_bot, text, sender_chat=chat.to_json(), **kwargs)

    def post_as_channel(
        self, chat: FakeChat, channel_id: int, title: str, text: str, **kwargs: Any
    ) -> dict[str, Any]:
        """A member writing as one of their channels: from Channel_Bot, sender_chat is the channel."""
        sender = {"id": channel_id, "type": "channel", "title": title}
        return self.post(chat, self.channel_bot, text, sender_chat=sender, **kwargs)

    def edit(self, chat: FakeChat, message_id: int, text: str) -> dict[str, Any]:
        """The author edits a message; the bot gets `edited_message` if it got the message."""
        message = chat.messages[message_id]
        message["text"] = text
        message["edit_date"] = int(time.time())
        found = self._user_entities(text)
        if found:
            message["entities"] = found
        else:
            message.pop("entities", None)
        if self._bot_sees(chat, message):
            self._enqueue("edited_message", dict(message))
        return message

    def press(self, chat: FakeChat, message_id: int, user: FakeUser, data: str | None = None) -> str:
        """`user` presses the inline button carrying `data` (the first callback button if None) on a bot message."""
        message = chat.messages[message_id]
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        datas = [b["callback_data"] for b in buttons if "callback_data" in b]
        if data is None:
            assert datas, "that message has no callback buttons"
            data = datas[0]
        assert data in datas, f"no button with data {data!r} on message {message_id}: {datas}"
        query_id = str(next(self._ids) * 7919)
        self._callbacks[query_id] = (time.monotonic(), False)
        self._enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_json(),
                "message": dict(message),
                "chat_instance": str(abs(chat.id) * 31),
                "data": data,
            },
        )
        return query_id

    def press_stale(self, chat: FakeChat, message_id: int, user: FakeUser, data: str) -> str:
        """A press on a button with `data` that the message no longer (or never) carried, e.g. an old version."""
        query_id = str(next(self._ids) * 7919)
        self._callbacks[query_id] = (time.monotonic(), False)
        self._enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_json(),
                "message": dict(chat.messages[message_id]),
                "chat_instance": str(abs(chat.id) * 31),
                "data": data,
            },
        )
        return query_id

    # ------------------------------------------------------------------ what tests read

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat: FakeChat | int, *, thread_id: int | None = None) -> list[dict[str, Any]]:
        """The bot's messages in `chat` (optionally in one topic), in order, as they are now."""
        c = chat if isinstance(chat, FakeChat) else self.chats[chat]
        return [
            m
            for _, m in sorted(c.messages.items())
            if m.get("from", {}).get("id") == self.bot.id
            and ("text" in m or "document" in m)
            and (thread_id is None or m.get("message_thread_id") == thread_id)
        ]

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until `predicate()` holds (checked every few milliseconds), or fail the test."""
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("the fake Bot API did not reach the expected state in time")
            await asyncio.sleep(0.005)

    # ------------------------------------------------------------------ internals: world

    def _owner(self, chat: FakeChat) -> FakeUser:
        for uid, m in chat.members.items():
            if m.status == "creator":
                return self.users[uid]
        return self.bot

    def _member_json(self, chat: FakeChat, user: FakeUser, m: Membership) -> dict[str, Any]:
        data: dict[str, Any] = {"status": m.status, "user": user.to_json()}
        if m.status == "creator":
            data["is_anonymous"] = bool(m.rights and m.rights.is_anonymous)
        elif m.status == "administrator":
            r = m.rights or AdminRights()
            data |= {
                "can_be_edited": False,
                "is_anonymous": r.is_anonymous,
                "can_manage_chat": r.can_manage_chat,
                "can_delete_messages": r.can_delete_messages,
                "can_manage_video_chats": r.can_manage_video_chats,
                "can_restrict_members": r.can_restrict_members,
                "can_promote_members": r.can_promote_members,
                "can_change_info": r.can_change_info,
                "can_invite_users": r.can_invite_users,
                "can_post_stories": r.can_post_stories,
                "can_edit_stories": r.can_edit_stories,
                "can_delete_stories": r.can_delete_stories,
                "can_pin_messages": r.can_pin_messages,
            }
            if chat.is_forum:
                data["can_manage_topics"] = r.can_manage_topics
        elif m.status == "restricted":
            flags = (
                "can_change_info can_invite_users can_pin_messages can_send_polls can_send_other_messages "
                "can_add_web_page_previews can_manage_topics can_send_audios can_send_documents can_send_photos "
                "can_send_videos can_send_video_notes can_send_voice_notes can_edit_tag"
            ).split()
            data |= {f: False for f in flags} | {
                "is_member": True,
                "can_send_messages": m.can_send_messages,
                "can_react_to_messages": False,
                "until_date": 0,
            }
        elif m.status == "kicked":
            data["until_date"] = 0
        return data

    def _store(
        self,
        chat: FakeChat,
        sender: FakeUser,
        extra: dict[str, Any],
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "from": sender.to_json(),
            "chat": chat.to_json(),
            "date": int(time.time()),
        } | extra
        if thread_id is not None and chat.is_forum:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            target = dict(chat.messages[reply_to])
            target.pop("reply_to_message", None)
            message["reply_to_message"] = target
            if chat.is_forum and "message_thread_id" in target and thread_id is None:
                message["message_thread_id"] = target["message_thread_id"]
                message["is_topic_message"] = True
        elif thread_id is not None and chat.is_forum:
            # In a topic, a message that replies to nothing replies to the topic's creation message.
            root = dict(chat.messages[thread_id])
            message["reply_to_message"] = root
        chat.messages[message["message_id"]] = message
        return message

    def _user_entities(self, text: str) -> list[dict[str, Any]]:
        """The entities Telegram detects in a member's text: a leading /command, @mentions and URLs."""
        found: list[dict[str, Any]] = []
        for m in re.finditer(
            r"(?<![\w/])/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?|@[A-Za-z0-9_]{5,32}|https?://\S+", text
        ):
            kind = (
                "bot_command"
                if m.group().startswith("/")
                else "mention"
                if m.group().startswith("@")
                else "url"
            )
            if kind == "bot_command" and m.start() != 0:
                continue
            found.append(
                {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
            )
        return found

    def _bot_sees(self, chat: FakeChat, message: dict[str, Any]) -> bool:
        """Telegram's delivery rules: privacy mode shows a plain member only commands, replies and mentions."""
        bot = chat.members.get(self.bot.id)
        if bot is None or bot.status in ("left", "kicked"):
            return False
        if chat.type == "private" or self.can_read_all_group_messages or bot.status == "administrator":
            return True
        text = message.get("text", message.get("caption", ""))
        for e in message.get("entities", message.get("caption_entities", [])):
            if e["type"] == "bot_command" and e["offset"] == 0:
                command = text[: e["length"]]
                return "@" not in command or command.lower().endswith("@" + (self.bot.username or "").lower())
            if e["type"] == "mention" and f"@{self.bot.username}".lower() in text.lower():
                return True
        replied = message.get("reply_to_message")
        if (
            replied is not None
            and replied.get("from", {}).get("id") == self.bot.id
            and "forum_topic_created" not in replied
        ):
            return True
        return any(
            k in message for k in ("migrate_to_chat_id", "migrate_from_chat_id", "forum_topic_created")
        )

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> None:
        if self._allowed_updates:
            if kind not in self._allowed_updates:
                return
        elif kind in NOT_BY_DEFAULT:
            return
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._new_update.set()
        if self.webhook is not None:
            self._kick_webhook()

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params: dict[str, Any] = {}
        status, answer = 200, {}
        try:
            if not TOKEN_PATTERN.match(token):
                raise ApiError(404, "Not Found")
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            params = await self._params(request)
            failures = self._failures.get(method)
            if failures:
                code, description = failures.popleft()
                raise ApiError(code, description)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
            answer = {"ok": True, "result": result}
        except ApiError as e:
            status = e.code
            answer = {"ok": False, "error_code": e.code, "description": e.description}
            if e.parameters:
                answer["parameters"] = e.parameters
            if e.code == 429:
                self.too_many_requests += 1
        call = Call(method, params, status, answer, time.monotonic())
        self.calls.append(call)
        for hook in self._hooks:
            hook(call)
        return web.json_response(answer, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _download(self, request: web.Request) -> web.Response:
        """A file a getFile answer pointed to, as Telegram's file server hands it out."""
        token, path = request.match_info["token"], request.match_info["path"]
        file_id = self._file_paths.get(path)
        if token != self.token or file_id is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        self.downloads.append(path)
        return web.Response(body=self.documents[file_id], content_type="application/octet-stream")

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("request body must be a JSON object")
                params |= body
            else:
                form = await request.post()
                for key, value in form.items():
                    params[key] = value
        return params

    # ------------------------------------------------------------------ parameter helpers

    @staticmethod
    def _json(params: dict[str, Any], name: str, what: str) -> Any:
        value = params.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what} JSON object") from None
        return value

    @staticmethod
    def _int(params: dict[str, Any], name: str, *, required: bool = True) -> int | None:
        value = params.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty" if name != "chat_id" else "chat_id is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    @staticmethod
    def _bool(params: dict[str, Any], name: str) -> bool:
        value = params.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))

    def _chat(self, params: dict[str, Any], *, for_sending: bool = False) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat: FakeChat | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = None  # no public usernames in the fake
        else:
            try:
                chat = self.chats.get(int(raw))
            except (TypeError, ValueError):
                raise bad_request("chat not found") from None
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private":
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if for_sending and not chat.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat
        bot = chat.members.get(self.bot.id)
        kind = "supergroup" if chat.type == "supergroup" else "group"
        if bot is not None and (bot.status == "kicked" or (bot.status == "left" and chat.type == "group")):
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if bot is None or bot.status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        if for_sending and bot.status == "restricted" and not bot.can_send_messages:
            raise bad_request("not enough rights to send text messages to the chat")
        return chat

    def _bot_can_manage_topics(self, chat: FakeChat) -> bool:
        m = chat.members.get(self.bot.id)
        return (
            m is not None
            and m.status in ("administrator", "creator")
            and bool(m.rights and m.rights.can_manage_topics)
        )

    def _thread(self, chat: FakeChat, params: dict[str, Any]) -> int | None:
        thread_id = self._int(params, "message_thread_id", required=False)
        if thread_id is None:
            return None
        topic = chat.topics.get(thread_id) if chat.is_forum else None
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        if topic.closed and not self._bot_can_manage_topics(chat):
            raise bad_request("TOPIC_CLOSED")
        return thread_id

    def _reply_target(self, chat: FakeChat, params: dict[str, Any]) -> int | None:
        reply = self._json(params, "reply_parameters", "reply parameters")
        legacy = self._int(params, "reply_to_message_id", required=False)
        if reply is None and legacy is None:
            return None
        if reply is not None and not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        target = int(reply["message_id"]) if reply is not None else legacy
        allow = (reply or {}).get("allow_sending_without_reply") or self._bool(
            params, "allow_sending_without_reply"
        )
        if reply is not None and "chat_id" in reply and str(reply["chat_id"]) != str(chat.id):
            raise bad_request("replies to other chats are not supported by the test server")
        if target not in chat.messages:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return target

    def _text(self, params: dict[str, Any], name: str, limit: int) -> ParsedText:
        raw = params.get(name)
        if not isinstance(raw, str):
            raw = "" if raw is None else str(raw)
        mode = params.get("parse_mode")
        if mode in (None, ""):
            parsed = ParsedText(raw, [])
        elif str(mode).lower() == "html":
            try:
                parsed = parse_html(raw)
            except EntityParseError as e:
                raise bad_request(f"can't parse entities: {e}") from None
        else:
            raise bad_request(f"unsupported parse_mode {mode!r} (the test server knows HTML only)")
        parsed = strip_text(parsed)
        if not parsed.text and name == "text":
            raise bad_request("message text is empty")
        if utf16_len(parsed.text) > limit or len(parsed.text) > limit:
            raise bad_request("message is too long" if name == "text" else "message caption is too long")
        if len(parsed.entities) > MAX_ENTITIES:
            raise bad_request(
                f"too many entities: {len(parsed.entities)}, at most {MAX_ENTITIES} are allowed"
            )
        return parsed

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = self._json(params, "reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
            raise bad_request("the test server accepts inline keyboards only")
        rows = markup["inline_keyboard"]
        if sum(len(r) for r in rows) > 100 or any(len(r) > 8 for r in rows):
            raise bad_request("REPLY_MARKUP_TOO_LONG")
        for row in rows:
            if not isinstance(row, list):
                raise bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            for button in row:
                if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                    raise bad_request("BUTTON_TEXT_INVALID")
                actions = [
                    k
                    for k in ("url", "callback_data", "switch_inline_query", "login_url", "copy_text")
                    if k in button
                ]
                if len(actions) != 1:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode("utf-8"))
                    if not 1 <= size <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(?i)^(https?|tg)://[^\s]+$", str(button["url"])):
                    raise bad_request("BUTTON_URL_INVALID")
        return {"inline_keyboard": rows}

    def _rate_limit(self, chat: FakeChat) -> None:
        now = time.monotonic()
        waits = [self._overall.wait(now)]
        window: _Window | None = None
        if chat.type != "private":
            window = self._chat_windows.get(chat.id)
            if window is None:
                window = self._chat_windows[chat.id] = _Window(
                    self.limits.per_chat, self.limits.per_chat_period
                )
            waits.append(window.wait(now))
        wait = max(waits)
        if wait > 0:
            retry: int | float = (
                max(1, math.ceil(wait)) if self.limits.whole_seconds else round(max(wait, 0.001), 3)
            )
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self._overall.add(now)
        if window is not None:
            window.add(now)

    # ------------------------------------------------------------------ Bot API methods

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot.to_json() | {
            "can_join_groups": True,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = self._int(params, "offset", required=False)
        limit = self._int(params, "limit", required=False) or 100
        timeout = float(params.get("timeout") or 0)
        allowed = self._json(params, "allowed_updates", "allowed updates")
        if allowed is not None:
            self._allowed_updates = list(allowed)
        if not 1 <= limit <= 100:
            limit = max(1, min(limit, 100))
        if offset is not None:
            if offset < 0:
                keep = -offset
                while len(self._updates) > keep:
                    self._updates.popleft()
            else:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
        if self._poller is not None and not self._poller.done():
            self._poller.set_exception(
                ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            )
        if not self._updates and timeout > 0:
            poller: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._poller = poller
            self._new_update.clear()
            waiter = asyncio.ensure_future(self._new_update.wait())
            try:
                done, _ = await asyncio.wait(
                    {waiter, poller}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                waiter.cancel()
            if poller in done and poller.exception() is not None:
                raise poller.exception()  # type: ignore[misc]
            if not poller.done():
                poller.cancel()
        return list(itertools.islice(self._updates, 0, limit))

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deleteWebhook(params)
        parts = urlsplit(url)
        if parts.hostname != "127.0.0.1":
            raise bad_request("bad webhook: the test server delivers webhooks to 127.0.0.1 only")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = self._int(params, "max_connections", required=False) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = self._json(params, "allowed_updates", "allowed updates")
        if allowed is not None:
            self._allowed_updates = list(allowed)
        if self._bool(params, "drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": url, "secret_token": secret, "max_connections": max_connections}
        self._kick_webhook()
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if self._bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self._allowed_updates:
                info["allowed_updates"] = self._allowed_updates
        if self._webhook_last_error:
            info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    def _kick_webhook(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhooks())

    async def _deliver_webhooks(self) -> None:
        """Post pending updates to the webhook, up to max_connections at once; failed ones are retried."""
        backoff = 0.05
        async with aiohttp.ClientSession() as session:
            while self.webhook is not None and self._updates:
                hook = self.webhook
                batch = list(itertools.islice(self._updates, 0, hook["max_connections"]))
                headers = {"Content-Type": "application/json"}
                if hook["secret_token"]:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]

                async def deliver(
                    update: dict[str, Any], hook: dict[str, Any] = hook, headers: dict[str, str] = headers
                ) -> bool:
                    try:
                        async with session.post(
                            hook["url"], data=json.dumps(update), headers=headers
                        ) as response:
                            status = response.status
                    except aiohttp.ClientError as e:
                        self._webhook_last_error = (
                            int(time.time()),
                            f"Connection error: {e.__class__.__name__}",
                        )
                        return False
                    self.webhook_deliveries.append((update["update_id"], status))
                    if 200 <= status < 300:
                        return True
                    self._webhook_last_error = (
                        int(time.time()),
                        f"Wrong response from the webhook: {status}",
                    )
                    return False

                results = await asyncio.gather(*(deliver(u) for u in batch))
                delivered = {u["update_id"] for u, ok in zip(batch, results, strict=True) if ok}
                self._updates = deque(u for u in self._updates if u["update_id"] not in delivered)
                if len(delivered) < len(batch):
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 1.0)
                else:
                    backoff = 0.05

    async def _send(
        self,
        params: dict[str, Any],
        content: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        chat = self._chat(params, for_sending=True)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_target(chat, params)
        extra = content()
        markup = self._markup(params)
        if markup is not None:
            extra["reply_markup"] = markup
        self._rate_limit(chat)
        return self._store(chat, self.bot, extra, reply_to=reply_to, thread_id=thread_id)

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        def content() -> dict[str, Any]:
            parsed = self._text(params, "text", MAX_TEXT)
            extra: dict[str, Any] = {"text": parsed.text}
            if parsed.entities:
                extra["entities"] = parsed.entities
            return extra

        return await self._send(params, content)

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        def content() -> dict[str, Any]:
            document = params.get("document")
            if isinstance(document, web.FileField):
                data = document.file.read()
                file_id = f"BQACAgIAAx{next(self._ids)}"
                self.documents[file_id] = data
                doc = {
                    "file_id": file_id,
                    "file_unique_id": f"AgAD{next(self._ids)}",
                    "file_name": document.filename,
                    "mime_type": document.content_type,
                    "file_size": len(data),
                }
            elif isinstance(document, str) and document in self.documents:
                doc = {
                    "file_id": document,
                    "file_unique_id": f"AgAD{next(self._ids)}",
                    "file_size": len(self.documents[document]),
                }
            else:
                raise bad_request("there is no document in the request")
            if not doc.get("file_size"):
                raise bad_request("file must be non-empty")
            extra: dict[str, Any] = {"document": doc}
            parsed = self._text(params, "caption", MAX_CAPTION)
            if parsed.text:
                extra["caption"] = parsed.text
                if parsed.entities:
                    extra["caption_entities"] = parsed.entities
            return extra

        return await self._send(params, content)

    def _own_message(self, params: dict[str, Any], *, what: str) -> tuple[FakeChat, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the test server")
        chat = self._chat(params)
        message_id = self._int(params, "message_id")
        message = chat.messages.get(message_id)  # type: ignore[arg-type]
        if message is None:
            raise bad_request(f"message to {what} not found")
        return chat, message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._own_message(params, what="edit")
        if message["from"]["id"] != self.bot.id:
            raise bad_request("message can't be edited")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        parsed = self._text(params, "text", MAX_TEXT)
        markup = self._markup(params)
        if (
            parsed.text == message["text"]
            and parsed.entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )
        message["text"] = parsed.text
        message["edit_date"] = int(time.time())
        if parsed.entities:
            message["entities"] = parsed.entities
        else:
            message.pop("entities", None)
        if markup is not None:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._own_message(params, what="edit")
        if message["from"]["id"] != self.bot.id:
            raise bad_request("message can't be edited")
        markup = self._markup(params)
        if markup == message.get("reply_markup"):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat, message = self._own_message(params, what="delete")
        bot = chat.members.get(self.bot.id)
        may_delete_others = chat.type == "private" or (
            bot is not None
            and bot.status in ("administrator", "creator")
            and bool(bot.rights and bot.rights.can_delete_messages)
        )
        if message["from"]["id"] != self.bot.id and not may_delete_others:
            raise bad_request("message can't be deleted")
        del chat.messages[message["message_id"]]
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        state = self._callbacks.get(query_id)
        if state is None or state[1] or time.monotonic() - state[0] > self.callback_timeout:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and not re.fullmatch(
            rf"https://t\.me/{re.escape(self.bot.username or '')}\?start=[A-Za-z0-9_-]{{1,64}}", str(url)
        ):
            raise bad_request("URL_INVALID")
        self._callbacks[query_id] = (state[0], True)
        self.callback_answers.append(
            {"id": query_id, "text": text, "show_alert": self._bool(params, "show_alert"), "url": url}
        )
        return True

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        if not isinstance(file_id, str) or not file_id:
            raise bad_request("file_id is empty")
        data = self.documents.get(file_id)
        if data is None:
            raise bad_request("invalid file_id")
        if len(data) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        path = f"documents/file_{next(self._ids)}"
        self._file_paths[path] = file_id
        return {"file_id": file_id, "file_unique_id": self._file_unique_ids.get(file_id, f"AgAD{file_id[-6:]}"),
            "file_size": len(data), "file_path": path}

    async def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = self._int(params, "user_id")
        user = self.users.get(user_id)  # type: ignore[arg-type]
        if user is None:
            raise bad_request("user not found")
        membership = chat.members.get(user.id, Membership("left"))
        return self._member_json(chat, user, membership)

    async def _api_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._chat(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            self._member_json(chat, self.users[uid], m)
            for uid, m in chat.members.items()
            if m.status in ("creator", "administrator")
        ]

    async def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        return chat.to_json() | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = self._json(params, "scope", "bot command scope") or {"type": "default"}
        kinds = {
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        }
        if not isinstance(scope, dict) or scope.get("type") not in kinds:
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope["type"].startswith("chat"):
            self._chat({"chat_id": scope.get("chat_id")})
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        key = (
            scope["type"]
            + (f":{scope['chat_id']}" if "chat_id" in scope else "")
            + (f":{scope['user_id']}" if "user_id" in scope else "")
        )
        return key, language

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = self._json(params, "commands", "bot commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse bot commands JSON object")
        for c in commands:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands.get(self._scope_key(params), [])

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def _api_createForumTopic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params, for_sending=True)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if not self._bot_can_manage_topics(chat):
            raise bad_request("not enough rights to create a topic")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_INVALID" if name else "topic name is empty")
        topic = self.create_topic(chat, name, by=self.bot)
        return {"message_thread_id": topic.thread_id, "name": topic.name, "icon_color": topic.icon_color}

    def _topic(self, params: dict[str, Any]) -> tuple[FakeChat, Topic]:
        chat = self._chat(params)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        thread_id = self._int(params, "message_thread_id")
        topic = chat.topics.get(thread_id)  # type: ignore[arg-type]
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        if not self._bot_can_manage_topics(chat) and not topic.created_by_bot:
            raise bad_request("not enough rights to manage topics")
        return chat, topic

    async def _api_closeForumTopic(self, params: dict[str, Any]) -> bool:
        _, topic = self._topic(params)
        if topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = True
        return True

    async def _api_reopenForumTopic(self, params: dict[str, Any]) -> bool:
        _, topic = self._topic(params)
        if not topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = False
        return True

    async def _api_deleteForumTopic(self, params: dict[str, Any]) -> bool:
        _, topic = self._topic(params)
        topic.deleted = True
        return True
