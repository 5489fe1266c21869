"""Where the reading page gets its articles and archives: the database, behind a small protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.archive.model import Archive
from bot.model import Article

if TYPE_CHECKING:
    from sqlalchemy import Engine


class PageData(Protocol):
    """What the web app reads. Calls are blocking; the app runs them in a worker thread."""

    def article(self, article_id: str) -> Article | None: ...

    def archive(self, article_id: str, group_key: str) -> Archive | None:
        """One group's discussions of an article, or None when that group never discussed it."""
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

    def check(self) -> None:
        from sqlalchemy import text

        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))
