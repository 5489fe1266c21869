"""Drafts: articles made from a link, a file or a feed entry, waiting for an editor.

A draft is kept apart from the articles table, so it can never be posted: approving it stores its
article at the end of the queue (`ArticleStore.add`) and marks the draft approved in the same
transaction. A draft is found again by its canonical URL and by its feed entry, so a link drafted
by hand and later seen in a feed makes no second draft.

Model answers are kept by a key made of everything that was asked (`ModelAnswerRow`), so a
drafting run that stopped half-way resumes without paying again for what was already answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Engine, Float, String, Text, UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select

from bot.model import Article
from storage.articles import ArticleRow, ArticleStore, DuplicateArticle, _decode_document, _encode
from storage.groups import as_utc


class DraftStatus(StrEnum):
    READY = "ready"  # waiting for review
    APPROVED = "approved"  # its article is in the queue
    REJECTED = "rejected"


class DraftRow(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("feed_id", "entry_id", name="uq_drafts_feed_entry"),)

    id: str = Field(sa_type=String(40), primary_key=True)
    status: str = Field(sa_type=String(16), index=True)
    title: str = Field(sa_type=Text)
    source: str = Field(sa_type=Text)  # what the editor gave: a URL or a file name
    canonical_url: str | None = Field(default=None, sa_type=Text, unique=True)
    author: str | None = Field(default=None, sa_type=Text)
    feed_id: int | None = Field(default=None, index=True)
    entry_id: str | None = Field(default=None, sa_type=Text)
    document: str = Field(sa_type=Text)
    missing: str | None = Field(default=None, sa_type=Text)  # what an editor still has to supply
    model: str | None = Field(default=None, sa_type=Text)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    elapsed_s: float = Field(default=0.0, sa_type=Float)
    reason: str | None = Field(default=None, sa_type=Text)  # why it was rejected
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))


class ModelAnswerRow(SQLModel, table=True):
    """One model answer, by the hash of the whole request: asked once, reused on a resumed run."""

    __tablename__ = "model_answers"

    key: str = Field(sa_type=String(64), primary_key=True)
    answer: str = Field(sa_type=Text)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


@dataclass(frozen=True)
class Draft:
    """A draft as listings and review show it."""

    id: str
    status: DraftStatus
    title: str
    source: str
    canonical_url: str | None
    author: str | None
    feed_id: int | None
    missing: str | None
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    calls: int
    elapsed_s: float
    reason: str | None
    created_at: datetime
    updated_at: datetime  # changes when its text does (redrafted, or replaced by an editor)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": str(self.status),
            "title": self.title,
            "source": self.source,
            "url": self.canonical_url,
            "author": self.author,
            "feed": self.feed_id,
            "missing": self.missing,
            "model": self.model,
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            "calls": self.calls,
            "elapsed_s": round(self.elapsed_s, 3),
            "reason": self.reason,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class NewDraft:
    """What drafting hands to the store."""

    article: Article
    source: str
    canonical_url: str | None
    author: str | None = None
    feed_id: int | None = None
    entry_id: str | None = None
    missing: str | None = None
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    elapsed_s: float = 0.0


class UnknownDraft(LookupError):
    def __init__(self, draft_id: str) -> None:
        super().__init__(f"no draft with id {draft_id!r}; `atou drafts` lists them")

    def __str__(self) -> str:
        return str(self.args[0])


class DraftNotPending(ValueError):
    """The draft was already approved or rejected."""


def _summary(row: DraftRow) -> Draft:
    return Draft(
        id=row.id,
        status=DraftStatus(row.status),
        title=row.title,
        source=row.source,
        canonical_url=row.canonical_url,
        author=row.author,
        feed_id=row.feed_id,
        missing=row.missing,
        model=row.model,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        calls=row.calls,
        elapsed_s=row.elapsed_s,
        reason=row.reason,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


class DraftStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- finding ------------------------------------------------------------------------------

    def find(self, *, url: str | None = None, feed_id: int | None = None, entry_id: str | None = None) -> Draft | None:
        """The draft made from this canonical URL, or from this feed entry."""
        with Session(self._engine) as session:
            if url is not None:
                row = session.exec(select(DraftRow).where(col(DraftRow.canonical_url) == url)).first()
                if row is not None:
                    return _summary(row)
            if feed_id is not None and entry_id is not None:
                row = session.exec(
                    select(DraftRow).where(col(DraftRow.feed_id) == feed_id, col(DraftRow.entry_id) == entry_id)
                ).first()
                if row is not None:
                    return _summary(row)
        return None

    def taken_ids(self, candidates: list[str]) -> set[str]:
        """Which of these ids a draft or an article already has."""
        with Session(self._engine) as session:
            drafts = set(session.exec(select(DraftRow.id).where(col(DraftRow.id).in_(candidates))).all())
            articles = set(session.exec(select(ArticleRow.id).where(col(ArticleRow.id).in_(candidates))).all())
        return drafts | articles

    def get(self, draft_id: str) -> Draft | None:
        with Session(self._engine) as session:
            row = session.get(DraftRow, draft_id)
            return None if row is None else _summary(row)

    def article(self, draft_id: str) -> Article | None:
        """The draft's article (its current text), or None if there is no such draft."""
        with Session(self._engine) as session:
            row = session.get(DraftRow, draft_id)
            return None if row is None else _decode_document(row.document, row.id)

    def listed(self, *, include_done: bool = False) -> list[Draft]:
        """Drafts waiting for review (and with `include_done`, approved and rejected ones), oldest first."""
        with Session(self._engine) as session:
            query = select(DraftRow).order_by(col(DraftRow.created_at), col(DraftRow.id))
            if not include_done:
                query = query.where(col(DraftRow.status) == DraftStatus.READY)
            return [_summary(row) for row in session.exec(query)]

    def pending(self) -> list[tuple[str, str]]:
        return [(d.id, d.title) for d in self.listed()]

    # --- changing -----------------------------------------------------------------------------

    def add(self, new: NewDraft) -> Draft:
        """Store a draft, whole, in one transaction."""
        now = datetime.now(UTC)
        row = DraftRow(
            id=new.article.id,
            status=DraftStatus.READY,
            title=new.article.title,
            source=new.source,
            canonical_url=new.canonical_url,
            author=new.author,
            feed_id=new.feed_id,
            entry_id=new.entry_id,
            document=_encode(new.article),
            missing=new.missing,
            model=new.model,
            prompt_tokens=new.prompt_tokens,
            completion_tokens=new.completion_tokens,
            calls=new.calls,
            elapsed_s=new.elapsed_s,
            created_at=now,
            updated_at=now,
        )
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            session.add(row)
        return _summary(row)

    def replace_article(self, article: Article, *, missing: str | None = None) -> bool:
        """Give a pending draft a new text (an editor's import); False if no pending draft has this id."""
        with Session(self._engine) as session, session.begin():
            row = session.get(DraftRow, article.id)
            if row is None or row.status != DraftStatus.READY:
                return False
            row.document = _encode(article)
            row.title = article.title
            row.missing = missing
            row.updated_at = datetime.now(UTC)
            session.add(row)
        return True

    def redrafted(self, new: NewDraft) -> Draft | None:
        """Give a waiting draft the text of a new drafting run, and its cost; None if it is not waiting."""
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            row = session.get(DraftRow, new.article.id)
            if row is None or row.status != DraftStatus.READY:
                return None
            row.document = _encode(new.article)
            row.title = new.article.title
            row.missing = new.missing
            row.model = new.model
            row.prompt_tokens = new.prompt_tokens
            row.completion_tokens = new.completion_tokens
            row.calls = new.calls
            row.elapsed_s = new.elapsed_s
            row.updated_at = datetime.now(UTC)
            session.add(row)
        return _summary(row)

    def approve(self, draft_id: str) -> Article:
        """Put the draft's article at the end of the queue; the draft is then approved."""
        with Session(self._engine) as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise UnknownDraft(draft_id)
            if row.status != DraftStatus.READY:
                raise DraftNotPending(f"draft {draft_id!r} was already {row.status}")
            article = _decode_document(row.document, row.id)
        store = ArticleStore(self._engine)
        try:
            store.add(article)
        except DuplicateArticle as exc:
            # Approved before, and stopped before the draft was marked: finish that approval.
            if store.get(draft_id) != article:
                raise DraftNotPending(f"an article with id {draft_id!r} is already in the queue") from exc
        self._set_status(draft_id, DraftStatus.APPROVED)
        return article

    def reject(self, draft_id: str, reason: str | None = None) -> None:
        with Session(self._engine) as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise UnknownDraft(draft_id)
            if row.status != DraftStatus.READY:
                raise DraftNotPending(f"draft {draft_id!r} was already {row.status}")
        self._set_status(draft_id, DraftStatus.REJECTED, reason)

    def _set_status(self, draft_id: str, status: DraftStatus, reason: str | None = None) -> None:
        with Session(self._engine) as session, session.begin():
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise UnknownDraft(draft_id)
            row.status = status
            row.reason = reason
            row.updated_at = datetime.now(UTC)
            session.add(row)

    # --- model answers ------------------------------------------------------------------------

    def answer(self, key: str) -> tuple[Any, int, int] | None:
        """A kept model answer (its JSON, prompt and completion tokens), or None."""
        with Session(self._engine) as session:
            row = session.get(ModelAnswerRow, key)
            return None if row is None else (json.loads(row.answer), row.prompt_tokens, row.completion_tokens)

    def keep_answer(
        self, key: str, answer: Any, prompt_tokens: int, completion_tokens: int, *, replace: bool = False
    ) -> None:
        """Keep an answer (the first one for a key, or with `replace` the newest)."""
        with Session(self._engine) as session, session.begin():
            row = session.get(ModelAnswerRow, key)
            if row is not None and not replace:
                return
            row = row or ModelAnswerRow(key=key, answer="", created_at=datetime.now(UTC))
            row.answer = json.dumps(answer, ensure_ascii=False)
            row.prompt_tokens = prompt_tokens
            row.completion_tokens = completion_tokens
            session.add(row)

    def count(self) -> int:
        with Session(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(DraftRow)).one())


def article_or_draft(engine: Engine, article_id: str) -> Article | None:
    """The stored article with this id, or else the draft's: every reading command works on both."""
    return ArticleStore(engine).get(article_id) or DraftStore(engine).article(article_id)
