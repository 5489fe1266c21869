"""The native digest: Markdown with TOML front matter, for people who write digests by hand.

The full description, with a complete example, is docs/digest-format.md. In short:

    +++
    id = "…"  title = "…"  headline = "…"  published = 2025-01-15  source_url = "…"
    +++
    # Verdict        one paragraph
    # Key points     - **lead** body
    # Relevance      - **audience** text
    # Prompts        1. prompt
    # Original       blocks separated by blank lines
    # Translation    the same number of blocks, in the same order
    # Bilingual      (optional) explicit pairs: source block, then `= ` translated block

Blocks: a paragraph is plain text; `## heading`; `- list item` (or `1. item`); `> quote`;
`![image caption]`; `[^1]: footnote`. Text is taken literally (no inline Markdown); a paragraph
that would read as one of these marks is written with a backslash in front.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.formats.inline import read_spans, write_spans
from bot.formats.problem import ImportProblem
from bot.formats.text import (
    check_article,
    derive_id,
    join_wrapped,
    require_in_domain,
    source_lines,
    text_problem,
)
from bot.model import (
    ARTICLE_ID_RE,
    Article,
    BilingualPair,
    Block,
    BlockKind,
    Brief,
    KeyPoint,
    RelevanceNote,
    SpanKind,
    TextSpan,
)

FENCE = "+++"
SECTIONS = ("Verdict", "Key points", "Relevance", "Prompts", "Original", "Translation", "Bilingual")
FRONT_MATTER_KEYS = ("id", "title", "headline", "source_url", "published", "source_lang", "target_lang")

# What one line of the body is. Both the reader and the writer use `read_line`, which is what
# makes the escaping rule exact: a paragraph is written bare only when it reads back as itself.
_SECTION_RE = re.compile(r"^#(?:\s+(?P<text>.*))?$")
_HEADING_RE = re.compile(r"^#{2,6}(?:\s+(?P<text>.*))?$")
_FOOTNOTE_RE = re.compile(r"^\[\^(?P<label>[^\]\s]+)\]:(?:\s+(?P<text>.*))?$")
_CAPTION_RE = re.compile(r"^!\[(?P<text>.*)\]$")
_QUOTE_RE = re.compile(r"^>\s*(?P<text>.*)$")
_ITEM_RE = re.compile(r"^(?:[-*+]|\d{1,9}[.)])(?:\s+(?P<text>.*))?$")
_TARGET_RE = re.compile(r"^=(?:\s+(?P<text>.*))?$")
_MARKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("section", _SECTION_RE),
    ("heading", _HEADING_RE),
    ("footnote", _FOOTNOTE_RE),
    ("caption", _CAPTION_RE),
    ("quote", _QUOTE_RE),
    ("item", _ITEM_RE),
    ("target", _TARGET_RE),
)
_KINDS = {
    "paragraph": BlockKind.PARAGRAPH,
    "heading": BlockKind.HEADING,
    "footnote": BlockKind.FOOTNOTE,
    "caption": BlockKind.IMAGE_CAPTION,
    "quote": BlockKind.QUOTE,
    "item": BlockKind.LIST_ITEM,
}
# Lines of these kinds go on when a plain line follows them (a soft-wrapped paragraph or item).
_CONTINUED = {"paragraph", "item", "footnote", "quote"}
_NUMBER_RE = re.compile(r"^(\d{1,9})[.)]")
# The last line of a quote that starts with this names who said it: `> -- Ada Lovelace`.
ATTRIBUTION = "--"


def read_line(line: str) -> tuple[str, str, bool]:
    """(mark, text, escaped) for one stripped body line; mark is 'paragraph' for plain text."""
    if line.startswith("\\"):
        return "paragraph", line[1:], True
    for mark, pattern in _MARKS:
        found = pattern.match(line)
        if found:
            return mark, found["text"] or "", False
    return "paragraph", line, False


def _paragraph(text: str) -> str:
    return text if read_line(text) == ("paragraph", text, False) else "\\" + text


# ---------------------------------------------------------------------------------------- writing


def dump_native(article: Article) -> str:
    """The native digest text of `article`; `parse_native` reads it back to an equal article."""
    require_in_domain(article)
    out = [FENCE, f"id = {_toml(article.id)}", f"title = {_toml(article.title)}"]
    out.append(f"headline = {_toml(article.brief.headline)}")
    if article.source_url is not None:
        out.append(f"source_url = {_toml(article.source_url)}")
    if article.published is not None:
        out.append(f"published = {article.published.isoformat()}")
    out += [
        f"source_lang = {_toml(article.source_lang)}",
        f"target_lang = {_toml(article.target_lang)}",
        FENCE,
    ]
    brief = article.brief
    out += ["", "# Verdict", "", _paragraph(brief.verdict)]
    if brief.key_points:
        out += ["", "# Key points", ""] + [_lead_item(p.lead, p.body) for p in brief.key_points]
    if brief.relevance:
        out += ["", "# Relevance", ""] + [_lead_item(n.audience, n.text) for n in brief.relevance]
    if brief.prompts:
        out += ["", "# Prompts", ""] + [f"{i}. {prompt}" for i, prompt in enumerate(brief.prompts, 1)]
    for name, blocks in (("Original", article.original), ("Translation", article.translation)):
        if blocks:
            out += ["", f"# {name}"]
            notes = _numbering()
            for block in blocks:
                out += ["", _block_line(block, notes)]
    if article.bilingual != implicit_pairs(article.original, article.translation):
        out += ["", "# Bilingual"]
        source_notes, target_notes = _numbering(), _numbering()
        for pair in article.bilingual:
            out.append("")
            if pair.source is not None:
                out.append(_block_line(pair.source, source_notes))
            if pair.target is not None:
                out.append("= " + _block_line(pair.target, target_notes))
    return "\n".join(out) + "\n"


def implicit_pairs(
    original: tuple[Block, ...], translation: tuple[Block, ...]
) -> tuple[BilingualPair, ...] | None:
    """The pairs that aligned original and translation sections give, or None when they differ in length."""
    if len(original) != len(translation):
        return None
    return tuple(BilingualPair(s, t) for s, t in zip(original, translation, strict=True))


def _numbering() -> Callable[[], int]:
    count = 0

    def following() -> int:
        nonlocal count
        count += 1
        return count

    return following


def _block_line(block: Block, note_number: Callable[[], int]) -> str:
    markup = write_spans(block.spans)
    match block.kind:
        case BlockKind.HEADING:
            return "#" * max(block.level or 2, 2) + " " + markup
        case BlockKind.LIST_ITEM:
            return ("- " if block.number is None else f"{block.number}. ") + markup
        case BlockKind.QUOTE:
            attribution = "" if block.attribution is None else f"\n> {ATTRIBUTION} {block.attribution}"
            return "> " + markup + attribution
        case BlockKind.IMAGE_CAPTION:
            return f"![{markup}]"
        case BlockKind.FOOTNOTE:
            number = note_number()
            return f"[^{number if block.number is None else block.number}]: {markup}"
        case _:
            return _paragraph(markup)


def _lead_item(lead: str, body: str) -> str:
    escaped = lead.replace("\\", "\\\\").replace("*", "\\*")
    return f"- **{escaped}**" + (f" {body}" if body else "")


def _toml(text: str) -> str:
    """A TOML basic string."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Block:
    mark: str
    number: int  # the line it starts on
    parts: list[str] = field(default_factory=list)
    head: str = ""  # its first line as written, which holds the heading level or the item number

    @property
    def text(self) -> str:
        return join_wrapped(self.parts)


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str


def parse_native(text: str, *, source_name: str) -> Article:
    """Read a native digest; raise ImportProblem naming the line or section that is wrong."""
    reader = _Reader(source_name)
    lines = [_Line(n, line.strip()) for n, line in enumerate(source_lines(text, source_name), 1)]
    opening = next((i for i, line in enumerate(lines) if line.text), None)
    if opening is None or lines[opening].text != FENCE:
        where = f"line {lines[opening].number}" if opening is not None else "file"
        raise ImportProblem(
            source_name, where, f"a native digest starts with a {FENCE} line (TOML front matter)"
        )
    closing = next((i for i in range(opening + 1, len(lines)) if lines[i].text == FENCE), None)
    if closing is None:
        raise reader.problem(
            lines[opening].number, f"the front matter opened here is never closed by a {FENCE} line"
        )
    front = reader.front_matter(lines[opening + 1 : closing], first_line=lines[opening].number + 1)
    sections = reader.sections(lines[closing + 1 :])

    if "Verdict" not in sections:
        raise ImportProblem(source_name, "# Verdict", "section missing: a digest needs its verdict")
    verdict = reader.single_paragraph(sections["Verdict"], "Verdict")
    key_points = tuple(
        KeyPoint(*reader.lead_item(b, "key point")) for b in reader.items(sections, "Key points")
    )
    relevance = []
    for block in reader.items(sections, "Relevance"):
        audience, note = reader.lead_item(block, "relevance note")
        if not note:
            raise reader.problem(block.number, f"the note for {audience} has no text")
        relevance.append(RelevanceNote(audience, note))
    prompts = tuple(b.text for b in reader.items(sections, "Prompts"))
    original = reader.text_blocks(sections.get("Original", []))
    translation = reader.text_blocks(sections.get("Translation", []))
    if "Bilingual" in sections:
        bilingual = reader.pairs(sections["Bilingual"])
    else:
        implicit = implicit_pairs(original, translation)
        if implicit is None:
            raise ImportProblem(
                source_name,
                "# Bilingual",
                f"the original has {len(original)} blocks and the translation {len(translation)}: give them the"
                " same number of blocks, in the same order, or pair them in a # Bilingual section",
            )
        bilingual = implicit

    headline = front.get("headline", front["title"])
    published = front.get("published")
    article = Article(
        id=front.get("id") or derive_id(headline, published),
        title=front["title"],
        brief=Brief(headline, verdict, key_points, tuple(relevance), prompts),
        source_url=front.get("source_url"),
        published=published,
        source_lang=front.get("source_lang", "en"),
        target_lang=front.get("target_lang", "zh-Hans"),
        original=original,
        translation=translation,
        bilingual=bilingual,
    )
    return check_article(article, source_name)


class _Reader:
    def __init__(self, source_name: str) -> None:
        self.source_name = source_name

    def problem(self, line: int, what: str) -> ImportProblem:
        return ImportProblem(self.source_name, f"line {line}", what)

    def front_matter(self, lines: list[_Line], *, first_line: int) -> dict[str, Any]:
        try:
            data = tomllib.loads("".join(line.text + "\n" for line in lines))
        except tomllib.TOMLDecodeError as error:
            at = re.search(r"\(at line (\d+)", str(error))
            what = re.sub(r"\s*\(at .*?\)$", "", str(error))
            where = f"line {first_line + (int(at.group(1)) if at else len(lines)) - 1}"
            raise ImportProblem(self.source_name, where, f"front matter is not valid TOML: {what}") from None
        for key in data:
            if key not in FRONT_MATTER_KEYS:
                raise ImportProblem(
                    self.source_name,
                    "front matter",
                    f"unknown key {key!r} (known: {', '.join(FRONT_MATTER_KEYS)})",
                )
        if "title" not in data:
            raise ImportProblem(self.source_name, "front matter", "title is missing")
        for key in FRONT_MATTER_KEYS:
            value = data.get(key)
            if key == "published" and value is not None:
                data[key] = self._date(value)
            elif value is not None:
                if not isinstance(value, str):
                    raise ImportProblem(self.source_name, "front matter", f"{key} must be a string")
                wrong = text_problem(value)
                if wrong:
                    raise ImportProblem(self.source_name, "front matter", f"{key} {wrong}")
        if "id" in data and not ARTICLE_ID_RE.fullmatch(data["id"]):
            raise ImportProblem(
                self.source_name,
                "front matter",
                f"id {data['id']!r} must be 1-40 characters of a-z, 0-9 and '-', starting with a letter or digit",
            )
        return data

    def _date(self, value: object) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ImportProblem(
            self.source_name, "front matter", f"published {value!s} is not a date such as 2025-01-15"
        )

    def sections(self, lines: list[_Line]) -> dict[str, list[_Line]]:
        names = {name.lower(): name for name in SECTIONS}
        sections: dict[str, list[_Line]] = {}
        current: list[_Line] | None = None
        for line in lines:
            mark, text, _ = read_line(line.text) if line.text else ("blank", "", False)
            if mark == "section":
                name = names.get(" ".join(text.split()).lower())
                if name is None:
                    raise self.problem(
                        line.number, f"unknown section {text!r}; sections are {', '.join(SECTIONS)}"
                    )
                if name in sections:
                    raise self.problem(line.number, f"a second # {name} section")
                current = sections[name] = []
            elif current is not None:
                current.append(line)
            elif line.text:
                raise self.problem(
                    line.number, "text before the first section (a section starts with '# Verdict')"
                )
        return sections

    def blocks(self, lines: list[_Line]) -> list[_Block]:
        blocks: list[_Block] = []
        current: _Block | None = None
        for line in lines:
            if not line.text:
                current = None
                continue
            mark, text, escaped = read_line(line.text)
            continues = current is not None and (
                (mark == "paragraph" and not escaped and current.mark in _CONTINUED)
                or (mark == "quote" and current.mark == "quote")
            )
            if not text:
                raise self.problem(line.number, f"an empty {mark}")
            if current is not None and continues:
                current.parts.append(text)
                continue
            current = _Block(mark, line.number, [text], line.text)
            blocks.append(current)
        return blocks

    def single_paragraph(self, lines: list[_Line], section: str) -> str:
        blocks = self.blocks(lines)
        if not blocks:
            raise ImportProblem(self.source_name, f"# {section}", "the section is empty")
        if len(blocks) > 1 or blocks[0].mark != "paragraph":
            raise self.problem(blocks[-1].number, f"# {section} holds one paragraph")
        return blocks[0].text

    def items(self, sections: dict[str, list[_Line]], section: str) -> list[_Block]:
        blocks = self.blocks(sections.get(section, []))
        for block in blocks:
            if block.mark != "item":
                raise self.problem(
                    block.number, f"# {section} holds list items ('- …' or '1. …'), not a {block.mark}"
                )
        return blocks

    def lead_item(self, block: _Block, what: str) -> tuple[str, str]:
        """Split `**lead** body`; in the lead, `\\*` is a star and `\\\\` a backslash."""
        text = block.text
        if not text.startswith("**"):
            raise self.problem(block.number, f"a {what} is written - **lead** text")
        lead: list[str] = []
        i = 2
        while i < len(text):
            if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\*":
                lead.append(text[i + 1])
                i += 2
            elif text.startswith("**", i):
                break
            else:
                lead.append(text[i])
                i += 1
        else:
            raise self.problem(block.number, f"the bold lead of this {what} is not closed with **")
        joined = "".join(lead)
        if not joined or text_problem(joined):
            raise self.problem(
                block.number, f"the bold lead of this {what} is empty or starts or ends with a space"
            )
        return joined, text[i + 2 :].strip()

    def text_blocks(self, lines: list[_Line]) -> tuple[Block, ...]:
        blocks = self.blocks(lines)
        notes = _Notes()
        for block in blocks:
            notes.define(block)
        return tuple(self._block(b, notes) for b in blocks)

    def _block(self, block: _Block, notes: _Notes) -> Block:
        kind = _KINDS.get(block.mark)
        if kind is None:
            hint = (
                "it marks a translation inside # Bilingual"
                if block.mark == "target"
                else "it starts a section"
            )
            raise self.problem(block.number, f"a line starting with {block.mark!r} cannot be here: {hint}")
        parts, attribution = block.parts, None
        if kind is BlockKind.QUOTE and len(parts) > 1 and parts[-1].startswith(ATTRIBUTION + " "):
            parts, attribution = parts[:-1], parts[-1][len(ATTRIBUTION) :].strip()
        spans = read_spans(join_wrapped(parts))
        try:
            spans = notes.resolve(spans)
        except KeyError as error:
            raise self.problem(
                block.number,
                f"the footnote reference [^{error.args[0]}] has no footnote [^{error.args[0]}]: in this section",
            ) from None
        head = block.head.removeprefix("= ")
        level = number = None
        if kind is BlockKind.HEADING:
            level = len(head) - len(head.lstrip("#"))
        elif kind is BlockKind.LIST_ITEM:
            found = _NUMBER_RE.match(head)
            number = int(found.group(1)) if found else None
        elif kind is BlockKind.FOOTNOTE:
            number = notes.number(block)
        return Block.of(kind, spans, level=level, number=number, attribution=attribution)

    def pairs(self, lines: list[_Line]) -> tuple[BilingualPair, ...]:
        chunks: list[list[_Line]] = [[]]
        for line in lines:
            if line.text:
                chunks[-1].append(line)
            elif chunks[-1]:
                chunks.append([])
        sides: list[tuple[_Block | None, _Block | None]] = []
        for chunk in (c for c in chunks if c):
            split = next(
                (i for i, line in enumerate(chunk) if read_line(line.text)[0] == "target"), len(chunk)
            )
            source = self._side(chunk[:split], "source")
            target_lines = chunk[split:]
            if target_lines:
                first = target_lines[0]
                target_lines = [_Line(first.number, read_line(first.text)[1]), *target_lines[1:]]
            target = self._side(target_lines, "translation")
            sides.append((source, target))
        # Each side numbers its own notes, as the original and the translation do.
        source_notes, target_notes = _Notes(), _Notes()
        for source, target in sides:
            source_notes.define(source)
            target_notes.define(target)
        return tuple(
            BilingualPair(
                None if source is None else self._block(source, source_notes),
                None if target is None else self._block(target, target_notes),
            )
            for source, target in sides
        )

    def _side(self, lines: list[_Line], side: str) -> _Block | None:
        if lines and not lines[0].text:
            raise self.problem(lines[0].number, "an empty translation after '='")
        blocks = self.blocks(lines)
        if len(blocks) > 1:
            raise self.problem(
                blocks[1].number, f"one {side} block per pair; leave a blank line before the next pair"
            )
        return blocks[0] if blocks else None


class _Notes:
    """The footnotes of one text: their labels, and the number each one shows.

    A numeric label (`[^3]:`) is the note's number; another label (`[^why]:`) gets the note's place
    among the notes, and references to it (`[^why]`) show that number."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._by_block: dict[int, int] = {}

    def define(self, block: _Block | None) -> None:
        if block is None or block.mark != "footnote":
            return
        found = _FOOTNOTE_RE.match(block.head.removeprefix("= "))
        label = found["label"] if found else ""
        number = int(label) if label.isdigit() and len(label) <= 4 else len(self._by_block) + 1
        self._numbers.setdefault(label, number)
        self._by_block[id(block)] = number

    def number(self, block: _Block) -> int:
        return self._by_block[id(block)]

    def resolve(self, spans: tuple[TextSpan, ...]) -> tuple[TextSpan, ...]:
        """References with their footnote's number; KeyError(label) for a label no note defines."""
        out = []
        for span in spans:
            if span.kind is SpanKind.FOOTNOTE_REF and not (span.text.isdigit() and len(span.text) <= 4):
                span = TextSpan(str(self._numbers[span.text]), SpanKind.FOOTNOTE_REF)
            out.append(span)
        return tuple(out)
