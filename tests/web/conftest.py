"""Web fixtures: a real SQLite database holding the sample archive, the app served by uvicorn on
127.0.0.1, and signed links to its pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn
from sqlalchemy import Engine
from starlette.types import ASGIApp

from bot.config import Settings
from bot.links import mint_archive_link
from bot.web.app import create_app
from bot.web.data import DatabasePageData
from storage.db import make_engine, upgrade
from tests.archive.builders import sample_archive, store_archive

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
