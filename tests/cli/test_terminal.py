"""Line breaking of Chinese and English for the terminal views."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from bot.cli.terminal import NO_LINE_END, NO_LINE_START, Wrapped, _is_wide, _units, break_offsets
from bot.formats import load_file
from bot.model import BlockKind, SpanKind
from bot.render.document import superscript
from tests.cli.conftest import Atou


def _lines(text: str, width: int) -> list[str]:
    offsets = [0, *break_offsets(text, width), len(text)]
    return [text[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]


def _room_left(text: str, starts: list[int], width: int) -> list[str]:
    """The lines (each starting at one of `starts`, in order) after which the next unit would still fit.

    A filled line has no room for the word, wide character or glued mark that begins the next one;
    a break inside a unit too wide for any line is not a choice and is not checked.
    """
    units = {unit.start: unit for unit in _units(text)}
    bounds = [*starts, len(text)]
    return [
        text[a:b]
        for a, b in zip(bounds, bounds[1:-1], strict=False)
        if b in units and cell_len(text[a : units[b].end]) <= width
    ]


def test_chinese_breaks_between_characters() -> None:
    assert [line.rstrip() for line in _lines("河流把泥沙带到海里", 8)] == ["河流把泥", "沙带到海", "里"]


def test_english_breaks_at_spaces_only() -> None:
    assert [line.rstrip() for line in _lines("the delta grows every year", 12)] == ["the delta", "grows every", "year"]


def test_closing_punctuation_never_starts_a_line() -> None:
    # "，" would fall at the start of the second line; it goes with the character before it.
    lines = [line.rstrip() for line in _lines("一二三四，五六", 8)]
    assert lines == ["一二三", "四，五六"]


def test_opening_quote_never_ends_a_line() -> None:
    lines = [line.rstrip() for line in _lines("一二三“四五”", 8)]
    assert lines == ["一二三", "“四五”"]


def test_spaces_before_a_word_count_once_not_for_every_character_after_it() -> None:
    # After "AI " the rest of the line is wide characters; each is two cells, the space one, once.
    text = "河流 AI 把泥沙带到海里三角洲每年都向外生长一点"
    assert [line.rstrip() for line in _lines(text, 30)] == ["河流 AI 把泥沙带到海里三角洲每", "年都向外生长一点"]


def test_sample_page_chinese_lines_are_filled(sample_page: Path) -> None:
    article = load_file(sample_page)
    paragraphs = [pair.target.text for pair in article.bilingual if pair.target is not None]
    paragraphs += [block.text for block in article.translation]
    broken = 0
    for text in paragraphs:
        for width in (20, 41, 77, 100):
            offsets = break_offsets(text, width)
            broken += bool(offsets)
            assert not _room_left(text, [0, *offsets], width), (width, text[:20])
    assert broken > 10  # the page really has Chinese paragraphs longer than a line


def test_show_bilingual_fills_every_chinese_line_to_the_column(ready: Atou, sample_page: Path) -> None:
    article = load_file(sample_page)
    ready("import", sample_page)
    result = ready("show", article.id, "--part", "bilingual", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    # The pair number's gutter and one space, then the text column.
    gutter = len(str(len(article.bilingual))) + 1
    column = 80 - gutter
    shown = [line[gutter:].rstrip() for line in result.stdout.splitlines()]
    cursor = 0
    checked = 0
    for pair in article.bilingual:
        target = pair.target
        if target is None or target.kind != BlockKind.PARAGRAPH or not any(map(_is_wide, target.text)):
            continue
        # as the terminal shows it: footnote references in superscript
        text = "".join(superscript(s.text) if s.kind is SpanKind.FOOTNOTE_REF else s.text for s in target.spans)
        cursor = next(i for i in range(cursor, len(shown)) if shown[i] and text.startswith(shown[i]))
        # Read the printed lines back into offsets of the paragraph: what the reader saw, not what the
        # breaker meant to print.
        starts: list[int] = []
        at = 0
        while text[at:].strip():
            while text[at].isspace():
                at += 1
            line = shown[cursor]
            assert line and text.startswith(line, at), (line, text[at : at + 20])
            starts.append(at)
            at += len(line)
            cursor += 1
        assert all(cell_len(shown[i]) <= column for i in range(cursor - len(starts), cursor))
        assert not _room_left(text, starts, column), text[:20]
        checked += len(starts) > 1
    assert checked > 5


def test_wrapped_renders_within_the_console_width() -> None:
    console = Console(width=30, record=True, color_system=None)
    console.print(Wrapped(Text("河流把泥沙带到 AI 海里，三角洲每年都向外生长一点。The delta grows every year.")))
    lines = console.export_text().splitlines()
    assert len(lines) > 2
    assert all(cell_len(line) <= 30 for line in lines)


text_pieces = st.lists(
    st.one_of(
        st.text(alphabet="abcdefghij", min_size=1, max_size=14),
        st.text(alphabet="河流泥沙海里三角洲生长", min_size=1, max_size=8),
        st.sampled_from(sorted(NO_LINE_START | NO_LINE_END)),
        st.sampled_from([" ", "  ", "\t"]),
    ),
    max_size=40,
)


@given(pieces=text_pieces, width=st.integers(2, 40))
def test_breaking_keeps_every_character_and_every_line_fits(pieces: list[str], width: int) -> None:
    text = "".join(pieces)
    lines = _lines(text, width)
    assert "".join(lines) == text
    assert all(cell_len(line.rstrip()) <= width for line in lines)
    assert all(line.strip() for line in lines[1:])  # no line is only the spaces of a break
    offsets = [0, *break_offsets(text, width)]
    assert not _room_left(text, offsets, width)  # each line is filled before the next begins
    if all(u.width <= width for u in _units(text)):
        # Nothing had to be cut mid-unit, so the punctuation rules held everywhere.
        # (A closing mark after nothing but spaces has nothing to stay with.)
        assert not any(line[0] in NO_LINE_START for before, line in zip(lines, lines[1:], strict=False) if before.strip())
        assert not any(line.rstrip()[-1:] in NO_LINE_END for line in lines[:-1] if line.strip())
