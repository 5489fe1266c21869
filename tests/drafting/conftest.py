"""Drafting fixtures: the fixture site, the Chat Completions fake, a migrated database; loopback only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy

from storage.db import make_engine, upgrade
from tests.drafting.site import Site
from tests.llm.fixtures import fake_chat, fake_chat_process  # noqa: F401
from tests.loopback import only_loopback  # noqa: F401


@pytest.fixture(scope="session")
def site_server() -> Iterator[Site]:
    with Site.running() as site:
        yield site


@pytest.fixture
def site(site_server: Site) -> Iterator[Site]:
    """The fixture site, as it starts (pages a test added are gone)."""
    site_server.reset()
    yield site_server


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[sqlalchemy.Engine]:
    db = make_engine(sqlite_url)
    upgrade(db)
    yield db
    db.dispose()
