"""The reading page as a long read, in Chromium with CJK fonts: the five tabs at 375 px and 1280 px, light
and dark, screenshotted and measured — characters per line of body paragraphs, no sideways scrolling,
text contrast (WCAG AA) from the computed styles, nothing Chinese set slanted — plus the pinned tab
bar, the contents of long tabs and times in the group's timezone.

Screenshots go to the test's tmp dir (`--basetemp` to keep them somewhere).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.model import Article
from tests.web.browsing import BROWSER_TESTS, DESKTOP, PHONE, TAB_LABELS, Watched
from tests.web.conftest import SAMPLE_GROUP, Link

pytestmark = BROWSER_TESTS

# A Chinese line of about 35-40 characters, a Latin one of about 70 (issue: reading comfort).
ZH_LINE = (33, 40)
LATIN_LINE = (60, 80)
AA_BODY = 4.5

# Per body paragraph of the visible panel: its language and the length of each line but the last.
# Chinese lines are counted in Chinese characters (a Latin letter inside them counts half: it is
# half as wide), Latin lines in characters. A line starts where a character sits left of the one
# before it.
LINES = """() => {
  const panel = [...document.querySelectorAll('.panel')].find(p => p.offsetParent !== null);
  const selector = 'p.block:not(.caption):not(.footnote):not(.list-item), p.verdict, .points li, .reply .text';
  const wide = /[\\u1100-\\u115f\\u2e80-\\ua4cf\\uac00-\\ud7a3\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uff60\\uffe0-\\uffe6\\u{20000}-\\u{3fffd}]/u;
  const range = document.createRange();
  const found = [];
  for (const el of [...panel.querySelectorAll(selector)].filter(e => e.offsetParent !== null).slice(0, 40)) {
    const zh = (el.closest('[lang]') || document.documentElement).lang.toLowerCase().startsWith('zh');
    const lines = [];
    let count = 0, lastLeft = -Infinity;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const data = node.data;
      for (let i = 0; i < data.length; ) {
        const ch = String.fromCodePoint(data.codePointAt(i));
        range.setStart(node, i);
        range.setEnd(node, i + ch.length);
        i += ch.length;
        const rect = range.getClientRects()[0];
        if (!rect || rect.width === 0) continue;
        if (rect.left < lastLeft - 1) { lines.push(count); count = 0; }
        lastLeft = rect.left;
        count += zh && !wide.test(ch) ? 0.5 : 1;
      }
    }
    if (lines.length) found.push({zh, lines});
  }
  return found;
}"""

# Every element with its own text in the header, the tab bar and the visible panel: its text colour
# against the background it sits on (parents' backgrounds composited), and its font style.
STYLES = """() => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, under) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat(1); };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] === 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  };
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const panel = [...document.querySelectorAll('.panel')].find(p => p.offsetParent !== null);
  const scope = [...document.querySelectorAll('.article-head *, .tab-bar *'), ...panel.querySelectorAll('*')];
  const found = [];
  for (const el of scope) {
    if (el.offsetParent === null) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const zh = (el.closest('[lang]') || document.documentElement).lang.toLowerCase().startsWith('zh');
    found.push({what: `${el.tagName.toLowerCase()}.${el.className}`, ratio: (hi + 0.05) / (lo + 0.05),
                zh, fontStyle: style.fontStyle, paper: lum(background(document.body))});
  }
  return found;
}"""

OVERFLOW = """() => ({
  client: document.documentElement.clientWidth,
  scroll: document.documentElement.scrollWidth,
  bodyScroll: document.body.scrollWidth,
})"""

SCREENS = [
    pytest.param(PHONE, "light", id="375-light"),
    pytest.param(PHONE, "dark", id="375-dark"),
    pytest.param(DESKTOP, "light", id="1280-light"),
    pytest.param(DESKTOP, "dark", id="1280-dark"),
]


@pytest.fixture
def screen(request: pytest.FixtureRequest, browser: Any) -> Iterator[Watched]:
    """A page at the viewport and colour scheme the test is parametrized with."""
    viewport, scheme = request.param
    watched = Watched(browser, viewport, color_scheme=scheme)
    yield watched
    watched.context.close()


def line_lengths(found: list[dict[str, Any]], zh: bool) -> list[float]:
    return [n for paragraph in found if paragraph["zh"] is zh for n in paragraph["lines"]]


@pytest.mark.parametrize("screen", [p.values for p in SCREENS], ids=[p.id for p in SCREENS], indirect=True)
def test_every_tab_is_comfortable_to_read(
    screen: Watched, sample: Article, link: Link, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    page = screen.page
    width = page.viewport_size["width"]  # type: ignore[index]
    dark = "dark" in request.node.callspec.id
    page.goto(link(sample.id, group=SAMPLE_GROUP))
    measured: dict[str, Any] = {}
    for name in TAB_LABELS:
        page.locator(f"label[for=tab-{name}]").click()
        page.screenshot(path=str(tmp_path / f"{request.node.callspec.id}-{name}.png"))

        layout = page.evaluate(OVERFLOW)
        assert layout["client"] == width and layout["scroll"] <= layout["client"], (name, layout)
        assert layout["bodyScroll"] <= layout["client"], (name, layout)

        found = page.evaluate(LINES)
        zh, latin = line_lengths(found, True), line_lengths(found, False)
        measured[name] = [
            (statistics.median(lines), max(lines)) if lines else None for lines in (zh, latin)
        ]
        assert max(zh, default=0) <= ZH_LINE[1], (name, sorted(zh)[-5:])
        assert max(latin, default=0) <= LATIN_LINE[1], (name, sorted(latin)[-5:])
        if width == DESKTOP["width"] and name in ("brief", "translation", "original"):
            # One column on a wide screen: full lines reach the measure, not just stay under it.
            lines = zh if name != "original" else latin
            low, high = ZH_LINE if name != "original" else LATIN_LINE
            assert low <= statistics.median(lines) <= high, (name, statistics.median(lines))

        styles = page.evaluate(STYLES)
        assert styles, name
        poor = [(s["what"], round(s["ratio"], 2)) for s in styles if s["ratio"] < AA_BODY]
        assert poor == [], (name, poor[:5])
        slanted = [s["what"] for s in styles if s["zh"] and s["fontStyle"] != "normal"]
        assert slanted == [], (name, slanted[:5])
        assert (styles[0]["paper"] < 0.05) is dark, "the page follows the reader's colour scheme"
    print(request.node.callspec.id, "(median, longest) line, Chinese then Latin, per tab:", measured)
    assert screen.errors == []


def test_the_tab_bar_stays_while_scrolling_and_long_tabs_have_contents(
    desktop: Watched, phone: Watched, sample: Article, link: Link
) -> None:
    page = desktop.page
    page.goto(link(sample.id, tab="translation"))
    toc = page.locator("#panel-translation details.toc")
    headings = [b for b in sample.translation if b.kind == "heading"]
    assert toc.locator("li").count() == len(headings) >= 3
    # Open beside the text on a wide screen.
    assert toc.get_attribute("open") is not None
    text = page.locator("#panel-translation .text").bounding_box()
    side = toc.bounding_box()
    assert text and side and side["x"] + side["width"] <= text["x"]
    # A heading from the contents opens under the pinned tab bar, not behind it.
    toc.locator("a").nth(len(headings) - 1).click()
    assert page.url.endswith(f"#translation-{len(headings)}")
    bar = page.locator(".tab-bar").bounding_box()
    target = page.locator(f"#translation-{len(headings)}").bounding_box()
    assert bar and target and page.evaluate("window.scrollY") > 1000
    assert abs(bar["y"]) < 1 and target["y"] >= bar["y"] + bar["height"] - 1
    assert target["x"] == text["x"]
    # Reloading at a heading's address opens its tab there.
    page.get_by_text("阅读简报", exact=True).click()
    page.goto(link(sample.id) + "#original-2")
    assert page.locator("#panel-original").is_visible()
    assert desktop.errors == []

    # On a phone the contents are folded above the text.
    phone.page.goto(link(sample.id, tab="original"))
    fold = phone.page.locator("#panel-original details.toc")
    assert fold.get_attribute("open") is None and fold.locator("summary").is_visible()
    phone.page.mouse.wheel(0, 3000)
    phone.page.wait_for_function("window.scrollY > 2000")
    assert abs(phone.page.locator(".tab-bar").bounding_box()["y"]) < 1  # type: ignore[index]


def test_archive_times_are_in_the_groups_timezone(desktop: Watched, sample: Article, link: Link) -> None:
    page = desktop.page
    page.goto(link(sample.id, group=SAMPLE_GROUP))
    first = page.locator("#panel-archive article.reply time").first
    # The first reply came at 08:01 UTC; the group's schedule is in Asia/Shanghai.
    assert first.inner_text() == "2026-06-05 16:01 UTC+8"
    assert first.get_attribute("datetime") == "2026-06-05T08:01:00+00:00"
