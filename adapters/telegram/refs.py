"""The core's chat references ↔ Telegram's numeric chat and topic ids."""

from __future__ import annotations

from bot.protocol import ChatRef, PlatformError


def chat_id(chat: ChatRef) -> int:
    try:
        return int(chat.chat_id)
    except ValueError:
        raise PlatformError(f"{chat.chat_id!r} is not a Telegram chat id") from None


def thread_id(chat: ChatRef) -> int | None:
    """The forum topic (`message_thread_id`) the reference points into, if any."""
    return None if chat.thread_id is None else int(chat.thread_id)


def is_private(chat: ChatRef) -> bool:
    # Private chats have the user's (positive) id; groups and supergroups negative ones.
    return chat_id(chat) > 0
