"""Text rules shared by the three formats: the text domain, line handling, script detection.

Every text of an imported article (headline, verdict, key point, block, prompt, …) is a *line
text*: non-empty, one line, no leading or trailing whitespace, no control characters and no
unpaired surrogates. All three formats hold exactly this domain, which is what lets an article
go page copy → JSON → native digest → JSON without a character changing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import date

from bot.formats import limits
from bot.formats.problem import ImportProblem
from bot.model import ARTICLE_ID_RE, Article, Block, SpanKind

# Han ideographs: the unified blocks, extension A, the compatibility block and the
# supplementary-plane extensions. A block with none of these is treated as source-language text.
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Characters between which a soft line break joins without a space (CJK text has no spaces).
_CJK_RE = re.compile(
    r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_NOTE_NUMBER_RE = re.compile(r"[0-9]{1,4}")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
# Control characters (Unicode category Cc) and surrogates (Cs): never part of a text.
_FORBIDDEN_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same in a source line, where a tab is tolerated (it becomes a space).
_FORBIDDEN_IN_LINE_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def has_han(text: str) -> bool:
    """Whether `text` contains a Chinese character."""
    return _HAN_RE.search(text) is not None


def text_problem(text: str) -> str | None:
    """What keeps `text` out of the line-text domain, or None when it is a valid line text."""
    if not text:
        return "is empty"
    if text != text.strip():
        return "has leading or trailing whitespace"
    found = _FORBIDDEN_RE.search(text)
    if found is None:
        return None
    ch = found.group()
    if unicodedata.category(ch) == "Cs":
        return f"contains an unpaired surrogate U+{ord(ch):04X}"
    what = "a line break" if ch in "\n\r\x85" else f"control character U+{ord(ch):04X}"
    return f"contains {what} (a text is one line)"


def source_lines(text: str, source_name: str) -> list[str]:
    """Split a text file into lines: drops a BOM, accepts CRLF and CR, strips trailing whitespace.

    Tabs become spaces. Any other control character, or an unpaired surrogate, is refused with
    its line number: it is the mark of binary data or a broken conversion, never of prose.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    found = _FORBIDDEN_IN_LINE_RE.search(text)
    if found is not None:
        ch = found.group()
        number = text.count("\n", 0, found.start()) + 1
        kind = "a NUL byte (binary data?)" if ch == "\0" else f"character U+{ord(ch):04X}"
        raise ImportProblem(source_name, f"line {number}", f"contains {kind}, which no text may hold")
    return [line.replace("\t", " ").rstrip() for line in text.split("\n")]


def join_wrapped(parts: list[str]) -> str:
    """Join the lines of a soft-wrapped paragraph: no space between two CJK characters, else one."""
    out = ""
    for part in parts:
        if out and not (_CJK_RE.match(out[-1]) and _CJK_RE.match(part[0])):
            out += " "
        out += part
    return out


def derive_id(headline: str, published: date | None) -> str:
    """A stable article id from the content: `<date>-<8 hex of the headline's SHA-256>`
    (`a-<12 hex>` when there is no date)."""
    digest = hashlib.sha256(headline.encode("utf-8")).hexdigest()
    return f"{published.isoformat()}-{digest[:8]}" if published else f"a-{digest[:12]}"


def article_problems(article: Article) -> Iterator[tuple[str, str]]:
    """Every place where `article` leaves the domain the formats share, as (JSON path, what)."""
    if not ARTICLE_ID_RE.fullmatch(article.id):
        yield "$.id", "must be 1-40 characters of a-z, 0-9 and '-', starting with a letter or digit"
    yield from _text("$.title", article.title, limits.MAX_TITLE)
    if article.source_url is not None:
        yield from _text("$.source_url", article.source_url, limits.MAX_SOURCE_URL)
        if any(ch.isspace() for ch in article.source_url):
            yield "$.source_url", "must have no spaces"
    for name in ("source_lang", "target_lang"):
        if not LANG_RE.fullmatch(getattr(article, name)):
            yield f"$.{name}", "must be a language tag such as en or zh-Hans"
    brief = article.brief
    yield from _text("$.brief.headline", brief.headline, limits.MAX_HEADLINE)
    yield from _text("$.brief.verdict", brief.verdict, limits.MAX_VERDICT)
    yield from _count("$.brief.key_points", len(brief.key_points), limits.MAX_KEY_POINTS, "key points")
    for i, point in enumerate(brief.key_points):
        yield from _text(f"$.brief.key_points[{i}].lead", point.lead, limits.MAX_LEAD)
        if point.body:  # a key point may be a lead alone
            yield from _text(f"$.brief.key_points[{i}].body", point.body, limits.MAX_BODY)
    yield from _count("$.brief.relevance", len(brief.relevance), limits.MAX_RELEVANCE, "relevance notes")
    for i, note in enumerate(brief.relevance):
        yield from _text(f"$.brief.relevance[{i}].audience", note.audience, limits.MAX_AUDIENCE)
        yield from _text(f"$.brief.relevance[{i}].text", note.text, limits.MAX_NOTE)
    yield from _count("$.brief.prompts", len(brief.prompts), limits.MAX_PROMPTS, "prompts")
    for i, prompt in enumerate(brief.prompts):
        yield from _text(f"$.brief.prompts[{i}]", prompt, limits.MAX_PROMPT)
    whole = limits.too_long(limits.brief_chars(article.title, brief), limits.MAX_BRIEF)
    if whole is not None:
        yield "$.brief", f"(title, headline, verdict, key points, relevance notes and prompts together) {whole}"
    for section, blocks in (("original", article.original), ("translation", article.translation)):
        yield from _count(f"$.{section}", len(blocks), limits.MAX_BLOCKS, "blocks")
        for i, block in enumerate(blocks):
            yield from block_problems(f"$.{section}[{i}]", block)
    yield from _count("$.bilingual", len(article.bilingual), limits.MAX_BLOCKS, "pairs")
    for i, pair in enumerate(article.bilingual):
        if pair.source is None and pair.target is None:
            yield f"$.bilingual[{i}]", "a pair needs a source or a target block"
        for side, half in (("source", pair.source), ("target", pair.target)):
            if half is not None:
                yield from block_problems(f"$.bilingual[{i}].{side}", half)


def block_problems(where: str, block: Block) -> Iterator[tuple[str, str]]:
    """Where a block leaves the shared domain: its text, its styled runs, its attribution."""
    yield from _text(f"{where}.text", block.text, limits.MAX_BLOCK)
    for j, span in enumerate(block.spans):
        at = f"{where}.spans[{j}]"
        if span.kind is SpanKind.TEXT:
            if span.target is not None:
                yield f"{at}.target", "only a link has a target"
            continue
        # A styled run starts and ends with a visible character, so every format can mark it.
        yield from _text(f"{at}.text", span.text)
        if span.kind is SpanKind.LINK:
            if (
                not span.target
                or any(ch.isspace() for ch in span.target)
                or _FORBIDDEN_RE.search(span.target)
            ):
                yield f"{at}.target", "a link needs a URL without spaces"
        elif span.target is not None:
            yield f"{at}.target", "only a link has a target"
        if span.kind is SpanKind.FOOTNOTE_REF and not _NOTE_NUMBER_RE.fullmatch(span.text):
            yield f"{at}.text", "a footnote reference is the footnote's number, such as 3"
    if block.attribution is not None:
        yield from _text(f"{where}.attribution", block.attribution, limits.MAX_ATTRIBUTION)


def _text(where: str, text: str, cap: int | None = None) -> Iterator[tuple[str, str]]:
    what = text_problem(text) or (limits.too_long(len(text), cap) if cap is not None else None)
    if what is not None:
        yield where, what


def _count(where: str, count: int, cap: int, what: str) -> Iterator[tuple[str, str]]:
    problem = limits.too_many(count, cap, what)
    if problem is not None:
        yield where, problem


def require_in_domain(article: Article) -> None:
    """Refuse to write an article the formats could not read back unchanged."""
    for where, what in article_problems(article):
        raise ValueError(f"article {article.id}: {where} {what}")


def check_article(article: Article, source_name: str) -> Article:
    """Return `article` when it is inside the shared domain, else raise the first problem found."""
    for where, what in article_problems(article):
        raise ImportProblem(source_name, where, what)
    return article
