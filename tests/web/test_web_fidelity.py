"""The reading page shows what the source page shows: in each text tab, every footnote reference is a
superscript link to its note and every note links back, numbered lists are `<ol>` with their numbers,
emphasis is `<em>`, headings keep their level — counted in the served HTML, on the sample page and on
our own page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import httpx
import pytest
from sqlalchemy import Engine

from bot.formats import load_file
from bot.model import Article, Block
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from tests.conftest import SAMPLE_PAGE
from tests.fidelity.census import GARDEN, Census, of_blocks
from tests.web.conftest import Served, make_app

_TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    if not SAMPLE_PAGE.is_file():
        pytest.skip("the sample page is not beside this checkout")
    return [load_file(SAMPLE_PAGE), load_file(GARDEN)]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, articles: list[Article]) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fidelity') / 'atou.db'}")
    upgrade(engine)
    ArticleStore(engine).add_all(articles)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def http(engine: Engine) -> Iterator[httpx.Client]:
    with Served(make_app(engine, public_texts=True)) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def _panel(html: str, name: str) -> str:
    start = html.index(f'id="panel-{name}"')
    end = html.find('<section class="panel"', start)
    return html[start:end]


def _text(html: str) -> str:
    return unescape(_TAG.sub("", html)).strip()


def _census(panel: str, tab: str) -> Census:
    """What a tab's HTML shows, checking every link between references and notes as it goes."""
    ids = set(re.findall(r'\sid="([^"]+)"', panel))
    refs = []
    for _anchor, href, number in re.findall(
        r'<sup class="fnref"(?: id="([^"]+)")?><a href="#([^"]+)">(\d+)</a></sup>', panel
    ):
        assert href in ids and href.startswith(tab) and href.endswith(f"fn-{number}"), href
        refs.append(int(number))
    notes = []
    for note_id, number, body in re.findall(r'<li id="([^"]+)" value="(\d+)">(.*?)</li>', panel):
        back = re.search(r'<a class="backref" href="#([^"]+)"', body)
        if int(number) in refs:  # a note the text refers to links back to (the first) reference
            assert back is not None and back.group(1) in ids, f"note {note_id} links back to its reference"
        else:
            assert back is None
        notes.append(int(number))
    lists = []
    for start, items in re.findall(r'<ol class="block list" start="(\d+)">(.*?)</ol>', panel):
        values = [int(v) for v in re.findall(r'<li value="(\d+)">', items)]
        assert values[0] == int(start)
        lists += values
    headings = tuple(
        (_text(t), int(h)) for h, t in re.findall(r'<h(\d) class="block heading"[^>]*>(.*?)</h\1>', panel)
    )
    emphasis = tuple(_text(e) for e in re.findall(r"<em>(.*?)</em>", panel))
    # A numbered paragraph's ¶N mark may come first inside a list item.
    leads = len(re.findall(r'<(?:p class="block"|li[^>]*)>(?:<a class="pn"[^>]*>[^<]*</a>)?<strong>', panel))
    return Census(tuple(notes), tuple(refs), tuple(lists), emphasis, headings, leads)


def _sides(article: Article) -> tuple[list[Block | None], list[Block | None]]:
    return [p.source for p in article.bilingual], [p.target for p in article.bilingual]


@pytest.mark.parametrize("which", [0, 1], ids=["sample", "garden"])
def test_every_tab_shows_every_number_link_emphasis_and_heading_level(
    http: httpx.Client, articles: list[Article], which: int
) -> None:
    article = articles[which]
    response = http.get(f"/a/{article.id}")
    assert response.status_code == 200
    html = response.text
    assert _census(_panel(html, "original"), "original") == of_blocks(article.original)
    assert _census(_panel(html, "translation"), "translation") == of_blocks(article.translation)
    bilingual = _panel(html, "bilingual")
    sources, targets = _sides(article)
    source_html = "".join(re.findall(r'<div class="side source[^"]*"[^>]*>(.*?)</div>', bilingual, re.S))
    target_html = "".join(re.findall(r'<div class="side target[^"]*"[^>]*>(.*?)</div>', bilingual, re.S))
    ids = " ".join(f'id="{i}"' for i in re.findall(r'\sid="([^"]+)"', bilingual))
    assert _census(source_html + ids, "bilingual-source") == of_blocks(sources)
    assert _census(target_html + ids, "bilingual-target") == of_blocks(targets)
    # no id twice on the page: every link leads to one place
    all_ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(all_ids) == len(set(all_ids))
