"""The ports of the discussion engine: what the use cases need from storage, time and articles.

The service layer depends only on these Protocols. `storage/` implements them with SQLModel on a
SQLite file or PostgreSQL; the core tests implement them in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from types import TracebackType
from typing import NamedTuple, Protocol, Self

from bot.archive.model import ArchivedDiscussion
from bot.model import Article
from bot.services.domain import Answer, Discussion, Group, Located, NewReply, Posting, ReplyStat

# (a reply's text before an edit, its paragraph then) → its paragraph after the edit
Reanchor = Callable[[str, int | None], int | None]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# The instances alive at a moment, each with the moment it stops counting as alive unless it reports
# again (`storage.instances` heartbeats). A posting whose sender is not among them is taken over at once.
Liveness = Callable[[datetime], Mapping[str, datetime]]


class DuplicateArticle(Exception):
    """An article with this id is already stored (or appears twice in one import)."""

    def __init__(self, article_id: str, *, in_batch: bool = False) -> None:
        self.article_id = article_id
        self.in_batch = in_batch
        if in_batch:
            message = f"article id {article_id!r} appears more than once in this import"
        else:
            message = f"an article with id {article_id!r} is already stored; replace it to import it again"
        super().__init__(message)


class ArticleSource(Protocol):
    """The editorial queue and the articles in it (`storage.articles.ArticleStore`)."""

    def add(self, article: Article, *, replace: bool = False) -> None:
        """Store an article at the end of the queue; with `replace`, overwrite the one with its id in place.

        Raises `DuplicateArticle` when the id is taken and `replace` is not given.
        """
        ...

    def queue_ids(self) -> list[str]: ...

    def get(self, id: str) -> Article | None: ...

    def move(self, id: str, position: int) -> None:
        """Move an article to a 1-based position of the queue; raises for an unknown id."""
        ...


class WaitingDraft(NamedTuple):
    id: str
    title: str
    source: str  # a URL or a file name
    revision: str  # changes whenever the draft's text does (a redraft is offered anew)


class DraftReview(Protocol):
    """Drafts waiting for an editor (`storage.drafts.DraftStore`)."""

    def pending(self) -> list[tuple[str, str]]:
        """(draft id, title) of the drafts waiting for review, oldest first."""
        ...

    def waiting(self) -> list[WaitingDraft]:
        """The drafts waiting for review, oldest first, with where they came from and their revision."""
        ...

    def approve(self, id: str) -> Article:
        """Put the draft's article at the end of the queue. Raises LookupError for an unknown draft and
        ValueError for one already reviewed."""
        ...

    def reject(self, id: str, reason: str | None = None) -> None:
        """Drop the draft (never posted). Raises as `approve` does."""
        ...

    def can_redraft(self) -> bool:
        """Whether a model is configured to draft with."""
        ...

    async def redraft(self, id: str) -> bool:
        """Draft it again from its source with the model (it stays a draft); False when that failed."""
        ...


class PrivateChatBook(Protocol):
    """Who has opened a private chat with the bot, per platform (`storage.private_chats`)."""

    def open(self, platform: str, member_id: str, at: datetime) -> None:
        """Record that the member has a private chat with the bot (again: no change)."""
        ...

    def close(self, platform: str, member_id: str) -> None:
        """Forget it: the platform refused a message to the member (they blocked the bot)."""
        ...

    def opened(self, platform: str, member_ids: Sequence[str]) -> set[str]:
        """Which of the members have opened one."""
        ...


class GroupRepository(Protocol):
    def add(self, group: Group) -> Group:
        """Store a new group; returns it with its id."""
        ...

    def get(self, group_id: int) -> Group | None: ...

    def by_chat(self, platform: str, chat_id: str, thread_id: str | None) -> Group | None: ...

    def list(self) -> list[Group]: ...

    def save(self, group: Group) -> None: ...


class PostingRepository(Protocol):
    def claim(self, posting: Posting, discussion: Discussion) -> tuple[Posting, Discussion] | None:
        """Insert the posting, mark its article done for the group and open its discussion, or nothing.

        Returns None when the (group, slot) or the (group, article) is taken already — by this
        instance, another one, or a run before a restart. Only the claim is undone then; the rest of
        the unit of work stands.
        """
        ...

    def claim_slot(self, posting: Posting) -> Posting | None:
        """Insert a posting that is not an article (a recap, a notice); None if the slot is taken."""
        ...

    def by_slot(self, group_id: int, slot: str) -> Posting | None: ...

    def record_missed(self, group_id: int, slot: str, local_date: date, now: datetime, reason: str) -> bool:
        """Record that the slot passed without a post; False if the slot was claimed already."""
        ...

    def get(self, posting_id: int) -> Posting | None: ...

    def for_group(self, group_id: int) -> list[Posting]:
        """Every posting and missed slot of the group, oldest first."""
        ...

    def taken_slots(self, group_id: int, slots: Sequence[str]) -> set[str]:
        """Which of `slots` the group has a posting or a missed record for."""
        ...

    def take_over(
        self, posting_id: int, owner: str, now: datetime, lease_until: datetime, *, gone: str | None = None
    ) -> bool:
        """Become the sender of an unfinished posting whose lease has ended; False if someone else did.

        `gone`: an instance known to have died. A posting it is still sending is taken over before
        its lease ends, provided it is still that instance's (one taken over meanwhile is not).
        """
        ...

    def unfinished(self) -> list[Posting]:
        """Postings being sent or failed, oldest first, without their sent steps: a sender may have
        died, or a retry may be due (`Posting.free_at` says when each may be taken over)."""
        ...

    def record_sent(
        self,
        posting: Posting,
        step: int,
        message_ids: Sequence[str],
        discussion_id: int,
        lease_until: datetime,
    ) -> None:
        """Store the ids of one sent step (and index them for reply attribution); renews the lease."""
        ...

    def save(self, posting: Posting) -> None:
        """Store status, thread, error, attempts, lease and finish time."""
        ...

    def progress(self, group_id: int) -> set[str]:
        """Ids of the articles the group has had (posted or skipped)."""
        ...

    def progress_counts(self, article_ids: Sequence[str]) -> dict[int, int]:
        """Per group id, how many of `article_ids` the group has had (groups with none left out)."""
        ...

    def last_posts(self) -> dict[int, tuple[str, datetime]]:
        """Per group id, the article of its latest finished post and when that post finished."""
        ...

    def skip_article(self, group_id: int, article_id: str, now: datetime) -> bool:
        """Mark an article done for the group without posting it; False if it was done already."""
        ...


class AnswerRepository(Protocol):
    """The answer outbox: what the bot owes people, stored until the platform took it."""

    def add(self, answer: Answer) -> Answer:
        """Store an answer owed; returns it with its id."""
        ...

    def get(self, answer_id: int) -> Answer | None: ...

    def owed(self, platforms: Sequence[str]) -> list[Answer]:
        """The answers still owed on these platforms, oldest first, without their contents."""
        ...

    def take_over(
        self, answer_id: int, owner: str, now: datetime, lease_until: datetime, *, gone: str | None = None
    ) -> bool:
        """Become the sender of an owed answer that is free, as `PostingRepository.take_over`."""
        ...

    def save(self, answer: Answer) -> None:
        """Store status, owner, lease, attempts and error."""
        ...

    def remove(self, answer_id: int) -> None:
        """Forget an answer: delivered, or dropped."""
        ...


class DiscussionRepository(Protocol):
    def get(self, discussion_id: int) -> Discussion | None: ...

    def open_for_group(self, group_id: int) -> list[Discussion]: ...

    def latest_for_group(self, group_id: int) -> Discussion | None:
        """The group's most recently opened discussion, open or closed."""
        ...

    def by_thread(self, group_id: int, thread_id: str) -> Discussion | None: ...

    def for_posting(self, posting_id: int) -> Discussion | None: ...

    def expired(self, opened_before: datetime) -> list[Discussion]:
        """Open discussions opened before the given instant."""
        ...

    def recaps_due(self) -> list[Discussion]:
        """Closed discussions whose recap has not gone out."""
        ...

    def save(self, discussion: Discussion) -> None: ...

    def locate(self, group_id: int, message_id: str) -> Located | None:
        """The discussion and prompt of a posted message or a recorded reply of the group."""
        ...

    def open_messages(self) -> list[tuple[int, str, Located]]:
        """(group id, message id, where) of every posted message of the open discussions."""
        ...

    def add_replies(self, replies: Sequence[NewReply]) -> list[bool]:
        """Record replies in one go; per reply, False when its discussion is closed (nothing stored)."""
        ...

    def edit_reply(self, group_id: int, message_id: str, text: str, reanchor: Reanchor | None = None) -> bool:
        """Replace a reply's text, keeping the old one in its history; False if no such reply.

        `reanchor` gives the reply's paragraph after the edit (None: it keeps the one it has)."""
        ...

    def delete_reply(self, group_id: int, message_id: str) -> bool: ...

    def reply_stats(self, discussion_id: int) -> list[ReplyStat]:
        """The discussion's replies that are not deleted, oldest first."""
        ...

    def forget(self, author_key: str) -> int:
        """Remove every reply of the author; returns how many."""
        ...

    def set_opt_out(self, author_key: str, opted_out: bool, now: datetime) -> None: ...

    def opted_out(self) -> frozenset[str]: ...

    def archived(self, article_id: str, group_id: int | None = None) -> list[ArchivedDiscussion]:
        """The article's discussions (of one group, or all), replies oldest first."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the engine's repositories: `with uow: …; uow.commit()`.

    Leaving the block without `commit()` rolls everything back.
    """

    @property
    def groups(self) -> GroupRepository: ...

    @property
    def postings(self) -> PostingRepository: ...

    @property
    def discussions(self) -> DiscussionRepository: ...

    @property
    def answers(self) -> AnswerRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
