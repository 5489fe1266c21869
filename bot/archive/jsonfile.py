"""The archive as JSON, the shape `archive.schema.json` (beside this module) describes.

One reply per line: the file stays readable and diffable, and the C JSON encoder does the
work (an indenting encoder is several times slower on archives with 100,000 replies).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import Any

from bot.archive.labels import stampers
from bot.archive.model import Archive, ArchivedDiscussion
from bot.archive.select import Filters
from bot.archive.threads import parents_of

FORMAT_NAME = "atou-archive"
FORMAT_VERSION = 1
SCHEMA_FILE = "archive.schema.json"

_encode = json.JSONEncoder(ensure_ascii=False).encode


def archive_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the archive export."""
    text = resources.files("bot.archive").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


# Between two replies of the encoded list, and nowhere else: inside a JSON string every `"` is
# escaped, and inside a reply the only nested object ("author") is followed by `, "at"`.
_BETWEEN_REPLIES = '}, {"id": '


def _discussion(discussion: ArchivedDiscussion, iso: Callable[[datetime], str]) -> str:
    head = {
        "group_key": discussion.group_key,
        "group_title": discussion.group_title,
        "platform": discussion.platform,
        "opened_at": iso(discussion.opened_at),
        "closed_at": None if discussion.closed_at is None else iso(discussion.closed_at),
    }
    parents = parents_of(discussion.replies)
    replies = [
        {
            "id": r.id,
            "message_id": r.message_id,
            "reply_to_message_id": r.reply_to_message_id,
            "in_reply_to": parent.id if (parent := parents.get(r.id)) is not None else None,
            "prompt": r.prompt,
            "author": {"key": r.author_key, "name": r.author_name},
            "at": iso(r.at),
            "text": r.text,
            "edited": bool(r.history),
            "history": list(r.history),
        }
        for r in discussion.replies
    ]
    # One call to the C encoder for all replies, then a line break between replies: a file that
    # reads and diffs one reply per line, at the encoder's speed.
    body = (
        "[]"
        if not replies
        else "[\n      "
        + _encode(replies)[1:-1].replace(_BETWEEN_REPLIES, "},\n      " + _BETWEEN_REPLIES[3:])
        + "\n    ]"
    )
    # The head is encoded as an object and re-opened so "replies" can follow with its own layout.
    return "    " + _encode(head)[:-1] + ', "replies": ' + body + "}"


def archive_json(archive: Archive, filters: Filters) -> str:
    """Render an already selected archive (see `select_archive`) as JSON text."""
    article = archive.article
    head = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "article": {
            "id": article.id,
            "title": article.title,
            "source_url": article.source_url,
            "published": None if article.published is None else article.published.isoformat(),
            "prompts": list(article.brief.prompts),
        },
        "selection": {
            "group": filters.group,
            "since": None if filters.since is None else filters.since.isoformat(),
            "until": None if filters.until is None else filters.until.isoformat(),
            "member": filters.described().get("member"),
            "pseudonymized": filters.pseudonymize,
        },
    }
    parts = [f"  {json.dumps(k)}: {_encode(v)}" for k, v in head.items()]
    _, iso = stampers()
    discussions = ",\n".join(_discussion(d, iso) for d in archive.discussions)
    parts.append('  "discussions": ' + ("[]" if not discussions else "[\n" + discussions + "\n  ]"))
    return "{\n" + ",\n".join(parts) + "\n}\n"
