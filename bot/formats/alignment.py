"""The text tabs of a copied page: find where translation, bilingual section and original meet,
and pair every source block of the bilingual section with its translation.

After the prompts the page holds, without headers: the full translation, the bilingual section
(each source block followed by its translation), the original (source-language blocks only).

- The original is the run of blocks without Chinese characters just before the archive marker.
  Its first block opens the bilingual section; what lies before that is the translation.
- Walking the bilingual section, every block that is the next block of the original starts a
  pair; the blocks after it, up to the next one, are its translation. So a caption shown only in
  the source language gets no translation, and a label shown twice (identical in both languages)
  is one pair.
- A list given as a block of source items then a block of translated items pairs item i with
  item i. Items are compared without their list markers: the page may number an item `9.` in
  one place and bullet it `•` in another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.formats.blocks import Shape, shape, strip_marker
from bot.formats.problem import ImportProblem
from bot.formats.text import has_han
from bot.model import BilingualPair, Block, BlockKind

TRANSLATION = "完整翻译 (translation)"
BILINGUAL = "双语对照 (bilingual)"
ORIGINAL = "原文 (original)"


@dataclass(frozen=True, slots=True)
class Line:
    """A stripped, non-empty line of the page, its 1-based number, and the text compared across
    sections (the line without a list marker)."""

    number: int
    text: str
    key: str

    @classmethod
    def of(cls, number: int, text: str) -> Line:
        return cls(number, text, strip_marker(text))


@dataclass(slots=True)
class _Group:
    source: int  # index into the original
    line: Line  # where the source block stands in the bilingual section
    targets: list[Line] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PageTexts:
    original: tuple[Block, ...]
    translation: tuple[Block, ...]
    bilingual: tuple[BilingualPair, ...]


class _Mismatch(Exception):
    def __init__(self, progress: int, line: Line, what: str) -> None:
        super().__init__(what)
        self.progress = progress
        self.line = line
        self.what = what


def split_texts(body: list[Line], *, end_line: int, source_name: str) -> PageTexts:
    """Split the text tabs of a page (non-empty lines after the prompts, before the archive)."""
    start = len(body)
    while start > 0 and not has_han(body[start - 1].text):
        start -= 1
    if start == len(body):
        raise ImportProblem(
            source_name,
            f"line {end_line}",
            f"{ORIGINAL} is missing: no source-language blocks stand before this line",
        )
    keys = [line.key for line in body]
    best: _Mismatch | None = None
    translation_missing = False
    # The original normally starts where the run does; when the bilingual section itself ends with
    # untranslated blocks (a final caption), those belong to the run too, so later starts are tried.
    for first in range(start, len(body)):
        if first > start and keys[first - 1] == keys[first]:
            continue  # a label shown twice ends the bilingual section, not the original
        original = body[first:]
        for opening in range(first):
            if keys[opening] != keys[first]:
                continue
            try:
                groups = _align(body[opening:first], original)
            except _Mismatch as problem:
                # Report what went wrong with the natural reading (the original is the whole run).
                if first == start and (best is None or problem.progress > best.progress):
                    best = problem
                continue
            if opening == 0:
                # Nothing left for the translation. An article that opens with a block shown the
                # same in both languages (a caption) has it in the translation too: look further.
                translation_missing = True
                continue
            return _texts(body[:opening], groups, original)
    if translation_missing:
        raise ImportProblem(
            source_name,
            f"line {body[0].number}",
            f"{TRANSLATION} is missing: the bilingual section starts right after the prompts",
        )
    if best is not None:
        raise ImportProblem(source_name, f"line {best.line.number}", f"{BILINGUAL}: {best.what}")
    raise ImportProblem(
        source_name,
        f"line {body[start].number}",
        f"{BILINGUAL} is missing or does not match: the original's first block (this line) appears nowhere"
        " before it",
    )


def _align(region: list[Line], original: list[Line]) -> list[_Group]:
    groups: list[_Group] = []
    for line in region:
        if len(groups) < len(original) and line.key == original[len(groups)].key:
            groups.append(_Group(len(groups), line))
        elif has_han(line.text) or line.key == groups[-1].line.key:
            groups[-1].targets.append(line)
        elif len(groups) == len(original):
            raise _Mismatch(len(groups), line, "source text after the original's last block")
        else:
            expected = original[len(groups)]
            later = any(line.key == block.key for block in original[len(groups) + 1 :])
            what = (
                f"the original's block at line {expected.number} is missing before this line"
                if later
                else f"source text that does not match the original (expected its block at line {expected.number})"
            )
            raise _Mismatch(len(groups), line, what)
    if len(groups) < len(original):
        missing = original[len(groups)]
        raise _Mismatch(
            len(groups), missing, "this block of the original does not appear in the bilingual section"
        )
    return groups


def _texts(translation: list[Line], groups: list[_Group], original: list[Line]) -> PageTexts:
    shapes = _original_shapes(original)
    blocks = tuple(s.block() for s in shapes)
    pairs: list[BilingualPair] = []
    pending: list[_Group] = []
    for group in groups:
        pending.append(group)
        if group.targets:
            pairs.extend(_pairs(pending, blocks))
            pending = []
    pairs.extend(BilingualPair(blocks[g.source], None) for g in pending)
    kinds: dict[str, BlockKind] = {}
    for pair in pairs:
        if pair.target is not None:
            kinds.setdefault(pair.target.text, pair.target.kind)
    translated = []
    for line in translation:
        s = shape(line.text)
        translated.append(s.block(kinds.get(s.text, s.kind)))
    return PageTexts(blocks, tuple(translated), tuple(pairs))


def _pairs(run: list[_Group], blocks: tuple[Block, ...]) -> list[BilingualPair]:
    """Pairs for source blocks in a row without translations, then the translations that follow."""
    targets = run[-1].targets
    items = len(targets)
    if (
        items >= 2
        and len(run) >= items
        and all(shape(g.line.text).marked for g in run[-items:])
        and all(shape(t.text).marked for t in targets)
    ):
        # A block of source list items followed by a block of translated items: item i ↔ item i.
        head = [BilingualPair(blocks[g.source], None) for g in run[:-items]]
        return head + [
            BilingualPair(blocks[g.source], shape(t.text).block(blocks[g.source].kind))
            for g, t in zip(run[-items:], targets, strict=True)
        ]
    last = blocks[run[-1].source]
    out = [BilingualPair(blocks[g.source], None) for g in run[:-1]]
    out.append(BilingualPair(last, shape(targets[0].text).block(last.kind)))
    out.extend(BilingualPair(None, shape(extra.text).block()) for extra in targets[1:])
    return out


def _original_shapes(original: list[Line]) -> list[Shape]:
    shapes = [shape(line.text) for line in original]
    tail = len(shapes)
    while tail > 0 and shapes[tail - 1].numbered:
        tail -= 1
    if 0 < tail < len(shapes):
        # The numbered items that close the article are its notes.
        shapes[tail:] = [
            Shape(BlockKind.FOOTNOTE, s.text, numbered=True, marked=True, number=s.number)
            for s in shapes[tail:]
        ]
    return shapes
