"""Postings in the database: one row per group and slot (the exactly-once claim), and queue progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, Integer, String, Text, UniqueConstraint, and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.services.domain import Discussion, Posting, PostingStatus
from storage.discussions import DiscussionMessageRow, new_discussion_row, to_discussion
from storage.groups import as_utc, to_db

if TYPE_CHECKING:
    from storage.answers import AnswerRow as LeasedRow

UNFINISHED = (PostingStatus.SENDING.value, PostingStatus.FAILED.value)


class PostingRow(SQLModel, table=True):
    """A group's post for one slot. The unique (group, slot) row is what makes a post happen once."""

    __tablename__ = "postings"
    __table_args__ = (UniqueConstraint("group_id", "slot", name="uq_postings_group_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="chat_groups.id")
    slot: str = Field(sa_type=String(40))
    local_date: date = Field(sa_type=Date)
    article_id: str | None = Field(default=None, sa_type=String(40))
    status: str = Field(sa_type=String(10), index=True)
    claimed_at: datetime = Field(sa_type=DateTime(timezone=True))
    owner: str = Field(sa_type=String(64))
    lease_until: datetime = Field(sa_type=DateTime(timezone=True))
    thread_id: str | None = Field(default=None, sa_type=String(64))
    attempts: int = Field(default=0, sa_type=Integer)
    error: str | None = Field(default=None, sa_type=Text)
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ProgressRow(SQLModel, table=True):
    """An article a group has had: posted or skipped. Each group gets each article once."""

    __tablename__ = "queue_progress"

    group_id: int = Field(foreign_key="chat_groups.id", primary_key=True)
    article_id: str = Field(sa_type=String(40), primary_key=True)
    outcome: str = Field(sa_type=String(10))  # posted | skipped
    at: datetime = Field(sa_type=DateTime(timezone=True))


class SqlPostingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _to_posting(self, row: PostingRow, *, with_sent: bool = True) -> Posting:
        assert row.id is not None
        sent: dict[int, list[str]] = {}
        if with_sent:
            messages = self.session.exec(
                select(DiscussionMessageRow)
                .where(DiscussionMessageRow.posting_id == row.id)
                .order_by(col(DiscussionMessageRow.step), col(DiscussionMessageRow.part))
            )
            for m in messages:
                sent.setdefault(m.step, []).append(m.message_id)
        return Posting(
            id=row.id,
            group_id=row.group_id,
            slot=row.slot,
            local_date=row.local_date,
            article_id=row.article_id,
            status=PostingStatus(row.status),
            claimed_at=as_utc(row.claimed_at),
            owner=row.owner,
            lease_until=as_utc(row.lease_until),
            thread_id=row.thread_id,
            attempts=row.attempts,
            error=row.error,
            finished_at=as_utc(row.finished_at) if row.finished_at is not None else None,
            sent={step: tuple(ids) for step, ids in sent.items()},
        )

    def claim(self, posting: Posting, discussion: Discussion) -> tuple[Posting, Discussion] | None:
        try:
            # A savepoint: a lost race undoes the claim alone, not the caller's transaction.
            with self.session.begin_nested():
                row = self._insert(posting)
                if posting.article_id is not None:
                    self.session.add(
                        ProgressRow(
                            group_id=posting.group_id,
                            article_id=posting.article_id,
                            outcome="posted",
                            at=to_db(posting.claimed_at),
                        )
                    )
                drow = new_discussion_row(discussion)
                drow.posting_id = row.id
                self.session.add(drow)
                self.session.flush()
        except IntegrityError:
            return None
        return self._to_posting(row, with_sent=False), to_discussion(drow)

    def claim_slot(self, posting: Posting) -> Posting | None:
        try:
            with self.session.begin_nested():
                row = self._insert(posting)
        except IntegrityError:
            return None
        return self._to_posting(row, with_sent=False)

    def _insert(self, posting: Posting) -> PostingRow:
        """Insert the posting's row (raises IntegrityError when its group and slot are taken)."""
        row = PostingRow(
            group_id=posting.group_id,
            slot=posting.slot,
            local_date=posting.local_date,
            article_id=posting.article_id,
            status=posting.status.value,
            claimed_at=to_db(posting.claimed_at),
            owner=posting.owner,
            lease_until=to_db(posting.lease_until),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def by_slot(self, group_id: int, slot: str) -> Posting | None:
        row = self.session.exec(
            select(PostingRow).where(PostingRow.group_id == group_id, PostingRow.slot == slot)
        ).first()
        return None if row is None else self._to_posting(row, with_sent=False)

    def record_missed(self, group_id: int, slot: str, local_date: date, now: datetime, reason: str) -> bool:
        try:
            with self.session.begin_nested():
                self.session.add(
                    PostingRow(
                        group_id=group_id,
                        slot=slot,
                        local_date=local_date,
                        status=PostingStatus.MISSED.value,
                        claimed_at=to_db(now),
                        owner="",
                        lease_until=to_db(now),
                        error=reason,
                        finished_at=to_db(now),
                    )
                )
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def get(self, posting_id: int) -> Posting | None:
        row = self.session.get(PostingRow, posting_id)
        return None if row is None else self._to_posting(row)

    def for_group(self, group_id: int) -> list[Posting]:
        rows = self.session.exec(
            select(PostingRow).where(PostingRow.group_id == group_id).order_by(col(PostingRow.id))
        )
        return [self._to_posting(r) for r in rows]

    def taken_slots(self, group_id: int, slots: Sequence[str]) -> set[str]:
        if not slots:
            return set()
        found = self.session.exec(
            select(PostingRow.slot).where(
                PostingRow.group_id == group_id, col(PostingRow.slot).in_(list(slots))
            )
        )
        return set(found.all())

    def take_over(
        self, posting_id: int, owner: str, now: datetime, lease_until: datetime, *, gone: str | None = None
    ) -> bool:
        return take_over_row(self.session, PostingRow, posting_id, owner, now, lease_until, gone=gone)

    def unfinished(self) -> list[Posting]:
        rows = self.session.exec(
            select(PostingRow).where(col(PostingRow.status).in_(UNFINISHED)).order_by(col(PostingRow.id))
        )
        return [self._to_posting(r, with_sent=False) for r in rows]

    def record_sent(
        self,
        posting: Posting,
        step: int,
        message_ids: Sequence[str],
        discussion_id: int,
        lease_until: datetime,
    ) -> None:
        for part, message_id in enumerate(message_ids):
            self.session.add(
                DiscussionMessageRow(
                    posting_id=posting.id,
                    discussion_id=discussion_id,
                    group_id=posting.group_id,
                    step=step,
                    part=part,
                    message_id=message_id,
                )
            )
        self.session.execute(
            update(PostingRow).where(col(PostingRow.id) == posting.id).values(lease_until=to_db(lease_until))
        )
        self.session.flush()

    def save(self, posting: Posting) -> None:
        row = self.session.get(PostingRow, posting.id)
        if row is None:
            raise LookupError(f"no posting {posting.id}")
        row.status = posting.status.value
        row.thread_id = posting.thread_id
        row.attempts = posting.attempts
        row.error = posting.error
        row.owner = posting.owner
        row.lease_until = to_db(posting.lease_until)
        row.finished_at = to_db(posting.finished_at) if posting.finished_at else None
        self.session.add(row)
        self.session.flush()

    def progress(self, group_id: int) -> set[str]:
        return set(
            self.session.exec(select(ProgressRow.article_id).where(ProgressRow.group_id == group_id)).all()
        )

    def progress_counts(self, article_ids: Sequence[str]) -> dict[int, int]:
        if not article_ids:
            return {}
        rows = self.session.execute(
            sa_select(col(ProgressRow.group_id), func.count())
            .where(col(ProgressRow.article_id).in_(list(article_ids)))
            .group_by(col(ProgressRow.group_id))
        )
        return {int(group_id): int(count) for group_id, count in rows}

    def last_posts(self) -> dict[int, tuple[str, datetime]]:
        posted = and_(col(PostingRow.article_id).is_not(None), col(PostingRow.status) == PostingStatus.DONE.value)
        latest = (
            sa_select(col(PostingRow.group_id), func.max(PostingRow.finished_at).label("at"))
            .where(posted)
            .group_by(col(PostingRow.group_id))
            .subquery()
        )
        rows = self.session.execute(
            sa_select(col(PostingRow.group_id), col(PostingRow.article_id), col(PostingRow.finished_at))
            .join(
                latest,
                and_(col(PostingRow.group_id) == latest.c.group_id, col(PostingRow.finished_at) == latest.c.at),
            )
            .where(posted)
        )
        return {int(gid): (str(aid), as_utc(at)) for gid, aid, at in rows}

    def skip_article(self, group_id: int, article_id: str, now: datetime) -> bool:
        try:
            with self.session.begin_nested():
                self.session.add(
                    ProgressRow(group_id=group_id, article_id=article_id, outcome="skipped", at=to_db(now))
                )
                self.session.flush()
        except IntegrityError:
            return False
        return True


def take_over_row(
    session: Session,
    table: type[PostingRow] | type[LeasedRow],
    row_id: int,
    owner: str,
    now: datetime,
    lease_until: datetime,
    *,
    gone: str | None = None,
) -> bool:
    """Become the sender of an unfinished row (a posting, an answer) whose lease has ended, or whose
    sender `gone` died while sending it. One conditional UPDATE: of two instances racing for the same
    row, one changes it."""
    free = col(table.lease_until) <= to_db(now)
    if gone is not None:
        abandoned = and_(col(table.status) == PostingStatus.SENDING.value, col(table.owner) == gone)
        free = or_(free, abandoned)
    result = session.execute(
        update(table)
        .where(col(table.id) == row_id, col(table.status).in_(UNFINISHED), free)
        .values(owner=owner, lease_until=to_db(lease_until), status=PostingStatus.SENDING.value)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
