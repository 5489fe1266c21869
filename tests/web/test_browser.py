"""The reading page in headless Chromium (Debian's, driven by Playwright): tabs, pairs, archive, phone layout."""

from __future__ import annotations

from pathlib import Path

from bot.model import Article
from tests.archive.builders import HOSTILE
from tests.web.browsing import BROWSER_TESTS, PHONE, TAB_LABELS, Watched
from tests.web.conftest import Link

pytestmark = BROWSER_TESTS


def visible_panels(watched: Watched) -> list[str]:
    return watched.page.eval_on_selector_all(
        ".panel", "els => els.filter(e => e.offsetParent !== null).map(e => e.id)"
    )


def test_tabs_switch_and_the_address_follows(desktop: Watched, sample: Article, link: Link) -> None:
    page = desktop.page
    response = page.goto(link(sample.id))
    assert response is not None and response.status == 200
    assert visible_panels(desktop) == ["panel-archive"]  # a link from /archive opens on the archive
    for name, label in TAB_LABELS.items():
        page.get_by_text(label, exact=True).first.click()
        assert visible_panels(desktop) == [f"panel-{name}"]
        assert page.url.endswith(f"#{name}")
    # The brief tab holds the brief's parts.
    page.get_by_text("阅读简报", exact=True).click()
    brief = page.locator("#panel-brief")
    assert sample.brief.verdict in brief.locator("p.verdict").inner_text()
    assert brief.locator(".points li").count() == len(sample.brief.key_points) + len(sample.brief.relevance)
    assert brief.locator(".prompt-list li").count() == len(sample.brief.prompts)
    # Reloading keeps the tab (the address's fragment), and keyboard users can switch with arrows.
    page.get_by_text("原文", exact=True).click()
    page.reload()
    assert visible_panels(desktop) == ["panel-original"]
    page.focus("#tab-original")
    page.keyboard.press("ArrowRight")
    assert visible_panels(desktop) == ["panel-archive"]
    assert desktop.errors == []


def test_bilingual_pairs_sit_side_by_side(
    desktop: Watched, sample: Article, link: Link, tmp_path: Path
) -> None:
    page = desktop.page
    page.goto(link(sample.id, tab="bilingual"))
    page.screenshot(path=str(tmp_path / "desktop-bilingual.png"))
    pairs = page.locator("#panel-bilingual .pair")
    assert pairs.count() == len(sample.bilingual)
    checked = 0
    for i, pair in enumerate(sample.bilingual[:12]):
        if pair.source is None or pair.target is None:
            continue
        source = pairs.nth(i).locator(".side.source").bounding_box()
        target = pairs.nth(i).locator(".side.target").bounding_box()
        assert source and target
        assert source["x"] + source["width"] <= target["x"], (
            i,
            source,
            target,
        )  # English left, Chinese right
        assert abs(source["y"] - target["y"]) < 1  # on the same row
        assert source["width"] > 300 and target["width"] > 300
        checked += 1
    assert checked >= 5
    assert pairs.nth(0).locator(".side.target").get_attribute("lang") == sample.target_lang
    assert desktop.errors == []


def test_the_archive_shows_replies_under_their_prompts(
    desktop: Watched, sample: Article, link: Link, tmp_path: Path
) -> None:
    page = desktop.page
    page.goto(link(sample.id, group="telegram:-2002"))
    page.screenshot(path=str(tmp_path / "desktop-archive.png"))
    archive = page.locator("#panel-archive")
    prompts = archive.locator("h4.prompt")
    assert prompts.count() == 3
    assert sample.brief.prompts[0] in prompts.nth(0).inner_text()
    replies = archive.locator("article.reply")
    assert replies.count() == 4
    first, answer = replies.nth(0).bounding_box(), replies.nth(1).bounding_box()
    assert first and answer and answer["x"] > first["x"]  # the answer is indented under its reply
    assert prompts.nth(0).bounding_box()["y"] < first["y"] < prompts.nth(1).bounding_box()["y"]  # type: ignore[index]
    assert "@Alice 说的审查带宽" in replies.nth(1).inner_text()
    assert HOSTILE in replies.nth(3).locator(".text").inner_text()  # shown as typed, run as nothing
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    # The other group's link shows that group's discussion only.
    page.goto(link("ai-rd", group="discord:42/77"))
    texts = page.locator("#panel-archive article.reply .text").all_inner_texts()
    assert texts == ["A Discord reply, second day.", "Same display name, another member. @Eve"]
    assert desktop.errors == []


def test_a_forged_or_expired_link_gets_403(desktop: Watched, sample: Article, link: Link) -> None:
    page = desktop.page
    forged = link(sample.id).replace("g=telegram%3A-1001", "g=telegram%3A-2002")
    response = page.goto(forged)
    assert response is not None and response.status == 403
    assert page.locator("h1").inner_text() == "这个链接打不开这个页面"
    assert page.locator("#panel-archive").count() == 0
    # The only console error is Chromium's own note of the 403 status.
    assert all("403" in e for e in desktop.errors), desktop.errors


def test_nothing_loads_from_anywhere_else(
    desktop: Watched, sample: Article, link: Link, base_url: str
) -> None:
    desktop.page.goto(link(sample.id))
    for name in TAB_LABELS.values():
        desktop.page.get_by_text(name, exact=True).first.click()
    assert desktop.requests and all(url.startswith(base_url) for url in desktop.requests), desktop.requests
    fonts = desktop.page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in fonts and "PingFang SC" in fonts and "Microsoft YaHei" in fonts


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) wide.push(`${el.tagName}.${el.className} ${box.left}-${box.right}`);
  }
  return {width, scroll: document.documentElement.scrollWidth, wide};
}"""


def test_every_tab_fits_a_phone(phone: Watched, sample: Article, link: Link, tmp_path: Path) -> None:
    page = phone.page
    page.goto(link(sample.id, group="telegram:-2002"))
    for name, label in TAB_LABELS.items():
        page.get_by_text(label, exact=True).first.click()
        layout = page.evaluate(OVERFLOW)
        assert layout["width"] == PHONE["width"]
        assert layout["scroll"] <= PHONE["width"], (name, layout)
        assert layout["wide"] == [], (name, layout["wide"][:5])
        page.screenshot(path=str(tmp_path / f"phone-{name}.png"), full_page=False)
    # On a phone the tab bar stays on one row and the pairs stack: English above its Chinese.
    labels = [page.locator(f"label[for=tab-{n}]").bounding_box() for n in TAB_LABELS]
    assert len({round(box["y"]) for box in labels if box}) == 1
    page.get_by_text("双语对照", exact=True).click()
    source = page.locator("#panel-bilingual .pair .side.source").first.bounding_box()
    target = page.locator("#panel-bilingual .pair .side.target").first.bounding_box()
    assert source and target and target["y"] >= source["y"] + source["height"] - 1
    assert phone.errors == []
