"""The discussion archive as plain data: every discussion of one article, across groups and platforms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.model import Article


@dataclass(frozen=True, slots=True)
class ArchivedReply:
    """One member message recorded in a discussion.

    `author_key` is platform-qualified (`telegram:123`), so members of different platforms never collide.
    `prompt` is the 0-based index into the brief's prompts, or None for a general reply.
    `history` holds earlier versions of the text, oldest first, when the reply was edited.
    `paragraph` is the ¶N of the article the reply is anchored to (see `bot.anchors`), or None.
    """

    id: int
    author_key: str
    author_name: str
    text: str
    at: datetime
    prompt: int | None
    message_id: str
    reply_to_message_id: str | None = None
    history: tuple[str, ...] = ()
    deleted: bool = False
    paragraph: int | None = None


@dataclass(frozen=True, slots=True)
class ArchivedDiscussion:
    """One article discussed in one group (`group_key` as in ChatRef.key)."""

    group_key: str
    group_title: str
    platform: str
    opened_at: datetime
    closed_at: datetime | None
    replies: tuple[ArchivedReply, ...]


@dataclass(frozen=True, slots=True)
class Archive:
    """An article and its discussions; `opted_out` lists author keys never to be shown in exports."""

    article: Article
    discussions: tuple[ArchivedDiscussion, ...]
    opted_out: frozenset[str] = frozenset()
