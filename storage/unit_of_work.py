"""The engine's unit of work on SQLModel sessions: one transaction over groups, postings, discussions, answers."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session

from storage.answers import SqlAnswerRepository
from storage.discussions import SqlDiscussionRepository
from storage.groups import SqlGroupRepository
from storage.postings import SqlPostingRepository


class SqlUnitOfWork:
    """`with SqlUnitOfWork(engine) as uow: …; uow.commit()`; leaving without commit rolls back."""

    session: Session
    groups: SqlGroupRepository
    postings: SqlPostingRepository
    discussions: SqlDiscussionRepository
    answers: SqlAnswerRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False)
        self.groups = SqlGroupRepository(self.session)
        self.postings = SqlPostingRepository(self.session)
        self.discussions = SqlDiscussionRepository(self.session)
        self.answers = SqlAnswerRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


class SqlUnitOfWorkFactory:
    """Makes a unit of work per use: pass it where the engine wants a `UnitOfWorkFactory`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
