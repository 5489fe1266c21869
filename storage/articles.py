"""Articles in the database and the editorial queue they are posted from.

Each row keeps the whole article as its JSON document (`bot.formats.jsondoc`), plus the few fields
listings and the queue need as columns. The queue is the order of `position` (1, 2, 3, …): new
articles join the end; `move` reorders.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, Engine, String, Text, func, text
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from bot.model import Article
from bot.ports import DuplicateArticle as DuplicateArticle  # refused here, named where the core sees it
from storage.groups import as_utc

# Held for the length of a transaction on PostgreSQL while the queue is renumbered or extended, so
# concurrent imports and moves keep positions dense and distinct. (SQLite transactions already
# take the database's write lock at BEGIN.)
PG_QUEUE_LOCK = 0x6174_6F71


class ArticleRow(SQLModel, table=True):
    """One stored article."""

    __tablename__ = "articles"

    id: str = Field(sa_type=String(40), primary_key=True)
    title: str = Field(sa_type=Text)
    published: date | None = Field(default=None, sa_type=Date)
    source_url: str | None = Field(default=None, sa_type=Text)
    position: int = Field(index=True)
    document: str = Field(sa_type=Text)
    imported_at: datetime = Field(sa_type=DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """What a listing shows of an article."""

    id: str
    title: str
    published: date | None
    position: int
    source_url: str | None
    imported_at: datetime


class UnknownArticle(LookupError):
    """No article with this id is stored."""

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        super().__init__(f"no article with id {article_id!r} is stored")

    def __str__(self) -> str:  # LookupError would show the repr of the message
        return str(self.args[0])


def _encode(article: Article) -> str:
    # The formats are imported on use: Alembic loads this module for its table alone.
    from bot.formats.jsondoc import article_to_dict

    return json.dumps(article_to_dict(article), ensure_ascii=False, separators=(",", ":"))


def _decode(row: ArticleRow) -> Article:
    return _decode_document(row.document, row.id)


# Reading a document back validates it against the JSON Schema, which costs tens of milliseconds
# for a long article; members page through the same few articles, and an Article is immutable, so
# decoded documents are kept, keyed by their full text (a replaced article has a new text).
@functools.lru_cache(maxsize=32)
def _decode_document(document: str, article_id: str) -> Article:
    from bot.formats.jsondoc import article_from_dict

    article: Article = article_from_dict(json.loads(document), source_name=f"stored article {article_id}")
    return article


class ArticleStore:
    """Articles and their queue order in one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _lock_queue(self, session: Session) -> None:
        if self._engine.dialect.name == "postgresql":
            session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_QUEUE_LOCK})

    def add(self, article: Article, *, replace: bool = False) -> None:
        """Store one article at the end of the queue; with `replace`, overwrite one with the same id in place."""
        self.add_all([article], replace=replace)

    def add_all(self, articles: Iterable[Article], *, replace: bool = False) -> None:
        """Store several articles in one transaction: all of them, or none if any is refused.

        Raises `DuplicateArticle` if an id is already stored (unless `replace`) or appears twice.
        A replaced article keeps its queue position; new ones join the end in the given order.
        """
        batch = list(articles)
        seen: set[str] = set()
        for article in batch:
            if article.id in seen:
                raise DuplicateArticle(article.id, in_batch=True)
            seen.add(article.id)
        if not batch:
            return
        now = datetime.now(UTC)
        try:
            with Session(self._engine) as session, session.begin():
                self._lock_queue(session)
                stored = {
                    row.id: row
                    for row in session.exec(select(ArticleRow).where(col(ArticleRow.id).in_(seen)))
                }
                if stored and not replace:
                    raise DuplicateArticle(next(a.id for a in batch if a.id in stored))
                last = session.exec(select(func.max(ArticleRow.position))).one()
                position = (last or 0) + 1
                for article in batch:
                    row = stored.get(article.id)
                    if row is None:
                        row = ArticleRow(id=article.id, position=position, title="", document="", imported_at=now)
                        position += 1
                    row.title = article.title
                    row.published = article.published
                    row.source_url = article.source_url
                    row.document = _encode(article)
                    row.imported_at = now
                    session.add(row)
        except IntegrityError as exc:
            # Another process stored one of these ids between our check and our commit.
            with Session(self._engine) as session:
                taken = set(session.exec(select(ArticleRow.id).where(col(ArticleRow.id).in_(seen))).all())
            raise DuplicateArticle(next((a.id for a in batch if a.id in taken), batch[0].id)) from exc

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None."""
        with Session(self._engine) as session:
            row = session.get(ArticleRow, article_id)
            return None if row is None else _decode(row)

    def require(self, article_id: str) -> Article:
        """The stored article with this id; raises `UnknownArticle` if there is none."""
        article = self.get(article_id)
        if article is None:
            raise UnknownArticle(article_id)
        return article

    def summaries(self) -> list[ArticleSummary]:
        """Every stored article, in queue order."""
        with Session(self._engine) as session:
            # Only the listed columns: the documents can be large.
            rows = session.execute(
                sa_select(
                    col(ArticleRow.id),
                    col(ArticleRow.title),
                    col(ArticleRow.published),
                    col(ArticleRow.position),
                    col(ArticleRow.source_url),
                    col(ArticleRow.imported_at),
                ).order_by(col(ArticleRow.position), col(ArticleRow.id))
            ).all()
        return [
            ArticleSummary(
                id=id_,
                title=title,
                published=published,
                position=position,
                source_url=source_url,
                imported_at=as_utc(imported_at),
            )
            for id_, title, published, position, source_url, imported_at in rows
        ]

    def queue_ids(self) -> list[str]:
        """Article ids in queue order."""
        with Session(self._engine) as session:
            return list(
                session.exec(select(ArticleRow.id).order_by(col(ArticleRow.position), col(ArticleRow.id))).all()
            )

    def move(self, article_id: str, position: int) -> None:
        """Put an article at `position` (1 = next) in the queue; the others keep their relative order.

        A position past the end moves the article to the end. Raises `UnknownArticle` for an unknown
        id and `ValueError` for a position below 1.
        """
        if position < 1:
            raise ValueError(f"queue positions start at 1, not {position}")
        with Session(self._engine) as session, session.begin():
            self._lock_queue(session)
            rows = list(
                session.exec(select(ArticleRow).order_by(col(ArticleRow.position), col(ArticleRow.id))).all()
            )
            moving = next((row for row in rows if row.id == article_id), None)
            if moving is None:
                raise UnknownArticle(article_id)
            rows.remove(moving)
            rows.insert(min(position, len(rows) + 1) - 1, moving)
            _renumber(session, rows)


def _renumber(session: Session, rows: Sequence[ArticleRow]) -> None:
    for number, row in enumerate(rows, start=1):
        if row.position != number:
            row.position = number
            session.add(row)
