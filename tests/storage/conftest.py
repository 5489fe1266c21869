"""Storage fixtures: a migrated database (SQLite file or PostgreSQL) and articles to put in it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote
from storage.db import make_engine, upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def make_article(article_id: str, *, title: str | None = None, day: int = 1) -> Article:
    """A small but complete article: every part of the model holds something."""
    title = title or f"Article {article_id}"
    original = (
        Block(BlockKind.HEADING, f"{title}: the heading"),
        Block(BlockKind.PARAGRAPH, "Rivers carry silt to the sea, and the delta grows."),
        Block(BlockKind.IMAGE_CAPTION, "A delta seen from orbit."),
    )
    translation = (
        Block(BlockKind.HEADING, f"{title}：标题"),
        Block(BlockKind.PARAGRAPH, "河流把泥沙带到海里，三角洲随之生长。"),
    )
    return Article(
        id=article_id,
        title=title,
        brief=Brief(
            headline=f"{title} shows deltas grow",
            verdict="Silt matters more than we thought.",
            key_points=(KeyPoint("Silt builds land.", "Each flood adds a layer."),),
            relevance=(RelevanceNote("读书会", "下次讨论用它开场。"),),
            prompts=("Where does the silt come from?", "What stops a delta growing?"),
        ),
        source_url=f"https://example.org/{article_id}",
        published=date(2026, 1, day),
        original=original,
        translation=translation,
        bilingual=(
            BilingualPair(original[0], translation[0]),
            BilingualPair(original[1], translation[1]),
            BilingualPair(original[2], None),
        ),
    )


@pytest.fixture
def article() -> Callable[..., Article]:
    """`article("id", title=…)` builds a complete article."""
    return make_article
