"""The sample reading page: every part of it, checked against the page itself rather than copied text."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.formats import load_file, load_text
from bot.formats.jsondoc import article_from_dict, article_to_dict, dump_json, parse_json, schema
from bot.formats.native import dump_native, parse_native
from bot.formats.text import has_han
from bot.model import ARTICLE_ID_RE, Article, BlockKind


@pytest.fixture
def page_text(sample_page: Path) -> str:
    return sample_page.read_text(encoding="utf-8")


@pytest.fixture
def article(sample_page: Path) -> Article:
    return load_file(sample_page)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n")]


def _section(text: str, label: str, following: str) -> list[str]:
    lines = _lines(text)
    start, end = lines.index(label), lines.index(following)
    return [line for line in lines[start + 1 : end] if line]


def test_brief_counts_and_date(article: Article) -> None:
    brief = article.brief
    assert len(brief.key_points) == 5
    assert [note.audience for note in brief.relevance] == ["ATou", "Neta", "Uota", "投资"]
    assert len(brief.prompts) == 3
    assert article.published == date(2026, 6, 5)
    assert ARTICLE_ID_RE.match(article.id) and article.id.startswith("2026-06-05-")
    assert (article.source_lang, article.target_lang) == ("en", "zh-Hans")


def test_headline_and_verdict_are_the_lines_above_the_link(article: Article, page_text: str) -> None:
    lines = [line for line in _lines(page_text) if line]
    link = next(i for i, line in enumerate(lines) if line.startswith("打开原文"))
    assert (article.brief.headline, article.brief.verdict) == (lines[link - 2], lines[link - 1])
    assert article.title == article.brief.headline
    assert has_han(article.brief.headline) and len(article.brief.verdict) > len(article.brief.headline)


def test_key_points_split_lead_from_body(article: Article, page_text: str) -> None:
    raw = _section(page_text, "核心观点", "跟我们的关联")
    for line, point in zip(raw, article.brief.key_points, strict=True):
        assert line == f"• {point.lead} {point.body}"
        assert point.lead and point.body and len(point.lead) < len(point.body)
        assert point.lead == point.lead.strip() and not point.lead[-1].isascii()


def test_relevance_notes_keep_their_text(article: Article, page_text: str) -> None:
    raw = _section(page_text, "跟我们的关联", "讨论引子")
    for line, note in zip(raw, article.brief.relevance, strict=True):
        assert line.endswith(" " + note.text) and note.audience in line
        assert "意味着什么" not in note.text


def test_prompts_are_split_from_one_line(article: Article, page_text: str) -> None:
    lines = _lines(page_text)
    prompt_line = next(line for line in lines[lines.index("讨论引子") + 1 :] if line)
    assert prompt_line == " ".join(f"{i}. {p}" for i, p in enumerate(article.brief.prompts, 1))
    assert all(not re.match(r"\d", p) for p in article.brief.prompts)


def test_original_is_source_language_only_and_every_block_is_paired_once_in_order(article: Article) -> None:
    assert article.original and not any(has_han(b.text) for b in article.original)
    sources = [pair.source for pair in article.bilingual if pair.source is not None]
    assert sources == list(article.original)


def test_each_source_block_is_paired_with_its_translation(article: Article) -> None:
    targets = [pair.target for pair in article.bilingual if pair.target is not None]
    # The translation tab lists the same Chinese blocks, in order, plus the untranslated captions.
    assert targets == [b for b in article.translation if b.kind is not BlockKind.IMAGE_CAPTION]
    for pair in article.bilingual:
        assert pair.source is not None
        if pair.target is not None:
            assert pair.target.kind is pair.source.kind
            assert has_han(pair.target.text) or pair.target.text == pair.source.text


def test_captions_stay_unpaired(article: Article) -> None:
    captions = [p for p in article.bilingual if p.source and p.source.kind is BlockKind.IMAGE_CAPTION]
    assert captions and all(p.target is None and p.source.text.startswith("Image ") for p in captions)
    assert all(
        p.source and p.source.kind is BlockKind.IMAGE_CAPTION for p in article.bilingual if p.target is None
    )


def test_labels_shown_twice_are_one_pair(article: Article, page_text: str) -> None:
    lines = [line for line in _lines(page_text) if line]
    twice = {a for a, b in zip(lines, lines[1:], strict=False) if a == b}
    assert twice, "the sample shows some labels twice in a row"
    for label in twice:
        pairs = [p for p in article.bilingual if p.source and p.source.text == label]
        assert len(pairs) == 1 and pairs[0].target is not None and pairs[0].target.text == label
        assert pairs[0].source is not None and pairs[0].source.kind is BlockKind.HEADING


def test_footnotes_pair_item_by_item(article: Article) -> None:
    notes = [p for p in article.bilingual if p.source and p.source.kind is BlockKind.FOOTNOTE]
    assert len(notes) >= 2
    assert [p.source for p in notes] == [b for b in article.original if b.kind is BlockKind.FOOTNOTE]
    assert [p.target for p in notes] == [b for b in article.translation if b.kind is BlockKind.FOOTNOTE]
    assert article.original[-len(notes) :] == tuple(p.source for p in notes)


def test_block_kinds(article: Article) -> None:
    kinds = {b.kind for b in article.original}
    assert kinds == set(BlockKind)
    # The one attributed remark is a quote, its attribution line no heading of its own.
    quotes = [b for b in article.original if b.kind is BlockKind.QUOTE]
    assert [q.attribution for q in quotes] == ["Anthropic employee*"]
    assert not any(b.text == "Anthropic employee*" for b in article.original)
    assert not any(re.match(r"(\d+\.|•)\s", b.text) for b in (*article.original, *article.translation))


@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: "\ufeff" + t,
        lambda t: t.replace("\n", "  \n").replace("\n", "\t\n", 5),
        lambda t: t.replace("\n\n", "\n\n\n"),
        lambda t: "\n\n" + t + "\n\n",
        lambda t: "\ufeff" + t.replace("\n", " \r\n"),
    ],
    ids=["crlf", "bom", "trailing-spaces", "extra-blank-lines", "blank-lines-around", "all"],
)
def test_variants_parse_identically(
    article: Article, page_text: str, variant: object, tmp_path: Path
) -> None:
    assert callable(variant)
    path = tmp_path / "variant.txt"
    path.write_bytes(variant(page_text).encode("utf-8"))
    assert load_file(path) == article


def test_page_to_json_to_article_to_json_is_identical(article: Article) -> None:
    exported = dump_json(article)
    again = parse_json(exported, source_name="export.json")
    assert again == article and dump_json(again) == exported
    assert load_text(exported, source_name="export.json") == article
    assert article_from_dict(article_to_dict(article)) == article

    from jsonschema import Draft202012Validator

    Draft202012Validator(schema()).validate(article_to_dict(article))


def test_page_to_native_and_back(article: Article) -> None:
    text = dump_native(article)
    assert parse_native(text, source_name="sample.md") == article
    assert load_text(text, source_name="sample.md") == article
