"""`atou link ARTICLE --group ID`: the signed archive link the bot gives that group with /archive."""

from __future__ import annotations

from typing import Annotated

import typer


def link_command(
    article_id: Annotated[str, typer.Argument(metavar="ARTICLE", help="The article's id (see `atou articles`).")],
    group_ref: Annotated[
        str,
        typer.Option("--group", "-g", metavar="ID", help="The group's number (see `atou groups`) or chat key."),
    ],
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="Days the link stays valid (default: ATOU_LINK_DAYS).", show_default=False),
    ] = None,
) -> None:
    """Print the signed link to a group's discussion archive of an article (needs ATOU_WEB_URL and
    ATOU_SECRET_KEY, as the web page that checks it does)."""
    from datetime import timedelta

    from bot.cli.db import fail, opened_core
    from bot.config import Settings
    from bot.services.overview import find_group

    settings = Settings()
    missing = [] if settings.web_url else ["ATOU_WEB_URL"]
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        missing.append("ATOU_SECRET_KEY")
    if missing:
        fail(
            f"Archive links need {' and '.join(missing)}, set as for `atou serve` (the page that checks them)."
        )
    with opened_core(settings) as core:
        group = find_group(core, group_ref)
        if group is None:
            fail(f"There is no group {group_ref!r}; `atou groups` lists them.")
        if core.articles.get(article_id) is None:
            fail(f"No article with id {article_id!r} is stored; `atou articles` lists them.")
        link = core.archive_link(group.key, article_id, ttl=timedelta(days=days) if days else None)
    assert link is not None  # the web address and the key were checked above
    typer.echo(link)


def register(app: typer.Typer) -> None:
    app.command("link")(link_command)
