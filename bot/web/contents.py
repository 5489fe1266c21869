"""Tables of contents for the reading page's long tabs, from the headings of the text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.model import BilingualPair, Block, BlockKind

# Fewer headings than this and the tab is short enough to scroll through without contents.
MIN_HEADINGS = 3


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of contents: the anchor of a heading, its level (2 = a section) and its text."""

    anchor: str
    level: int
    text: str


def heading_anchor(tab: str, number: int) -> str:
    """The id of the `number`th heading (from 1) of a tab, e.g. `translation-3`."""
    return f"{tab}-{number}"


def _level(block: Block) -> int:
    # Blocks may carry a heading level; those that do not are sections.
    level = getattr(block, "level", None)
    return level if isinstance(level, int) else 2


def contents(tab: str, headings: Sequence[Block]) -> list[Entry]:
    """A tab's contents from its headings in order; empty when there are too few to be worth a list."""
    if len(headings) < MIN_HEADINGS:
        return []
    return [Entry(heading_anchor(tab, i), _level(h), h.text) for i, h in enumerate(headings, 1)]


def pair_heading(pair: BilingualPair) -> Block | None:
    """The heading a bilingual pair holds, the translation's wording first."""
    for side in (pair.target, pair.source):
        if side is not None and side.kind is BlockKind.HEADING:
            return side
    return None
