"""Drafts, sources and kept model answers on both databases: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy
from sqlalchemy.exc import IntegrityError

from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.drafts import DraftNotPending, DraftStatus, DraftStore, NewDraft, UnknownDraft, article_or_draft
from storage.sources import DuplicateSource, SourceStore
from tests.engine.conftest import make_article


@pytest.fixture
def db(database_url: str) -> Iterator[sqlalchemy.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_a_draft_is_found_by_url_and_by_feed_entry_and_approved_once(db: sqlalchemy.Engine) -> None:
    drafts = DraftStore(db)
    made = drafts.add(
        NewDraft(make_article("d1"), "https://example.org/a", "https://example.org/a", feed_id=7, entry_id="e1",
                 prompt_tokens=10, completion_tokens=5, calls=2, elapsed_s=1.5)
    )
    assert made.status is DraftStatus.READY and made.as_json()["tokens"] == {"prompt": 10, "completion": 5}
    assert drafts.find(url="https://example.org/a") == made
    assert drafts.find(feed_id=7, entry_id="e1") == made
    assert drafts.find(url="https://example.org/b", feed_id=7, entry_id="e2") is None
    with pytest.raises(IntegrityError):  # one draft per canonical URL, even from two runs at once
        drafts.add(NewDraft(make_article("d2"), "x", "https://example.org/a"))
    assert article_or_draft(db, "d1") == make_article("d1")
    assert drafts.approve("d1") == make_article("d1")
    assert ArticleStore(db).queue_ids() == ["d1"]
    with pytest.raises(DraftNotPending):
        drafts.reject("d1")
    with pytest.raises(UnknownDraft):
        drafts.approve("nothing")
    assert drafts.listed() == [] and [d.id for d in drafts.listed(include_done=True)] == ["d1"]


def test_answers_are_kept_once(db: sqlalchemy.Engine) -> None:
    drafts = DraftStore(db)
    assert drafts.answer("k") is None
    drafts.keep_answer("k", {"a": "译文"}, 3, 4)
    drafts.keep_answer("k", {"a": "other"}, 9, 9)
    assert drafts.answer("k") == ({"a": "译文"}, 3, 4)


def test_sources_record_polls_and_errors(db: sqlalchemy.Engine) -> None:
    sources = SourceStore(db)
    added = sources.add("https://example.org/feed.xml", every_s=1800, lang="en")
    with pytest.raises(DuplicateSource):
        sources.add("https://example.org/feed.xml", every_s=60, lang=None)
    assert [s.id for s in sources.due(added.next_poll_at)] == [added.id]
    sources.polled(added.id, error="the server answered 404 Not Found")
    sources.polled(added.id, error="the server answered 404 Not Found")
    failing = sources.get(added.id)
    assert failing.failures == 2 and failing.last_error == "the server answered 404 Not Found"
    assert sources.due(added.next_poll_at) == []  # not due again for half an hour
    sources.polled(added.id, error=None, title="A feed", etag='"v1"', last_modified="Sat, 14 Mar 2026 09:00:00 GMT")
    ok = sources.get(added.id)
    assert (ok.failures, ok.last_error, ok.title, ok.etag) == (0, None, "A feed", '"v1"')
    sources.remove(added.id)
    assert sources.listed() == []
