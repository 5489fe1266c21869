"""Shared fixtures: real databases (a temp SQLite file, a fresh PostgreSQL database), the sample page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import pg_up, throwaway_database

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PAGE = REPO.parent / "shared" / "seed" / "000_921efcdb88e63008.txt"


@pytest.fixture(autouse=True)
def _no_queue_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The notice that a queue runs dry soon is off unless a test turns it on: tests of posting keep
    one or two articles, which would otherwise add that notice to the messages they count."""
    monkeypatch.setenv("ATOU_QUEUE_WARNING_DAYS", "0")


@pytest.fixture
def sample_page() -> Path:
    """The copied reading page the import format was specified from."""
    if not SAMPLE_PAGE.is_file():
        pytest.skip("the sample page ../shared/seed/000_921efcdb88e63008.txt is not beside this checkout")
    return SAMPLE_PAGE


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLAlchemy URL for a new SQLite file in a temp folder."""
    return f"sqlite:///{tmp_path / 'atou.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL for a new, empty PostgreSQL database, dropped afterwards."""
    if not pg_up():
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432")
    with throwaway_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each storage test runs twice: on a SQLite file and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))
