"""In-memory implementations of the engine's ports, and a recording platform, for core tests.

The unit of work copies the state on entry and publishes the copy on commit, so an uncommitted
unit of work changes nothing — as a database transaction would.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Self

from adapters.console.format import ConsoleFormatter
from bot.archive.model import ArchivedDiscussion, ArchivedReply
from bot.model import Article
from bot.ports import DuplicateArticle, Reanchor
from bot.protocol import ChatRef, Member
from bot.render.document import Document
from bot.services.domain import (
    Answer,
    Discussion,
    Group,
    Located,
    NewReply,
    Posting,
    PostingStatus,
    ReplyStat,
    prompt_of_step,
)
from storage.leader import Leadership

UNFINISHED = (PostingStatus.SENDING, PostingStatus.FAILED)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class FakeArticles:
    def __init__(self, articles: Sequence[Article] = ()) -> None:
        self.articles = {a.id: a for a in articles}
        self.order = [a.id for a in articles]

    def add(self, article: Article, *, replace: bool = False) -> None:
        if article.id in self.articles and not replace:
            raise DuplicateArticle(article.id)
        if article.id in self.articles:
            self.articles[article.id] = article
            return
        self.articles[article.id] = article
        self.order.append(article.id)

    def queue_ids(self) -> list[str]:
        return list(self.order)

    def get(self, id: str) -> Article | None:
        return self.articles.get(id)

    def move(self, id: str, position: int) -> None:
        if id not in self.articles:
            raise LookupError(id)
        self.order.remove(id)
        self.order.insert(min(position, len(self.order) + 1) - 1, id)


@dataclass
class _Reply:
    id: int
    new: NewReply
    text: str
    history: list[str] = field(default_factory=list)
    deleted: bool = False
    paragraph: int | None = None


@dataclass
class MemoryState:
    groups: dict[int, Group] = field(default_factory=dict)
    postings: dict[int, Posting] = field(default_factory=dict)
    progress: dict[tuple[int, str], str] = field(default_factory=dict)
    discussions: dict[int, Discussion] = field(default_factory=dict)
    # (posting id, discussion id, group id, step, message id)
    messages: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    replies: dict[int, _Reply] = field(default_factory=dict)
    opt_outs: dict[str, datetime] = field(default_factory=dict)
    answers: dict[int, Answer] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, kind: str) -> int:
        self.ids[kind] = self.ids.get(kind, 0) + 1
        return self.ids[kind]


class MemoryGroups:
    def __init__(self, s: MemoryState) -> None:
        self.s = s

    def add(self, group: Group) -> Group:
        if self.by_chat(group.platform, group.chat_id, group.thread_id) is not None:
            raise ValueError("duplicate chat")
        stored = replace(group, id=self.s.next_id("group"), personas=dict(group.personas))
        self.s.groups[stored.id] = stored
        return copy.deepcopy(stored)

    def get(self, group_id: int) -> Group | None:
        return copy.deepcopy(self.s.groups.get(group_id))

    def by_chat(self, platform: str, chat_id: str, thread_id: str | None) -> Group | None:
        for g in self.s.groups.values():
            if (g.platform, g.chat_id, g.thread_id) == (platform, chat_id, thread_id):
                return copy.deepcopy(g)
        return None

    def list(self) -> list[Group]:
        return [copy.deepcopy(g) for _, g in sorted(self.s.groups.items())]

    def save(self, group: Group) -> None:
        self.s.groups[group.id] = copy.deepcopy(group)


def _take_over(
    item: Posting | Answer | None, owner: str, now: datetime, lease_until: datetime, gone: str | None
) -> bool:
    """As `storage.postings.take_over_row`: an unfinished item whose lease ended, or whose sender died."""
    if item is None or item.status not in UNFINISHED:
        return False
    abandoned = gone is not None and item.status is PostingStatus.SENDING and item.owner == gone
    if item.lease_until > now and not abandoned:
        return False
    item.owner, item.lease_until, item.status = owner, lease_until, PostingStatus.SENDING
    return True


class MemoryPostings:
    def __init__(self, s: MemoryState) -> None:
        self.s = s

    def claim(self, posting: Posting, discussion: Discussion) -> tuple[Posting, Discussion] | None:
        if any(p.group_id == posting.group_id and p.slot == posting.slot for p in self.s.postings.values()):
            return None
        if posting.article_id is not None and (posting.group_id, posting.article_id) in self.s.progress:
            return None
        if any(
            d.group_id == discussion.group_id and d.article_id == discussion.article_id
            for d in self.s.discussions.values()
        ):
            return None
        p = replace(posting, id=self.s.next_id("posting"), sent={})
        self.s.postings[p.id] = p
        if p.article_id is not None:
            self.s.progress[(p.group_id, p.article_id)] = "posted"
        d = replace(discussion, id=self.s.next_id("discussion"), posting_id=p.id)
        self.s.discussions[d.id] = d
        return copy.deepcopy(p), copy.deepcopy(d)

    def claim_slot(self, posting: Posting) -> Posting | None:
        if posting.slot in self.taken_slots(posting.group_id, [posting.slot]):
            return None
        p = replace(posting, id=self.s.next_id("posting"), sent={})
        self.s.postings[p.id] = p
        return copy.deepcopy(p)

    def by_slot(self, group_id: int, slot: str) -> Posting | None:
        found = [p for p in self.s.postings.values() if p.group_id == group_id and p.slot == slot]
        return copy.deepcopy(found[0]) if found else None

    def record_missed(self, group_id: int, slot: str, local_date: date, now: datetime, reason: str) -> bool:
        if slot in self.taken_slots(group_id, [slot]):
            return False
        pid = self.s.next_id("posting")
        self.s.postings[pid] = Posting(
            pid,
            group_id,
            slot,
            local_date,
            None,
            PostingStatus.MISSED,
            now,
            "",
            now,
            error=reason,
            finished_at=now,
        )
        return True

    def get(self, posting_id: int) -> Posting | None:
        return copy.deepcopy(self.s.postings.get(posting_id))

    def for_group(self, group_id: int) -> list[Posting]:
        return [copy.deepcopy(p) for _, p in sorted(self.s.postings.items()) if p.group_id == group_id]

    def taken_slots(self, group_id: int, slots: Sequence[str]) -> set[str]:
        return {p.slot for p in self.s.postings.values() if p.group_id == group_id and p.slot in slots}

    def take_over(
        self, posting_id: int, owner: str, now: datetime, lease_until: datetime, *, gone: str | None = None
    ) -> bool:
        return _take_over(self.s.postings.get(posting_id), owner, now, lease_until, gone)

    def unfinished(self) -> list[Posting]:
        return [copy.deepcopy(p) for _, p in sorted(self.s.postings.items()) if p.status in UNFINISHED]

    def record_sent(
        self,
        posting: Posting,
        step: int,
        message_ids: Sequence[str],
        discussion_id: int,
        lease_until: datetime,
    ) -> None:
        stored = self.s.postings[posting.id]
        stored.sent[step] = tuple(message_ids)
        stored.lease_until = lease_until
        for message_id in message_ids:
            self.s.messages.append((posting.id, discussion_id, posting.group_id, step, message_id))

    def save(self, posting: Posting) -> None:
        stored = self.s.postings[posting.id]
        sent = stored.sent
        self.s.postings[posting.id] = replace(copy.deepcopy(posting), sent=sent)

    def progress(self, group_id: int) -> set[str]:
        return {aid for (gid, aid) in self.s.progress if gid == group_id}

    def progress_counts(self, article_ids: Sequence[str]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for gid, aid in self.s.progress:
            if aid in article_ids:
                counts[gid] = counts.get(gid, 0) + 1
        return counts

    def last_posts(self) -> dict[int, tuple[str, datetime]]:
        latest: dict[int, tuple[str, datetime]] = {}
        for p in self.s.postings.values():
            if p.article_id is not None and p.status is PostingStatus.DONE and p.finished_at is not None:
                if p.group_id not in latest or p.finished_at > latest[p.group_id][1]:
                    latest[p.group_id] = (p.article_id, p.finished_at)
        return latest

    def skip_article(self, group_id: int, article_id: str, now: datetime) -> bool:
        if (group_id, article_id) in self.s.progress:
            return False
        self.s.progress[(group_id, article_id)] = "skipped"
        return True


class MemoryDiscussions:
    def __init__(self, s: MemoryState) -> None:
        self.s = s

    def _all(self) -> list[Discussion]:
        return [copy.deepcopy(d) for _, d in sorted(self.s.discussions.items())]

    def get(self, discussion_id: int) -> Discussion | None:
        return copy.deepcopy(self.s.discussions.get(discussion_id))

    def open_for_group(self, group_id: int) -> list[Discussion]:
        return [d for d in self._all() if d.group_id == group_id and d.is_open]

    def latest_for_group(self, group_id: int) -> Discussion | None:
        mine = [d for d in self._all() if d.group_id == group_id]
        return max(mine, key=lambda d: (d.opened_at, d.id)) if mine else None

    def by_thread(self, group_id: int, thread_id: str) -> Discussion | None:
        mine = [d for d in self._all() if d.group_id == group_id and d.thread_id == thread_id]
        return mine[-1] if mine else None

    def for_posting(self, posting_id: int) -> Discussion | None:
        return next((d for d in self._all() if d.posting_id == posting_id), None)

    def expired(self, opened_before: datetime) -> list[Discussion]:
        return [d for d in self._all() if d.is_open and d.opened_at < opened_before]

    def recaps_due(self) -> list[Discussion]:
        return [d for d in self._all() if not d.is_open and not d.recap_sent]

    def save(self, discussion: Discussion) -> None:
        self.s.discussions[discussion.id] = copy.deepcopy(discussion)

    def locate(self, group_id: int, message_id: str) -> Located | None:
        for _, discussion_id, gid, step, mid in reversed(self.s.messages):
            if gid == group_id and mid == message_id:
                return Located(discussion_id, prompt_of_step(step))
        for r in sorted(self.s.replies.values(), key=lambda r: -r.id):
            if r.new.group_id == group_id and r.new.message_id == message_id:
                return Located(r.new.discussion_id, r.new.prompt)
        return None

    def open_messages(self) -> list[tuple[int, str, Located]]:
        return [
            (gid, mid, Located(did, prompt_of_step(step)))
            for _, did, gid, step, mid in self.s.messages
            if self.s.discussions[did].is_open
        ]

    def add_replies(self, replies: Sequence[NewReply]) -> list[bool]:
        out = []
        for new in replies:
            d = self.s.discussions.get(new.discussion_id)
            if d is None or not d.is_open:
                out.append(False)
                continue
            duplicate = any(
                r.new.discussion_id == new.discussion_id and r.new.message_id == new.message_id
                for r in self.s.replies.values()
            )
            if not duplicate:
                rid = self.s.next_id("reply")
                self.s.replies[rid] = _Reply(rid, new, new.text, paragraph=new.paragraph)
            out.append(True)
        return out

    def _reply(self, group_id: int, message_id: str) -> _Reply | None:
        found = [
            r
            for r in self.s.replies.values()
            if r.new.group_id == group_id and r.new.message_id == message_id
        ]
        return max(found, key=lambda r: r.id) if found else None

    def edit_reply(self, group_id: int, message_id: str, text: str, reanchor: Reanchor | None = None) -> bool:
        r = self._reply(group_id, message_id)
        if r is None or r.text == text:
            return False
        if reanchor is not None:
            r.paragraph = reanchor(r.text, r.paragraph)
        r.history.append(r.text)
        r.text = text
        return True

    def delete_reply(self, group_id: int, message_id: str) -> bool:
        r = self._reply(group_id, message_id)
        if r is None or r.deleted:
            return False
        r.deleted = True
        return True

    def reply_stats(self, discussion_id: int) -> list[ReplyStat]:
        return [
            ReplyStat(
                r.new.author_key,
                r.new.author_name,
                r.new.prompt,
                r.paragraph,
                r.new.message_id,
                r.new.reply_to,
                r.text,
                r.id,
            )
            for _, r in sorted(self.s.replies.items())
            if r.new.discussion_id == discussion_id and not r.deleted
        ]

    def forget(self, author_key: str) -> int:
        gone = [rid for rid, r in self.s.replies.items() if r.new.author_key == author_key]
        for rid in gone:
            del self.s.replies[rid]
        return len(gone)

    def set_opt_out(self, author_key: str, opted_out: bool, now: datetime) -> None:
        if opted_out:
            self.s.opt_outs.setdefault(author_key, now)
        else:
            self.s.opt_outs.pop(author_key, None)

    def opted_out(self) -> frozenset[str]:
        return frozenset(self.s.opt_outs)

    def archived(self, article_id: str, group_id: int | None = None) -> list[ArchivedDiscussion]:
        out = []
        for d in self._all():
            if d.article_id != article_id or (group_id is not None and d.group_id != group_id):
                continue
            g = self.s.groups[d.group_id]
            replies = tuple(
                ArchivedReply(
                    id=r.id,
                    author_key=r.new.author_key,
                    author_name=r.new.author_name,
                    text=r.text,
                    at=r.new.at,
                    prompt=r.new.prompt,
                    message_id=r.new.message_id,
                    reply_to_message_id=r.new.reply_to,
                    history=tuple(r.history),
                    deleted=r.deleted,
                    paragraph=r.paragraph,
                )
                for r in sorted(self.s.replies.values(), key=lambda r: (r.new.at, r.id))
                if r.new.discussion_id == d.id
            )
            out.append(ArchivedDiscussion(g.key, g.title, g.platform, d.opened_at, d.closed_at, replies))
        return out


class MemoryAnswers:
    # Ids of their own: an answer delivered leaves the state as it found it (its row removed).
    _ids = itertools.count(1)

    def __init__(self, s: MemoryState) -> None:
        self.s = s

    def add(self, answer: Answer) -> Answer:
        answer.id = next(self._ids)
        self.s.answers[answer.id] = copy.deepcopy(answer)
        return answer

    def get(self, answer_id: int) -> Answer | None:
        return copy.deepcopy(self.s.answers.get(answer_id))

    def owed(self, platforms: Sequence[str]) -> list[Answer]:
        return [
            replace(copy.deepcopy(a), doc=None, file=None, author=None)
            for _, a in sorted(self.s.answers.items())
            if a.chat.platform in platforms and a.status in UNFINISHED
        ]

    def take_over(
        self, answer_id: int, owner: str, now: datetime, lease_until: datetime, *, gone: str | None = None
    ) -> bool:
        return _take_over(self.s.answers.get(answer_id), owner, now, lease_until, gone)

    def save(self, answer: Answer) -> None:
        stored = self.s.answers.get(answer.id)
        if stored is not None:
            self.s.answers[answer.id] = replace(
                stored,
                status=answer.status,
                owner=answer.owner,
                lease_until=answer.lease_until,
                attempts=answer.attempts,
                error=answer.error,
            )

    def remove(self, answer_id: int) -> None:
        self.s.answers.pop(answer_id, None)


class MemoryStore:
    def __init__(self) -> None:
        self.state = MemoryState()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork:
    groups: MemoryGroups
    postings: MemoryPostings
    discussions: MemoryDiscussions
    answers: MemoryAnswers

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def __enter__(self) -> Self:
        self.work = copy.deepcopy(self.store.state)
        self.groups = MemoryGroups(self.work)
        self.postings = MemoryPostings(self.work)
        self.discussions = MemoryDiscussions(self.work)
        self.answers = MemoryAnswers(self.work)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.work = MemoryState()

    def commit(self) -> None:
        self.store.state = copy.deepcopy(self.work)


class Crash(BaseException):
    """The process dies mid-posting (not an error the engine may catch)."""


@dataclass
class Sent:
    chat: ChatRef
    doc: Document
    ids: list[str]
    reply_to: str | None = None


class RecordingPlatform:
    """A platform that records what it is asked to send; failures are scripted per call."""

    def __init__(
        self, name: str = "fake", *, admins: Sequence[str] = ("admin",), threads: bool = False
    ) -> None:
        self.name = name
        self.formatter = ConsoleFormatter()
        self.admins = set(admins)
        self.threads = threads
        self.sent: list[Sent] = []
        self.files: list[tuple[ChatRef, str, bytes, str]] = []
        self.opened: list[tuple[ChatRef, str, str | None]] = []
        self.failures: list[BaseException | None] = []  # popped per send or file: None succeeds
        self._ids = itertools.count(1000)
        self.admin_checks = 0

    def _next(self) -> str:
        return str(next(self._ids))

    def _fail_if_scripted(self) -> None:
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        self._fail_if_scripted()
        ids = [self._next()]
        self.sent.append(Sent(chat, doc, ids, reply_to))
        return ids

    async def edit(self, chat: ChatRef, message_id: str, doc: Document) -> None:
        self.sent.append(Sent(chat, doc, [message_id]))

    async def open_thread(self, chat: ChatRef, title: str, from_message: str | None) -> ChatRef | None:
        if not self.threads:
            return None
        thread = ChatRef(chat.platform, chat.chat_id, f"t{self._next()}")
        self.opened.append((thread, title, from_message))
        return thread

    async def send_file(self, chat: ChatRef, filename: str, data: bytes, caption: str) -> str:
        self._fail_if_scripted()
        self.files.append((chat, filename, data, caption))
        return self._next()

    async def is_admin(self, chat: ChatRef, member: Member) -> bool:
        self.admin_checks += 1
        return member.id in self.admins

    def texts(self) -> list[str]:
        return [s.doc.plain for s in self.sent]


class MemoryPrivateChats:
    """`PrivateChatBook` in memory."""

    def __init__(self) -> None:
        self.members: set[tuple[str, str]] = set()

    def open(self, platform: str, member_id: str, at: datetime) -> None:
        self.members.add((platform, member_id))

    def close(self, platform: str, member_id: str) -> None:
        self.members.discard((platform, member_id))

    def opened(self, platform: str, member_ids: Sequence[str]) -> set[str]:
        return {m for m in member_ids if (platform, m) in self.members}


class PrivatePlatform(RecordingPlatform):
    """A platform where the bot may write privately to the members who opened a chat with it
    (`PrivateChats`, as on Telegram); what it sent privately is kept per member id."""

    def __init__(
        self, name: str = "fake", *, admins: Sequence[str] = ("admin",), opened: Sequence[str] = ()
    ) -> None:
        super().__init__(name, admins=admins)
        self.opened_chats = set(opened)
        self.privately: list[tuple[str, Document]] = []

    async def chat_admins(self, chat: ChatRef) -> list[Member]:
        return [Member(a, a.title()) for a in sorted(self.admins)]

    async def send_privately(self, member: Member, doc: Document) -> bool:
        if member.id not in self.opened_chats:
            return False
        self._fail_if_scripted()
        self.privately.append((member.id, doc))
        return True


class SignallingPlatform(RecordingPlatform):
    """A recording platform that sets `signal` on every send, so a test can wait for what it sends."""

    def __init__(self, name: str, signal: asyncio.Event) -> None:
        super().__init__(name)
        self.signal = signal

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        ids = await super().send(chat, doc, reply_to=reply_to)
        self.signal.set()
        return ids

    def headlines(self, chat_id: str | None = None) -> list[str]:
        """The first lines of the briefs sent (into `chat_id` only, when given)."""
        return [
            s.doc.plain.splitlines()[0]
            for s in self.sent
            if s.doc.plain.startswith("Headline of") and (chat_id is None or s.chat.chat_id == chat_id)
        ]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


class MemoryLocks:
    """Advisory locks in memory, as PostgreSQL grants them to instances: one holder per scope."""

    def __init__(self) -> None:
        self.held: dict[str, str] = {}
        self.freed = asyncio.Event()

    def leadership(self, scope: str, instance: str) -> LockLeadership:
        return LockLeadership(self, scope, instance)


class LockLeadership(Leadership):
    """An instance's leadership of one scope (a platform) through `MemoryLocks`; `die()` frees it as a
    killed process's session would."""

    def __init__(self, locks: MemoryLocks, scope: str, instance: str) -> None:
        super().__init__()
        self.locks, self.scope, self.instance = locks, scope, instance

    async def wait_until_leader(self) -> None:
        while self.locks.held.setdefault(self.scope, self.instance) != self.instance:
            self.locks.freed.clear()
            await self.locks.freed.wait()
        self._won()

    async def release(self) -> None:
        self.die()

    def die(self) -> None:
        if self.locks.held.get(self.scope) == self.instance:
            del self.locks.held[self.scope]
            self.locks.freed.set()
        self._lose()
