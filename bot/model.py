"""The digest model: an article, its brief and its texts. Plain data, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

# Article ids travel inside button payloads (Telegram callback_data is at most 64 bytes),
# so they are short, lowercase and URL-safe.
ARTICLE_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class BlockKind(StrEnum):
    """What a block of text is, so every view can lay it out the same way."""

    PARAGRAPH = "paragraph"
    HEADING = "heading"
    LIST_ITEM = "list_item"
    QUOTE = "quote"
    IMAGE_CAPTION = "image_caption"
    FOOTNOTE = "footnote"


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph-like unit of an article's text."""

    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class BilingualPair:
    """A source-language block and its translation; either side may be absent.

    An image caption that the reading page shows only in English has no target;
    a block that exists only in the translation has no source.
    """

    source: Block | None
    target: Block | None


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """A key point of the brief: a bold lead sentence and its body."""

    lead: str
    body: str


@dataclass(frozen=True, slots=True)
class RelevanceNote:
    """Why the article matters to one member or audience of the group."""

    audience: str
    text: str


@dataclass(frozen=True, slots=True)
class Brief:
    """The brief tab: a judgment headline, a verdict, key points, relevance notes, prompts."""

    headline: str
    verdict: str
    key_points: tuple[KeyPoint, ...] = ()
    relevance: tuple[RelevanceNote, ...] = ()
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """One article with its digest and its texts in two languages."""

    id: str
    title: str
    brief: Brief
    source_url: str | None = None
    published: date | None = None
    source_lang: str = "en"
    target_lang: str = "zh-Hans"
    original: tuple[Block, ...] = ()
    translation: tuple[Block, ...] = ()
    bilingual: tuple[BilingualPair, ...] = field(default=())

    def __post_init__(self) -> None:
        if not ARTICLE_ID_RE.fullmatch(self.id):
            raise ValueError(
                f"article id {self.id!r} must be 1-40 characters of a-z, 0-9 and '-', starting with a letter or digit"
            )
