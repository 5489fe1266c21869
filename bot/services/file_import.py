"""/import: an admin sends an article file in chat — the same checks as `atou import`, all or nothing.

The file is refused before it is downloaded when the size the platform reports is over the import
cap (ATOU_MAX_IMPORT_BYTES) or over what the platform lets a bot download; once downloaded it goes
through the import formats (`bot.formats`) exactly as a file on disk does, and is stored whole or
not at all.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.formats import ImportProblem, load_bytes
from bot.model import Article
from bot.ports import DuplicateArticle
from bot.protocol import Attachment, PlatformError
from bot.render.i18n import N_
from bot.services.core import Core
from bot.services.domain import UserError

REPLACE = "replace"


@dataclass(frozen=True, slots=True)
class Imported:
    article: Article
    position: int  # in the queue, from 1
    replaced: bool


async def import_attachment(core: Core, attachment: Attachment | None, args: tuple[str, ...]) -> Imported:
    """Download, check and store the file; a `UserError` says exactly what is wrong, nothing stored then."""
    if attachment is None:
        raise UserError(
            N_(
                "Send the file with /import: as the file's caption, or as a reply to the file (on Discord, "
                "in the command's file option, or with Import article in the file message's Apps menu). "
                "A page copy, .md or .json file."
            )
        )
    unknown = [a for a in args if a.casefold() != REPLACE]
    if unknown:
        raise UserError(N_("“{text}” is not an option of /import: use /import or /import replace."), text=unknown[0])
    replace = bool(args)
    cap = core.config.max_import_bytes
    if attachment.size > cap:
        raise UserError(
            N_("{name} is {size} bytes, over the import limit of {limit} bytes; nothing was imported."),
            name=attachment.filename,
            size=f"{attachment.size:,}",
            limit=f"{cap:,}",
        )
    if attachment.max_size is not None and attachment.size > attachment.max_size:
        raise UserError(
            N_(
                "{name} is {size} bytes, more than this platform lets a bot download ({limit} bytes); nothing "
                "was imported."
            ),
            name=attachment.filename,
            size=f"{attachment.size:,}",
            limit=f"{attachment.max_size:,}",
        )
    try:
        data = await attachment.fetch()
    except PlatformError as exc:
        raise UserError(
            N_("{name} could not be downloaded ({reason}); nothing was imported. Send it again."),
            name=attachment.filename,
            reason=str(exc),
        ) from exc
    try:
        # Parsing a long article takes a moment: off the event loop.
        article = await asyncio.to_thread(load_bytes, data, source_name=attachment.filename, max_bytes=cap)
    except ImportProblem as problem:
        raise UserError(N_("Not imported, nothing was stored: {problem}"), problem=str(problem)) from problem
    before = core.articles.queue_ids()
    try:
        core.articles.add(article, replace=replace)
    except DuplicateArticle:
        raise UserError(
            N_(
                "An article with id {id} is already stored; nothing was imported. /import replace with the "
                "same file replaces it."
            ),
            id=article.id,
        ) from None
    queue = core.articles.queue_ids()
    return Imported(article, queue.index(article.id) + 1, article.id in before)
