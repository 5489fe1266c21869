"""The archive as a Markdown file: title and prompts first, then each discussion's replies under their prompt.

Member text is escaped so that it reads as typed in any Markdown renderer: it cannot open
headings, lists, links or raw HTML, and `@everyone` / `@here` are escaped the way chat apps
honour (`\\@everyone`) so pasting the file into a chat pings no one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.archive import labels
from bot.archive.model import Archive, ArchivedDiscussion
from bot.archive.select import Filters
from bot.archive.threads import thread_sections

# Characters that mean something anywhere in a CommonMark line (`&` starts entity references).
# The backslash comes first, so the escapes added for the others are not escaped again.
_INLINE = "\\`*_[]<>|~&"
# Characters that mean something only at the start of a line: headings, lists, quotes, setext rules.
_BLOCK_STARTS = frozenset("#+-=")
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")
_NEEDS_ESCAPE = re.compile(r"[\\`*_\[\]<>|~&@]")
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)


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


def _paragraphs(text: str, indent: str) -> list[str]:
    """Member text as indented Markdown paragraphs, line breaks kept (a trailing backslash is a hard break)."""
    escaped = escape_inline(text)
    if "\n" not in escaped:
        line = _block_safe(escaped.strip())
        return [indent + line, ""] if line else []
    out: list[str] = []
    paragraph: list[str] = []
    for raw in escaped.splitlines():
        line = _block_safe(raw.strip())
        if line:
            paragraph.append(line)
        elif paragraph:
            out += [indent + f"\\\n{indent}".join(paragraph), ""]
            paragraph = []
    if paragraph:
        out += [indent + f"\\\n{indent}".join(paragraph), ""]
    return out


def _discussion(discussion: ArchivedDiscussion, prompts: tuple[str, ...]) -> list[str]:
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
    for section in sections:
        if section.prompt is None:
            out += [f"### {labels.GENERAL}", ""]
        else:
            out += [f"### {section.number}\\. {single_line(section.prompt)}", ""]
        for entry in section.entries:
            reply = entry.reply
            indent = "  " * entry.depth
            head = f"{indent}- **{single_line(reply.author_name)}** · {labels.stamp(reply.at)}"
            if entry.parent is not None:
                head += f" · {labels.ANSWERS} {single_line(entry.parent.author_name)}"
            if reply.history:
                head += f" · {labels.EDITED}"
            out += [head, ""]
            out += _paragraphs(reply.text, indent + "  ")
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
    for discussion in archive.discussions:
        out += _discussion(discussion, prompts)
    return "\n".join(out).rstrip("\n") + "\n"


def _is_plain_url(url: str) -> bool:
    """An autolink may only hold a URL without spaces or angle brackets; anything else is left out."""
    return re.fullmatch(r"https?://[^\s<>]+", url) is not None
