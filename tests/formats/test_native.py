"""The native digest format: the documented example, the demo, and hand-written mistakes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.demo import DEMO_ARTICLE_PATH, demo_article
from bot.formats import ImportProblem, load_file
from bot.formats.native import dump_native, parse_native
from bot.model import Article, BilingualPair, Block, BlockKind, Brief

DOC = Path(__file__).resolve().parents[2] / "docs" / "digest-format.md"


def _documented_example() -> str:
    found = re.search(r"```markdown\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert found is not None
    return found.group(1)


def _parse(text: str) -> Article:
    return parse_native(text, source_name="digest.md")


def test_the_documented_example() -> None:
    article = _parse(_documented_example())
    assert article.id == "2025-03-02-letters" and article.published == date(2025, 3, 2)
    assert article.source_url == "https://example.org/letters"
    assert article.title != article.brief.headline
    assert [k.lead for k in article.brief.key_points][-1] == "*星号* 也能写进导语"
    assert [n.audience for n in article.brief.relevance] == ["读书会", "写作者"]
    assert len(article.brief.prompts) == 2
    kinds = [b.kind for b in article.original]
    assert kinds == [
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.QUOTE,
        BlockKind.IMAGE_CAPTION,
        BlockKind.PARAGRAPH,
        BlockKind.LIST_ITEM,
        BlockKind.LIST_ITEM,
        BlockKind.FOOTNOTE,
    ]
    assert [b.kind for b in article.translation] == kinds
    # Soft-wrapped lines: a space between English words, nothing between Chinese characters.
    assert article.original[1].text.endswith("we are willing to put in it.")
    assert "寄到，这段延迟" in article.translation[1].text
    assert article.original[4].text.startswith("# is how")
    captions = [p for p in article.bilingual if p.source and p.source.kind is BlockKind.IMAGE_CAPTION]
    assert len(captions) == 1 and captions[0].target is None
    assert [p.source for p in article.bilingual] == list(article.original)
    assert _parse(dump_native(article)) == article


def test_the_demo_article() -> None:
    article = demo_article()
    assert load_file(DEMO_ARTICLE_PATH) == article
    assert 6 <= sum(b.kind is BlockKind.PARAGRAPH for b in article.original) <= 10
    assert {b.kind for b in article.original} >= {
        BlockKind.HEADING,
        BlockKind.LIST_ITEM,
        BlockKind.IMAGE_CAPTION,
        BlockKind.FOOTNOTE,
    }
    assert 3 <= len(article.brief.key_points) <= 5 and 2 <= len(article.brief.relevance) <= 3
    assert len(article.brief.prompts) == 3
    assert all(p.source and p.target and p.source.kind is p.target.kind for p in article.bilingual)
    assert _parse(dump_native(article)) == article


def test_aligned_sections_pair_block_by_block_and_the_explicit_section_is_only_written_when_needed() -> None:
    original = (Block(BlockKind.PARAGRAPH, "One."), Block(BlockKind.IMAGE_CAPTION, "Image 1: A cat."))
    translation = (Block(BlockKind.PARAGRAPH, "一。"), Block(BlockKind.IMAGE_CAPTION, "图 1：一只猫。"))
    aligned = Article(
        id="cats",
        title="Cats",
        brief=Brief("猫", "一篇关于猫的文章。"),
        original=original,
        translation=translation,
        bilingual=tuple(BilingualPair(s, t) for s, t in zip(original, translation, strict=True)),
    )
    text = dump_native(aligned)
    assert "# Bilingual" not in text and _parse(text) == aligned
    unpaired = Article(
        id="cats",
        title="Cats",
        brief=aligned.brief,
        original=original,
        translation=translation[:1],
        bilingual=(BilingualPair(original[0], translation[0]), BilingualPair(original[1], None)),
    )
    text = dump_native(unpaired)
    assert "# Bilingual" in text and _parse(text) == unpaired
    no_pairs = Article(
        id="cats", title="Cats", brief=aligned.brief, original=original, translation=translation[:1]
    )
    assert _parse(dump_native(no_pairs)) == no_pairs


def test_paragraphs_that_look_like_marks_are_escaped() -> None:
    texts = [
        "# Original",
        "- not an item",
        "1. not a list",
        "> not a quote",
        "= not a target",
        "\\ backslash",
        "![not a caption]",
        "[^1]: not a note",
        "## not a heading",
        "+++",
        "**bold?**",
        "#hashtag",
    ]
    blocks = tuple(Block(BlockKind.PARAGRAPH, t) for t in texts)
    article = Article(id="marks", title="Marks", brief=Brief("# Verdict", "- also escaped"), original=blocks)
    text = dump_native(article)
    assert "\n\\# Original\n" in text and "\n\\- also escaped\n" in text and "\n+++\n" in text
    assert "\n#hashtag\n" in text  # not a mark, so written bare
    assert _parse(text) == article


def test_an_id_is_derived_when_the_front_matter_has_none() -> None:
    text = '+++\ntitle = "T"\nheadline = "判断"\npublished = 2025-01-02\n+++\n# Verdict\nV.\n'
    article = _parse(text)
    assert re.fullmatch(r"2025-01-02-[0-9a-f]{8}", article.id) and article.brief.headline == "判断"


FRONT = '+++\nid = "x"\ntitle = "T"\n+++\n'


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("# Verdict\nV.\n", "line 1", "starts with a +++ line"),
        ('+++\ntitle = "T"\n# Verdict\n', "line 1", "never closed"),
        ('+++\ntitle = "T"\nid = \n+++\n# Verdict\nV.\n', "line 3", "not valid TOML"),
        ('+++\ntitle = "T"\ncolour = "red"\n+++\n# Verdict\nV.\n', "front matter", "unknown key 'colour'"),
        ('+++\nid = "x"\n+++\n# Verdict\nV.\n', "front matter", "title is missing"),
        ('+++\nid = "X Y"\ntitle = "T"\n+++\n# Verdict\nV.\n', "front matter", "a-z, 0-9"),
        ('+++\ntitle = " T"\n+++\n# Verdict\nV.\n', "front matter", "whitespace"),
        ('+++\ntitle = "T"\npublished = "soon"\n+++\n# Verdict\nV.\n', "front matter", "not a date"),
        (FRONT + "# Key points\n- **a** b\n", "# Verdict", "section missing"),
        (FRONT + "# Verdict\nV.\n# Summary\n", "line 7", "unknown section 'Summary'"),
        (FRONT + "# Verdict\nV.\n# verdict\nW.\n", "line 7", "a second # Verdict"),
        (FRONT + "Hello\n# Verdict\nV.\n", "line 5", "text before the first section"),
        (FRONT + "# Verdict\nV.\n\nW.\n", "line 8", "one paragraph"),
        (FRONT + "# Verdict\nV.\n# Key points\nA point.\n", "line 8", "list items"),
        (FRONT + "# Verdict\nV.\n# Key points\n- A point.\n", "line 8", "- **lead** text"),
        (FRONT + "# Verdict\nV.\n# Key points\n- **A point.\n", "line 8", "not closed"),
        (FRONT + "# Verdict\nV.\n# Relevance\n- **Ann**\n", "line 8", "the note for Ann has no text"),
        (
            FRONT + "# Verdict\nV.\n# Original\n\nOne.\n\nTwo.\n# Translation\n一。\n",
            "# Bilingual",
            "2 blocks",
        ),
        (FRONT + "# Verdict\nV.\n# Original\n= 一。\n", "line 8", "# Bilingual"),
        (FRONT + "# Verdict\nV.\n# Bilingual\nOne.\nTwo.\n= 一。\n", "line 8", "continue"),
        (FRONT + "# Verdict\nV.\n# Bilingual\n## One\nTwo.\n= 一。\n", "line 9", "one source block per pair"),
        (FRONT + "# Verdict\nV.\n# Bilingual\nOne.\n=\n", "line 9", "empty"),
        (FRONT + "# Verdict\nV.\n# Original\n- \n", "line 8", "empty item"),
    ],
)
def test_mistakes_are_named(text: str, where: str, what: str) -> None:
    if what == "continue":  # a soft-wrapped source paragraph is fine
        assert _parse(text).bilingual[0].source == Block(BlockKind.PARAGRAPH, "One. Two.")
        return
    with pytest.raises(ImportProblem) as caught:
        _parse(text)
    assert (caught.value.path, caught.value.where) == ("digest.md", where) and what in caught.value.what, str(
        caught.value
    )


def test_dump_refuses_texts_it_could_not_read_back() -> None:
    article = Article(id="x", title="Two\nlines", brief=Brief("h", "v"))
    with pytest.raises(ValueError, match=r"\$\.title contains a line break"):
        dump_native(article)
