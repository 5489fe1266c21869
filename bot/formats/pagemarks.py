"""What a page copy keeps of the page's markup, read back from the shape of its lines.

Copying a reading page drops the markup but leaves traces, the same in either language:

- footnote references become digits glued to the word or punctuation before them ("code.3 Next",
  "编写的。3 在", "performance.2SWE-bench"): a glued number is a reference when a footnote with that
  number exists and it is the next note not yet referred to (or one referred to already), which keeps
  decimals ("Sonnet 3.7 managed") and years out;
- `_…_` around the words the page set in italics: emphasis;
- a bold run-in lead loses the space after it ("Lead sentence.Body", "this:Session"); in Chinese the
  lead keeps a space after its final punctuation ("先说结论。 正文"), which Chinese prose never has:
  a strong lead, with the space restored;
- each item of a numbered list interrupted by paragraphs restarts at `1.`: a `1.` after a `1.` in
  the same section continues the count;
- a short line after a paragraph that starts with a dash ("— Ada") or ends with a note mark
  ("Anthropic staff*") names who said it: the paragraph is a quote with that attribution;
- headings stand alone or stacked (a label over a title). Entries that are headings over at most one
  block, three or more in a row (a timeline, a list of labelled items), are a level below the
  section titles; in a stack, each heading is a level below the one above it, and an entry that
  stacks more headings than the others opens with a section title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.formats.blocks import emphasis_spans
from bot.formats.text import has_han
from bot.model import BilingualPair, Block, BlockKind, SpanKind, TextSpan, join_spans

SECTION_LEVEL = 2
ENTRY_LEVEL = 3
MAX_LEVEL = 6
MIN_ENTRIES = 3  # headed entries in a row that make a run of minor headings
# Characters a footnote number may be glued to: closing punctuation in either script.
_CLOSING = set(".;:!?)]}”’\"'。；：！？」』）》…")
# After these only a new reference counts (a number after a comma is a count: "我们认为,3 月份").
_SENTENCE_END = set('.!?”’"。！？」』')
_DECIMAL_NEXT_RE = re.compile(r"\s+[A-Z\u3400-\u9fff]|\s*$")
_GLUED_RE = re.compile(r"(?<=[^\s\d])\d{1,3}(?=$|\s|[A-Z\u3400-\u9fff])")
# A run-in lead: the first sentence, its final punctuation glued to the capital that starts the body.
_LATIN_LEAD_RE = re.compile(r"^[^.!?:。！？：]{8,200}?[a-z0-9)\]”’\"%][.!?:][”’\"]?(?=[“\"‘']?[A-Z])")
# In Chinese the lead keeps a space after its punctuation, which Chinese prose otherwise never has.
_CJK_LEAD_RE = re.compile(r"^[^.!?:。！？：]{2,60}?[\u3400-\u9fff”’」』）)][。！？：:](?=\s+\S)")
# A first sentence, for a lead that only the other language marks.
_LATIN_SENTENCE_RE = re.compile(r"^[^.!?:。！？：]{8,200}?[a-z0-9)\]”’\"%][.!?:][”’\"]?(?=\s+[“\"‘']?[A-Z])")
_CJK_SENTENCE_RE = re.compile(r"^[^.!?:。！？：]{2,60}?[。！？]")
_ATTRIBUTION_DASH_RE = re.compile(r"^(?:—{1,2}|―{1,2}|–|~|-{1,2})\s*(?=\S)")
_ATTRIBUTION_MARK = ("*", "＊", "†")
ATTRIBUTION_MAX = 80


@dataclass(frozen=True, slots=True)
class Texts:
    original: tuple[Block, ...]
    translation: tuple[Block, ...]
    bilingual: tuple[BilingualPair, ...]


def structure(
    original: Sequence[Block], translation: Sequence[Block], pairs: Sequence[BilingualPair]
) -> Texts:
    """The texts of a page with the structure their lines show (see the module's description)."""
    original, pairs = _merge_attributions(list(original), list(pairs))
    # A note the bilingual section bullets instead of numbering has its source's number.
    pairs = [BilingualPair(p.source, _note_like(p.target, p.source)) for p in pairs]
    translation = _quoted(list(translation))
    original = _structured(original)
    # The pairs hold the original's blocks once each, in order; their targets read as one text.
    sources = iter(original)
    targets = _structured([p.target for p in pairs if p.target is not None])
    out_pairs = []
    target_at = iter(targets)
    for pair in pairs:
        source = None if pair.source is None else next(sources)
        target = None if pair.target is None else next(target_at)
        if source is not None and target is not None:
            target = _like(target, source)
            source, target = (
                _lead_like(source, target, _LATIN_SENTENCE_RE),
                _lead_like(target, source, _CJK_SENTENCE_RE),
            )
        out_pairs.append(BilingualPair(source, target))
    sources_now = [p.source for p in out_pairs if p.source is not None]
    if len(sources_now) == len(original):
        original = sources_now
    # The translation tab lists the bilingual section's translations again: it takes their reading.
    by_text = {p.target.text: p.target for p in out_pairs if p.target is not None}
    structured = _structured(translation)
    translated = tuple(by_text.get(b.text, b) for b in structured)
    return Texts(tuple(original), translated, tuple(out_pairs))


def _note_like(target: Block | None, source: Block | None) -> Block | None:
    if (
        target is None
        or source is None
        or target.kind is not BlockKind.FOOTNOTE
        or source.kind is not BlockKind.FOOTNOTE
        or target.number is not None
    ):
        return target
    return replace(target, number=source.number)


def _like(target: Block, source: Block) -> Block:
    """A translation laid out as its source: the same heading level and list number."""
    if target.kind is not source.kind:
        return target
    if source.kind is BlockKind.HEADING:
        return replace(target, level=source.level)
    if source.kind is BlockKind.LIST_ITEM and source.number is not None and target.number is not None:
        return replace(target, number=source.number)
    return target


# --- quotes with an attribution ---------------------------------------------------------------------


def is_attribution(block: Block) -> bool:
    """Whether a block is the short line that names who said the paragraph above it."""
    text = block.text
    if block.kind not in (BlockKind.HEADING, BlockKind.PARAGRAPH) or len(text) > ATTRIBUTION_MAX:
        return False
    return _ATTRIBUTION_DASH_RE.match(text) is not None or (
        text.endswith(_ATTRIBUTION_MARK) and len(text) > 1 and not re.search(r"[.!?。！？]\s", text)
    )


def _attributed(quote: Block, attribution: Block) -> Block:
    name = _ATTRIBUTION_DASH_RE.sub("", attribution.text)
    return Block(BlockKind.QUOTE, quote.text, quote.spans, attribution=name)


def _quotable(block: Block | None) -> bool:
    return block is not None and block.kind in (BlockKind.PARAGRAPH, BlockKind.QUOTE)


def _quoted(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if out and _quotable(out[-1]) and out[-1].attribution is None and is_attribution(block):
            out[-1] = _attributed(out[-1], block)
        else:
            out.append(block)
    return out


def _merge_attributions(
    original: list[Block], pairs: list[BilingualPair]
) -> tuple[list[Block], list[BilingualPair]]:
    """Quotes with their attribution, in the original and in the pairs (a pair of attributions joins
    the pair of quotes above it)."""
    merged = _quoted(original)
    if len(merged) == len(original):
        return original, pairs
    out: list[BilingualPair] = []
    for pair in pairs:
        last = out[-1] if out else None
        if (
            last is not None
            and pair.source is not None
            and _quotable(last.source)
            and is_attribution(pair.source)
            and last.source is not None
            and last.source.attribution is None
        ):
            source = _attributed(last.source, pair.source)
            target = last.target
            if target is not None and pair.target is not None and is_attribution(pair.target):
                target = _attributed(target, pair.target)
            out[-1] = BilingualPair(source, target)
        else:
            out.append(pair)
    if sum(p.source is not None for p in out) != len(merged):
        return original, pairs  # the pairs do not line up with the original here: leave both as they are
    return merged, out


# --- one text: notes, inline marks, lists, headings --------------------------------------------------


def _structured(blocks: list[Block]) -> list[Block]:
    notes = {b.number for b in blocks if b.kind is BlockKind.FOOTNOTE and b.number is not None}
    refs = _References(notes)
    out = []
    for block in blocks:
        spans = emphasis_spans(block.text)
        if block.kind in (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM):
            spans = _lead(spans)
        if block.kind is not BlockKind.FOOTNOTE:
            spans = refs.mark(spans)
        if spans == block.spans:
            out.append(block)  # nothing to mark: most blocks
        else:
            out.append(
                Block.of(block.kind, spans, level=block.level, number=block.number, attribution=block.attribution)
            )
    return _heading_levels(_list_numbers(out))


class _References:
    """Footnote references in reading order: each new one is the lowest note not yet referred to."""

    def __init__(self, notes: set[int]) -> None:
        self.unseen = set(notes)
        self.seen: set[int] = set()

    def _accepts(self, text: str, start: int, end: int) -> bool:
        number = int(text[start:end])
        before = text[start - 1]
        if before == "." and start >= 2 and text[start - 2].isdigit():
            # "in 2024.4 This": a number after a decimal point is a reference only before a new sentence.
            if not _DECIMAL_NEXT_RE.match(text, end):
                return False
        elif before not in _CLOSING and not ("a" <= before <= "z"):
            return False
        if self.unseen and number == min(self.unseen):
            self.unseen.discard(number)
            self.seen.add(number)
            return True
        return number in self.seen and before in _SENTENCE_END

    def mark(self, spans: tuple[TextSpan, ...]) -> tuple[TextSpan, ...]:
        if not self.unseen and not self.seen:
            return spans
        if not any(_GLUED_RE.search(s.text) for s in spans if s.kind is SpanKind.TEXT):
            return spans
        out: list[TextSpan] = []
        for span in spans:
            if span.kind is not SpanKind.TEXT:
                out.append(span)
                continue
            text, at = span.text, 0
            for found in _GLUED_RE.finditer(text):
                if found.start() == 0 or not self._accepts(text, found.start(), found.end()):
                    continue
                out += [TextSpan(text[at : found.start()]), TextSpan(found.group(), SpanKind.FOOTNOTE_REF)]
                at = found.end()
                if at < len(text) and not text[at].isspace():
                    out.append(TextSpan(" "))  # "2SWE-bench": the space the superscript stood for
            out.append(TextSpan(text[at:]))
        return join_spans(tuple(out))


def _lead(spans: tuple[TextSpan, ...]) -> tuple[TextSpan, ...]:
    """A bold run-in lead at the start of the block as a strong run, with its space restored."""
    if not spans or spans[0].kind is not SpanKind.TEXT:
        return spans
    first = spans[0].text
    latin = _LATIN_LEAD_RE.match(first)
    if latin is not None and first[: latin.end()].count(" ") >= 2 and not has_han(first[: latin.end()]):
        lead, rest = first[: latin.end()], " " + first[latin.end() :]
    else:
        cjk = _CJK_LEAD_RE.match(first)
        if cjk is None or not has_han(cjk.group()):
            return spans
        lead, rest = cjk.group(), first[cjk.end() :]
    return join_spans((TextSpan(lead, SpanKind.STRONG), TextSpan(rest), *spans[1:]))


def _lead_like(block: Block, other: Block, sentence: re.Pattern[str]) -> Block:
    """A lead the other language shows bold but this one lost no space after (so nothing marks it):
    its first sentence, when it has one, is a strong lead too."""
    if (
        block.kind not in (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM)
        or block.spans[0].kind is not SpanKind.TEXT
        or other.spans[0].kind is not SpanKind.STRONG
    ):
        return block
    found = sentence.match(block.spans[0].text)
    if found is None:
        return block
    first = block.spans[0].text
    return Block.of(
        block.kind,
        (TextSpan(found.group(), SpanKind.STRONG), TextSpan(first[found.end() :]), *block.spans[1:]),
        level=block.level,
        number=block.number,
        attribution=block.attribution,
    )


def _list_numbers(blocks: list[Block]) -> list[Block]:
    """A `1.` after a `1.` in the same section continues the count (the copy restarts every item of
    a list that paragraphs interrupt)."""
    out: list[Block] = []
    last_copied: int | None = None  # the number the copy showed on the section's last numbered item
    last: int | None = None
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            last_copied = last = None
        elif block.kind is BlockKind.LIST_ITEM and block.number is not None:
            copied = block.number
            if copied == 1 and last_copied == 1 and last is not None:
                block = replace(block, number=last + 1)
            last_copied, last = copied, block.number
        out.append(block)
    return out


def _heading_levels(blocks: list[Block]) -> list[Block]:
    # Entries: a stack of headings and the blocks up to the next heading.
    entries: list[tuple[list[int], int]] = []  # (indexes of the stacked headings, blocks below them)
    for i, block in enumerate(blocks):
        if block.kind is BlockKind.HEADING:
            if entries and entries[-1][1] == 0 and entries[-1][0][-1] == i - 1:
                entries[-1][0].append(i)
            else:
                entries.append(([i], 0))
        elif entries:
            heads, body = entries[-1]
            entries[-1] = (heads, body + 1)
    minor = [False] * len(entries)
    start = 0
    while start < len(entries):
        end = start
        while end < len(entries) and entries[end][1] <= 1:
            end += 1
        run = entries[start:end]
        stacked = all(len(heads) > 1 for heads, _ in run)
        if len(run) >= MIN_ENTRIES or (len(run) >= 2 and stacked):
            minor[start:end] = [True] * (end - start)
        start = end + 1 if end == start else end
    # An entry of a run that stacks more headings than the run's others opens with a section title
    # ("How it began" over the first "1998" and its title).
    stack = min((len(heads) for (heads, _), m in zip(entries, minor, strict=True) if m), default=1)
    out = list(blocks)
    for (heads, _), is_minor in zip(entries, minor, strict=True):
        titles = len(heads) - stack if is_minor else len(heads)
        for depth, i in enumerate(heads):
            level = SECTION_LEVEL + depth if depth < titles else ENTRY_LEVEL + depth - titles
            out[i] = replace(blocks[i], level=min(level, MAX_LEVEL))
    return out
