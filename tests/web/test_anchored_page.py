"""In Chromium: the replies anchored to a paragraph stand right under it in the text tabs, and a reply's
¶N in the archive tab opens the bilingual tab at that paragraph."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.demo import demo_article
from storage.articles import ArticleStore
from tests.archive.builders import T0, DiscussionBuilder, store_archive
from tests.web.browsing import BROWSER_TESTS, Watched
from tests.web.conftest import Link

pytestmark = BROWSER_TESTS

GROUP = "telegram:-3003"


def _anchored(web_engine: Engine) -> str:
    """The demo article, with a discussion whose first reply is anchored to ¶3 (stored once per package)."""
    from bot.archive.model import Archive

    article = demo_article()
    if ArticleStore(web_engine).get(article.id) is None:
        d = DiscussionBuilder(GROUP, "段落读书会", "telegram", opened_at=T0)
        d.say("Alice", "¶3 标题先于阅读，这一段是全文的关键。", prompt=0, paragraph=3)
        d.say("Bob", "没有锚定的回复。", prompt=1)
        store_archive(web_engine, Archive(article, (d.build(),)))
    return article.id


def test_anchored_replies_sit_under_their_paragraph_and_link_back(
    desktop: Watched, web_engine: Engine, link: Link
) -> None:
    article_id = _anchored(web_engine)
    page = desktop.page
    page.goto(link(article_id, group=GROUP, tab="original"))
    panel = page.locator("#panel-original")
    aside = panel.locator("aside.anchored")
    assert aside.count() == 1 and aside.is_visible()
    assert "这一段是全文的关键" in aside.inner_text() and "没有锚定" not in panel.inner_text()
    third, fourth, beside = (
        page.locator("#original-p3").bounding_box(),
        page.locator("#original-p4").bounding_box(),
        aside.bounding_box(),
    )
    assert third and fourth and beside and third["y"] < beside["y"] < fourth["y"]

    page.locator("#label-archive").click()
    page.locator("#panel-archive a.paragraph").first.click()
    assert page.locator("#panel-bilingual").is_visible()
    assert page.url.endswith("#bilingual-p3")
    # The paragraph opens under the pinned tab bar, not behind it.
    mark, bar = page.locator("#bilingual-p3").bounding_box(), page.locator(".tab-bar").bounding_box()
    assert mark and bar and bar["y"] + bar["height"] - 1 <= mark["y"] < page.viewport_size["height"]  # type: ignore[index]
    assert desktop.errors == []

    # Without the signed link the text is there, the discussion is not.
    page.goto(link(article_id, group="telegram:-999", tab="original"))
    assert page.locator("aside.anchored").count() == 0
