"""The fallback when Telegram refuses a formatted message: the same text, plain, in pieces it accepts."""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096


def html_to_plain(markup: str) -> str:
    """The visible text of our HTML: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def plain_chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` cut into pieces of at most `limit` UTF-16 units (so code points too), at line breaks where possible."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        cut = len(rest)
        while len(rest[:cut].encode("utf-16-le")) // 2 > limit:
            cut = max(1, cut * 9 // 10)
        if cut < len(rest):
            newline = rest.rfind("\n", 0, cut)
            if newline > cut // 2:
                cut = newline
        chunk, rest = rest[:cut].strip(), rest[cut:].strip()
        if chunk:
            chunks.append(chunk)
    return chunks
