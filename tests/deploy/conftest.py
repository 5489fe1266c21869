"""Fixtures for deployment tests: a database migrated to the current schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from storage.db import make_engine, upgrade


@pytest.fixture
def migrated(database_url: str) -> Iterator[Engine]:
    """An engine on a database (SQLite, then PostgreSQL) upgraded with the shipped migrations."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
