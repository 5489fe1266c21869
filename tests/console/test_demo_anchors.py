"""The console demo, end to end: a reply citing ¶3 is anchored to the third block, and shows up beside
that paragraph on the signed page, under it in the exports, and in /catchup."""

from __future__ import annotations

import json
from pathlib import Path

from bot.demo import demo_article
from storage.db import make_engine
from tests.console.test_demo_script import messages, run_demo
from tests.web.anchored import assert_beside, page_html

# #1 greeting, #2 /lang en, #3 its answer, #4 /postnow, #5 the brief, #6–#8 the prompts.
SCRIPT = """\
ada: /lang en
ada: /postnow
bob ^6: ¶3 the heading is the whole point
cy ^7: 第3段 agreed, headings train attention
dee: /para 4
dee ^12: copying by hand is slow on purpose
late: /catchup
ada: /status
ada: /export json
ada: /export md
ada: /export html
"""


def test_a_reply_citing_a_paragraph_is_anchored_everywhere(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    said = messages(run_demo(db, SCRIPT))
    third = demo_article().original[2].text
    assert said[12].splitlines()[1] == "Paragraph 4 of 12" and "¶4 " in said[12]

    catchup = said[15]
    assert catchup.startswith("(to late) Catching up:")
    assert "Prompt 1: " in catchup and "— 1 reply: bob" in catchup.split("Prompt 2")[0]
    assert "— 1 reply: cy" in catchup.split("Prompt 2")[1].split("Prompt 3")[0]
    assert "Other replies: — 1 reply: dee" in catchup
    assert f"¶3 {third} — 2 replies" in catchup and "¶4 " in catchup
    assert "Replies per paragraph" in said[17] and f"¶3 {third} — 2 replies" in said[17]

    data = json.loads((tmp_path / "demo-commonplace-books-archive.json").read_text(encoding="utf-8"))
    [discussion] = data["discussions"]
    by_text = {r["text"]: r for r in discussion["replies"]}
    assert by_text["¶3 the heading is the whole point"]["paragraph"] == 3
    assert by_text["第3段 agreed, headings train attention"]["paragraph"] == 3
    assert by_text["copying by hand is slow on purpose"]["paragraph"] == 4
    assert [p["paragraph"] for p in discussion["paragraphs"]] == [3, 4]
    markdown = (tmp_path / "demo-commonplace-books-archive.md").read_text(encoding="utf-8")
    under = markdown.split(f"#### ¶3 · {third}")[1].split("####")[0]
    assert "the heading is the whole point" in under and "agreed, headings" in under
    html = (tmp_path / "demo-commonplace-books-archive.html").read_text(encoding="utf-8")
    assert '<span class="number">¶3</span>' in html and 'href="#d1-p3">¶3</a>' in html

    engine = make_engine(f"sqlite:///{db}")
    try:
        assert_beside(engine, "demo-commonplace-books", "console:demo", 3, "the heading is the whole point")
        assert_beside(
            engine, "demo-commonplace-books", "console:demo", 4, "copying by hand is slow on purpose"
        )
        # The archive tab links each anchored reply to its paragraph in the bilingual tab.
        page = page_html(engine, "demo-commonplace-books", "console:demo")
        assert page.count('class="paragraph" href="#bilingual-p3">¶3</a>') == 2
    finally:
        engine.dispose()
