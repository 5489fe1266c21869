"""Line breaking for Chinese and English text in a terminal, as a rich renderable.

rich breaks lines only at spaces. Chinese has none between words, so a Chinese paragraph would be
one unbreakable "word" that rich cuts off with an ellipsis. Here a line may break between any two
wide characters as well as at spaces, with the usual rules that keep closing punctuation off the
start of a line and opening punctuation off its end.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

# May not begin a line: closing brackets and quotes, sentence punctuation, the ellipsis and dash.
NO_LINE_START = frozenset("，。、；：？！）」』》〉】〕”’…—·～,.;:!?)]}%")
# May not end a line: opening brackets and quotes.
NO_LINE_END = frozenset("（「『《〈【〔“‘([{")


@dataclass(frozen=True, slots=True)
class _Unit:
    """A run of text no line may break inside: a word, one wide character, or a space run."""

    start: int
    end: int
    width: int
    space: bool


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    i = 0
    while i < len(text):
        ch = text[i]
        j = i + 1
        if ch.isspace():
            while j < len(text) and text[j].isspace():
                j += 1
        elif not _is_wide(ch) and ch not in NO_LINE_START and ch not in NO_LINE_END:
            while j < len(text) and not (
                text[j].isspace() or _is_wide(text[j]) or text[j] in NO_LINE_START or text[j] in NO_LINE_END
            ):
                j += 1
        units.append(_Unit(i, j, cell_len(text[i:j]), text[i].isspace()))
        i = j
    return _glue(text, units)


def _glue(text: str, units: list[_Unit]) -> list[_Unit]:
    """Join a closing mark to what precedes it and an opening mark to what follows it (spaces too)."""
    glued: list[_Unit] = []
    join_next = False
    for unit in units:
        closes = not unit.space and text[unit.start] in NO_LINE_START
        # How many trailing units (spaces, then one word) this unit joins.
        back = 0
        if join_next:
            back = 1
        elif closes:
            while back < len(glued) and glued[-1 - back].space:
                back += 1
            back = back + 1 if back < len(glued) else 0
        if back:
            first = glued[-back]
            width = sum(u.width for u in glued[-back:]) + unit.width
            del glued[-back:]
            glued.append(_Unit(first.start, unit.end, width, False))
        else:
            glued.append(unit)
        ends_open = not unit.space and text[unit.end - 1] in NO_LINE_END
        join_next = ends_open or (join_next and unit.space)
    return glued


def break_offsets(text: str, width: int) -> list[int]:
    """Offsets in `text` where new lines start so that no line is wider than `width` cells.

    Spaces at a break stay at the end of the earlier line (callers strip them). A unit wider than a
    whole line is cut at cell boundaries.
    """
    width = max(width, 2)  # a wide character needs two cells
    offsets: list[int] = []
    line_start = 0
    used = 0  # cells of words on the current line
    gap = 0  # cells of the spaces since the last word
    for unit in _units(text):
        if unit.space:
            gap = unit.width
            continue
        # The spaces count once, for the word right after them; a stale gap would charge every
        # later wide character on the line for them too and break lines long before the edge.
        pending, gap = gap, 0
        if used and used + pending + unit.width <= width:
            used += pending + unit.width
            continue
        # The unit starts a line, unless it is the first and fits after the text's leading spaces.
        if used or cell_len(text[line_start : unit.end]) > width:
            if unit.start > line_start:
                offsets.append(unit.start)
            line_start = unit.start
        used = cell_len(text[line_start : unit.end])
        if used > width:
            pieces = chop_cells(text[line_start : unit.end], width)
            for previous, piece in zip(pieces, pieces[1:], strict=False):
                line_start += len(previous)
                if piece.strip():  # spaces stay at the end of the line before
                    offsets.append(line_start)
            used = cell_len(pieces[-1])
    return offsets


class Wrapped:
    """A rich renderable of styled text, broken into lines the way Chinese and English both allow."""

    def __init__(self, text: Text | str, style: str = "") -> None:
        self.text = text if isinstance(text, Text) else Text(text, style=style)

    def lines(self, width: int) -> Iterator[Text]:
        for paragraph in self.text.split("\n", allow_blank=True):
            for line in paragraph.divide(break_offsets(paragraph.plain, width)):
                line.rstrip()
                yield line

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            line.no_wrap = True
            line.end = "\n"
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        widest_unit = max((u.width for u in _units(plain) if not u.space), default=0)
        longest_line = max((cell_len(line) for line in plain.split("\n")), default=0)
        return Measurement(min(widest_unit, 20), longest_line).clamp(max_width=options.max_width)
