"""Discussions, the messages that opened them, replies and opt-outs in the database; the archive reader."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
)
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, col, select

from bot.archive.model import Archive, ArchivedDiscussion, ArchivedReply
from bot.ports import Reanchor
from bot.protocol import ChatRef
from bot.services.domain import Discussion, Located, NewReply, ReplyStat, prompt_of_step
from storage.groups import GroupRow, as_utc, to_db


class DiscussionRow(SQLModel, table=True):
    """One article discussed in one group."""

    __tablename__ = "discussions"
    __table_args__ = (
        UniqueConstraint("article_id", "group_id", name="uq_discussions_article_group"),
        Index("ix_discussions_group_thread", "group_id", "thread_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: str = Field(sa_type=String(40), index=True)
    group_id: int = Field(foreign_key="chat_groups.id", index=True)
    posting_id: int | None = Field(default=None)
    opened_at: datetime = Field(sa_type=DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), index=True)
    recap_sent: bool = Field(default=False, sa_type=Boolean)
    thread_id: str | None = Field(default=None, sa_type=String(64))
    synthesis: str | None = Field(default=None, sa_type=Text)
    synthesis_approved: bool = Field(default=False, sa_type=Boolean)


class DiscussionMessageRow(SQLModel, table=True):
    """A message the bot posted to open a discussion: step 0 the brief, step n prompt n - 1."""

    __tablename__ = "discussion_messages"
    __table_args__ = (Index("ix_discussion_messages_group_message", "group_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(foreign_key="postings.id", index=True)
    discussion_id: int = Field(foreign_key="discussions.id")
    group_id: int = Field(sa_type=Integer)
    step: int = Field(sa_type=Integer)
    part: int = Field(sa_type=Integer)  # a step split into several messages: their order
    message_id: str = Field(sa_type=String(64))


class ReplyRow(SQLModel, table=True):
    """One member message recorded in a discussion. `history`: JSON list of earlier texts."""

    __tablename__ = "replies"
    __table_args__ = (
        UniqueConstraint("discussion_id", "message_id", name="uq_replies_discussion_message"),
        Index("ix_replies_group_message", "group_id", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id")
    group_id: int = Field(sa_type=Integer)
    author_key: str = Field(sa_type=String(100), index=True)
    author_name: str = Field(sa_type=Text)
    text: str = Field(sa_type=Text)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    prompt: int | None = Field(default=None, sa_type=Integer)
    message_id: str = Field(sa_type=String(64))
    reply_to: str | None = Field(default=None, sa_type=String(64))
    history: str | None = Field(default=None, sa_type=Text)
    deleted: bool = Field(default=False, sa_type=Boolean)
    paragraph: int | None = Field(default=None, sa_type=Integer)  # the ¶N it is anchored to


class OptOutRow(SQLModel, table=True):
    """A member who asked to be left out of exports and the archive page."""

    __tablename__ = "opt_outs"

    author_key: str = Field(sa_type=String(100), primary_key=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))


def to_discussion(row: DiscussionRow) -> Discussion:
    assert row.id is not None
    return Discussion(
        id=row.id,
        article_id=row.article_id,
        group_id=row.group_id,
        posting_id=row.posting_id,
        opened_at=as_utc(row.opened_at),
        closed_at=as_utc(row.closed_at) if row.closed_at is not None else None,
        recap_sent=row.recap_sent,
        thread_id=row.thread_id,
        synthesis=row.synthesis,
        synthesis_approved=row.synthesis_approved,
    )


def new_discussion_row(discussion: Discussion) -> DiscussionRow:
    return DiscussionRow(
        article_id=discussion.article_id,
        group_id=discussion.group_id,
        posting_id=discussion.posting_id,
        opened_at=to_db(discussion.opened_at),
        closed_at=to_db(discussion.closed_at) if discussion.closed_at else None,
        recap_sent=discussion.recap_sent,
        thread_id=discussion.thread_id,
        synthesis=discussion.synthesis,
        synthesis_approved=discussion.synthesis_approved,
    )


class SqlDiscussionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, discussion_id: int) -> Discussion | None:
        row = self.session.get(DiscussionRow, discussion_id)
        return None if row is None else to_discussion(row)

    def open_for_group(self, group_id: int) -> list[Discussion]:
        rows = self.session.exec(
            select(DiscussionRow).where(
                DiscussionRow.group_id == group_id, col(DiscussionRow.closed_at).is_(None)
            )
        )
        return [to_discussion(r) for r in rows]

    def latest_for_group(self, group_id: int) -> Discussion | None:
        row = self.session.exec(
            select(DiscussionRow)
            .where(DiscussionRow.group_id == group_id)
            .order_by(col(DiscussionRow.opened_at).desc(), col(DiscussionRow.id).desc())
        ).first()
        return None if row is None else to_discussion(row)

    def by_thread(self, group_id: int, thread_id: str) -> Discussion | None:
        row = self.session.exec(
            select(DiscussionRow)
            .where(DiscussionRow.group_id == group_id, DiscussionRow.thread_id == thread_id)
            .order_by(col(DiscussionRow.id).desc())
        ).first()
        return None if row is None else to_discussion(row)

    def for_posting(self, posting_id: int) -> Discussion | None:
        row = self.session.exec(select(DiscussionRow).where(DiscussionRow.posting_id == posting_id)).first()
        return None if row is None else to_discussion(row)

    def expired(self, opened_before: datetime) -> list[Discussion]:
        rows = self.session.exec(
            select(DiscussionRow).where(
                col(DiscussionRow.closed_at).is_(None), col(DiscussionRow.opened_at) < to_db(opened_before)
            )
        )
        return [to_discussion(r) for r in rows]

    def recaps_due(self) -> list[Discussion]:
        rows = self.session.exec(
            select(DiscussionRow).where(
                col(DiscussionRow.closed_at).is_not(None), col(DiscussionRow.recap_sent).is_(False)
            )
        )
        return [to_discussion(r) for r in rows]

    def save(self, discussion: Discussion) -> None:
        row = self.session.get(DiscussionRow, discussion.id)
        if row is None:
            raise LookupError(f"no discussion {discussion.id}")
        row.closed_at = to_db(discussion.closed_at) if discussion.closed_at else None
        row.recap_sent = discussion.recap_sent
        row.thread_id = discussion.thread_id
        row.synthesis = discussion.synthesis
        row.synthesis_approved = discussion.synthesis_approved
        self.session.add(row)
        self.session.flush()

    def locate(self, group_id: int, message_id: str) -> Located | None:
        posted = self.session.execute(
            sa_select(col(DiscussionMessageRow.discussion_id), col(DiscussionMessageRow.step))
            .where(
                col(DiscussionMessageRow.group_id) == group_id,
                col(DiscussionMessageRow.message_id) == message_id,
            )
            .order_by(col(DiscussionMessageRow.id).desc())
        ).first()
        if posted is not None:
            return Located(posted[0], prompt_of_step(posted[1]))
        replied = self.session.execute(
            sa_select(col(ReplyRow.discussion_id), col(ReplyRow.prompt))
            .where(col(ReplyRow.group_id) == group_id, col(ReplyRow.message_id) == message_id)
            .order_by(col(ReplyRow.id).desc())
        ).first()
        return None if replied is None else Located(replied[0], replied[1])

    def open_messages(self) -> list[tuple[int, str, Located]]:
        rows = self.session.execute(
            sa_select(
                col(DiscussionMessageRow.group_id),
                col(DiscussionMessageRow.message_id),
                col(DiscussionMessageRow.discussion_id),
                col(DiscussionMessageRow.step),
            ).where(
                col(DiscussionMessageRow.discussion_id) == col(DiscussionRow.id),
                col(DiscussionRow.closed_at).is_(None),
            )
        ).all()
        return [(gid, mid, Located(did, prompt_of_step(step))) for gid, mid, did, step in rows]

    def add_replies(self, replies: Sequence[NewReply]) -> list[bool]:
        wanted = {r.discussion_id for r in replies}
        open_ids = set(
            self.session.execute(
                sa_select(col(DiscussionRow.id)).where(
                    col(DiscussionRow.id).in_(wanted), col(DiscussionRow.closed_at).is_(None)
                )
            ).scalars()
        )
        stored = [r for r in replies if r.discussion_id in open_ids]
        if stored:
            _insert_replies(self.session, stored)
        return [r.discussion_id in open_ids for r in replies]

    def _reply(self, group_id: int, message_id: str) -> ReplyRow | None:
        return self.session.exec(
            select(ReplyRow)
            .where(ReplyRow.group_id == group_id, ReplyRow.message_id == message_id)
            .order_by(col(ReplyRow.id).desc())
        ).first()

    def edit_reply(self, group_id: int, message_id: str, text: str, reanchor: Reanchor | None = None) -> bool:
        """Replace a reply's text, keeping the earlier one in its history; `reanchor` gives its paragraph
        from (earlier text, earlier paragraph)."""
        row = self._reply(group_id, message_id)
        if row is None or row.text == text:
            return False
        if reanchor is not None:
            row.paragraph = reanchor(row.text, row.paragraph)
        history = json.loads(row.history) if row.history else []
        history.append(row.text)
        row.history = json.dumps(history, ensure_ascii=False)
        row.text = text
        self.session.add(row)
        self.session.flush()
        return True

    def delete_reply(self, group_id: int, message_id: str) -> bool:
        row = self._reply(group_id, message_id)
        if row is None or row.deleted:
            return False
        row.deleted = True
        self.session.add(row)
        self.session.flush()
        return True

    def reply_stats(self, discussion_id: int) -> list[ReplyStat]:
        rows = self.session.execute(
            sa_select(
                col(ReplyRow.author_key),
                col(ReplyRow.author_name),
                col(ReplyRow.prompt),
                col(ReplyRow.paragraph),
                col(ReplyRow.message_id),
                col(ReplyRow.reply_to),
                col(ReplyRow.text),
                col(ReplyRow.id),
            )
            .where(col(ReplyRow.discussion_id) == discussion_id, col(ReplyRow.deleted).is_(False))
            .order_by(col(ReplyRow.at), col(ReplyRow.id))
        ).all()
        return [ReplyStat(*row) for row in rows]

    def forget(self, author_key: str) -> int:
        result = self.session.execute(delete(ReplyRow).where(col(ReplyRow.author_key) == author_key))
        return int(getattr(result, "rowcount", 0) or 0)

    def set_opt_out(self, author_key: str, opted_out: bool, now: datetime) -> None:
        row = self.session.get(OptOutRow, author_key)
        if opted_out and row is None:
            self.session.add(OptOutRow(author_key=author_key, at=to_db(now)))
        elif not opted_out and row is not None:
            self.session.delete(row)
        self.session.flush()

    def opted_out(self) -> frozenset[str]:
        return frozenset(self.session.exec(select(OptOutRow.author_key)).all())

    def archived(self, article_id: str, group_id: int | None = None) -> list[ArchivedDiscussion]:
        query = (
            select(DiscussionRow, GroupRow)
            .where(DiscussionRow.article_id == article_id, DiscussionRow.group_id == GroupRow.id)
            .order_by(col(DiscussionRow.opened_at), col(DiscussionRow.id))
        )
        if group_id is not None:
            query = query.where(DiscussionRow.group_id == group_id)
        pairs = list(self.session.exec(query))
        replies: dict[int, list[ArchivedReply]] = defaultdict(list)
        if pairs:
            rows = self.session.exec(
                select(ReplyRow)
                .where(col(ReplyRow.discussion_id).in_([d.id for d, _ in pairs]))
                .order_by(col(ReplyRow.at), col(ReplyRow.id))
            )
            for r in rows:
                assert r.id is not None
                replies[r.discussion_id].append(
                    ArchivedReply(
                        id=r.id,
                        author_key=r.author_key,
                        author_name=r.author_name,
                        text=r.text,
                        at=as_utc(r.at),
                        prompt=r.prompt,
                        message_id=r.message_id,
                        reply_to_message_id=r.reply_to,
                        history=tuple(json.loads(r.history)) if r.history else (),
                        deleted=r.deleted,
                        paragraph=r.paragraph,
                    )
                )
        return [
            ArchivedDiscussion(
                group_key=ChatRef(g.platform, g.chat_id, g.thread_id or None).key,
                group_title=g.title,
                platform=g.platform,
                opened_at=as_utc(d.opened_at),
                closed_at=as_utc(d.closed_at) if d.closed_at is not None else None,
                replies=tuple(replies[d.id or 0]),
            )
            for d, g in pairs
        ]


_REPLY_COLUMNS = "discussion_id, group_id, author_key, author_name, text, at, prompt, message_id, reply_to, deleted, paragraph"
_SQLITE_TIME = (
    "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite, so reads and comparisons agree
)
# Per dialect: the driver's parameter mark, and how it takes a moment.
_DRIVER_STYLE: dict[str, tuple[str, Callable[[datetime], object]]] = {
    "sqlite": ("?", lambda at: to_db(at).strftime(_SQLITE_TIME)),
    "postgresql": ("%s", to_db),
}


def _insert_replies(session: Session, replies: Sequence[NewReply]) -> None:
    """Insert a batch of replies with one executemany of the driver, skipping ones stored already.

    This is the engine's hot path (every member reply), so it bypasses the ORM's per-row parameter
    processing; a message delivered twice (a retried webhook) is stored once.
    """
    conn = session.connection()
    style = _DRIVER_STYLE.get(conn.dialect.name)
    if style is None:
        raise NotImplementedError(f"replies are stored in PostgreSQL or SQLite, not {conn.dialect.name}")
    mark, moment = style
    marks = ", ".join([mark] * len(_REPLY_COLUMNS.split(",")))
    sql = (
        f"INSERT INTO replies ({_REPLY_COLUMNS}) VALUES ({marks}) "
        "ON CONFLICT (discussion_id, message_id) DO NOTHING"
    )
    rows: list[tuple[Any, ...]] = [
        (
            r.discussion_id,
            r.group_id,
            r.author_key,
            r.author_name,
            r.text,
            moment(r.at),
            r.prompt,
            r.message_id,
            r.reply_to,
            False,
            r.paragraph,
        )
        for r in replies
    ]
    conn.exec_driver_sql(sql, rows)


def load_archive(engine: Engine, article_id: str, *, group_key: str | None = None) -> Archive | None:
    """The archive of an article (of the group with `group_key`, or of every group); None if unknown.

    A group key no group has gives the article with no discussions.
    """
    from storage.articles import ArticleStore
    from storage.unit_of_work import SqlUnitOfWork

    article = ArticleStore(engine).get(article_id)
    if article is None:
        return None
    with SqlUnitOfWork(engine) as uow:
        group_id: int | None = None
        if group_key is not None:
            group = next((g for g in uow.groups.list() if g.key == group_key), None)
            if group is None:
                return Archive(article=article, discussions=())
            group_id = group.id
        discussions = uow.discussions.archived(article_id, group_id)
        hidden = uow.discussions.opted_out()
    return Archive(article=article, discussions=tuple(discussions), opted_out=hidden)


def highest_message_number(engine: Engine, platform: str) -> int:
    """The highest numeric message id stored for the platform's groups (0 if none).

    The console numbers its messages 1, 2, 3 …; a demo that reopens its database continues after
    the numbers already stored, so replies never point at a message of an earlier run.
    """
    with Session(engine) as session:
        group_ids = list(session.exec(select(GroupRow.id).where(GroupRow.platform == platform)).all())
        if not group_ids:
            return 0
        posted = session.exec(
            select(DiscussionMessageRow.message_id).where(col(DiscussionMessageRow.group_id).in_(group_ids))
        ).all()
        replied = session.exec(select(ReplyRow.message_id).where(col(ReplyRow.group_id).in_(group_ids))).all()
    return max((int(m) for m in [*posted, *replied] if m.isdigit()), default=0)
