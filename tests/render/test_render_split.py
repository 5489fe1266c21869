"""The one splitting algorithm: where it cuts, and that it never loses, repeats or breaks text."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.document import Para, ParaKind, Span
from bot.render.split import Budget, cut_para, grapheme_bounds, pack, utf16_len
from tests.render.render_checks import consume
from tests.render.render_strategies import hostile_text, long_cjk, paras


def _fits_len(limit: int):
    def fits(ps: Sequence[Para]) -> bool:
        return sum(utf16_len(p.plain) for p in ps) + 2 * (len(ps) - 1) <= limit

    return fits


def _cut(text: str, limit: int, kind: ParaKind = ParaKind.PARAGRAPH) -> list[str]:
    return [p.plain for p in cut_para(Para((Span(text),), kind), lambda p: utf16_len(p.plain) <= limit)]


def test_cuts_at_a_sentence_end_before_a_clause_or_a_word() -> None:
    text = "One two three, four five. Six seven eight, nine ten eleven"
    assert _cut(text, 40) == ["One two three, four five. ", "Six seven eight, nine ten eleven"]


def test_cuts_after_chinese_sentence_punctuation_without_needing_a_space() -> None:
    text = "第一句话说完了。第二句话，还有一个分句；第三句话没有标点结束的时候也要能切开来看"
    pieces = _cut(text, 15)
    assert pieces[:2] == ["第一句话说完了。", "第二句话，还有一个分句；"]
    assert [len(p) for p in pieces[2:]] == [15, 5]
    assert "".join(pieces) == text


def test_falls_back_to_a_clause_then_a_word_then_a_hard_cut() -> None:
    assert _cut("alpha beta gamma, delta epsilon zeta eta theta", 24)[0] == "alpha beta gamma, "
    assert _cut("alpha beta gamma delta epsilon zeta eta theta", 24)[0] == "alpha beta gamma delta "
    assert _cut("x" * 50, 24) == ["x" * 24, "x" * 24, "xx"]


def test_a_line_break_is_the_preferred_cut() -> None:
    assert _cut("first line. still first\nsecond line goes on. and on", 30)[0] == "first line. still first\n"


def test_a_short_sentence_is_not_taken_when_a_clause_keeps_far_more() -> None:
    # Cutting after "Hi. " would leave a tiny message; a clause cut keeps more than half.
    text = "Hi. " + "word, " * 20
    assert len(_cut(text, 60)[0]) > 30


def test_never_cuts_inside_a_grapheme_cluster() -> None:
    family = "👨‍👩‍👧‍👦"
    text = family * 30
    pieces = _cut(text, 20)
    assert "".join(pieces) == text
    assert all(piece == family * (len(piece) // len(family)) for piece in pieces)
    flags = "🇨🇳🇺🇸" * 20
    assert all(len(regex.findall(r"\X", p)) * 4 == utf16_len(p) for p in _cut(flags, 18))
    accents = "e\u0301" * 40
    assert all(p == "e\u0301" * (len(p) // 2) for p in _cut(accents, 15))


def test_a_list_item_continues_without_a_second_bullet_and_styles_carry_over() -> None:
    para = Para((Span("lead " * 10, bold=True), Span("body " * 10)), ParaKind.LIST_ITEM)
    pieces = cut_para(para, lambda p: len(p.plain) <= 30)
    assert pieces[0].kind is ParaKind.LIST_ITEM
    assert all(p.kind is ParaKind.PARAGRAPH for p in pieces[1:])
    assert "".join(p.plain for p in pieces) == para.plain
    # the bold run spans the first cut: both sides of it are bold
    assert pieces[0].spans[0].bold and pieces[1].spans[0].bold


def test_a_group_stays_whole_when_it_fits_an_empty_chunk() -> None:
    a, b, c = (Para((Span(t * 10),)) for t in "abc")
    chunks = pack([(a,), (b, c)], _fits_len(25))
    assert chunks == [(a,), (b, c)]
    # too big for one chunk: divided into its paragraphs
    assert pack([(a, b, c)], _fits_len(15)) == [(a,), (b,), (c,)]


def test_a_budget_must_hold_some_text() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        Budget(8)


def test_a_cluster_bigger_than_the_limit_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="first character alone"):
        cut_para(Para((Span("👨‍👩‍👧‍👦 abc def"),)), lambda p: utf16_len(p.plain) <= 3)


@settings(max_examples=150, deadline=None)
@given(st.lists(paras, min_size=1, max_size=20), st.integers(min_value=60, max_value=1000))
def test_packing_loses_and_repeats_nothing_and_every_chunk_fits(ps: list[Para], limit: int) -> None:
    fits = _fits_len(limit)
    chunks = pack([(p,) for p in ps], fits)
    assert all(fits(chunk) for chunk in chunks)
    flat = [p for chunk in chunks for p in chunk]
    consume([p.plain for p in ps], flat)


@settings(max_examples=250, deadline=None)
@given(
    st.tuples(hostile_text, st.integers(min_value=16, max_value=300))
    | st.tuples(long_cjk, st.integers(min_value=400, max_value=4096))
)
def test_cuts_fall_on_grapheme_boundaries(case: tuple[str, int]) -> None:
    text, limit = case
    if not text.strip():
        return
    pieces = _cut(text, limit)
    assert "".join(pieces) == text
    bounds = {0, *grapheme_bounds(text)}
    offset = 0
    for piece in pieces[:-1]:
        offset += len(piece)
        assert offset in bounds
        assert utf16_len(piece) <= limit
        assert piece.strip()


def test_a_footnote_reference_stays_with_its_word() -> None:
    # "编写的。³ 在": the sentence end before the reference is no place to cut.
    para = Para((Span("第一句话说完了。" * 2 + "编写的。"), Span("³", note=True), Span(" 在后面还有很多很多的字")))
    pieces = cut_para(para, lambda p: utf16_len(p.plain) <= 30)
    assert all(not p.plain.startswith("³") for p in pieces)
    assert any("编写的。³" in p.plain for p in pieces)


@st.composite
def _noted_paras(draw: st.DrawFn) -> Para:
    spans: list[Span] = []
    for word in draw(st.lists(hostile_text.filter(lambda t: bool(t.strip())), min_size=1, max_size=8)):
        spans.append(Span(word, italic=draw(st.booleans())))
        if draw(st.booleans()):
            spans.append(Span(draw(st.sampled_from(["¹", "²³", "⁴⁵⁶"])), note=True))
    return Para(tuple(spans))


@settings(max_examples=200, deadline=None)
@given(_noted_paras(), st.integers(min_value=8, max_value=200))
def test_a_cut_never_separates_a_footnote_reference_from_its_word(para: Para, limit: int) -> None:
    glued = set()
    offset = 0
    for span in para.spans:
        if span.note:
            glued.update(range(offset, offset + len(span.text)))  # before it, and inside it
        offset += len(span.text)
    try:
        pieces = cut_para(para, lambda p: utf16_len(p.plain) <= limit)
    except ValueError:
        return  # a grapheme (with its reference) longer than the limit: refused, not cut wrongly
    assert "".join(p.plain for p in pieces) == para.plain
    cut = 0
    for piece in pieces[:-1]:
        cut += len(piece.plain)
        assert cut not in glued, f"cut at {cut} separates a reference from its word: {para.plain!r}"
        # the reference keeps its mark in the piece it went to
    assert sum(1 for p in pieces for s in p.spans if s.note) >= sum(1 for s in para.spans if s.note)
