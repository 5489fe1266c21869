"""Line breaking of Chinese and English for the terminal views."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from bot.cli.terminal import NO_LINE_END, NO_LINE_START, Wrapped, _units, break_offsets


def _lines(text: str, width: int) -> list[str]:
    offsets = [0, *break_offsets(text, width), len(text)]
    return [text[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]


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


def test_wrapped_renders_within_the_console_width() -> None:
    console = Console(width=30, record=True, color_system=None)
    console.print(Wrapped(Text("在 AI 历史上的大部分时间里，它开发周期中的每一步都由人类推动。For most of AI's history.")))
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
    if all(u.width <= width for u in _units(text)):
        # Nothing had to be cut mid-unit, so the punctuation rules held everywhere.
        # (A closing mark after nothing but spaces has nothing to stay with.)
        assert not any(line[0] in NO_LINE_START for before, line in zip(lines, lines[1:], strict=False) if before.strip())
        assert not any(line.rstrip()[-1:] in NO_LINE_END for line in lines[:-1] if line.strip())
