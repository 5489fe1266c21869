"""Where the reading page gets its articles and archives: the database, behind a small protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from bot.archive.model import Archive
from bot.model import Article

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True, slots=True)
class Listed:
    """An article as the index page lists it: posted to some group at `first_posted`."""

    id: str
    title: str
    published: date | None
    first_posted: datetime


@dataclass(frozen=True, slots=True)
class GroupPage:
    """What a group's archive link changes on the page: its timezone and its language."""

    timezone: str
    lang: str


class PageData(Protocol):
    """What the web app reads. Calls are blocking; the app runs them in a worker thread."""

    def article(self, article_id: str) -> Article | None: ...

    def archive(self, article_id: str, group_key: str) -> Archive | None:
        """One group's discussions of an article, or None when that group never discussed it."""
        ...

    def posted(self) -> list[Listed]:
        """The articles posted to at least one group, most recently first posted first.

        Articles still waiting in the queue are the editors' plans, not something readers were sent.
        """
        ...

    def group_page(self, group_key: str) -> GroupPage | None:
        """The timezone of a group's schedule and its language, or None for a group not stored."""
        ...

    def check(self) -> None:
        """Raise if the data cannot be read (the database is unreachable)."""
        ...


class DatabasePageData:
    """PageData from the bot's database."""

    def __init__(self, engine: Engine) -> None:
        from storage.articles import ArticleStore

        self._engine = engine
        self._articles = ArticleStore(engine)

    def article(self, article_id: str) -> Article | None:
        return self._articles.get(article_id)

    def archive(self, article_id: str, group_key: str) -> Archive | None:
        from storage.discussions import load_archive

        return load_archive(self._engine, article_id, group_key=group_key)

    def posted(self) -> list[Listed]:
        from sqlalchemy import func, select
        from sqlmodel import col

        from storage.articles import ArticleRow
        from storage.groups import as_utc
        from storage.postings import ProgressRow

        first = func.min(col(ProgressRow.at)).label("first")
        columns = (col(ArticleRow.id), col(ArticleRow.title), col(ArticleRow.published))
        query = (
            select(*columns, first)
            .join(ProgressRow, col(ProgressRow.article_id) == col(ArticleRow.id))
            .where(col(ProgressRow.outcome) == "posted")
            .group_by(*columns)
            .order_by(first.desc(), col(ArticleRow.id))
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Listed(id_, title, published, as_utc(at)) for id_, title, published, at in rows]

    def group_page(self, group_key: str) -> GroupPage | None:
        from storage.unit_of_work import SqlUnitOfWork

        # The inverse of ChatRef.key: `platform:chat` or `platform:chat/thread`.
        platform, _, chat = group_key.partition(":")
        chat_id, _, thread_id = chat.partition("/")
        with SqlUnitOfWork(self._engine) as uow:
            group = uow.groups.by_chat(platform, chat_id, thread_id or None)
        return None if group is None else GroupPage(group.schedule.timezone, group.lang)

    def check(self) -> None:
        from sqlalchemy import text

        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))
