"""Inbound ordering: each update becomes a neutral event handed to the core in its own task, so a slow
command never holds up the replies of other members — up to `max_in_flight` at once; an edit waits
for the message it edits, and a reply for the message it answers, while those are still being
handled. Every button press is answered once, a stale one with a short notice."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from adapters.telegram.events import convert
from adapters.telegram.language import ui_lang
from adapters.telegram.replies import ButtonReply, ChatReply
from bot.protocol import ButtonEvent, EditEvent, EventHandler, InboundEvent, MessageEvent
from bot.render.i18n import translator

if TYPE_CHECKING:
    from adapters.telegram.adapter import TelegramAdapter

log = logging.getLogger(__name__)


class Inbound:
    """The updates of one adapter, handed to `handler` in order where order matters."""

    def __init__(self, adapter: TelegramAdapter, handler: EventHandler, *, max_in_flight: int = 512) -> None:
        self.adapter = adapter
        self.handler = handler
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._handling: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def drain(self, queued: Callable[[], int], within: float = 30.0) -> None:
        """Wait (up to `within` seconds) until every update received so far (`queued()` still waiting
        in python-telegram-bot's queue) has been handled."""
        deadline = time.monotonic() + within
        while (queued() or self._tasks) and time.monotonic() < deadline:
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - time.monotonic()))
            else:
                await asyncio.sleep(0.01)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.chat_member is not None:
            changed = update.chat_member
            self.adapter.admins.drop(lambda k: k == (changed.chat.id, changed.new_chat_member.user.id))
            return
        if update.my_chat_member is not None:
            self.adapter.chats.drop(lambda k: k[0] == update.my_chat_member.chat.id)  # type: ignore[union-attr]
        event = convert(update, self.adapter.me)
        query = update.callback_query
        if query is not None:
            if event is None:
                await self._answer_stale(query)
                return
            assert isinstance(event, ButtonEvent)
            reply = ButtonReply(self.adapter, query, event)
            await self._spawn(dataclasses.replace(event, respond=reply), reply.finish)
            return
        if event is None:
            return
        reply_to = getattr(event, "message_id", None) if not isinstance(event, ButtonEvent) else None
        author = getattr(event, "author", None)
        responder = ChatReply(self.adapter, event.chat, author, reply_to)
        await self._spawn(dataclasses.replace(event, respond=responder))

    async def _spawn(self, event: InboundEvent, finish: Callable[[], Awaitable[None]] | None = None) -> None:
        await self._slots.acquire()
        before: asyncio.Task[None] | None = None
        key: tuple[str, str] | None = None
        if isinstance(event, MessageEvent):
            key = (event.chat.chat_id, event.message_id)
            if event.reply_to is not None:  # a reply to a reply: after the one it answers is recorded
                before = self._handling.get((event.chat.chat_id, event.reply_to))
        elif isinstance(event, EditEvent):
            before = self._handling.get((event.chat.chat_id, event.message_id))
        task = asyncio.get_running_loop().create_task(self._run(event, before, finish))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if key is not None:
            self._handling[key] = task
            task.add_done_callback(functools.partial(self._handled, key))

    def _handled(self, key: tuple[str, str], task: asyncio.Task[None]) -> None:
        if self._handling.get(key) is task:
            del self._handling[key]

    async def _run(
        self,
        event: InboundEvent,
        before: asyncio.Task[None] | None,
        finish: Callable[[], Awaitable[None]] | None,
    ) -> None:
        try:
            if before is not None:
                await asyncio.wait({before})  # an edit after the message it edits
            await self.handler(event)
        except Exception:
            log.exception("handling a %s from %s failed", type(event).__name__, event.chat.key)
        finally:
            self._slots.release()
            if finish is not None:
                try:
                    await finish()
                except Exception:
                    log.exception("could not answer a button press in %s", event.chat.key)

    async def _answer_stale(self, query: CallbackQuery) -> None:
        _ = translator(ui_lang(query.from_user.language_code, self.adapter.default_lang))
        try:
            await query.answer(_("This button no longer works. Send /help to see what you can do."))
        except TelegramError as exc:
            log.info("could not answer a stale button press: %s", exc)
