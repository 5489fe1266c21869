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
from bot.archive.threads import paragraph_sections, parents_of

FORMAT_NAME = "atou-archive"
FORMAT_VERSION = 1
SCHEMA_FILE = "archive.schema.json"

_encode = json.JSONEncoder(ensure_ascii=False).encode


def archive_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the archive export."""
    text = resources.files("bot.archive").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


# Between two strings of an encoded list of strings, and nowhere else: inside a JSON string a `"`
# is always escaped, so an unescaped `", "` can only close one string and open the next.
_BETWEEN_STRINGS = '", "'
_FIELDS_PER_REPLY = 5


def _encoded_strings(values: list[str]) -> list[str]:
    """Each value JSON-encoded without its quotes, by one call to the C encoder for all of them."""
    if not values:
        return []
    return _encode(values)[2:-2].split(_BETWEEN_STRINGS)


def _discussion(discussion: ArchivedDiscussion, iso: Callable[[datetime], str]) -> str:
    head = {
        "group_key": discussion.group_key,
        "group_title": discussion.group_title,
        "platform": discussion.platform,
        "opened_at": iso(discussion.opened_at),
        "closed_at": None if discussion.closed_at is None else iso(discussion.closed_at),
    }
    replies = discussion.replies
    parents = parents_of(replies)
    # Encoding every string of every reply at once, then assembling each reply's line, is several
    # times faster than encoding 100,000 small objects, and keeps one reply per line.
    strings: list[str] = []
    for r in replies:
        strings += (r.message_id, r.reply_to_message_id or "", r.author_key, r.author_name, r.text)
    encoded = _encoded_strings(strings)
    lines: list[str] = []
    for i, r in enumerate(replies):
        message_id, reply_to, key, name, text = encoded[i * _FIELDS_PER_REPLY : (i + 1) * _FIELDS_PER_REPLY]
        parent = parents.get(r.id)
        answers = "null" if r.reply_to_message_id is None else f'"{reply_to}"'
        lines.append(
            f'{{"id": {int(r.id)}, "message_id": "{message_id}", '
            f'"reply_to_message_id": {answers}, '
            f'"in_reply_to": {"null" if parent is None else int(parent.id)}, '
            f'"prompt": {"null" if r.prompt is None else int(r.prompt)}, '
            f'"paragraph": {"null" if r.paragraph is None else int(r.paragraph)}, '
            f'"author": {{"key": "{key}", "name": "{name}"}}, "at": "{iso(r.at)}", "text": "{text}", '
            f'"edited": {"true" if r.history else "false"}, '
            f'"history": {_encode(list(r.history)) if r.history else "[]"}}}'
        )
    body = "[]" if not lines else "[\n      " + ",\n      ".join(lines) + "\n    ]"
    paragraphs = _encode(
        [
            {"paragraph": s.number, "replies": [r.id for r in s.replies]}
            for s in paragraph_sections(discussion)
        ]
    )
    # The head is encoded as an object and re-opened so "replies" can follow with its own layout.
    return "    " + _encode(head)[:-1] + f', "paragraphs": {paragraphs}, "replies": ' + body + "}"


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
