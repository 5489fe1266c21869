"""Property tests: the three formats agree on every article in the shared text domain, and no input
makes an importer fail with anything but ImportProblem."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.formats import ImportProblem, load_text
from bot.formats.jsondoc import dump_json, parse_json, schema
from bot.formats.native import dump_native, implicit_pairs, parse_native
from bot.formats.text import text_problem
from bot.model import (
    Article,
    BilingualPair,
    Block,
    BlockKind,
    Brief,
    KeyPoint,
    RelevanceNote,
    SpanKind,
    TextSpan,
    join_spans,
)
from tests.formats.pages import simple_page

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Strings that have a meaning at the start of a native line, in a TOML string, or in a page copy.
AWKWARD = [
    "+++",
    "# Verdict",
    "#",
    "## h",
    "- x",
    "-",
    "* y",
    "+ z",
    "1. one",
    "2)",
    "> q",
    ">",
    "![c]",
    "![",
    "[^1]: n",
    "= t",
    "=",
    "\\",
    "\\\\x",
    "**",
    "**lead**",
    "\\*",
    "`code`",
    "_u_",
    "<b>",
    "&amp;",
    '"',
    "'''",
    '"""',
    "核心观点",
    "讨论引子",
    "📋 讨论归档",
    "对 X 意味着什么、下一步怎么用",
    "中文",
    "繁體",
    "😀",
    "👩‍👩‍👧",
    "a\u2028b",
    "x\u3000y",
    "a\u00a0b",
    "\u200b",
    "\ufeff",
    "Image 1:",
    "1850–1900",
    "%s",
    "{",
    "}",
    "[x](y)",
]
_CHARS = st.characters(exclude_categories=("Cc", "Cs"))
# Any text of the domain, weighted towards the awkward ones (and kept cheap to draw: an article
# holds dozens of texts).
TEXT = st.one_of(
    st.sampled_from(AWKWARD),
    st.tuples(st.sampled_from(AWKWARD), st.sampled_from(AWKWARD)).map(" ".join),
    st.text(_CHARS, min_size=1, max_size=10).map(str.strip).filter(bool),
    st.tuples(st.sampled_from(AWKWARD), st.text(_CHARS, max_size=6)).map("".join).map(str.strip),
).filter(lambda t: text_problem(t) is None)
IDS = st.tuples(st.sampled_from("a0z9"), st.text("abcxyz0189-", max_size=12)).map("".join)


# Styled runs: any text of the domain, set plain, emphasised, strong, as a link or a note reference.
_STYLED = st.one_of(
    st.builds(TextSpan, TEXT, st.sampled_from([SpanKind.EMPHASIS, SpanKind.STRONG])),
    st.builds(TextSpan, TEXT, st.just(SpanKind.LINK), TEXT.map(lambda t: re.sub(r"\s+", "", t)).filter(bool)),
    st.integers(1, 99).map(lambda n: TextSpan(str(n), SpanKind.FOOTNOTE_REF)),
)
_RUN = st.one_of(TEXT.map(TextSpan), st.just(TextSpan(" ")), _STYLED)


@st.composite
def _block(draw: st.DrawFn) -> Block:
    kind = draw(st.sampled_from(list(BlockKind)))
    if draw(st.booleans()):
        spans: tuple[TextSpan, ...] = (TextSpan(draw(TEXT)),)
    else:
        spans = tuple(draw(st.lists(_RUN, min_size=1, max_size=4)))
        joined = "".join(s.text for s in spans)
        if text_problem(joined) is not None:
            spans = (*spans, TextSpan("x")) if joined.strip() else (TextSpan("x"), *spans, TextSpan("y"))
            if joined != joined.lstrip():
                spans = (TextSpan("x"), *spans)
    fields: dict[str, object] = {}
    if kind is BlockKind.HEADING:
        fields["level"] = draw(st.integers(2, 6))
    elif kind is BlockKind.LIST_ITEM:
        fields["number"] = draw(st.none() | st.integers(0, 999))
    elif kind is BlockKind.QUOTE:
        fields["attribution"] = draw(st.none() | TEXT)
    elif kind is BlockKind.FOOTNOTE:
        fields["number"] = 0  # numbered in order below, as every format numbers its notes
    return Block.of(kind, spans, **fields)


def _noted(blocks: list[Block]) -> tuple[Block, ...]:
    """`blocks` with their footnotes numbered 1, 2, … in order."""
    out, count = [], 0
    for block in blocks:
        if block.kind is BlockKind.FOOTNOTE:
            count += 1
            block = replace(block, number=count)
        out.append(block)
    return tuple(out)


def _noted_pairs(pairs: list[BilingualPair]) -> tuple[BilingualPair, ...]:
    sources = iter(_noted([p.source for p in pairs if p.source is not None]))
    targets = iter(_noted([p.target for p in pairs if p.target is not None]))
    return tuple(
        BilingualPair(
            None if p.source is None else next(sources), None if p.target is None else next(targets)
        )
        for p in pairs
    )


@st.composite
def articles(draw: st.DrawFn) -> Article:
    original = _noted(draw(st.lists(_block(), max_size=3)))
    translation = _noted(draw(st.lists(_block(), max_size=3)))
    implicit = implicit_pairs(original, translation)
    free_pairs = st.lists(
        st.tuples(st.none() | _block(), st.none() | _block())
        .filter(lambda p: p != (None, None))
        .map(lambda p: BilingualPair(*p)),
        max_size=4,
    ).map(_noted_pairs)
    bilingual = draw(free_pairs if implicit is None else st.just(implicit) | free_pairs)
    brief = Brief(
        headline=draw(TEXT),
        verdict=draw(TEXT),
        key_points=tuple(draw(st.lists(st.builds(KeyPoint, TEXT, st.just("") | TEXT), max_size=3))),
        relevance=tuple(draw(st.lists(st.builds(RelevanceNote, TEXT, TEXT), max_size=3))),
        prompts=tuple(draw(st.lists(TEXT, max_size=3))),
    )
    return Article(
        id=draw(IDS),
        title=draw(TEXT),
        brief=brief,
        source_url=draw(st.none() | TEXT.map(lambda t: re.sub(r"\s+", "", t)).filter(bool)),
        published=draw(st.none() | st.dates(date(1, 1, 1), date(9999, 12, 31))),
        source_lang=draw(st.sampled_from(["en", "fr", "zh-Hant", "pt-BR"])),
        target_lang=draw(st.sampled_from(["zh-Hans", "ja", "en"])),
        original=original,
        translation=translation,
        bilingual=bilingual,
    )


@PROPERTY
@given(articles())
def test_round_trips(article: Article) -> None:
    # One generated article serves all three checks: drawing articles is the costly part.
    native = dump_native(article)
    assert parse_native(native, source_name="a.md") == article
    exported = dump_json(article)
    again = parse_json(exported, source_name="a.json")
    assert again == article and dump_json(again) == exported
    # JSON → native → JSON gives the same document.
    through_native = load_text(dump_native(load_text(exported, source_name="a.json")), source_name="a.md")
    assert dump_json(through_native) == exported


@PROPERTY
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=8))
def test_the_schema_text_pattern_is_the_text_domain(text: str) -> None:
    pattern = re.compile(schema()["$defs"]["text"]["pattern"])
    assert (pattern.search(text) is not None) == (text_problem(text) is None)


@PROPERTY
@given(
    st.one_of(
        st.text(),
        st.sampled_from(["{", "+++\n", "核心观点\n", '+++\ntitle = "t"\n+++\n']).flatmap(
            lambda head: st.text().map(lambda tail: head + tail)
        ),
    )
)
def test_arbitrary_text_is_refused_only_with_import_problem(text: str) -> None:
    try:
        load_text(text, source_name="fuzz.txt")
    except ImportProblem as problem:
        assert problem.path == "fuzz.txt" and problem.where and problem.what


@PROPERTY
@given(st.data())
def test_damaged_pages_parse_or_are_refused_with_import_problem(data: st.DataObject) -> None:
    lines = simple_page().split("\n")
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "repeat", "swap", "replace"]))
        if action == "drop":
            del lines[at]
        elif action == "repeat":
            lines.insert(at, lines[at])
        elif action == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif action == "replace":
            lines[at] = data.draw(st.sampled_from(AWKWARD + ["", "  1. 注。", "Image 9: X."]))
        if not lines:
            break
    try:
        article = load_text("\n".join(lines), source_name="page.txt")
    except ImportProblem as problem:
        assert problem.path == "page.txt"
    else:
        assert [p.source for p in article.bilingual if p.source] == list(article.original)


@PROPERTY
@given(st.lists(_RUN, min_size=1, max_size=6))
def test_inline_marks_read_back_every_run(runs: list[TextSpan]) -> None:
    from bot.formats.inline import read_spans, write_spans

    spans = join_spans(tuple(runs))
    assert read_spans(write_spans(spans)) == spans


@PROPERTY
@given(
    st.text(max_size=40)
    | st.lists(
        st.sampled_from(["*", "**", "[", "]", "(", ")", "\\", "^", "x", " ", "[^", "](", "中"]), max_size=12
    ).map("".join)
)
def test_any_hand_written_line_reads_as_runs_of_its_characters(line: str) -> None:
    from bot.formats.inline import read_spans

    spans = read_spans(line)
    # Marks and escapes are dropped, never text: every character left is the line's, in order.
    it = iter(line)
    assert all(ch in it for ch in "".join(s.text for s in spans))
