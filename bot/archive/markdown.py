"""The archive as a Markdown file: title and prompts first, then each discussion's replies under their prompt.

Member text is escaped so that it reads as typed in any Markdown renderer: it cannot open
headings, lists, links or raw HTML, and `@everyone` / `@here` are escaped the way chat apps
honour (`\\@everyone`) so pasting the file into a chat pings no one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from bot.archive import labels
from bot.archive.model import Archive, ArchivedDiscussion
from bot.archive.select import Filters
from bot.archive.threads import MAX_DEPTH, paragraph_sections, thread_sections
from bot.model import Article
from bot.paragraphs import excerpt_of, original_block
from bot.paragraphs import label as paragraph_label

# Characters that mean something anywhere in a CommonMark line (`&` starts entity references).
# The backslash comes first, so the escapes added for the others are not escaped again.
_INLINE = "\\`*_[]<>|~&"
# Characters that mean something only at the start of a line: headings, lists, quotes, setext rules.
_BLOCK_STARTS = frozenset("#+-=")
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")
_NEEDS_ESCAPE = re.compile(r"[\\`*_\[\]<>|~&@]")
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_NUL = "\x00"
_INDENTS = tuple("  " * depth for depth in range(MAX_DEPTH + 2))
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Blanks at either end of a line (next to a line break or a text boundary): leading ones would make a code block.
_EDGE_BLANKS = re.compile(r"[ \t]+([\n\x00])|([\n\x00])[ \t]+")
_EDGES = tuple(a + b for a in " \t" for b in "\n\x00") + tuple(b + a for a in " \t" for b in "\n\x00")
_LINE_START = re.compile(r"[\n\x00](?:[#+=-]|\d+[.)])")


def escape_inline(text: str) -> str:
    """Escape member text for the middle of a Markdown line (newlines are left alone)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text  # most text: nothing to do
    escaped = text
    for mark in _INLINE:
        if mark in escaped:  # str.replace per mark beats str.translate and re.sub on non-ASCII text
            escaped = escaped.replace(mark, "\\" + mark)
    if "@" in escaped:
        escaped = _MASS_MENTION.sub(lambda m: "\\@" + m.group(1), escaped)
    return escaped


def _block_safe(line: str) -> str:
    """An inline-escaped, stripped line made unable to start a block (heading, list, quote, rule)."""
    if not line:
        return line
    first = line[0]
    if first in _BLOCK_STARTS:
        return "\\" + line
    if first.isdigit():
        return _ORDERED_ITEM.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1)
    return line


def escape_line(text: str) -> str:
    """Escape a whole line: inline marks, then what would start a block. Leading blanks would make a code block."""
    return _block_safe(escape_inline(text.strip()))


@lru_cache(maxsize=8192)  # names and prompts repeat on every reply
def single_line(text: str) -> str:
    """Names and titles on one line, whatever newlines they came with."""
    return escape_line(" ".join(text.split()))


def escape_texts(texts: list[str]) -> list[str]:
    """Member texts escaped for Markdown, each line stripped and unable to start a block.

    The texts are escaped together, as one string with NUL between them (NUL is not text in
    Markdown: CommonMark turns it into U+FFFD, as done here), because a few passes of `str.replace`
    over one long string are many times faster than the same passes over 100,000 short ones.
    """
    joined = _NUL + _NUL.join(texts) + _NUL
    if joined.count(_NUL) != len(texts) + 1:
        joined = _NUL + _NUL.join(t.replace(_NUL, "\ufffd") for t in texts) + _NUL
    # Each pass runs only if needed: a regular expression over megabytes of text costs far more than
    # asking whether a character occurs at all.
    if any(c in joined for c in _OTHER_BREAKS):
        joined = _LINE_BREAKS.sub("\n", joined)
    if any(edge in joined for edge in _EDGES):
        joined = _EDGE_BLANKS.sub(lambda m: m.group(1) or m.group(2), joined)
    for mark in _INLINE:
        if mark in joined:
            joined = joined.replace(mark, "\\" + mark)
    if "@" in joined:
        joined = _MASS_MENTION.sub(lambda m: "\\@" + m.group(1), joined)
    joined = _LINE_START.sub(_escape_line_start, joined)
    return joined.split(_NUL)[1:-1]


def _escape_line_start(match: re.Match[str]) -> str:
    boundary, start = match.group()[0], match.group()[1:]
    if start[0] in _BLOCK_STARTS:
        return f"{boundary}\\{start}"
    return f"{boundary}{start[:-1]}\\{start[-1]}"


def _paragraphs(escaped: str, indent: str) -> str:
    """Escaped member text as indented Markdown paragraphs with a blank line between them.

    Line breaks inside a paragraph are kept as hard breaks (a backslash at the end of the line).
    """
    if "\n" not in escaped:
        return indent + escaped if escaped else ""
    paragraphs: list[list[str]] = [[]]
    for line in escaped.split("\n"):
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join(indent + f"\\\n{indent}".join(lines) for lines in paragraphs if lines)


def _discussion(
    discussion: ArchivedDiscussion, article: Article, stamp: Callable[[datetime], str]
) -> list[str]:
    prompts = article.brief.prompts
    out = [
        f"## {labels.ARCHIVE} · {single_line(discussion.group_title)} · {single_line(discussion.platform)} · "
        f"{single_line(discussion.group_key)}",
        "",
    ]
    closed = (
        f"{labels.CLOSED} {labels.stamp(discussion.closed_at)}"
        if discussion.closed_at
        else labels.IN_PROGRESS
    )
    out += [
        f"{labels.OPENED} {labels.stamp(discussion.opened_at)} · {closed} · {len(discussion.replies)} {labels.REPLIES}",
        "",
    ]
    sections = thread_sections(discussion, prompts)
    if not sections:
        return [*out, labels.NO_REPLIES, ""]
    texts = dict(
        zip(
            (r.id for r in discussion.replies),
            escape_texts([r.text for r in discussion.replies]),
            strict=True,
        )
    )
    for section in sections:
        if section.prompt is None:
            out += [f"### {labels.GENERAL}", ""]
        else:
            out += [f"### {section.number}\\. {single_line(section.prompt)}", ""]
        for reply, depth, parent in section.entries:
            indent = _INDENTS[depth]
            head = f"{indent}- **{single_line(reply.author_name)}** · {stamp(reply.at)}"
            if parent is not None:
                head += f" · {labels.ANSWERS} {single_line(parent.author_name)}"
            if reply.history:
                head += f" · {labels.EDITED}"
            if reply.paragraph is not None:
                head += f" · {paragraph_label(reply.paragraph)}"
            # One string per reply (the join below adds the blank line after it).
            body = _paragraphs(texts[reply.id], _INDENTS[depth + 1])
            out.append(f"{head}\n\n{body}\n" if body else f"{head}\n")
    by_paragraph = paragraph_sections(discussion)
    if by_paragraph:
        out += [f"### {labels.BY_PARAGRAPH}", ""]
    for anchored in by_paragraph:
        block = original_block(article, anchored.number)
        excerpt = "" if block is None else " · " + single_line(excerpt_of(block.text, labels.EXCERPT_LENGTH))
        out += [f"#### {paragraph_label(anchored.number)}{excerpt}", ""]
        for reply in anchored.replies:
            head = f"- **{single_line(reply.author_name)}** · {stamp(reply.at)}"
            body = _paragraphs(texts[reply.id], _INDENTS[1])
            out.append(f"{head}\n\n{body}\n" if body else f"{head}\n")
    return out


def archive_markdown(archive: Archive, filters: Filters) -> str:
    """Render an already selected archive (see `select_archive`) as Markdown."""
    article = archive.article
    out = [f"# {single_line(article.title)}", ""]
    facts: list[str] = []
    if article.source_url:
        url = article.source_url
        facts.append(f"- {labels.SOURCE}: " + (f"<{url}>" if _is_plain_url(url) else single_line(url)))
    if article.published:
        facts.append(f"- {labels.PUBLISHED}: {article.published.isoformat()}")
    described = filters.described()
    if described:
        facts.append(
            f"- {labels.FILTERS}: " + ", ".join(f"{k}={single_line(v)}" for k, v in described.items())
        )
    if filters.pseudonymize:
        facts.append(f"- {labels.PSEUDONYMIZED}")
    if facts:
        out += [*facts, ""]
    prompts = article.brief.prompts
    if prompts:
        out += [f"## {labels.PROMPTS}", ""]
        out += [f"{n}. {single_line(p)}" for n, p in enumerate(prompts, start=1)]
        out.append("")
    if not archive.discussions:
        out += [f"## {labels.ARCHIVE}", "", labels.NO_DISCUSSIONS, ""]
    stamp, _ = labels.stampers()
    for discussion in archive.discussions:
        out += _discussion(discussion, article, stamp)
    return "\n".join(out).rstrip("\n") + "\n"


def _is_plain_url(url: str) -> bool:
    """An autolink may only hold a URL without spaces or angle brackets; anything else is left out."""
    return re.fullmatch(r"https?://[^\s<>]+", url) is not None
