"""The answer outbox in the database: what the bot owes people, one row each until it is delivered.

A row is written before the answer is sent and removed once the platform took it (or once it is too
old to be worth sending); a row left behind by a process that died is taken over by another one, or
by the next run, with the same lease and conditional UPDATE as postings (`take_over_row`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, LargeBinary, String, Text, delete
from sqlalchemy.orm import defer
from sqlmodel import Field, Session, SQLModel, col, select

from bot.protocol import ChatRef, Member
from bot.render.codec import document_from_json, document_to_json
from bot.services.domain import Answer, AnswerFile, PostingStatus
from storage.groups import as_utc, to_db
from storage.postings import UNFINISHED, take_over_row


class AnswerRow(SQLModel, table=True):
    """One answer owed: where it goes, what it is (a document as JSON, or a file), and its lease."""

    __tablename__ = "answers"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(20), index=True)
    chat_id: str = Field(sa_type=String(64))
    thread_id: str | None = Field(default=None, sa_type=String(64))
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    status: str = Field(sa_type=String(10))
    owner: str = Field(sa_type=String(64))
    lease_until: datetime = Field(sa_type=DateTime(timezone=True))
    attempts: int = Field(default=0, sa_type=Integer)
    error: str | None = Field(default=None, sa_type=Text)
    private: bool = Field(default=False, sa_type=Boolean)
    replace: bool = Field(default=False, sa_type=Boolean)
    reply_to: str | None = Field(default=None, sa_type=String(64))
    author: str | None = Field(default=None, sa_type=Text)  # JSON: the member who asked
    handle: str | None = Field(default=None, sa_type=Text)  # the adapter's, to answer late; may be secret
    document: str | None = Field(default=None, sa_type=Text)  # JSON (bot.render.codec)
    filename: str | None = Field(default=None, sa_type=String(255))
    caption: str | None = Field(default=None, sa_type=Text)
    data: bytes | None = Field(default=None, sa_type=LargeBinary)


def _member_json(member: Member | None) -> str | None:
    if member is None:
        return None
    return json.dumps(
        [member.id, member.display_name, member.is_bot, member.anonymous_admin], ensure_ascii=False
    )


def _member(text: str | None) -> Member | None:
    if text is None:
        return None
    member_id, name, is_bot, anonymous = json.loads(text)
    return Member(member_id, name, is_bot, anonymous)


class SqlAnswerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, answer: Answer) -> Answer:
        row = AnswerRow(
            platform=answer.chat.platform,
            chat_id=answer.chat.chat_id,
            thread_id=answer.chat.thread_id,
            created_at=to_db(answer.created_at),
            status=answer.status.value,
            owner=answer.owner,
            lease_until=to_db(answer.lease_until),
            private=answer.private,
            replace=answer.replace,
            reply_to=answer.reply_to,
            author=_member_json(answer.author),
            handle=answer.handle,
            document=document_to_json(answer.doc) if answer.doc is not None else None,
            filename=answer.file.filename if answer.file is not None else None,
            caption=answer.file.caption if answer.file is not None else None,
            data=answer.file.data if answer.file is not None else None,
        )
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        answer.id = row.id
        return answer

    def _to_answer(self, row: AnswerRow, *, contents: bool) -> Answer:
        assert row.id is not None
        answer = Answer(
            id=row.id,
            chat=ChatRef(row.platform, row.chat_id, row.thread_id),
            created_at=as_utc(row.created_at),
            owner=row.owner,
            lease_until=as_utc(row.lease_until),
            private=row.private,
            replace=row.replace,
            reply_to=row.reply_to,
            status=PostingStatus(row.status),
            attempts=row.attempts,
            error=row.error,
        )
        if contents:
            answer.author = _member(row.author)
            answer.handle = row.handle
            answer.doc = document_from_json(row.document) if row.document is not None else None
            if row.filename is not None:
                answer.file = AnswerFile(row.filename, row.data or b"", row.caption or "")
        return answer

    def get(self, answer_id: int) -> Answer | None:
        row = self.session.get(AnswerRow, answer_id)
        return None if row is None else self._to_answer(row, contents=True)

    def owed(self, platforms: Sequence[str]) -> list[Answer]:
        if not platforms:
            return []
        rows = self.session.exec(
            select(AnswerRow)
            .options(defer(AnswerRow.document), defer(AnswerRow.data), defer(AnswerRow.author), defer(AnswerRow.handle))  # type: ignore[arg-type]
            .where(col(AnswerRow.platform).in_(list(platforms)), col(AnswerRow.status).in_(UNFINISHED))
            .order_by(col(AnswerRow.id))
        )
        return [self._to_answer(r, contents=False) for r in rows]

    def take_over(
        self, answer_id: int, owner: str, now: datetime, lease_until: datetime, *, gone: str | None = None
    ) -> bool:
        return take_over_row(self.session, AnswerRow, answer_id, owner, now, lease_until, gone=gone)

    def save(self, answer: Answer) -> None:
        row = self.session.get(AnswerRow, answer.id)
        if row is None:
            return  # delivered and removed by another sender meanwhile
        row.status = answer.status.value
        row.owner = answer.owner
        row.lease_until = to_db(answer.lease_until)
        row.attempts = answer.attempts
        row.error = answer.error
        self.session.add(row)
        self.session.flush()

    def remove(self, answer_id: int) -> None:
        self.session.execute(delete(AnswerRow).where(col(AnswerRow.id) == answer_id))
