"""Storing articles and ordering the editorial queue, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.model import Article
from storage.articles import ArticleStore, DuplicateArticle, UnknownArticle
from storage.db import make_engine, upgrade
from tests.storage.conftest import make_article

MakeArticle = Callable[..., Article]


def test_a_stored_article_comes_back_identical(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    original = article("deltas")
    store.add(original)
    assert store.get("deltas") == original
    assert store.require("deltas") == original


def test_unknown_ids_are_none_or_a_clear_error(engine: Engine) -> None:
    store = ArticleStore(engine)
    assert store.get("nope") is None
    with pytest.raises(UnknownArticle, match="no article with id 'nope'"):
        store.require("nope")


def test_new_articles_join_the_end_of_the_queue(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    store.add(article("b"))
    store.add(article("a"))
    store.add_all([article("d"), article("c")])
    assert store.queue_ids() == ["b", "a", "d", "c"]
    assert [(s.position, s.id) for s in store.summaries()] == [(1, "b"), (2, "a"), (3, "d"), (4, "c")]


def test_summaries_list_what_a_listing_shows(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    before = datetime.now(UTC)
    store.add(article("deltas", title="Deltas grow", day=5))
    (summary,) = store.summaries()
    assert (summary.id, summary.title, summary.published) == ("deltas", "Deltas grow", date(2026, 1, 5))
    assert summary.source_url == "https://example.org/deltas"
    assert summary.position == 1
    assert before - timedelta(seconds=1) <= summary.imported_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert summary.imported_at.utcoffset() == timedelta(0)


def test_a_second_import_of_an_id_is_refused_and_changes_nothing(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    first = article("deltas", title="First")
    store.add(first)
    with pytest.raises(DuplicateArticle, match="'deltas' is already stored") as caught:
        store.add(article("deltas", title="Second"))
    assert caught.value.article_id == "deltas"
    assert store.get("deltas") == first
    assert store.queue_ids() == ["deltas"]


def test_replace_overwrites_in_place_keeping_the_queue_position(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    store.add_all([article("a"), article("b"), article("c")])
    newer = replace(article("b", title="B, revised"), brief=replace(article("b").brief, prompts=("Only one?",)))
    store.add(newer, replace=True)
    assert store.get("b") == newer
    assert store.queue_ids() == ["a", "b", "c"]
    assert [s.title for s in store.summaries()] == ["Article a", "B, revised", "Article c"]


def test_replace_of_an_unknown_id_adds_it(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    store.add(article("a"))
    store.add(article("b"), replace=True)
    assert store.queue_ids() == ["a", "b"]


def test_add_all_stores_nothing_when_one_article_is_refused(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    store.add(article("taken"))
    with pytest.raises(DuplicateArticle, match="'taken'"):
        store.add_all([article("new-1"), article("taken", title="Again"), article("new-2")])
    assert store.queue_ids() == ["taken"]
    assert store.require("taken").title == "Article taken"


def test_add_all_refuses_an_id_given_twice(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    for replacing in (False, True):
        with pytest.raises(DuplicateArticle, match="appears more than once"):
            store.add_all([article("x"), article("y"), article("x")], replace=replacing)
    assert store.queue_ids() == []


def test_add_all_with_replace_mixes_new_and_replaced(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    store.add_all([article("a"), article("b")])
    store.add_all([article("c"), article("a", title="A2")], replace=True)
    assert store.queue_ids() == ["a", "b", "c"]
    assert store.require("a").title == "A2"


@pytest.mark.parametrize(
    ("moving", "position", "expected"),
    [
        ("d", 1, ["d", "a", "b", "c"]),
        ("a", 3, ["b", "c", "a", "d"]),
        ("b", 4, ["a", "c", "d", "b"]),
        ("b", 99, ["a", "c", "d", "b"]),
        ("c", 3, ["a", "b", "c", "d"]),
    ],
)
def test_move_puts_an_article_at_a_queue_position(
    engine: Engine, article: MakeArticle, moving: str, position: int, expected: list[str]
) -> None:
    store = ArticleStore(engine)
    store.add_all([article(i) for i in "abcd"])
    store.move(moving, position)
    assert store.queue_ids() == expected
    assert [s.position for s in store.summaries()] == [1, 2, 3, 4]
    store.add(article("e"))
    assert store.queue_ids() == [*expected, "e"]


def test_move_refuses_unknown_ids_and_positions_below_one(engine: Engine, article: MakeArticle) -> None:
    store = ArticleStore(engine)
    store.add_all([article("a"), article("b")])
    with pytest.raises(UnknownArticle, match="'zz'"):
        store.move("zz", 1)
    with pytest.raises(ValueError, match="start at 1"):
        store.move("a", 0)
    assert store.queue_ids() == ["a", "b"]


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[ArticleStore]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    store = ArticleStore(engine)
    store.add_all([make_article(f"a{i}") for i in range(6)])
    yield store
    engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.integers(0, 5), st.integers(1, 8)), max_size=6))
def test_moves_reorder_like_a_list(sqlite_store: ArticleStore, moves: list[tuple[int, int]]) -> None:
    """Any sequence of moves leaves the queue as moving items in a Python list would.

    The store carries over from one example to the next; each starts from the queue as it is.
    """
    expected = sqlite_store.queue_ids()
    for index, position in moves:
        moving = expected.pop(index)
        expected.insert(min(position, len(expected) + 1) - 1, moving)
        sqlite_store.move(moving, position)
    assert sqlite_store.queue_ids() == expected
    assert [s.position for s in sqlite_store.summaries()] == list(range(1, 7))


@pytest.mark.postgres
def test_import_times_are_utc_whatever_the_session_time_zone(postgres_url: str) -> None:
    engine = make_engine(f"{postgres_url}?options=-c%20timezone%3DAsia/Shanghai")
    try:
        upgrade(engine)
        store = ArticleStore(engine)
        store.add(make_article("zoned"))
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW timezone").scalar() == "Asia/Shanghai"
        assert store.summaries()[0].imported_at.tzinfo is UTC
    finally:
        engine.dispose()
