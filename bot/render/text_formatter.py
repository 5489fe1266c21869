"""The shared half of every platform formatter: measure rendered paragraphs, test fit, split.

A platform formatter says how one paragraph renders (its markup, the text the platform counts,
how many entities it uses) and which buttons it accepts; this base class does the rest with the
one splitting algorithm of `bot.render.split`, so every platform splits the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.render.document import Action, Button, Document, Para, ParaKind, Span, encode_action, heading_style
from bot.render.split import Budget, pack

# Rendered paragraphs are cached per formatter (pagination tests many page candidates); past this
# many the cache starts over, which keeps memory flat on a long-running bot.
CACHE_SIZE = 20_000


@lru_cache(maxsize=4096)
def button_payload(action: Action) -> str:
    """`encode_action(action)`, remembered: every page's buttons are checked, then encoded."""
    return encode_action(action)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One paragraph as a platform shows it: `markup` to send, `sizes` of the counted text per measure."""

    markup: str
    sizes: tuple[int, ...]
    entities: int


def merge_spans(spans: Sequence[Span]) -> list[Span]:
    """Adjacent spans with the same styles joined, empty spans dropped (fewer entities, cleaner markup)."""
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if last is not None and (last.bold, last.italic, last.code, last.link, last.mention, last.note) == (
            span.bold,
            span.italic,
            span.code,
            span.link,
            span.mention,
            span.note,
        ):
            merged[-1] = replace(last, text=last.text + span.text)
        else:
            merged.append(span)
    return merged


def styled_for(para: Para) -> list[Span]:
    """The spans as shown: merged, and styled throughout in a heading as its level says."""
    spans = merge_spans(para.spans)
    if para.kind is ParaKind.HEADING:
        bold, italic = heading_style(para.level)
        spans = merge_spans([replace(s, bold=s.bold or bold, italic=s.italic or italic) for s in spans])
    return spans


class TextFormatter(ABC):
    """A formatter whose messages are paragraphs of text joined by blank lines, under a `Budget`."""

    platform: str = ""
    separator = "\n\n"

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._separator_sizes = tuple(measure(self.separator) for measure in budget.measures)
        # Keyed by object identity (the cache holds the paragraph, so its id is not reused): hashing a
        # paragraph costs as much as rendering it, and pagination asks for the same objects again and again.
        self._cache: dict[int, tuple[Para, Rendered]] = {}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, TextFormatter) and other.budget == self.budget

    def __hash__(self) -> int:
        return hash((type(self), self.budget))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_length={self.budget.max_length}, max_entities={self.budget.max_entities})"

    # --- what a platform supplies ---------------------------------------------------------------

    @abstractmethod
    def render_para(self, para: Para) -> tuple[str, str, int]:
        """`(markup, counted, entities)`: the paragraph's markup, the text whose length the platform
        limits (the visible text for Telegram, the markup itself for Discord), and its entity count."""

    @abstractmethod
    def buttons_problem(self, rows: Sequence[Sequence[Button]]) -> str | None:
        """Why these button rows cannot go on one message of the platform, or None when they can."""

    # --- measuring and splitting ----------------------------------------------------------------

    def rendered(self, para: Para) -> Rendered:
        entry = self._cache.get(id(para))
        if entry is not None and entry[0] is para:
            return entry[1]
        markup, counted, entities = self.render_para(para)
        result = Rendered(markup, tuple(measure(counted) for measure in self.budget.measures), entities)
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[id(para)] = (para, result)
        return result

    def paras_fit(self, paras: Sequence[Para]) -> bool:
        """True when these paragraphs make one message within the length and entity limits."""
        if not paras:
            return False
        budget = self.budget
        limit = budget.max_length
        sizes = [s * (len(paras) - 1) for s in self._separator_sizes]
        entities = 0
        cache = self._cache
        for para in paras:
            entry = cache.get(id(para))
            r = entry[1] if entry is not None and entry[0] is para else self.rendered(para)
            entities += r.entities
            for i, size in enumerate(r.sizes):
                sizes[i] += size
            if sizes[0] > limit:  # already over in one measure: no need to add up the rest
                return False
        if budget.max_entities is not None and entities > budget.max_entities:
            return False
        return all(size <= limit for size in sizes)

    def fits(self, doc: Document) -> bool:
        """True when `doc` goes out as a single message within every limit of the platform."""
        return (
            self.paras_fit(doc.paras)
            and any(p.plain.strip() for p in doc.paras)
            and self.buttons_problem(doc.buttons) is None
        )

    def split(self, doc: Document) -> list[Document]:
        """`doc` as the documents of its messages: each fits, the buttons go with the last one.

        Blank paragraphs are left out (a platform refuses a blank message). Raises ValueError for a
        document with no visible text or with buttons the platform refuses.
        """
        paras = [p for p in doc.paras if p.plain.strip()]
        if not paras:
            raise ValueError("a message needs at least one paragraph with visible text")
        problem = self.buttons_problem(doc.buttons)
        if problem is not None:
            raise ValueError(f"{self.platform}: {problem}")
        chunks = pack([(p,) for p in paras], self.paras_fit)
        return [
            Document(chunk, doc.buttons if i == len(chunks) - 1 else ()) for i, chunk in enumerate(chunks)
        ]

    def markup(self, paras: Sequence[Para]) -> str:
        """The message text of paragraphs that fit together."""
        return self.separator.join(self.rendered(p).markup for p in paras)
