"""Extraction keeps the article's structure and drops the page's furniture."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.drafting.extract import extract_html, extract_markdown, extract_text
from bot.drafting.problem import SourceProblem
from bot.model import BlockKind, SpanKind
from tests.drafting.site import FURNITURE_ONLY, HERE

FURNITURE = ["Home", "Subscribe now", "cookies", "Related articles", "compost myths", "All rights reserved", "Privacy"]
ZH_FURNITURE = ["首页", "登录", "Cookie", "相关阅读", "十家值得一去的茶馆", "版权所有", "京ICP备"]


def kinds(extracted: object) -> list[tuple[str, str]]:
    return [(str(p.kind), p.text) for p in extracted.pieces]  # type: ignore[attr-defined]


def test_the_english_page_keeps_its_structure_and_drops_furniture() -> None:
    page = (HERE / "pages" / "field-notes.html").read_bytes()
    got = extract_html(page, source="field-notes", url="http://127.0.0.1/articles/slow-gardens")
    assert (got.title, got.author, got.published) == ("Field Notes on Slow Gardens", "Marta Quill", date(2026, 3, 14))
    pieces = got.pieces
    headings = [(p.text, p.level) for p in pieces if p.kind is BlockKind.HEADING]
    assert headings == [
        ("What the beds are made of", 2), ("The three layers", 3), ("What they grow, and what they leave", 2)
    ]
    numbered = [(p.number, p.text) for p in pieces if p.kind is BlockKind.LIST_ITEM and p.number]
    assert [n for n, _ in numbered] == [1, 2, 3] and numbered[0][1].startswith("Cardboard")
    assert sum(1 for p in pieces if p.kind is BlockKind.LIST_ITEM and p.number is None) == 3
    assert [p.text for p in pieces if p.kind is BlockKind.QUOTE] == [
        "A garden that is dug every spring forgets everything it learned the year before."
    ]
    assert [p.text for p in pieces if p.kind is BlockKind.IMAGE_CAPTION] == [
        "Beds under straw in late autumn, before the first frost."
    ]
    notes = [(p.number, p.text) for p in pieces if p.kind is BlockKind.FOOTNOTE]
    assert notes == [
        (1, "The phrase comes from a grower who asked not to be named."),
        (2, "We counted. It was not a long count."),
    ]
    refs = [s.text for p in pieces for s in p.spans if s.kind is SpanKind.FOOTNOTE_REF]
    assert refs == ["1", "2"]
    styles = {(s.kind, s.text, s.target) for p in pieces for s in p.spans if s.kind is not SpanKind.TEXT}
    assert styles == {
        (SpanKind.EMPHASIS, "weeds", None),
        (SpanKind.LINK, "those visits", "https://example.org/plots"),
        (SpanKind.FOOTNOTE_REF, "1", None),
        (SpanKind.FOOTNOTE_REF, "2", None),
    }
    assert sum(1 for p in pieces if p.kind is BlockKind.PARAGRAPH) == 6
    text = " ".join(p.text for p in pieces)
    for furniture in FURNITURE:
        assert furniture not in text
    assert "↩" not in text


def test_the_chinese_page_keeps_its_structure_and_drops_furniture() -> None:
    page = (HERE / "pages" / "tea-house.html").read_text(encoding="utf-8")
    got = extract_html(page, source="tea-house")
    assert (got.title, got.author, got.published, got.lang) == ("老茶馆的最后一个冬天", "林晚", date(2026, 1, 20), "zh-CN")
    assert [p.number for p in got.pieces if p.kind is BlockKind.LIST_ITEM] == [1, 2, 3]
    assert [p.text for p in got.pieces if p.kind is BlockKind.FOOTNOTE] == ["据老板回忆，茶馆最早开在一九八六年的秋天。"]
    assert [p.text for p in got.pieces if p.kind is BlockKind.IMAGE_CAPTION] == ["茶馆里的煤炉，已经用了二十多年。"]
    assert (SpanKind.STRONG, "三块钱一碗茶") in {(s.kind, s.text) for p in got.pieces for s in p.spans}
    text = " ".join(p.text for p in got.pieces)
    for furniture in ZH_FURNITURE:
        assert furniture not in text


def test_a_page_of_furniture_alone_has_no_article() -> None:
    with pytest.raises(SourceProblem, match="no article text was found"):
        extract_html(FURNITURE_ONLY, source="http://127.0.0.1/home")


def test_markdown_keeps_headings_lists_quotes_and_footnotes() -> None:
    text = (
        "# A Walk by the Canal\n\nWe left *early*, before the [locks](https://example.org/locks) opened.[^a]\n\n"
        "## On the towpath\n\n1. Bread\n2. Cheese\n\n- rope\n- map\n\n> Slow water is still water.\n\n"
        "[^a]: Six in the morning.\n"
    )
    got = extract_markdown(text, source="walk.md", fallback_title="walk")
    assert got.title == "A Walk by the Canal"
    assert kinds(got) == [
        ("paragraph", "We left early, before the locks opened.1"),
        ("heading", "On the towpath"),
        ("list_item", "Bread"),
        ("list_item", "Cheese"),
        ("list_item", "rope"),
        ("list_item", "map"),
        ("quote", "Slow water is still water."),
        ("footnote", "Six in the morning."),
    ]
    assert [p.number for p in got.pieces] == [None, None, 1, 2, None, None, None, 1]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_plain_text_gives_clean_one_line_blocks_or_says_it_is_empty(text: str) -> None:
    try:
        got = extract_text(text, source="notes.txt", fallback_title="notes")
    except SourceProblem as problem:
        assert "no article text" in str(problem)
        return
    for piece in got.pieces:
        assert piece.text and "\n" not in piece.text and piece.text == piece.text.strip()
