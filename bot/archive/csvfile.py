"""The archive as CSV: one row per reply, for spreadsheets.

The file starts with a UTF-8 byte order mark so spreadsheet programs read Chinese correctly,
and a cell that would start a formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a
leading apostrophe, so opening an archive never runs what a member typed.
"""

from __future__ import annotations

import csv
import io

from bot.archive.model import Archive
from bot.archive.threads import parents_of

COLUMNS = (
    "group_key",
    "group_title",
    "platform",
    "reply_id",
    "in_reply_to",
    "at",
    "prompt",
    "prompt_text",
    "author_key",
    "author",
    "text",
    "edited",
    "paragraph",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def archive_csv(archive: Archive) -> str:
    """Render an already selected archive (see `select_archive`) as CSV text (BOM included)."""
    prompts = archive.article.brief.prompts
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for discussion in archive.discussions:
        parents = parents_of(discussion.replies)
        group = (defuse(discussion.group_key), defuse(discussion.group_title), defuse(discussion.platform))
        for reply in discussion.replies:
            parent = parents.get(reply.id)
            known_prompt = reply.prompt is not None and 0 <= reply.prompt < len(prompts)
            writer.writerow(
                (
                    *group,
                    reply.id,
                    "" if parent is None else parent.id,
                    reply.at.isoformat(),
                    "" if reply.prompt is None else reply.prompt + 1,
                    defuse(prompts[reply.prompt]) if known_prompt and reply.prompt is not None else "",
                    defuse(reply.author_key),
                    defuse(reply.author_name),
                    defuse(reply.text),
                    "yes" if reply.history else "no",
                    "" if reply.paragraph is None else reply.paragraph,
                )
            )
    return buffer.getvalue()
