"""What a Telegram error means for the bot: a neutral platform error, or something the adapter handles.

python-telegram-bot turns Telegram's answers into exceptions: Forbidden (403), ChatMigrated (400 with
`migrate_to_chat_id`), RetryAfter (429, handled by pacing), BadRequest (400) with Telegram's
description, NetworkError / TimedOut for transport failures. The descriptions are matched in lower
case (python-telegram-bot re-capitalises them).
"""

from __future__ import annotations

from enum import Enum

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError, TimedOut

from bot.protocol import ChatGone, ChatMoved, PlatformError, ThreadGone


class Kind(Enum):
    GONE = "gone"  # the bot cannot post in the chat any more
    MOVED = "moved"  # the chat has a new id
    THREAD_GONE = "thread_gone"  # the topic is closed or deleted
    FORMAT = "format"  # Telegram refused our markup or length: resend as plain text
    NOT_MODIFIED = "not_modified"  # an edit that changes nothing: already done
    TRANSIENT = "transient"  # network trouble: try again after a pause
    OTHER = "other"


_GONE = (
    "chat not found",
    "not enough rights to send",
    "have no rights to send",
    "need administrator rights",
    "chat_write_forbidden",
    "chat is deactivated",
    "group chat was deactivated",
    "peer_id_invalid",
)
_THREAD_GONE = (
    "message thread not found",
    "topic_closed",
    "topic_deleted",
    "topic was deleted",
    "thread not found",
)
_FORMAT = (
    "can't parse entities",
    "message is too long",
    "too many entities",
    "entities_too_long",
    "message caption is too long",
)


def kind_of(exc: TelegramError) -> Kind:
    if isinstance(exc, Forbidden):
        return Kind.GONE
    if isinstance(exc, ChatMigrated):
        return Kind.MOVED
    if isinstance(exc, BadRequest):
        text = exc.message.lower()
        if "message is not modified" in text:
            return Kind.NOT_MODIFIED
        if any(s in text for s in _THREAD_GONE):
            return Kind.THREAD_GONE
        if any(s in text for s in _FORMAT):
            return Kind.FORMAT
        if any(s in text for s in _GONE):
            return Kind.GONE
        return Kind.OTHER
    if isinstance(exc, TimedOut | NetworkError):
        return Kind.TRANSIENT
    return Kind.OTHER


def neutral(exc: TelegramError) -> PlatformError:
    """The platform-neutral error the core understands for `exc`."""
    kind = kind_of(exc)
    if kind is Kind.MOVED:
        assert isinstance(exc, ChatMigrated)
        return ChatMoved(str(exc.new_chat_id))
    if kind is Kind.GONE:
        return ChatGone(exc.message)
    if kind is Kind.THREAD_GONE:
        return ThreadGone(exc.message)
    return PlatformError(f"Telegram refused: {exc.message}")
