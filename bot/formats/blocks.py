"""What kind of block a line of a copied reading page is: paragraph, heading, list item, …

The copy has no markup left, so the kind is read from the shape of the line alone, the same way
in either language: list markers, the `Image N:` caption label, quotation marks, and short lines
without final punctuation (section titles and timeline labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import Block, BlockKind, SpanKind, TextSpan, join_spans

# A list marker: a number (the page numbers every item of some lists `1.`) or a bullet.
_MARKER_RE = re.compile(r"^(?:(?P<number>\d{1,3})[.)]|[•●▪‣◦*-])\s+")
_CAPTION_RE = re.compile(r"^(?:Image|Figure|Fig\.|Chart|Photo|图|圖|图片|圖片)\s*\d+\s*[:：.]")
_QUOTES = {"“": "”", '"': '"', "‘": "’", "「": "」", "『": "』", "«": "»"}
# A heading never ends like a sentence or a clause does ('?' is allowed: headings ask questions).
_NOT_HEADING_END = set('.,;:!。，；：！…、"”’」』»')
_SENTENCE_BREAK_RE = re.compile(r"[.!?。！？](?:\s|$)")
# A copy keeps `_…_` around words the page set in italics (the Chinese text carries them): they become
# emphasis. Letters, digits or `_` just outside keep snake_case names intact.
_EMPHASIS_RE = re.compile(r"(?<![A-Za-z0-9_])_(?=[^_\s])([^_\n]{1,60}?)(?<=[^_\s])_(?![A-Za-z0-9_])")
HEADING_MAX = 80


@dataclass(frozen=True, slots=True)
class Shape:
    """A line read as a block: its kind, its text without any list marker, how it was marked.

    The text keeps the copy's `_…_` emphasis markers; `bot.formats.pagemarks` reads them."""

    kind: BlockKind
    text: str
    numbered: bool = False
    marked: bool = False
    number: int | None = None  # the number of a numbered marker

    def block(self, kind: BlockKind | None = None) -> Block:
        """The block this line is, as `kind` when given (a list item read as a footnote, …)."""
        kind = kind or self.kind
        number = self.number if kind in (BlockKind.LIST_ITEM, BlockKind.FOOTNOTE) else None
        return Block(kind, self.text, number=number)


def shape(line: str) -> Shape:
    """Read one stripped, non-empty line of a copied page as a block."""
    marker = _MARKER_RE.match(line)
    if marker and line[marker.end() :]:
        number = None if marker["number"] is None else int(marker["number"])
        return Shape(
            BlockKind.LIST_ITEM, line[marker.end() :], numbered=number is not None, marked=True, number=number
        )
    return Shape(_plain_kind(_EMPHASIS_RE.sub(r"\1", line)), line)


def plain(text: str) -> str:
    """`text` without the copy's emphasis markers."""
    return _EMPHASIS_RE.sub(r"\1", text)


def emphasis_spans(text: str) -> tuple[TextSpan, ...]:
    """The runs of a copied line: `_…_` becomes emphasis, the rest is text."""
    if "_" not in text:
        return (TextSpan(text),)
    spans: list[TextSpan] = []
    at = 0
    for found in _EMPHASIS_RE.finditer(text):
        spans += [TextSpan(text[at : found.start()]), TextSpan(found[1], SpanKind.EMPHASIS)]
        at = found.end()
    spans.append(TextSpan(text[at:]))
    return join_spans(tuple(spans))


def strip_marker(line: str) -> str:
    """The line without a leading list marker."""
    marker = _MARKER_RE.match(line)
    return line[marker.end() :] if marker and line[marker.end() :] else line


def _plain_kind(line: str) -> BlockKind:
    if _CAPTION_RE.match(line):
        return BlockKind.IMAGE_CAPTION
    if _is_quote(line):
        return BlockKind.QUOTE
    if (
        len(line) <= HEADING_MAX
        and line[-1] not in _NOT_HEADING_END
        and not _SENTENCE_BREAK_RE.search(line[:-1])
    ):
        return BlockKind.HEADING
    return BlockKind.PARAGRAPH


def _is_quote(line: str) -> bool:
    close = _QUOTES.get(line[0])
    if close is None or len(line) < 3:
        return False
    body = line.rstrip(".!?。！？")
    # The closing mark must end the line and be the only one, or the line merely starts with a quotation.
    return body.endswith(close) and len(body) > 2 and close not in body[1:-1]
