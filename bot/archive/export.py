"""Export an article's discussion archive as Markdown, JSON, CSV or one self-contained HTML file.

    data = export_archive(archive, "md", group="telegram:-100123", pseudonymize=True)

Every format goes through the same selection (`select_archive`): the filters, then members who
opted out and deleted replies removed, then pseudonyms; so what one format hides, all hide.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.archive.csvfile import archive_csv
from bot.archive.jsonfile import archive_json
from bot.archive.markdown import archive_markdown
from bot.archive.model import Archive
from bot.archive.select import Filters, select_archive

ARCHIVE_FORMATS: tuple[str, ...] = ("md", "json", "csv", "html")


class UnknownFormat(ValueError):
    """An export format atou does not write."""

    def __init__(self, fmt: str) -> None:
        super().__init__(f"unknown export format {fmt!r}; choose one of {', '.join(ARCHIVE_FORMATS)}")
        self.fmt = fmt


def export_archive(
    archive: Archive,
    fmt: str,
    *,
    group: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    member: str | None = None,
    pseudonymize: bool = False,
) -> bytes:
    """The archive as a UTF-8 file in `fmt` (md, json, csv or html), filtered and cleaned.

    `group` keeps discussions whose group key or title equals it (any case); `since`/`until`
    keep replies in that span (a date means its whole day in UTC; both ends inclusive);
    `member` keeps the replies of one author, by key (`telegram:42`) or display name (any case);
    `pseudonymize` turns authors into member-1, member-2 … and rewrites @mentions of them.
    Raises UnknownFormat, or ValueError when `since` is after `until`.
    """
    if fmt not in ARCHIVE_FORMATS:
        raise UnknownFormat(fmt)
    filters = Filters(group=group, since=since, until=until, member=member, pseudonymize=pseudonymize)
    selected = select_archive(archive, filters)
    if fmt == "md":
        return archive_markdown(selected, filters).encode("utf-8")
    if fmt == "json":
        return archive_json(selected, filters).encode("utf-8")
    if fmt == "csv":
        return archive_csv(selected).encode("utf-8")
    # Jinja is imported only when an HTML file is asked for.
    from bot.archive.htmlfile import archive_html

    return archive_html(selected, filters).encode("utf-8")


def export_filename(article_id: str, fmt: str, *, group: str | None = None) -> str:
    """A file name for an export, e.g. `a1-archive.md` or `a1-archive-telegram_-100123.md`."""
    if fmt not in ARCHIVE_FORMATS:
        raise UnknownFormat(fmt)
    suffix = ""
    if group:
        suffix = "-" + "".join(c if c.isalnum() or c in "-." else "_" for c in group)[:60]
    return f"{article_id}-archive{suffix}.{fmt}"
