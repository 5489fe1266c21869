"""Paragraph numbers (¶N) and the forms a reply cites one with: parsed whatever follows them."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.anchors import chinese_number, cited_paragraph, shown_paragraph
from bot.model import Article, BilingualPair, Block, BlockKind, Brief
from bot.paragraphs import numbering, paragraph_of_quote

_DIGITS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """n (1..9999) in Chinese numerals, written independently of the parser: 十二, 一百零五, 两千 …"""
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("" if (digit == 1 and unit == "十" and not out) else _DIGITS[digit]) + unit
    return out


numbers = st.integers(min_value=1, max_value=99_999)
# What may follow a citation: anything that does not continue the number (or, after "p", a word).
tails = st.text(max_size=30).filter(lambda t: not unicodedata.normalize("NFKC", t)[:1].isalnum())
blanks = st.sampled_from(["", " ", "  ", "\n", "\u3000"])


@given(
    numbers,
    tails,
    blanks,
    st.sampled_from(
        ["¶{n}", "¶ {n}", "第{n}段", "第 {n} 段", "p{n}", "P.{n}", "p. {n}", "para {n}", "Paragraph {n}"]
    ),
)
def test_every_citation_form_gives_its_number(n: int, tail: str, lead: str, form: str) -> None:
    assert cited_paragraph(lead + form.format(n=n) + tail) == n


@given(st.integers(min_value=1, max_value=9999), tails)
def test_chinese_numerals_are_read(n: int, tail: str) -> None:
    assert chinese_number(to_chinese(n)) == n
    assert cited_paragraph(f"第{to_chinese(n)}段{tail}") == n


@given(st.integers(min_value=0, max_value=9999), tails)
def test_full_width_digits_count(n: int, tail: str) -> None:
    wide = "".join(chr(ord(c) - ord("0") + ord("０")) for c in str(n))
    assert cited_paragraph(f"¶{wide}{tail}") == n


@given(st.text(max_size=40))
def test_text_that_does_not_start_with_a_citation_cites_nothing(text: str) -> None:
    folded = unicodedata.normalize("NFKC", text).lstrip().casefold()
    if folded.startswith(("¶", "第", "p")):
        return  # may be a citation; the other tests cover those
    assert cited_paragraph(text) is None
    assert cited_paragraph("well, " + text) is None


@given(numbers, st.sampled_from(["p", "para", "paragraph"]), st.sampled_from("abcxyzP"))
def test_a_word_that_merely_starts_with_p_and_digits_cites_nothing(n: int, word: str, letter: str) -> None:
    assert cited_paragraph(f"{word}{n}{letter} networks") is None


def test_a_bot_message_shows_a_paragraph_only_when_it_shows_one() -> None:
    assert shown_paragraph("Title\nParagraph 3 of 9\n\n¶3 Text.\n\n> 译文") == 3
    assert shown_paragraph("• ¶12 a list item") == 12
    assert shown_paragraph("¶1 one\n\n¶2 two") is None
    assert shown_paragraph("Discussion prompt 1 of 3\n\nWhat about ¶2?") is None


def _article(
    original: list[str], pairs: list[tuple[str | None, str | None]], translation: list[str]
) -> Article:
    def block(text: str | None) -> Block | None:
        return None if text is None else Block(BlockKind.PARAGRAPH, text)

    return Article(
        id="numbers",
        title="t",
        brief=Brief("h", "v"),
        original=tuple(Block(BlockKind.PARAGRAPH, t) for t in original),
        translation=tuple(Block(BlockKind.PARAGRAPH, t) for t in translation),
        bilingual=tuple(BilingualPair(block(s), block(t)) for s, t in pairs),
    )


def test_every_view_numbers_a_block_by_its_place_in_the_original() -> None:
    article = _article(
        ["One.", "Caption only in English.", "Three.", "Four."],
        [
            ("One.", "一。"),
            ("Caption only in English.", None),
            ("Three.", "三。"),
            (None, "译者注。"),
            ("Four.", "四。"),
        ],
        ["一。", "三。", "译者注。", "四。"],
    )
    got = numbering(article)
    assert got.original == (1, 2, 3, 4) and got.count == 4
    assert got.bilingual == (1, 2, 3, None, 4)  # a block only in the translation has no number
    assert got.translation == (1, 3, None, 4)
    assert (
        paragraph_of_quote(article, "three") == 3 and paragraph_of_quote(article, "四") is None
    )  # too short
    assert paragraph_of_quote(article, "Caption only") == 2


def test_an_article_without_pairs_numbers_aligned_texts_together() -> None:
    article = _article(["A.", "B."], [], ["甲。", "乙。"])
    assert numbering(article).translation == (1, 2)
    assert numbering(_article(["A.", "B."], [], ["甲乙。"])).translation == (None,)
