"""The one splitting algorithm: pack paragraphs into messages (or pages) that a platform accepts.

Every platform and the pagination of text views use `pack`, with their own `fits` test (which
holds the platform's parameters: length limit, length measures, entity budget). Splitting works
on neutral paragraphs, before any markup exists, so a cut can never fall inside a tag or an
escape; each piece keeps its spans' styles, so formatting that spans a cut is closed before it
and reopened after it.

A group of paragraphs (a bilingual pair) stays in one chunk when it fits in an empty chunk; a
group that does not is divided into its paragraphs, and a paragraph that alone does not fit is
cut, preferring (in order) a line break, a sentence end (`.!?` and `。！？；`), a clause end
(`，、` and `,;`), a word boundary, and last any grapheme boundary, so a cut never falls inside
a surrogate pair, an emoji sequence, a flag or a letter with its combining marks.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import accumulate
from typing import TYPE_CHECKING

from bot.render.document import Para, ParaKind, Span

if TYPE_CHECKING:
    import regex

Fits = Callable[[Sequence[Para]], bool]

# A cut at a preferred boundary is taken when it keeps at least this share of what would fit;
# otherwise the next finer boundary is tried (a tiny first message reads worse than a clause cut).
MIN_FILL = 0.5

_CLOSERS = "\"'”’»)\\]」』）》"
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
_NONBLANK = re.compile(r"\S")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram and JavaScript count."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class Budget:
    """What one message of a platform holds: `max_length` in each measure, at most `max_entities`."""

    max_length: int
    measures: tuple[Callable[[str], int], ...] = (utf16_len, len)
    max_entities: int | None = None

    def __post_init__(self) -> None:
        if self.max_length < 16:
            raise ValueError(f"a message must hold at least 16 characters, not {self.max_length}")


@cache
def _patterns() -> tuple[tuple[regex.Pattern[str], ...], regex.Pattern[str]]:
    """Boundary patterns, finest last, and the grapheme cluster pattern (compiled on first use)."""
    import regex

    closers = f"[{_CLOSERS}]*"
    levels = (
        # a line break inside the paragraph
        r"(?<=\n)(?=[^\n])",
        # after a sentence end: Latin needs the space after it, CJK does not
        rf"(?<=[.!?]{closers}\s+)(?=\S)|(?<=[。！？；]{closers}\s*)(?=[^\s。！？；.!?{_CLOSERS}])",
        # after a clause end
        rf"(?<=[,;:]{closers}\s+)(?=\S)|(?<=[，、：]{closers}\s*)(?=[^\s，、：{_CLOSERS}])",
        # after a space, or next to a CJK character (CJK text may break between any two characters)
        rf"(?<=\s)(?=\S)|(?<=[{_CJK}])(?=\S)|(?<=\S)(?=[{_CJK}])",
    )
    return tuple(regex.compile(p, regex.REVERSE) for p in levels), regex.compile(r"\X")


def grapheme_bounds(text: str) -> list[int]:
    """Offsets in `text` where a grapheme cluster starts, after 0 (so `len(text)` is the last one)."""
    _, cluster = _patterns()
    return list(accumulate(map(len, cluster.findall(text))))


def slice_para(para: Para, start: int, end: int) -> Para:
    """The part of `para` between two offsets of its plain text, each span keeping its styles."""
    spans: list[Span] = []
    offset = 0
    for span in para.spans:
        lo, hi = offset, offset + len(span.text)
        offset = hi
        if hi <= start or lo >= end or not span.text:
            continue
        a, b = max(start, lo) - lo, min(end, hi) - lo
        if (a, b) != (0, len(span.text)):
            span = replace(span, text=span.text[a:b])
        spans.append(span)
    return Para(tuple(spans), para.kind, para.level)


def _continuation(para: Para) -> Para:
    # The rest of a list item is not a new item: no second bullet.
    return replace(para, kind=ParaKind.PARAGRAPH) if para.kind is ParaKind.LIST_ITEM else para


def cut_para(para: Para, fits: Callable[[Para], bool]) -> list[Para]:
    """`para` cut into pieces that each fit alone; their plain texts concatenate to `para.plain`.

    Raises ValueError when a single grapheme cluster does not fit (a budget far too small).
    """
    if fits(para):
        return [para]
    text = para.plain
    bounds = _cuttable(para, grapheme_bounds(text))
    # A cut leaves visible text on both sides (a blank message is refused): never inside the
    # trailing blanks, and the one place left past them is the end of the text.
    last = bisect_right(bounds, len(text.rstrip()) - 1)
    pieces: list[Para] = []
    start = 0
    while True:

        def piece(end: int, start: int = start) -> Para:
            part = slice_para(para, start, end)
            return _continuation(part) if start else part

        first = _NONBLANK.search(text, start)
        assert first is not None  # the rest is never blank: cuts stop before the trailing blanks
        # The possible ends of this piece: bounds[lo:last], then the end of the text.
        lo = bisect_right(bounds, first.start())

        def end_at(k: int, lo: int = lo) -> int:
            return bounds[lo + k] if lo + k < last else len(text)

        longest = _longest_end(last - lo + 1, lambda k: fits(piece(end_at(k))))
        if longest is None:
            raise ValueError(
                f"cannot split the text at {text[start : start + 30]!r}: its first character alone is over the limit"
            )
        if end_at(longest) == len(text):
            pieces.append(piece(len(text)))
            return pieces
        cut = _preferred_cut(text, start, bounds[lo : lo + longest + 1])
        pieces.append(piece(cut))
        start = cut


def _cuttable(para: Para, bounds: list[int]) -> list[int]:
    """The grapheme bounds where a cut may fall: never before or inside a footnote reference, which
    belongs to the word before it."""
    glued: set[int] = set()
    offset = 0
    for span in para.spans:
        if span.note:
            glued.update(range(offset, offset + len(span.text)))
        offset += len(span.text)
    return [b for b in bounds if b not in glued] if glued else bounds


def _longest_end(count: int, fits: Callable[[int], bool]) -> int | None:
    """The largest k < `count` whose piece fits (fitting is monotone in k), or None if none does.

    Gallops then bisects, so finding a piece of n characters costs O(n log n), not O(rest of text)."""
    return _gallop(0, count - 1, fits) if fits(0) else None


def _gallop(good: int, top: int, fits: Callable[[int], bool]) -> int:
    """The largest k in `good`..`top` that fits, given that `good` fits and fitting is monotone:
    gallops up (good+1, +2, +4, …) until a probe does not fit, then bisects."""
    step, bad = 1, top + 1
    while good < top:
        probe = min(good + step, top)
        if not fits(probe):
            bad = probe
            break
        good, step = probe, step * 2
    return _bisect(good, bad, fits)


def _bisect(good: int, bad: int, fits: Callable[[int], bool]) -> int:
    """The largest k in `good`..`bad`-1 that fits, given that `good` fits, `bad` does not and fitting
    is monotone."""
    while bad - good > 1:
        mid = (good + bad) // 2
        if fits(mid):
            good = mid
        else:
            bad = mid
    return good


def _preferred_cut(text: str, start: int, ends: Sequence[int]) -> int:
    """Among the allowed `ends` (all fit; the last is the longest), the latest at the most preferred
    kind of boundary that keeps at least `MIN_FILL` of the longest piece; else the longest."""
    longest = ends[-1]
    floor = start + int((longest - start) * MIN_FILL)
    allowed = set(ends[bisect_right(ends, floor) :])
    levels, _ = _patterns()
    for pattern in levels:
        # Patterns are compiled to search from the right: the first match is the latest boundary.
        for match in pattern.finditer(text, floor, longest + 1):
            if match.start() <= floor:
                break
            if match.start() in allowed:
                return match.start()
    return longest


def pack(groups: Sequence[Sequence[Para]], fits: Fits) -> list[tuple[Para, ...]]:
    """Pack `groups` of paragraphs, in order, into as few chunks as greedily fit.

    A group shares a chunk with its neighbours when they fit together, and is never divided when it
    fits in an empty chunk; otherwise its paragraphs are packed one by one, and a paragraph that alone
    does not fit is cut (see `cut_para`).
    """
    queue: list[tuple[Para, ...]] = [tuple(g) for g in groups if g]
    everything = [p for group in queue for p in group]
    if everything and fits(everything):  # the common case of a message that needs no split
        return [tuple(everything)]
    chunks: list[tuple[Para, ...]] = []
    i = 0
    guess = 1
    while i < len(queue):
        if not fits(queue[i]):
            group = queue[i]
            if len(group) > 1:
                queue[i : i + 1] = [(p,) for p in group]
            else:
                queue[i : i + 1] = [(piece,) for piece in cut_para(group[0], lambda p: fits((p,)))]
            continue
        count = _longest_run(queue, i, fits, guess)
        chunks.append(tuple(p for group in queue[i : i + count] for p in group))
        i += count
        guess = count
    return chunks


def _longest_run(queue: list[tuple[Para, ...]], start: int, fits: Fits, guess: int) -> int:
    """The most groups from `start` on that fit together (at least 1, which the caller checked).

    Fitting is monotone in the number of groups, so this searches: first at `guess` (the previous
    chunk's count; chunks of one text tend to be alike), then galloping up from there (guess+1,
    +2, +4, …) or bisecting below it. A run of k groups costs a few fit tests, not k.
    """

    def ok(count: int) -> bool:
        return fits([p for group in queue[start : start + count] for p in group])

    available = len(queue) - start
    guess = min(max(guess, 1), available)
    if guess > 1 and not ok(guess):
        return _bisect(1, guess, ok)
    return _gallop(guess, available, ok)
