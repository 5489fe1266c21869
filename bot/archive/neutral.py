"""Member text made inert for exports: no bidirectional overrides, no control characters.

A display name such as "Eve\u202e4pm.exe" (RIGHT-TO-LEFT OVERRIDE) shows reversed text after it in
every line it is written into — in a CSV opened in a spreadsheet, a Markdown file, the export's
JSON read in an editor — and can make a line say something its author never wrote. Exports drop
the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and control
characters from names, group titles and reply texts; the reading page additionally shows names
inside `<bdi>` so that even a legitimate right-to-left name cannot reorder what follows it.
Left-to-right and right-to-left marks (U+200E, U+200F, U+061C) stay: they only mark a direction,
they cannot spill over what follows.
"""

from __future__ import annotations

import re

# Embeddings and overrides (LRE RLE PDF LRO RLO), isolates (LRI RLI FSI PDI).
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# C0 and C1 controls and DEL, except the line breaks and tabs reply texts may hold.
_TEXT_UNSAFE = re.compile(f"[{_BIDI_CONTROLS}\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")
# A name or title is one line: any control character goes, line breaks become spaces.
_NAME_UNSAFE = re.compile(f"[{_BIDI_CONTROLS}\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]")
_NAME_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")


def neutral_text(text: str) -> str:
    """`text` without bidirectional controls and control characters (line breaks and tabs stay).

    Returns `text` itself when there is nothing to take out (most texts)."""
    if _TEXT_UNSAFE.search(text) is None:
        return text
    return _TEXT_UNSAFE.sub("", text)


def neutral_name(name: str) -> str:
    """A display name or title as one line without bidirectional controls or control characters.

    Returns `name` itself when there is nothing to take out (most names)."""
    if _NAME_UNSAFE.search(name) is None:
        return name
    return _NAME_UNSAFE.sub("", _NAME_BREAKS.sub(" ", name)).strip() or "?"
