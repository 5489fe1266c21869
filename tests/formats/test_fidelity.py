"""Import keeps what makes the text readable: on the sample page and on our own page, every footnote
number and reference, list number, emphasised word, bold lead and heading level the page shows is in
the imported article, in both languages and in the bilingual pairs, and survives JSON and the native
digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.formats import load_file, load_text
from bot.formats.jsondoc import dump_json
from bot.formats.native import dump_native
from bot.model import Article, BlockKind
from tests.fidelity.census import (
    GARDEN,
    Expected,
    bilingual,
    expected_garden,
    expected_sample,
    interleave,
    of_blocks,
)


@pytest.fixture(params=["sample", "garden"])
def page(request: pytest.FixtureRequest) -> tuple[Article, Expected]:
    if request.param == "garden":
        path = GARDEN
        expect = expected_garden
    else:
        path = request.getfixturevalue("sample_page")
        expect = expected_sample
    assert isinstance(path, Path)
    return load_file(path), expect(path.read_text(encoding="utf-8"))


def test_the_import_counts_what_the_page_shows(page: tuple[Article, Expected]) -> None:
    article, expected = page
    assert of_blocks(article.original) == expected.source
    assert of_blocks(article.translation) == expected.target


def test_the_pairs_keep_both_sides_numbered_and_styled(page: tuple[Article, Expected]) -> None:
    article, expected = page
    sources = [p.source for p in article.bilingual]
    targets = [p.target for p in article.bilingual]
    assert of_blocks(sources) == expected.source
    assert of_blocks(targets) == expected.target
    assert bilingual(article) == of_blocks(interleave(sources, targets))
    # footnote i pairs with footnote i
    notes = [p for p in article.bilingual if p.source is not None and p.source.kind is BlockKind.FOOTNOTE]
    assert [(p.source.number, p.target.number) for p in notes if p.target] == [
        (n, n) for n in expected.source.notes
    ]  # type: ignore[union-attr]


def test_json_and_the_native_digest_keep_every_count(page: tuple[Article, Expected]) -> None:
    article, expected = page
    for again in (
        load_text(dump_json(article), source_name="a.json"),
        load_text(dump_native(article), source_name="a.md"),
    ):
        assert again == article
        assert (
            of_blocks(again.original) == expected.source and of_blocks(again.translation) == expected.target
        )


def test_the_attributed_quote_is_a_quote(page: tuple[Article, Expected]) -> None:
    article, _ = page
    quotes = [b for b in article.original if b.kind is BlockKind.QUOTE]
    assert quotes and all(q.attribution for q in quotes)
    assert not any(
        b.kind is BlockKind.HEADING and b.text.startswith(("—", "Anthropic employee"))
        for b in article.original
    )


def test_run_in_leads_get_their_space_back(page: tuple[Article, Expected]) -> None:
    article, _ = page
    for block in (*article.original, *article.translation):
        if block.spans[0].kind.value == "strong" and len(block.spans) > 1:
            assert block.spans[1].text.startswith(" "), block.text[:60]
    assert "code.As" not in "".join(b.text for b in article.original)
