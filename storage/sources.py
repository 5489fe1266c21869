"""Feeds an operator subscribed to (`atou sources add`): where, how often, and how the last poll went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Engine, String, Text
from sqlmodel import Field, Session, SQLModel, col, select

from storage.groups import as_utc


class SourceRow(SQLModel, table=True):
    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_type=Text, unique=True)
    every_s: int = 3600
    lang: str | None = Field(default=None, sa_type=String(16))
    title: str | None = Field(default=None, sa_type=Text)
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, sa_type=Text)
    last_polled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    next_poll_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    last_error: str | None = Field(default=None, sa_type=Text)
    failures: int = 0
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


@dataclass(frozen=True)
class Source:
    id: int
    url: str
    every_s: int
    lang: str | None
    title: str | None
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime
    last_error: str | None
    failures: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "every_s": self.every_s,
            "lang": self.lang,
            "title": self.title,
            "last_polled_at": self.last_polled_at.isoformat(timespec="seconds") if self.last_polled_at else None,
            "next_poll_at": self.next_poll_at.isoformat(timespec="seconds"),
            "last_error": self.last_error,
            "failures": self.failures,
        }


class DuplicateSource(ValueError):
    pass


class UnknownSource(LookupError):
    def __init__(self, source_id: int) -> None:
        super().__init__(f"no source with id {source_id}; `atou sources` lists them")

    def __str__(self) -> str:
        return str(self.args[0])


def _source(row: SourceRow) -> Source:
    assert row.id is not None
    return Source(
        id=row.id,
        url=row.url,
        every_s=row.every_s,
        lang=row.lang,
        title=row.title,
        etag=row.etag,
        last_modified=row.last_modified,
        last_polled_at=None if row.last_polled_at is None else as_utc(row.last_polled_at),
        next_poll_at=datetime.now(UTC) if row.next_poll_at is None else as_utc(row.next_poll_at),
        last_error=row.last_error,
        failures=row.failures,
    )


class SourceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, url: str, *, every_s: int, lang: str | None) -> Source:
        now = datetime.now(UTC)
        with Session(self._engine) as session, session.begin():
            if session.exec(select(SourceRow).where(col(SourceRow.url) == url)).first() is not None:
                raise DuplicateSource(f"{url} is already a source")
            row = SourceRow(url=url, every_s=every_s, lang=lang, next_poll_at=now, created_at=now)
            session.add(row)
            session.flush()
            return _source(row)

    def listed(self) -> list[Source]:
        with Session(self._engine) as session:
            return [_source(r) for r in session.exec(select(SourceRow).order_by(col(SourceRow.id)))]

    def get(self, source_id: int) -> Source:
        with Session(self._engine) as session:
            row = session.get(SourceRow, source_id)
            if row is None:
                raise UnknownSource(source_id)
            return _source(row)

    def due(self, now: datetime) -> list[Source]:
        with Session(self._engine) as session:
            query = select(SourceRow).where(col(SourceRow.next_poll_at) <= now).order_by(col(SourceRow.id))
            return [_source(r) for r in session.exec(query)]

    def remove(self, source_id: int) -> None:
        with Session(self._engine) as session, session.begin():
            row = session.get(SourceRow, source_id)
            if row is None:
                raise UnknownSource(source_id)
            session.delete(row)

    def polled(
        self,
        source_id: int,
        *,
        error: str | None,
        title: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Record a poll: on success the validators for the next conditional request, else the error."""
        now = datetime.now(UTC)
        with Session(self._engine) as session, session.begin():
            row = session.get(SourceRow, source_id)
            if row is None:
                return  # removed while it was polled
            row.last_polled_at = now
            row.next_poll_at = now + timedelta(seconds=row.every_s)
            if error is None:
                row.last_error = None
                row.failures = 0
                row.title = title or row.title
                row.etag = etag or row.etag
                row.last_modified = last_modified or row.last_modified
            else:
                row.last_error = error
                row.failures += 1
            session.add(row)
