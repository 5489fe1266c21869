"""The Bot API calls the adapter makes, with their guarantees: a 429 not paced up front is waited out
and the call made again; network failures are retried with backoff, then reported as
`PlatformUnreachable`; a message Telegram refuses for its markup goes again as plain text (logged as
an error, since the formatter should never produce one)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.error import RetryAfter, TelegramError

from adapters.telegram.errors import Kind, kind_of
from adapters.telegram.format import TelegramMessage
from adapters.telegram.pacing import retry_seconds
from adapters.telegram.plaintext import html_to_plain, plain_chunks
from adapters.telegram.refs import chat_id, thread_id
from bot.protocol import ChatRef, PlatformUnreachable

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

T = TypeVar("T")


class BotApi:
    """The Bot API of one bot (`bot`: python-telegram-bot's, paced by the application's rate limiter)."""

    def __init__(self, bot: Bot, *, network_attempts: int = 6, network_backoff: float = 0.5) -> None:
        self.bot = bot
        self._network_attempts = network_attempts
        self._network_backoff = network_backoff

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, again after network failures (with backoff) and after a 429 not paced up front."""
        attempt = 0
        while True:
            try:
                return await call()
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
            except TelegramError as exc:
                attempt += 1
                if kind_of(exc) is not Kind.TRANSIENT:
                    raise
                if attempt >= self._network_attempts:
                    raise PlatformUnreachable(
                        f"Telegram could not be reached after {attempt} attempts: {exc}"
                    ) from exc
                delay = self._network_backoff * 2 ** (attempt - 1)
                log.warning("network trouble talking to Telegram (%s); trying again in %.1f s", exc, delay)
                await asyncio.sleep(delay)

    async def send_message(
        self, chat: ChatRef, message: TelegramMessage, reply_to: str | None
    ) -> list[Message]:
        bot = self.bot
        common: dict[str, Any] = {
            "chat_id": chat_id(chat),
            "message_thread_id": thread_id(chat),
            "link_preview_options": NO_PREVIEW,
        }
        reply = ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to else None
        markup = _markup(message.reply_markup)
        try:
            sent = await self.retrying(
                lambda: bot.send_message(
                    text=message.text,
                    parse_mode=message.parse_mode,
                    reply_markup=markup,
                    reply_parameters=reply,
                    **common,
                )
            )
            return [sent]
        except TelegramError as exc:
            if kind_of(exc) is not Kind.FORMAT:
                raise
            log.error(
                "Telegram refused a formatted message for %s (%s); sending it as plain text",
                chat.key,
                exc.message,
            )
        chunks = plain_chunks(html_to_plain(message.text))
        out: list[Message] = []
        for n, chunk in enumerate(chunks):
            out.append(
                await self.retrying(
                    _plain_send(
                        bot,
                        chunk,
                        markup if n == len(chunks) - 1 else None,
                        reply if n == 0 else None,
                        common,
                    )
                )
            )
        return out

    async def edit_message(self, chat: ChatRef, message_id: int, message: TelegramMessage) -> None:
        bot = self.bot
        markup = _markup(message.reply_markup)
        try:
            await self.retrying(
                lambda: bot.edit_message_text(
                    message.text,
                    chat_id=chat_id(chat),
                    message_id=message_id,
                    parse_mode=message.parse_mode,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                )
            )
            return
        except TelegramError as exc:
            kind = kind_of(exc)
            if kind is Kind.NOT_MODIFIED:
                return
            if kind is not Kind.FORMAT:
                raise
            log.error(
                "Telegram refused a formatted edit for %s (%s); editing as plain text", chat.key, exc.message
            )
        plain = plain_chunks(html_to_plain(message.text))[0]
        try:
            await self.retrying(
                lambda: bot.edit_message_text(
                    plain, chat_id=chat_id(chat), message_id=message_id, reply_markup=markup
                )
            )
        except TelegramError as exc:
            if kind_of(exc) is not Kind.NOT_MODIFIED:
                raise


def _markup(rows: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b["text"], url=b["url"])
                if "url" in b
                else InlineKeyboardButton(b["text"], callback_data=b["callback_data"])
                for b in row
            ]
            for row in rows
        ]
    )


def _plain_send(
    bot: Any,
    text: str,
    markup: InlineKeyboardMarkup | None,
    reply: ReplyParameters | None,
    common: dict[str, Any],
) -> Callable[[], Awaitable[Message]]:
    def call() -> Awaitable[Message]:
        return bot.send_message(text=text, reply_markup=markup, reply_parameters=reply, **common)  # type: ignore[no-any-return]

    return call
