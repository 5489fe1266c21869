"""Web fixtures: a real SQLite database holding the sample archive, the app served by uvicorn on
127.0.0.1, and signed links to its pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from starlette.types import ASGIApp

from bot.archive.model import Archive
from bot.config import Settings
from bot.formats import load_file
from bot.links import mint_archive_link
from bot.model import Article
from bot.web.app import create_app
from bot.web.data import DatabasePageData
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.archive.builders import HOSTILE, T0, DiscussionBuilder, sample_archive, store_archive
from tests.web.browsing import DESKTOP, PHONE, Watched

SECRET = "web tests secret"
GROUP = "telegram:-1001"

Link = Callable[..., str]


@pytest.fixture(scope="package")
def web_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated SQLite file with the sample archive (article `ai-rd`, two groups, hostile text)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('web') / 'atou.db'}")
    upgrade(engine)
    store_archive(engine, sample_archive().archive)
    yield engine
    engine.dispose()


def settings(**changes: object) -> Settings:
    values: dict[str, object] = {
        "secret_key": SECRET,
        "public_texts": False,
        "web_url": "https://read.example",
    }
    return Settings(**(values | changes))  # type: ignore[arg-type]


def make_app(engine: Engine, **changes: object) -> ASGIApp:
    return create_app(settings(**changes), DatabasePageData(engine))


class Served:
    """A uvicorn server on 127.0.0.1 at a free port, run in a thread."""

    def __init__(self, app: ASGIApp) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="package")
def base_url(web_engine: Engine) -> Iterator[str]:
    """The private site (ATOU_PUBLIC_TEXTS off) served over HTTP."""
    with Served(make_app(web_engine)) as url:
        yield url


@pytest.fixture
def link(base_url: str) -> Link:
    """`link("ai-rd")`: a link signed for GROUP, valid for a day (or as asked)."""

    def mint(
        article_id: str,
        *,
        group: str = GROUP,
        now: datetime | None = None,
        ttl: timedelta = timedelta(days=1),
        tab: str | None = None,
    ) -> str:
        moment = now or datetime.now(UTC)
        return mint_archive_link(base_url, SECRET, group, article_id, now=moment, ttl=ttl, tab=tab)

    return mint


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module."""
    from tests.web.browsing import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def desktop(browser: Any) -> Iterator[Watched]:
    watched = Watched(browser, DESKTOP)
    yield watched
    watched.context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Watched]:
    watched = Watched(browser, PHONE)
    yield watched
    watched.context.close()


SAMPLE_GROUP = "telegram:-2002"
SAMPLE_ZONE = "Asia/Shanghai"


@pytest.fixture
def sample(sample_page: Path, web_engine: Engine) -> Article:
    """The sample reading page imported, with a discussion of its prompts in a group of its own
    (SAMPLE_GROUP, whose schedule is in SAMPLE_ZONE)."""
    article = load_file(sample_page)
    if ArticleStore(web_engine).get(article.id) is not None:  # stored by an earlier test of this package
        return article
    d = DiscussionBuilder(SAMPLE_GROUP, "周五读书会", "telegram", opened_at=T0)
    first = d.say("Alice", "执行层的自动化已经很明显了，方向层还要靠人。", prompt=0)
    d.say("Bob", "同意。@Alice 说的审查带宽是真正的瓶颈。", answers=first)
    d.say(
        "Carol",
        "Long words like pneumonoultramicroscopicsilicovolcanoconiosis must wrap on a phone.",
        prompt=1,
    )
    d.say("Eve", HOSTILE, prompt=2)
    store_archive(web_engine, Archive(article, (d.build(),)))
    with SqlUnitOfWork(web_engine) as uow:
        group = uow.groups.by_chat("telegram", "-2002", None)
        assert group is not None
        uow.groups.save(replace(group, schedule=replace(group.schedule, timezone=SAMPLE_ZONE)))
        uow.commit()
    return article
