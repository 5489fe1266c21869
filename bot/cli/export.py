"""`atou export ID`: an article as a document (JSON or native Markdown), or its discussion archive as a file.

The formats, storage and exporters are imported inside the command: `atou --help` stays fast.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

ARCHIVE_ONLY_FORMATS = ("csv", "html")


class ExportFormat(StrEnum):
    JSON = "json"
    MD = "md"
    CSV = "csv"
    HTML = "html"


def parse_moment(value: str | None, option: str) -> date | datetime | None:
    """`2026-06-05` (a whole day) or an ISO date-time such as `2026-06-05T08:00+08:00` (UTC if no offset)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (2026-06-05) or an ISO date-time (2026-06-05T08:00+08:00)",
            param_hint=option,
        ) from None


def export_command(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id (see `atou articles`).")],
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="json or md: the article itself (md is the native digest format), or with --archive its "
            "discussion archive; csv and html: always the discussion archive.",
        ),
    ] = ExportFormat.MD,
    archive: Annotated[
        bool, typer.Option("--archive", help="Export the discussion archive instead of the article.")
    ] = False,
    group: Annotated[
        str | None,
        typer.Option("--group", help="Archive: only this group (key such as telegram:-100123, or title)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Archive: replies from this date (UTC day) or date-time on.")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Archive: replies up to this date (whole UTC day) or date-time."),
    ] = None,
    member: Annotated[
        str | None,
        typer.Option("--member", help="Archive: only this member's replies (key or display name)."),
    ] = None,
    pseudonymize: Annotated[
        bool,
        typer.Option(
            "--pseudonymize", help="Archive: names become member-1, member-2 …, @mentions of them too."
        ),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Export an article (json, md) or its discussion archive (--archive; csv and html are archive-only).

    Members who opted out and deleted replies never appear in an archive export.
    """
    from rich.console import Console

    from bot.cli.db import booted, fail
    from bot.config import Settings
    from storage.articles import UnknownArticle
    from storage.drafts import article_or_draft

    err = Console(stderr=True, soft_wrap=True, highlight=False)
    since_at = parse_moment(since, "--since")
    until_at = parse_moment(until, "--until")
    archive_options = [
        name
        for name, used in (
            ("--group", group is not None),
            ("--since", since is not None),
            ("--until", until is not None),
            ("--member", member is not None),
            ("--pseudonymize", pseudonymize),
        )
        if used
    ]
    if not archive and fmt in ARCHIVE_ONLY_FORMATS:
        archive = True
        err.print(
            f"{fmt} is an archive format: exporting the discussion archive (as with --archive).", markup=False
        )
    elif not archive and archive_options:
        archive = True
        err.print(
            f"{', '.join(archive_options)} select replies: exporting the discussion archive (as with --archive).",
            markup=False,
        )

    boot = booted(Settings())
    engine = boot.database
    try:
        article = article_or_draft(engine, article_id)
        if article is None:
            fail(f"{UnknownArticle(article_id)}; see `atou articles` and `atou drafts` for the stored ids")
        if archive:
            from bot.archive.export import export_archive
            from bot.archive.model import Archive
            from storage.discussions import load_archive

            stored = load_archive(engine, article_id)
            try:
                data = export_archive(
                    stored if stored is not None else Archive(article, ()),
                    fmt.value,
                    group=group,
                    since=since_at,
                    until=until_at,
                    member=member,
                    pseudonymize=pseudonymize,
                )
            except ValueError as exc:
                fail(str(exc))
        elif fmt is ExportFormat.JSON:
            from bot.formats.jsondoc import dump_json

            data = dump_json(article).encode("utf-8")
        else:
            from bot.formats.native import dump_native

            data = dump_native(article).encode("utf-8")
    finally:
        boot.close()

    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    what = "discussion archive" if archive else "article"
    err.print(
        f"wrote the {what} of {article_id} as {fmt.value} to {output} ({len(data):,} bytes)", markup=False
    )


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
