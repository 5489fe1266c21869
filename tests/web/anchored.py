"""Reading the replies the page shows beside each paragraph, for the end-to-end tests of every platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.links import mint_archive_link
from bot.web.app import create_app
from bot.web.data import DatabasePageData
from tests.web.conftest import SECRET, settings

TEXT_TABS = ("bilingual", "translation", "original")


class _Beside(HTMLParser):
    """(tab, ¶N) → the texts of the replies shown beside that paragraph, from the page's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[tuple[str, int], list[str]] = {}
        self.numbers: list[tuple[str, int]] = []  # every ¶N the text tabs show, in order
        self._at: tuple[str, int] | None = None
        self._reply: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "a" and "pn" in classes and a.get("id"):
            tab, _, number = (a["id"] or "").rpartition("-p")
            if tab in TEXT_TABS:
                self._at = (tab, int(number))
                self.numbers.append(self._at)
        elif tag == "p" and "anchored-reply" in classes:
            self._reply = []

    def handle_data(self, data: str) -> None:
        if self._reply is not None:
            self._reply.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._reply is not None:
            assert self._at is not None, "a reply shown beside no paragraph"
            self.found.setdefault(self._at, []).append(" ".join("".join(self._reply).split()))
            self._reply = None


def page_html(engine: Engine, article_id: str, group_key: str | None, **changes: object) -> str:
    """The article's page from the app on `engine`: with a signed link for `group_key`, or unsigned."""
    app = create_app(settings(**changes), DatabasePageData(engine))
    if group_key is None:
        path = f"/a/{article_id}"
    else:
        link = mint_archive_link(
            "https://read.example",
            SECRET,
            group_key,
            article_id,
            now=datetime.now(UTC),
            ttl=timedelta(hours=1),
        )
        parts = urlsplit(link)
        path = f"{parts.path}?{parts.query}"
    with TestClient(app) as client:
        response = client.get(path)
    assert response.status_code == 200, response.text
    return response.text


def beside(html: str) -> _Beside:
    parser = _Beside()
    parser.feed(html)
    return parser


def assert_beside(engine: Engine, article_id: str, group_key: str, number: int, text: str) -> None:
    """The signed page shows `text` beside ¶`number` in every text tab, and the unsigned page shows
    nothing of the discussion."""
    shown = beside(page_html(engine, article_id, group_key))
    for tab in TEXT_TABS:
        assert any(text in t for t in shown.found.get((tab, number), [])), (tab, number, shown.found)
    public = page_html(engine, article_id, None, public_texts=True)
    assert not beside(public).found and text not in public
