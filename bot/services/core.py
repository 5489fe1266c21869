"""What every use case shares: the ports, the platforms, the settings the engine reads, and caches."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.links import article_page_url, mint_archive_link
from bot.observability import metrics
from bot.ports import (
    ArticleSource,
    Clock,
    DraftReview,
    Liveness,
    PrivateChatBook,
    SystemClock,
    UnitOfWorkFactory,
)
from bot.protocol import ChatGone, ChatMoved, ChatRef, Platform, ThreadGone
from bot.render.document import Document
from bot.scheduling.schedule import parse_time, parse_timezone
from bot.services.domain import Located

if TYPE_CHECKING:
    from bot.llm import ModelClient

# A sender's hold on a posting; renewed with every message sent. Another instance (or this one after
# a restart) resumes a posting whose lease has run out — or at once, when instances report their
# liveness and its sender is no longer alive.
POSTING_LEASE = timedelta(minutes=2)

FOREVER = datetime.max.replace(tzinfo=UTC)

# The reason a failed send is counted under (`atou_post_failures`); any other failure is an "error".
FAILURE_REASONS: dict[type[Exception], str] = {
    ChatGone: "chat_gone",
    ChatMoved: "chat_moved",
    ThreadGone: "thread_gone",
}


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """The settings the engine reads, resolved once."""

    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    grace: timedelta = timedelta(hours=6)
    discussion_days: int = 7
    # Off in an engine built by hand (tests of other behaviour); `from_settings` gives the operator's
    # ATOU_QUEUE_WARNING_DAYS, 3 by default.
    queue_warning_days: int = 0
    answer_max_age: timedelta = timedelta(minutes=10)
    default_timezone: str = "Asia/Shanghai"
    default_post_time: time = time(8, 0)
    default_lang: str = "zh-Hans"
    web_url: str | None = None
    secret_key: str | None = None
    link_ttl: timedelta = timedelta(days=30)
    public_texts: bool = False
    max_import_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings, *, instance_id: str | None = None) -> EngineConfig:
        secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
        return cls(
            instance_id=instance_id or uuid.uuid4().hex[:12],
            grace=timedelta(hours=settings.grace_hours),
            discussion_days=settings.discussion_days,
            queue_warning_days=settings.queue_warning_days,
            answer_max_age=timedelta(minutes=settings.answer_max_minutes),
            default_timezone=parse_timezone(settings.default_timezone),
            default_post_time=parse_time(settings.default_post_time),
            default_lang=settings.default_lang,
            web_url=settings.web_url or None,
            secret_key=secret or None,
            link_ttl=timedelta(days=settings.link_days),
            public_texts=settings.public_texts,
            max_import_bytes=settings.max_import_bytes,
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
    # Told the id of a group whose schedule, state or platform may have changed (the scheduler).
    schedule_listeners: list[Callable[[int], None]] = field(default_factory=list)
    # Which instances are alive, named as `config.instance_id` names this one (None: instances do not
    # report, so a dead sender's posting waits for its lease to end).
    liveness: Liveness | None = None
    # Drafts made from links and feeds, reviewed by admins with /drafts (None: not reviewed in chat).
    drafts: DraftReview | None = None
    # Members who opened a private chat with the bot (None: not recorded; private offers are tried).
    private_chats: PrivateChatBook | None = None
    # The configured language model (ATOU_LLM_*), for the optional synthesis of a discussion.
    model: ModelClient | None = None

    def platform(self, chat: ChatRef) -> Platform:
        found = self.platforms.get(chat.platform)
        if found is None:
            raise LookupError(f"no adapter for platform {chat.platform!r} runs in this process")
        return found

    async def send(self, chat: ChatRef, doc: Document) -> list[str]:
        """Send through the chat's platform; the messages it confirms and a failure are counted."""
        platform = self.platform(chat)
        try:
            ids = await platform.send(chat, doc)
        except Exception as exc:
            metrics.record_post_failure(chat.platform, failure_reason(exc))
            raise
        metrics.record_message_sent(chat.platform, len(ids))
        return ids

    def page_link(self, group_key: str | None, article_id: str) -> str | None:
        """The "open page" link of a brief: plain where the text tabs are public, otherwise signed for
        the group (an unsigned link to a private page would only meet a 403); None without a web address."""
        cfg = self.config
        if cfg.web_url is None:
            return None
        if cfg.public_texts:
            return article_page_url(cfg.web_url, article_id)
        if cfg.secret_key is None or group_key is None:
            return None
        return mint_archive_link(
            cfg.web_url, cfg.secret_key, group_key, article_id, now=self.clock.now(), ttl=cfg.link_ttl, tab="brief"
        )

    def archive_link(self, group_key: str, article_id: str, *, ttl: timedelta | None = None) -> str | None:
        """The signed link to the group's archive of the article that /archive gives, valid for `ttl`
        (default ATOU_LINK_DAYS); None unless the bot has a web address and a secret key."""
        cfg = self.config
        if cfg.web_url is None or cfg.secret_key is None:
            return None
        return mint_archive_link(
            cfg.web_url, cfg.secret_key, group_key, article_id, now=self.clock.now(), ttl=ttl or cfg.link_ttl
        )

    def alive(self, now: datetime) -> dict[str, datetime] | None:
        """The live instances at `now`, each until when it counts as alive; this one always does.

        None when instances do not report (`Posting.free_at` then goes by leases alone).
        """
        if self.liveness is None:
            return None
        return {**self.liveness(now), self.config.instance_id: FOREVER}

    def schedules_changed(self, group_id: int) -> None:
        for listener in self.schedule_listeners:
            listener(group_id)


def failure_reason(exc: BaseException) -> str:
    """The short word a failed send is counted under."""
    return next((word for kind, word in FAILURE_REASONS.items() if isinstance(exc, kind)), "error")
