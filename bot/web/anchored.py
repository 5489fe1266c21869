"""Paragraph numbers on the page, and the replies anchored to a paragraph shown beside it.

The replies come only with an archive grant (a signed link): without one, `anchored` is empty and
the page shows the numbers alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from bot.archive.model import ArchivedReply

Anchored = Mapping[int, Sequence[ArchivedReply]]  # ¶N → the replies anchored to it, oldest first


def paragraph_mark(tab: str, number: int | None) -> Markup:
    """The ¶N in the margin, a link to itself (`original-p3`) so a paragraph can be pointed at."""
    if number is None:
        return Markup("")
    return Markup(f'<a class="pn" id="{tab}-p{number}" href="#{tab}-p{number}">¶{number}</a>')


def beside(anchored: Anchored, number: int | None) -> Markup:
    """The replies anchored to ¶`number`, each author linking to the reply in the archive tab."""
    replies = anchored.get(number, ()) if number is not None else ()
    if not replies:
        return Markup("")
    items = "".join(
        f'<p class="anchored-reply"><a class="author" href="#reply-{int(r.id)}"><bdi>{escape(r.author_name)}</bdi></a> '
        f"{escape(r.text)}</p>"
        for r in replies
    )
    return Markup(f'<aside class="anchored" aria-label="¶{number}">{items}</aside>')
