"""The Telegram adapter: the lifecycle of the bot, and the `Platform` the core sends through.

python-telegram-bot runs inside the shared asyncio loop, started and stopped by hand: initialize (getMe),
the command menus (`commands.py`), start, then polling (the default) or the webhook receiver
(`webhook.py`, each update claimed once across instances); on stop the same in reverse, after the
events in hand are handled. Updates become neutral events (`events.py`) handed to the core in order
where it matters (`inbound.py`).

Outgoing messages are formatted by `TelegramFormatter`, paced to the flood limits (`pacing.py`) and
sent through `botapi.py` (429s waited out, network failures retried, refused markup sent again as
plain text); Telegram's refusals become the core's neutral errors (`errors.py`): the bot removed →
ChatGone, a migrated group → ChatMoved, a closed or deleted topic → ThreadGone.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import (
    ChatMember,
    InputFile,
    LinkPreviewOptions,
    Update,
)
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from adapters.telegram import commands, logsafe
from adapters.telegram.botapi import BotApi
from adapters.telegram.errors import Kind, kind_of, neutral
from adapters.telegram.events import PLATFORM, Me, member_of_user
from adapters.telegram.format import TelegramFormatter
from adapters.telegram.inbound import Inbound
from adapters.telegram.pacing import Limits, Pacer
from adapters.telegram.refs import chat_id, is_private, thread_id
from adapters.telegram.replies import ChatReply
from adapters.telegram.transport import AiohttpRequest
from adapters.telegram.webhook import WebhookServer
from bot.observability import metrics
from bot.protocol import (
    ChatAccess,
    ChatGone,
    ChatMoved,
    ChatRef,
    EventHandler,
    Member,
    PlatformError,
    PlatformRefused,
    PlatformUnreachable,
    ThreadGone,
)
from bot.render.document import Document

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]
MAX_CAPTION = 1024
MAX_TOPIC_NAME = 128
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CONNECTIONS = 32
ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Webhook mode: Telegram POSTs updates to `url`; we listen on `listen:port` at the URL's path."""

    url: str
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443
    max_connections: int = 40
    # Takes an update id for this instance, False when another delivery took it first: behind a load
    # balancer every instance may receive the same update (Telegram redelivers after a slow answer).
    claim: Callable[[int], bool] | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


def derived_secret(token: str) -> str:
    """A webhook secret every instance of the bot derives alike from the token (when none is configured)."""
    return hashlib.sha256(b"atou webhook secret\0" + token.encode("utf-8")).hexdigest()


class _TtlCache:
    """A small time-limited cache (admin status, the bot's rights, chat kinds)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:
        found = self._entries.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: Any, value: Any) -> None:
        if len(self._entries) > 10_000:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def drop(self, predicate: Callable[[Any], bool]) -> None:
        for key in [k for k in self._entries if predicate(k)]:
            del self._entries[key]


def file_url(api_url: str) -> str:
    """Where files are downloaded from, beside the Bot API: `https://api.telegram.org/bot` (or a
    self-hosted server's `…/bot`) serves files from `…/file/bot`."""
    base = api_url.rstrip("/")
    return f"{base.removesuffix('/bot')}/file/bot"


class TelegramAdapter:
    """The Telegram `Platform` and `Adapter` (see the module docstring)."""

    name = PLATFORM

    def __init__(
        self,
        token: str,
        handler: EventHandler,
        *,
        api_url: str = DEFAULT_API_URL,
        webhook: WebhookConfig | None = None,
        limits: Limits | None = None,
        default_lang: str = "zh-Hans",
        poll_timeout: float = 10.0,
        admin_ttl: float = 60.0,
        max_in_flight: int = 512,
        network_attempts: int = 6,
        network_backoff: float = 0.5,
        set_menus: bool = True,
    ) -> None:
        logsafe.protect(token, webhook.secret if webhook is not None else "")
        self.formatter = TelegramFormatter()
        self.pacer = Pacer(limits)
        self.webhook = webhook
        self.default_lang = default_lang
        self._poll_timeout = poll_timeout
        self._api_host = urlsplit(api_url).netloc  # for messages: the URL itself carries the token
        self._set_menus = set_menus
        self.admins = _TtlCache(admin_ttl)  # (chat, member) → is an admin
        self.chats = _TtlCache(admin_ttl)  # (chat, "access") → what the bot sees and may do there
        self.inbound = Inbound(self, handler, max_in_flight=max_in_flight)
        self._server: WebhookServer | None = None
        self._me: Me | None = None
        self._reads_all = False
        self._transports = (AiohttpRequest(CONNECTIONS), AiohttpRequest(1))
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(api_url)
            .base_file_url(file_url(api_url))
            .rate_limiter(self.pacer)
            # As many connections as Telegram lets messages go at once (30 a second); more wait for one.
            .request(self._transports[0])
            .get_updates_request(self._transports[1])
        )
        if webhook is not None:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self.inbound.on_update))
        self.api = BotApi(
            self.application.bot, network_attempts=network_attempts, network_backoff=network_backoff
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def me(self) -> Me:
        if self._me is None:
            raise RuntimeError("the Telegram adapter is not started")
        return self._me

    async def start(self) -> None:
        """Connect: getMe, menus, then polling or the webhook. Raises `PlatformUnreachable` when the Bot API
        cannot be reached (the caller tries again: everything started is stopped first) and
        `PlatformRefused` when Telegram refuses the token."""
        try:
            await self._start()
        except InvalidToken:
            await self.stop()
            # python-telegram-bot's message quotes the token: say what is wrong without it.
            raise PlatformRefused(
                "Telegram refused the bot token (ATOU_TELEGRAM_TOKEN); check it with @BotFather"
            ) from None
        except TelegramError as exc:
            await self.stop()
            if kind_of(exc) is not Kind.TRANSIENT:
                raise
            raise PlatformUnreachable(f"Telegram ({self._api_host}) cannot be reached: {exc}") from exc
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        app = self.application
        # After a failed attempt `stop` closed the transports, which python-telegram-bot believes it
        # opened already: open them again.
        for transport in self._transports:
            await transport.initialize()
        await app.initialize()
        user = app.bot.bot
        self._me = Me(user.id, user.username or "")
        self._reads_all = bool(user.can_read_all_group_messages)
        if not self._reads_all:
            log.info(
                "privacy mode is on for @%s: in groups where it is not an admin it sees commands, replies "
                "to its messages and mentions only",
                self._me.username,
            )
        if self._set_menus:
            await commands.set_menus(app.bot, self.default_lang)
        await app.start()
        if self.webhook is not None:
            hook = self.webhook
            self._server = WebhookServer(hook.listen, hook.port, hook.path, hook.secret, self._accept_webhook)
            await self._server.start()
            await self.api.retrying(
                lambda: app.bot.set_webhook(
                    hook.url,
                    secret_token=hook.secret,
                    allowed_updates=ALLOWED_UPDATES,
                    max_connections=hook.max_connections,
                )
            )
            log.info("Telegram webhook set; updates arrive at %s", hook.path)
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=int(max(1, self._poll_timeout)), allowed_updates=ALLOWED_UPDATES
            )
            log.info("polling Telegram for updates as @%s", self._me.username)

    async def stop(self) -> None:
        """Stop taking updates, finish the events in hand, then stop python-telegram-bot (also after a failed start)."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self._server is not None:
            await self._server.stop()
            self._server = None
        await self.drain()
        if app.running:
            await app.stop()
        await app.shutdown()
        for transport in self._transports:  # also when initialize failed half-way
            await transport.shutdown()

    async def drain(self, within: float = 30.0) -> None:
        """Wait (up to `within` seconds) until every update received so far has been handled."""
        await self.inbound.drain(self.application.update_queue.qsize, within)

    async def _accept_webhook(self, data: dict[str, Any]) -> None:
        update_id = data.get("update_id")
        claim = self.webhook.claim if self.webhook is not None else None
        if claim is not None and isinstance(update_id, int) and not await asyncio.to_thread(claim, update_id):
            metrics.record_duplicate_update(PLATFORM)
            log.info("update %d was already taken by another delivery; dropped", update_id)
            return
        await self.application.update_queue.put(Update.de_json(data, self.application.bot))

    # ------------------------------------------------------------------ inbound

    # ------------------------------------------------------------------ outbound: Platform

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        """Send `doc` (split to Telegram's limits); the ids of the sent messages, in order."""
        ids: list[str] = []
        try:
            for n, message in enumerate(self.formatter.format(doc)):
                sent = await self.api.send_message(chat, message, reply_to if n == 0 else None)
                ids.extend(str(m.message_id) for m in sent)
        except TelegramError as exc:
            raise neutral(exc) from exc
        return ids

    async def edit(self, chat: ChatRef, message_id: str, doc: Document) -> None:
        """Replace a message's text and buttons (paging in place)."""
        messages = self.formatter.format(doc)
        if not messages:
            return  # an empty document: nothing to show instead
        first, *more = messages
        try:
            await self.api.edit_message(chat, int(message_id), first)
            for message in more:  # the core sizes pages to fit; should a page not, the rest follows
                await self.api.send_message(chat, message, None)
        except TelegramError as exc:
            raise neutral(exc) from exc

    async def open_thread(self, chat: ChatRef, title: str, from_message: str | None) -> ChatRef | None:
        """A new forum topic named `title`, where the chat is a forum and the bot may manage topics."""
        if chat.thread_id is not None or is_private(chat):
            return None  # posting into a configured topic, or a private chat: no topic per article
        access = await self.chat_access(chat)
        if not access.can_open_threads:
            return None
        name = title.strip()[:MAX_TOPIC_NAME] or "…"
        try:
            topic = await self.api.retrying(lambda: self.application.bot.create_forum_topic(chat_id(chat), name))
        except TelegramError as exc:
            if kind_of(exc) in (Kind.GONE, Kind.MOVED):
                raise neutral(exc) from exc
            log.warning("could not open a topic in %s: %s", chat.key, exc)
            return None
        return ChatRef(PLATFORM, chat.chat_id, str(topic.message_thread_id))

    async def send_file(self, chat: ChatRef, filename: str, data: bytes, caption: str) -> str:
        caption = caption if len(caption) <= MAX_CAPTION else caption[: MAX_CAPTION - 1] + "…"
        try:
            message = await self.api.retrying(
                lambda: self.application.bot.send_document(
                    chat_id(chat),
                    InputFile(data, filename=filename),
                    caption=caption or None,
                    message_thread_id=thread_id(chat),
                )
            )
        except TelegramError as exc:
            raise neutral(exc) from exc
        return str(message.message_id)

    async def is_admin(self, chat: ChatRef, member: Member) -> bool:
        """Chat administrators and anonymous admins; checked with Telegram (cached briefly)."""
        if member.anonymous_admin:
            return True
        if not member.id.isdigit():
            return False  # someone writing as a channel, or known only by @username
        if is_private(chat):
            return chat.chat_id == member.id  # one's own private chat with the bot
        key = (chat_id(chat), int(member.id))
        cached = self.admins.get(key)
        if cached is not None:
            return bool(cached)
        try:
            found = await self.api.retrying(lambda: self.application.bot.get_chat_member(key[0], key[1]))
        except TelegramError as exc:
            log.warning("could not check whether %s is an admin of %s: %s", member.id, chat.key, exc)
            return False
        admin = found.status in ADMIN_STATUSES
        self.admins.put(key, admin)
        return admin

    async def chat_admins(self, chat: ChatRef) -> list[Member]:
        """The group's administrators who are people (`PrivateChats`), as Telegram lists them now."""
        if is_private(chat):
            return []
        try:
            found = await self.api.retrying(lambda: self.application.bot.get_chat_administrators(chat_id(chat)))
        except TelegramError as exc:
            raise neutral(exc) from exc
        # Anonymous admins are listed with their own accounts: they too may have a private chat.
        return [member_of_user(admin.user) for admin in found if not admin.user.is_bot]

    async def chat_access(self, chat: ChatRef) -> ChatAccess:
        """Whether the bot sees every message (privacy mode off, or admin) and may open topics here."""
        if is_private(chat):
            return ChatAccess(sees_all_messages=True, bot_is_admin=False, can_open_threads=False)
        number = chat_id(chat)
        cached = self.chats.get((number, "access"))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        try:
            info = await self.api.retrying(lambda: self.application.bot.get_chat(number))
            mine = await self.api.retrying(lambda: self.application.bot.get_chat_member(number, self.me.id))
        except TelegramError as exc:
            raise neutral(exc) from exc
        admin = mine.status in ADMIN_STATUSES
        manages_topics = mine.status == ChatMember.OWNER or bool(getattr(mine, "can_manage_topics", False))
        access = ChatAccess(
            sees_all_messages=self._reads_all or admin,
            bot_is_admin=admin,
            can_open_threads=bool(info.is_forum) and admin and manages_topics,
        )
        self.chats.put((number, "access"), access)
        return access

    # ------------------------------------------------------------------ answering events

    async def deliver(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> bool:
        """Send an answer to an event: into the chat (or its main chat if the topic is gone, or the new id
        of a migrated group). False when it cannot be delivered (the bot is no longer in the chat)."""
        target = chat
        for _ in range(3):
            try:
                await self.send(target, doc, reply_to=reply_to)
                return True
            except ChatMoved as moved:
                target = ChatRef(PLATFORM, moved.new_chat_id, target.thread_id)
            except ThreadGone:
                target, reply_to = target.main(), None
            except ChatGone as gone:
                log.warning("could not answer in %s: %s", chat.key, gone)
                return False
        log.error("could not answer in %s: the chat kept moving", chat.key)
        return False

    async def answer_later(
        self,
        chat: ChatRef,
        doc: Document,
        *,
        reply_to: str | None,
        author: Member | None,
        private: bool,
        replace: bool,
        handle: str | None = None,
    ) -> None:
        """Deliver an answer whose update is gone (`LateAnswers`): a page in place of the message that
        carried its button, else as a message or command is answered (`ChatReply`)."""
        if replace and reply_to is not None:
            try:
                await self.edit(chat, reply_to, doc)
                return
            except ChatGone:
                return
            except PlatformUnreachable:
                raise
            except PlatformError as exc:  # the message is gone or too old to edit: send the page anew
                log.info("could not edit %s in %s (%s); sending a new message", reply_to, chat.key, exc)
            reply_to = None
        await ChatReply(self, chat, author, reply_to)(doc, private=private)

    async def send_privately(self, member: Member, doc: Document) -> bool:
        """Send `doc` to the member's private chat with the bot; False if the bot may not write to them."""
        if member.anonymous_admin or not member.id.isdigit():
            return False
        try:
            await self.send(ChatRef(PLATFORM, member.id), doc)
        except (ChatGone, ChatMoved):
            return False
        return True
