"""What every use case shares: the ports, the platforms, the settings the engine reads, and caches."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta

from bot.config import Settings
from bot.ports import ArticleSource, Clock, SystemClock, UnitOfWorkFactory
from bot.protocol import ChatRef, Platform
from bot.scheduling.schedule import parse_time, parse_timezone
from bot.services.domain import Located

# A sender's hold on a posting; renewed with every message sent. Another instance (or this one after
# a restart) resumes a posting whose lease has run out.
POSTING_LEASE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """The settings the engine reads, resolved once."""

    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    grace: timedelta = timedelta(hours=6)
    discussion_days: int = 7
    default_timezone: str = "Asia/Shanghai"
    default_post_time: time = time(8, 0)
    default_lang: str = "zh-Hans"
    web_url: str | None = None
    secret_key: str | None = None
    link_ttl: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings, *, instance_id: str | None = None) -> EngineConfig:
        secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
        return cls(
            instance_id=instance_id or uuid.uuid4().hex[:12],
            grace=timedelta(hours=settings.grace_hours),
            discussion_days=settings.discussion_days,
            default_timezone=parse_timezone(settings.default_timezone),
            default_post_time=parse_time(settings.default_post_time),
            default_lang=settings.default_lang,
            web_url=settings.web_url or None,
            secret_key=secret or None,
            link_ttl=timedelta(days=settings.link_days),
        )


class MessageIndex:
    """Which discussion and prompt a message belongs to, remembered for the most recent messages.

    The mapping of a message never changes once known, so every instance may cache it; a miss
    falls back to the database. The oldest entries make room for new ones.
    """

    def __init__(self, size: int = 200_000) -> None:
        self._size = size
        self._entries: dict[tuple[int, str], Located] = {}

    def get(self, group_id: int, message_id: str) -> Located | None:
        return self._entries.get((group_id, message_id))

    def put(self, group_id: int, message_id: str, where: Located) -> None:
        self._entries[(group_id, message_id)] = where
        if len(self._entries) > self._size:
            del self._entries[next(iter(self._entries))]


@dataclass
class Core:
    """The engine's dependencies, passed to every use case."""

    uow: UnitOfWorkFactory
    articles: ArticleSource
    config: EngineConfig = field(default_factory=EngineConfig)
    clock: Clock = field(default_factory=SystemClock)
    platforms: dict[str, Platform] = field(default_factory=dict)
    index: MessageIndex = field(default_factory=MessageIndex)
    # chat key → (group id, thread inside the group's chat): a group's id never changes; a migrated
    # chat drops its old keys.
    chats: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    schedule_listeners: list[Callable[[], None]] = field(default_factory=list)

    def platform(self, chat: ChatRef) -> Platform:
        found = self.platforms.get(chat.platform)
        if found is None:
            raise LookupError(f"no adapter for platform {chat.platform!r} runs in this process")
        return found

    def schedules_changed(self) -> None:
        for listener in self.schedule_listeners:
            listener()
