"""The digest model: an article, its brief and its texts. Plain data, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

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


class SpanKind(StrEnum):
    """How a run of a block's text is set: plain, emphasised, strong, a link, a footnote reference."""

    TEXT = "text"
    EMPHASIS = "emphasis"
    STRONG = "strong"
    LINK = "link"
    FOOTNOTE_REF = "footnote_ref"


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A run of a block's text. `target` is the URL of a link (None for other runs); a footnote
    reference's text is the number of the footnote it points to ("3")."""

    text: str
    kind: SpanKind = SpanKind.TEXT
    target: str | None = None


def join_spans(spans: tuple[TextSpan, ...]) -> tuple[TextSpan, ...]:
    """`spans` without empty runs, adjacent runs of one style merged (links and references stay apart)."""
    out: list[TextSpan] = []
    for span in spans:
        if not span.text:
            continue
        last = out[-1] if out else None
        if (
            last is not None
            and last.kind is span.kind
            and span.kind in (SpanKind.TEXT, SpanKind.EMPHASIS, SpanKind.STRONG)
        ):
            out[-1] = TextSpan(last.text + span.text, span.kind)
        else:
            out.append(span)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph-like unit of an article's text.

    `text` is always the plain text (what every view shows when it shows no styles); `spans` are the
    same characters cut into styled runs. A block built from text alone is one plain run, and a
    heading without a level is a level-2 heading (level 1 is the article's title).

    - heading: `level` 2-6 (level 1 is the article title).
    - list item: `number` for an item of a numbered list (None for a bulleted one).
    - footnote: `number`, which references to it show (None: numbered by its place among the notes).
    - quote: `attribution`, who said it, when the text names them.
    """

    kind: BlockKind
    text: str
    spans: tuple[TextSpan, ...] = ()
    level: int | None = None
    number: int | None = None
    attribution: str | None = None

    def __post_init__(self) -> None:
        spans = self.spans
        if len(spans) > 1 or (spans and spans[0].kind is not SpanKind.TEXT):
            spans = join_spans(spans)
            joined = "".join(s.text for s in spans)
            if joined != self.text:
                raise ValueError(f"the spans of a block must join to its text: {joined!r} != {self.text!r}")
        elif not spans or spans[0].text != self.text:
            # A plain block (or one whose text was replaced): its one run is its text.
            spans = (TextSpan(self.text),) if self.text else ()
        object.__setattr__(self, "spans", spans)
        if self.kind is BlockKind.HEADING and self.level is None:
            object.__setattr__(self, "level", 2)
        if self.level is not None and (self.kind is not BlockKind.HEADING or not 2 <= self.level <= 6):
            raise ValueError(f"only a heading has a level, 2 to 6 (got {self.level} on a {self.kind})")
        if self.number is not None and (
            self.kind not in (BlockKind.LIST_ITEM, BlockKind.FOOTNOTE) or self.number < 0
        ):
            raise ValueError(
                f"only list items and footnotes have a number (got {self.number} on a {self.kind})"
            )
        if self.attribution is not None and self.kind is not BlockKind.QUOTE:
            raise ValueError(f"only a quote has an attribution (got one on a {self.kind})")

    @classmethod
    def of(cls, kind: BlockKind, spans: tuple[TextSpan, ...], **fields: Any) -> Block:
        """A block from its styled runs (its text is theirs joined)."""
        spans = join_spans(spans)
        return cls(kind, "".join(s.text for s in spans), spans, **fields)

    @property
    def styled(self) -> bool:
        """Whether any run is more than plain text."""
        return any(s.kind is not SpanKind.TEXT for s in self.spans)

    @property
    def ordered(self) -> bool:
        """Whether this is an item of a numbered list."""
        return self.kind is BlockKind.LIST_ITEM and self.number is not None


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
