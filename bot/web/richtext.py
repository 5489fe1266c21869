"""An article's blocks as HTML: headings at their level, numbered lists as `<ol>` with their numbers,
emphasis, strong leads, links, and footnotes linked both ways with their references.

Every text goes through `escape`; only the tags written here reach the page. Ids carry a prefix per
text (`original-fn-3`), because the page shows the same notes in several tabs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from bot.model import Block, BlockKind, SpanKind, TextSpan
from bot.web.anchored import Anchored, beside, paragraph_mark
from bot.web.contents import heading_anchor


@dataclass(slots=True)
class Notes:
    """The footnotes of one text: each note's number, and which notes the text refers to."""

    prefix: str
    numbers: dict[int, int] = field(default_factory=dict)  # id(block) → the number it shows
    defined: set[int] = field(default_factory=set)
    referred: set[int] = field(default_factory=set)
    anchored: set[int] = field(default_factory=set)  # notes whose first reference has its id

    def note_id(self, number: int) -> str:
        return f"{self.prefix}fn-{number}"

    def ref_id(self, number: int) -> str:
        return f"{self.prefix}fnref-{number}"


def web_url(url: str | None) -> str | None:
    """`url` if it is an http(s) address, else None: a link on the page must never be `javascript:`."""
    if url and url.lower().startswith(("https://", "http://")) and not any(c.isspace() for c in url):
        return url
    return None


def notes_of(blocks: Iterable[Block | None], prefix: str) -> Notes:
    """The notes of a text (None entries, the empty side of a bilingual pair, are skipped)."""
    notes = Notes(prefix)
    count = 0
    for block in blocks:
        if block is None:
            continue
        if block.kind is BlockKind.FOOTNOTE:
            count += 1
            number = count if block.number is None else block.number
            notes.numbers[id(block)] = number
            notes.defined.add(number)
        notes.referred.update(int(s.text) for s in block.spans if s.kind is SpanKind.FOOTNOTE_REF)
    return notes


def text_html(
    blocks: Sequence[Block], tab: str, numbers: Sequence[int | None] = (), anchored: Anchored | None = None
) -> Markup:
    """A whole text of the tab `tab`: consecutive list items in one list, the footnotes in a list of
    their own; the Nth heading anchored as `heading_anchor(tab, N)`, notes as `<tab>-fn-<number>`.

    `numbers`: each block's paragraph number, shown in the margin (¶N), with the replies `anchored`
    to it right after the block."""
    notes = notes_of(blocks, f"{tab}-")
    out: list[str] = []
    run: list[Block] = []
    headings = 0
    around: dict[int, tuple[str, str]] = {}  # id(block) → what goes before and after it
    for block, number in zip(blocks, numbers, strict=False):
        if number is not None:
            around[id(block)] = (paragraph_mark(tab, number), beside(anchored or {}, number))

    def flush() -> None:
        if run:
            out.append(_list(run, notes, around))
            run.clear()

    for block in blocks:
        if run and not _same_list(run[-1], block):
            flush()
        if block.kind in (BlockKind.LIST_ITEM, BlockKind.FOOTNOTE):
            run.append(block)
            continue
        if block.kind is BlockKind.HEADING:
            headings += 1
            html = _single(block, notes, heading_anchor(tab, headings))
        else:
            html = _single(block, notes)
        before, after = around.get(id(block), ("", ""))
        out.append(f'<div class="numbered">{before}{html}{after}</div>' if before else html)
    flush()
    return Markup("\n".join(out))


def block_html(block: Block, notes: Notes) -> Markup:
    """One block alone (a side of a bilingual pair), with the notes of the text it belongs to."""
    if block.kind in (BlockKind.LIST_ITEM, BlockKind.FOOTNOTE):
        return Markup(_list([block], notes))
    return Markup(_single(block, notes))


def _same_list(last: Block, block: Block) -> bool:
    if block.kind is not last.kind or block.kind not in (BlockKind.LIST_ITEM, BlockKind.FOOTNOTE):
        return False
    return block.kind is BlockKind.FOOTNOTE or (block.number is None) == (last.number is None)


def _list(items: list[Block], notes: Notes, around: dict[int, tuple[str, str]] | None = None) -> str:
    marks = around or {}

    def text(item: Block) -> str:
        before, after = marks.get(id(item), ("", ""))
        return f"{before}{_spans(item.spans, notes)}{after}"

    if items[0].kind is BlockKind.FOOTNOTE:
        lis = []
        for item in items:
            number = notes.numbers[id(item)]
            back = (
                f' <a class="backref" href="#{notes.ref_id(number)}" aria-label="↩">↩</a>'
                if number in notes.referred
                else ""
            )
            lis.append(f'<li id="{notes.note_id(number)}" value="{number}">{text(item)}{back}</li>')
        return f'<ol class="block footnotes" start="{notes.numbers[id(items[0])]}">{"".join(lis)}</ol>'
    if items[0].number is None:
        return f'<ul class="block list">{"".join(f"<li>{text(i)}</li>" for i in items)}</ul>'
    numbered = "".join(f'<li value="{i.number}">{text(i)}</li>' for i in items)
    return f'<ol class="block list" start="{items[0].number}">{numbered}</ol>'


def _single(block: Block, notes: Notes, anchor: str | None = None) -> str:
    inner = _spans(block.spans, notes)
    match block.kind:
        case BlockKind.HEADING:
            level = block.level or 2
            at = f' id="{anchor}"' if anchor else ""
            return f'<h{level} class="block heading"{at}>{inner}</h{level}>'
        case BlockKind.QUOTE:
            said = (
                f'<footer class="attribution">— {escape(block.attribution)}</footer>' if block.attribution else ""
            )
            return f'<blockquote class="block quote"><p>{inner}</p>{said}</blockquote>'
        case BlockKind.IMAGE_CAPTION:
            return f'<p class="block caption">{inner}</p>'
        case _:
            return f'<p class="block">{inner}</p>'


def _spans(spans: Sequence[TextSpan], notes: Notes) -> str:
    out = []
    for span in spans:
        text = escape(span.text)
        match span.kind:
            case SpanKind.EMPHASIS:
                out.append(f"<em>{text}</em>")
            case SpanKind.STRONG:
                out.append(f"<strong>{text}</strong>")
            case SpanKind.LINK:
                url = web_url(span.target)
                # never a javascript: or other scheme: such a link shows as its text
                out.append(f'<a href="{escape(url)}" rel="noreferrer noopener">{text}</a>' if url else str(text))
            case SpanKind.FOOTNOTE_REF:
                out.append(_reference(int(span.text), notes))
            case _:
                out.append(str(text))
    return "".join(out)


def _reference(number: int, notes: Notes) -> str:
    if number not in notes.defined:
        return f'<sup class="fnref">{number}</sup>'
    anchor = ""
    if number not in notes.anchored:  # the first reference is where the note's back-link leads
        notes.anchored.add(number)
        anchor = f' id="{notes.ref_id(number)}"'
    return f'<sup class="fnref"{anchor}><a href="#{notes.note_id(number)}">{number}</a></sup>'
