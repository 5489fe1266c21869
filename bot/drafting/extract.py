"""The article inside a web page (trafilatura), or inside a Markdown or text file, as blocks.

trafilatura finds the main text and drops page furniture (navigation, cookie banners, related
links, footers); its XML output keeps headings with their levels, paragraphs, lists, quotes,
emphasis and links. Two things it drops are kept by a pass over the page before it runs: image
captions (`<figcaption>`) and footnotes (the notes an in-page numbered link points to, and the
references to them). Each becomes a marker in the text that trafilatura keeps and the reading of
its XML turns back into a caption block or a footnote reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml import etree
from lxml import html as lxml_html

from bot.drafting.problem import SourceProblem
from bot.model import Block, BlockKind, SpanKind, TextSpan

CAPTION = "⟦caption⟧"
REF = re.compile(r"⟦fn:(\d+)⟧")
SPACE = re.compile(r"\s+")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MIN_TEXT = 40  # characters of body text below which a page is taken to have no article
# Furniture trafilatura may keep on a page with little else: dropped before it runs.
FURNITURE = re.compile(r"cookie|consent|gdpr|banner|newsletter|subscribe|related|share|social|breadcrumb|advert|promo")
BACKLINK_TEXT = {"↩", "↑", "^", "↩︎", "back", "返回"}


@dataclass(frozen=True)
class Piece:
    """One block as extracted, before it becomes a `Block` of the model."""

    kind: BlockKind
    spans: tuple[TextSpan, ...]
    level: int | None = None
    number: int | None = None

    @property
    def text(self) -> str:
        return clean("".join(s.text for s in self.spans))


@dataclass(frozen=True)
class Extracted:
    """What was found: the article's metadata and its blocks in reading order."""

    title: str
    author: str | None
    published: date | None
    url: str | None
    lang: str | None
    pieces: tuple[Piece, ...]

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(to_block(p) for p in self.pieces)


def clean(text: str) -> str:
    """One line of text: no control characters, runs of white space as one space, trimmed."""
    return SPACE.sub(" ", CONTROL.sub(" ", text)).strip()


def clean_spans(spans: tuple[TextSpan, ...]) -> tuple[TextSpan, ...]:
    """The runs as one clean line: white space collapsed within and across runs, trimmed at both ends."""
    out: list[TextSpan] = []
    after_space = True  # at the start, leading space is dropped
    for span in spans:
        text = SPACE.sub(" ", CONTROL.sub(" ", span.text))
        if after_space:
            text = text.lstrip(" ")
        if not text:
            continue
        after_space = text.endswith(" ")
        out.append(TextSpan(text, span.kind, span.target))
    while out and out[-1].text.endswith(" "):
        last = out.pop()
        if last.text.rstrip(" "):
            out.append(TextSpan(last.text.rstrip(" "), last.kind, last.target))
            break
    return tuple(out)


def to_block(piece: Piece) -> Block:
    """The model's block for a piece: its styled runs, heading level and list or footnote number."""
    return Block.of(piece.kind, clean_spans(piece.spans), level=piece.level, number=piece.number)


# --- HTML ----------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def decode_page(data: bytes, declared: str | None = None) -> str:
    """A page's text: by the charset its server declared, else its byte-order mark, else its own
    `<meta charset>`, else UTF-8 when it decodes as such, else GB18030 (most Chinese pages without
    a declaration), else Windows-1252."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    found = _META_CHARSET.search(data[:4096])
    for named in (declared, found.group(1).decode("ascii") if found else None):
        if named:
            try:
                return data.decode(named, errors="replace")
            except LookupError:
                continue
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")



def extract_html(page: str | bytes, *, source: str, url: str | None = None) -> Extracted:
    """The article in an HTML page; raises SourceProblem when no article text is found."""
    import trafilatura

    text = decode_page(page) if isinstance(page, bytes) else page
    try:
        tree = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise SourceProblem(source, f"the page is not readable HTML ({exc})") from exc
    lang = tree.get("lang") or None
    author = _meta(tree, "author")
    _drop_furniture(tree)
    notes = _take_footnotes(tree)
    _mark_captions(tree)
    marked = lxml_html.tostring(tree, encoding="unicode")
    xml = trafilatura.extract(
        marked,
        url=url,
        output_format="xml",
        include_formatting=True,
        include_links=True,
        include_images=False,
        include_tables=True,
        include_comments=False,
        with_metadata=True,
    )
    if not xml:
        raise SourceProblem(source, "no article text was found on the page")
    doc = etree.fromstring(xml.encode())
    main = doc.find("main")
    pieces = _pieces(main if main is not None else doc)
    title = clean(doc.get("title") or "")
    if pieces and pieces[0].kind is BlockKind.HEADING and (not title or pieces[0].text == title):
        title = title or pieces[0].text
        pieces = pieces[1:]
    pieces += [Piece(BlockKind.FOOTNOTE, spans, number=n) for n, spans in notes]
    body = sum(len(p.text) for p in pieces if p.kind is not BlockKind.HEADING)
    if body < MIN_TEXT:
        raise SourceProblem(source, "no article text was found on the page")
    return Extracted(
        title=title or _first_words(pieces),
        author=clean(doc.get("author") or "") or author,
        published=_date(doc.get("date")),
        url=doc.get("url") or url,
        lang=lang,
        pieces=tuple(pieces),
    )


def _meta(tree: lxml_html.HtmlElement, name: str) -> str | None:
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == name and meta.get("content"):
            return clean(meta.get("content")) or None
    return None


def _drop_furniture(tree: lxml_html.HtmlElement) -> None:
    for element in list(tree.iter("nav", "aside", "footer", "div", "section", "ul")):
        if element.tag in ("nav", "aside", "footer"):
            marked = True
        else:
            marked = bool(FURNITURE.search(f"{element.get('class') or ''} {element.get('id') or ''}".lower()))
        if marked and element.getparent() is not None:
            element.drop_tree()


def _take_footnotes(tree: lxml_html.HtmlElement) -> list[tuple[int, tuple[TextSpan, ...]]]:
    """Replace numbered in-page links by markers and take the notes they point to out of the page."""
    by_id = {el.get("id"): el for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}
    notes: dict[str, int] = {}
    for link in list(tree.iter("a")):
        href = link.get("href") or ""
        label = clean(link.text_content()).strip("[]")
        if not (href.startswith("#") and label.isdigit() and href[1:] in by_id):
            continue
        notes.setdefault(href[1:], int(label))
        holder = link.getparent() if link.getparent() is not None and link.getparent().tag == "sup" else link
        if holder.getparent() is not None and clean(holder.text_content()) == clean(link.text_content()):
            _replace_with_text(holder, f"⟦fn:{label}⟧")
    taken: list[tuple[int, tuple[TextSpan, ...]]] = []
    for note_id, number in sorted(notes.items(), key=lambda item: item[1]):
        note = by_id[note_id]
        for back in list(note.iter("a")):
            if clean(back.text_content()) in BACKLINK_TEXT or (back.get("href") or "").startswith("#"):
                _replace_with_text(back, "")
        text = clean(note.text_content())
        if text:
            taken.append((number, (TextSpan(text),)))
        container = note.getparent()
        if note.getparent() is not None:
            note.getparent().remove(note)
        while container is not None and container.getparent() is not None and not clean(container.text_content()):
            parent = container.getparent()
            parent.remove(container)
            container = parent
    return taken


def _replace_with_text(element: lxml_html.HtmlElement, text: str) -> None:
    parent = element.getparent()
    if parent is None:
        return
    joined = text + (element.tail or "")
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(element)


def _mark_captions(tree: lxml_html.HtmlElement) -> None:
    for caption in list(tree.iter("figcaption")):
        text = clean(caption.text_content())
        figure = caption.getparent()
        holder = figure if figure is not None and figure.tag == "figure" else caption
        paragraph = lxml_html.Element("p")
        paragraph.text = CAPTION + text
        paragraph.tail = holder.tail
        if holder.getparent() is not None:
            holder.getparent().replace(holder, paragraph)


def _pieces(root: etree._Element) -> list[Piece]:
    pieces: list[Piece] = []
    for element in root:
        tag = element.tag
        if tag == "head":
            rend = element.get("rend") or "h2"
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            pieces.append(Piece(BlockKind.HEADING, _spans(element), level=max(2, level)))
        elif tag == "p":
            spans = _spans(element)
            joined = "".join(s.text for s in spans)
            if joined.lstrip().startswith(CAPTION):
                pieces.append(Piece(BlockKind.IMAGE_CAPTION, (TextSpan(joined.replace(CAPTION, "")),)))
            else:
                pieces.append(Piece(BlockKind.PARAGRAPH, spans))
        elif tag == "list":
            numbered = element.get("rend") == "ol"
            for n, item in enumerate(element.iter("item"), start=1):
                pieces.append(Piece(BlockKind.LIST_ITEM, _spans(item), number=n if numbered else None))
        elif tag == "quote":
            inner = [p for p in element if p.tag == "p"] or [element]
            pieces += [Piece(BlockKind.QUOTE, _spans(p)) for p in inner]
        elif tag == "table":
            for row in element.iter("row"):
                cells = [clean("".join(s.text for s in _spans(cell))) for cell in row]
                pieces.append(Piece(BlockKind.PARAGRAPH, (TextSpan(" | ".join(c for c in cells if c)),)))
        elif tag in ("div", "section"):
            pieces += _pieces(element)
    return [p for p in pieces if p.text]


_STYLE = {"#i": SpanKind.EMPHASIS, "#em": SpanKind.EMPHASIS, "#b": SpanKind.STRONG, "#strong": SpanKind.STRONG}


def _spans(
    element: etree._Element, kind: SpanKind = SpanKind.TEXT, target: str | None = None
) -> tuple[TextSpan, ...]:
    """The styled runs of an element's text; footnote markers become footnote references."""
    out: list[TextSpan] = []

    def add(text: str | None, kind: SpanKind, target: str | None) -> None:
        if not text:
            return
        text = text.replace("\n", " ")
        position = 0
        for found in REF.finditer(text):
            out.append(TextSpan(text[position : found.start()], kind, target))
            out.append(TextSpan(found.group(1), SpanKind.FOOTNOTE_REF))
            position = found.end()
        out.append(TextSpan(text[position:], kind, target))

    add(element.text, kind, target)
    for child in element:
        if child.tag == "hi":
            out += _spans(child, _STYLE.get(child.get("rend") or "", kind), target)
        elif child.tag == "ref":
            out += _spans(child, SpanKind.LINK, child.get("target"))
        elif child.tag == "lb":
            out.append(TextSpan(" ", kind, target))
        elif child.tag not in ("list", "graphic"):
            out += _spans(child, kind, target)
        add(child.tail, kind, target)
    return tuple(s for s in out if s.text)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _first_words(pieces: list[Piece]) -> str:
    text = next((p.text for p in pieces if p.text), "")
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


# --- Markdown and plain text ---------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_MD_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_MD_FOOTNOTE = re.compile(r"^\[\^(\w+)\]:\s*(.*)$")
_MD_CAPTION = re.compile(r"^!\[([^\]]*)\]\([^)]*\)\s*$")
_MD_INLINE = re.compile(
    r"\*\*(?P<strong>.+?)\*\*|\*(?P<em>[^*]+?)\*|(?<!\w)_(?P<em2>[^_]+?)_(?!\w)"
    r"|\[\^(?P<ref>\w+)\]|\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)"
)


def extract_markdown(text: str, *, source: str, fallback_title: str) -> Extracted:
    """An article written in Markdown: `# Title`, `##` headings, lists, quotes, `[^1]` footnotes."""
    title = ""
    pieces: list[Piece] = []
    notes: dict[str, int] = {}
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            pieces.append(Piece(BlockKind.PARAGRAPH, _md_spans(" ".join(paragraph), notes)))
            paragraph.clear()

    for line in text.splitlines():
        if not line.strip():
            flush()
            continue
        if heading := _MD_HEADING.match(line):
            flush()
            level = len(heading.group(1))
            if level == 1 and not title and not pieces:
                title = clean(heading.group(2))
            else:
                pieces.append(Piece(BlockKind.HEADING, _md_spans(heading.group(2), notes), level=max(2, level)))
        elif footnote := _MD_FOOTNOTE.match(line):
            flush()
            number = notes.setdefault(footnote.group(1), len(notes) + 1)
            pieces.append(Piece(BlockKind.FOOTNOTE, _md_spans(footnote.group(2), notes), number=number))
        elif numbered := _MD_NUMBERED.match(line):
            flush()
            pieces.append(Piece(BlockKind.LIST_ITEM, _md_spans(numbered.group(2), notes), number=int(numbered.group(1))))
        elif bullet := _MD_BULLET.match(line):
            flush()
            pieces.append(Piece(BlockKind.LIST_ITEM, _md_spans(bullet.group(1), notes)))
        elif quote := _MD_QUOTE.match(line):
            flush()
            pieces.append(Piece(BlockKind.QUOTE, _md_spans(quote.group(1), notes)))
        elif caption := _MD_CAPTION.match(line):
            flush()
            pieces.append(Piece(BlockKind.IMAGE_CAPTION, (TextSpan(caption.group(1)),)))
        else:
            paragraph.append(line.strip())
    flush()
    # Notes are listed last, whatever their place in the file, as on a web page.
    kept = [p for p in pieces if p.text]
    ordered = [p for p in kept if p.kind is not BlockKind.FOOTNOTE] + [p for p in kept if p.kind is BlockKind.FOOTNOTE]
    return _from_text(ordered, title or fallback_title, source)


def extract_text(text: str, *, source: str, fallback_title: str) -> Extracted:
    """Plain text: paragraphs separated by blank lines; a short first paragraph is the title."""
    paragraphs = [clean(p) for p in re.split(r"\n\s*\n", text) if clean(p)]
    title = fallback_title
    if paragraphs and len(paragraphs[0]) <= 120 and len(paragraphs) > 1:
        title = paragraphs.pop(0)
    return _from_text([Piece(BlockKind.PARAGRAPH, (TextSpan(p),)) for p in paragraphs], title, source)


def _from_text(pieces: list[Piece], title: str, source: str) -> Extracted:
    if not pieces:
        raise SourceProblem(source, "the file has no article text")
    return Extracted(title=clean(title), author=None, published=None, url=None, lang=None, pieces=tuple(pieces))


def _md_spans(text: str, notes: dict[str, int]) -> tuple[TextSpan, ...]:
    out: list[TextSpan] = []
    position = 0
    for found in _MD_INLINE.finditer(text):
        out.append(TextSpan(text[position : found.start()]))
        if found.group(SpanKind.STRONG):
            out.append(TextSpan(found.group(SpanKind.STRONG), SpanKind.STRONG))
        elif found.group("em") or found.group("em2"):
            out.append(TextSpan(found.group("em") or found.group("em2"), SpanKind.EMPHASIS))
        elif found.group("ref"):
            out.append(TextSpan(str(notes.setdefault(found.group("ref"), len(notes) + 1)), SpanKind.FOOTNOTE_REF))
        else:
            out.append(TextSpan(found.group("label"), SpanKind.LINK, found.group("url")))
        position = found.end()
    out.append(TextSpan(text[position:]))
    return tuple(s for s in out if s.text)
