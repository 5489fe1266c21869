"""The engine's domain: groups, postings, discussions and replies, as plain objects with their rules."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from bot.protocol import ChatRef, Member
from bot.render.document import Document, Mention
from bot.scheduling.schedule import Schedule


class UserError(Exception):
    """Something a member or admin asked for that cannot be done; the message says why and what works.

    `template` is the English message id (marked with `N_`), formatted with `params` after translation.
    """

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params))


def author_key(platform: str, member: Member) -> str:
    """A member's identity across the archive: platform-qualified, so platforms never collide."""
    return f"{platform}:{member.id}"


@dataclass(slots=True)
class Group:
    """One chat, channel or topic where the bot posts, with its schedule and settings.

    `id` is assigned by the repository and never changes, unlike the platform's chat id
    (a Telegram group that becomes a supergroup gets a new one).
    `forum`: open a topic or thread per article for its prompts and discussion.
    `schedule_since`: slots before this instant never count (a new or changed schedule starts
    at its next occurrence, not by making up a post).
    """

    id: int
    platform: str
    chat_id: str
    thread_id: str | None
    title: str
    schedule: Schedule
    schedule_since: datetime
    lang: str
    created_at: datetime
    paused_reason: str | None = None
    personas: dict[str, Mention] = field(default_factory=dict)
    forum: bool = False
    empty_notified: bool = False
    # Admins were told that the queue runs dry soon; cleared once it holds enough again.
    queue_warned: bool = False

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.platform, self.chat_id, self.thread_id)

    @property
    def key(self) -> str:
        return self.chat.key

    @property
    def active(self) -> bool:
        return self.paused_reason is None

    def pause(self, reason: str) -> None:
        self.paused_reason = reason or "paused"

    def resume(self) -> None:
        self.paused_reason = None

    def reschedule(self, schedule: Schedule, now: datetime) -> None:
        """Take a new time, timezone or day list; it applies from its next occurrence."""
        if (schedule.timezone, schedule.post_time, schedule.days) != (
            self.schedule.timezone,
            self.schedule.post_time,
            self.schedule.days,
        ):
            self.schedule_since = now
        self.schedule = schedule


class PostingStatus(StrEnum):
    SENDING = "sending"  # claimed; messages going out (or the sender died: resumed by another one)
    DONE = "done"
    FAILED = "failed"  # a send failed; retried on a later tick
    MISSED = "missed"  # the slot's grace window passed with no post: the skip is on record


NO_THREAD = ""
LONG_AGO = datetime.min.replace(tzinfo=UTC)


def synthesis_slot(discussion_id: int) -> str:
    """The posting slot of a discussion's approved synthesis: claimed like a post, so it goes out once."""
    return f"synthesis:{discussion_id}"


def recap_slot(discussion_id: int) -> str:
    """The posting slot of a discussion's recap: claimed like a post, so it goes out once."""
    return f"recap:{discussion_id}"


def queue_warning_slot(articles_done: int, queued: int) -> str:
    """The posting slot of the notice that the queue runs dry soon, told with the group at its n-th
    article and the queue at `queued` articles (a later stretch of running short has other numbers)."""
    return f"dry:{articles_done}:{queued}"


def draft_offer_slot(draft_id: str, revision: str) -> str:
    """The posting slot of the offer of a draft's revision for review (a draft id may fill the slot's
    40 characters alone, so it is hashed)."""
    return "draft:" + hashlib.sha256(f"{draft_id}\n{revision}".encode()).hexdigest()[:32]


def empty_queue_slot(articles_done: int) -> str:
    """The posting slot of the notice that the queue ran out after the group's n-th article."""
    return f"empty:{articles_done}"


# Steps of a posting: step 0 is the brief, step n (n >= 1) is prompt n - 1.
BRIEF_STEP = 0


def prompt_of_step(step: int) -> int | None:
    return None if step == BRIEF_STEP else step - 1


class Leased:
    """Something sent under a lease, as postings and answers are: its sender (`owner`) holds it until
    `lease_until`; a failed attempt is retried after a back-off that doubles each time.

    Subclasses are dataclasses that declare these fields, and may set their own back-off bounds.
    """

    retry_first: ClassVar[timedelta] = timedelta(minutes=1)
    retry_max: ClassVar[timedelta] = timedelta(hours=1)

    status: PostingStatus
    owner: str
    lease_until: datetime
    attempts: int
    error: str | None
    finished_at: datetime | None

    def fail(self, error: str, now: datetime) -> None:
        """Record a failed attempt; the next one is due after a back-off that doubles each time."""
        self.status = PostingStatus.FAILED
        self.error = error[:500]
        self.attempts += 1
        self.lease_until = now + min(self.retry_first * 2 ** (self.attempts - 1), self.retry_max)

    def finish(self, now: datetime) -> None:
        self.status = PostingStatus.DONE
        self.error = None
        self.finished_at = now

    def free_at(self, alive: Mapping[str, datetime] | None) -> datetime:
        """When another sender may take this unfinished item over.

        A failed one waits for its back-off (its lease). One being sent is free when its lease
        ends, or as soon as its sender no longer counts as alive: `alive` maps each live instance to
        the moment it stops counting as alive unless it reports again (None: no instance reports, so
        the lease alone decides).
        """
        if self.status is not PostingStatus.SENDING or alive is None:
            return self.lease_until
        return min(self.lease_until, alive.get(self.owner, LONG_AGO))


@dataclass(slots=True)
class Posting(Leased):
    """One article sent to one group for one slot (a local date, or a post-now request).

    `sent` maps each step to the platform ids of the messages it went out as, recorded as soon
    as the platform confirmed them, so a resumed posting starts at the first unsent step.
    `thread_id`: the topic or thread opened for the prompts; None while none was tried, and
    `NO_THREAD` once the prompts go to the main chat (the platform opened none, or it vanished).
    """

    id: int
    group_id: int
    slot: str
    local_date: date
    article_id: str | None
    status: PostingStatus
    claimed_at: datetime
    owner: str
    lease_until: datetime
    thread_id: str | None = None
    attempts: int = 0
    error: str | None = None
    finished_at: datetime | None = None
    sent: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_article(self) -> bool:
        """A post of an article (not a recap, a queue notice or a missed day)."""
        return self.article_id is not None

    def next_step(self, steps: int) -> int | None:
        """The first step of `steps` not yet sent, or None when all went out."""
        return next((s for s in range(steps) if s not in self.sent), None)


@dataclass(slots=True)
class Discussion:
    """One article discussed in one group: open from its posting until closed, then recapped once."""

    id: int
    article_id: str
    group_id: int
    posting_id: int | None
    opened_at: datetime
    closed_at: datetime | None = None
    recap_sent: bool = False
    thread_id: str | None = None
    # The model's synthesis (JSON), held until an admin approves (then posted) or rejects (dropped) it.
    synthesis: str | None = None
    synthesis_approved: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def close(self, now: datetime) -> None:
        if self.closed_at is None:
            self.closed_at = now


@dataclass(frozen=True, slots=True)
class Located:
    """Where a message belongs: a discussion, and the prompt it answers (None: the brief or in general)."""

    discussion_id: int
    prompt: int | None


@dataclass(frozen=True, slots=True)
class NewReply:
    """A member message to record in a discussion."""

    discussion_id: int
    group_id: int
    author_key: str
    author_name: str
    text: str
    at: datetime
    prompt: int | None
    message_id: str
    reply_to: str | None = None
    paragraph: int | None = None  # the ¶N it is anchored to (see bot.anchors)


@dataclass(frozen=True, slots=True)
class ReplyStat:
    """What a recap, /status and /catchup need of one reply."""

    author_key: str
    author_name: str
    prompt: int | None
    paragraph: int | None = None
    message_id: str = ""
    reply_to: str | None = None
    text: str = ""
    id: int = 0  # the reply's id in the archive (the page shows it as #reply-ID)


@dataclass(slots=True)
class Answer(Leased):
    """Something the bot owes a member or an admin in answer to an event: a document, or a file.

    Stored before it is sent and removed once the platform took it, so that an outage or a restart
    delays it instead of losing it. `reply_to` is the message the event came from: an answer
    replies to it, or replaces it (`replace`, a button that pages in place). `private`: only the
    asker should see it, where the platform can do that. `author`: who asked (for a private answer).
    `handle`: what the adapter needs to answer the event late (`Event.answer_handle`); may be secret.
    """

    retry_first: ClassVar[timedelta] = timedelta(seconds=2)
    retry_max: ClassVar[timedelta] = timedelta(seconds=30)

    id: int
    chat: ChatRef
    created_at: datetime
    owner: str
    lease_until: datetime
    doc: Document | None = None
    file: AnswerFile | None = None
    private: bool = False
    replace: bool = False
    reply_to: str | None = None
    author: Member | None = None
    handle: str | None = field(default=None, repr=False)
    status: PostingStatus = PostingStatus.SENDING
    attempts: int = 0
    error: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AnswerFile:
    """A file owed as an answer (an export): its name, bytes and caption."""

    filename: str
    data: bytes
    caption: str
