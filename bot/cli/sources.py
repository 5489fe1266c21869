"""`atou sources …`: feeds whose new entries are drafted (RSS, Atom, JSON Feed)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import typer

sources_app = typer.Typer(
    name="sources",
    help="Feeds whose new entries become drafts: list them, add, poll now, remove.",
    rich_markup_mode=None,
    invoke_without_command=True,
)


def _write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _print(text: str, *, err: bool = False) -> None:
    from rich.console import Console

    Console(stderr=err, soft_wrap=True, highlight=False).print(text, markup=False)


@sources_app.callback()
def list_sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the feeds, when each was last polled, and the last error of one that fails."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from bot.cli.db import booted
    from bot.config import Settings
    from storage.sources import SourceStore

    with booted(Settings()) as boot:
        sources = SourceStore(boot.database).listed()
    if as_json:
        _write_json([s.as_json() for s in sources])
        return
    if not sources:
        _print("No sources yet: add a feed with `atou sources add URL`.")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("id", "feed", "every", "last polled", "last error"):
        table.add_column(column)
    for s in sources:
        polled = s.last_polled_at.strftime("%Y-%m-%d %H:%M") if s.last_polled_at else "never"
        every = f"{s.every_s // 3600}h" if s.every_s % 3600 == 0 else f"{s.every_s // 60}m"
        table.add_row(str(s.id), s.title or s.url, every, polled, s.last_error or "")
    Console(highlight=False).print(table)


@sources_app.command("add")
def add_command(
    url: Annotated[str, typer.Argument(metavar="URL", help="The feed's address (RSS, Atom or JSON Feed).")],
    every: Annotated[str, typer.Option("--every", help="How often to poll it: 30m, 1h, 1d.")] = "1h",
    lang: Annotated[str | None, typer.Option("--lang", help="The language of its articles (default: guessed).")] = None,
) -> None:
    """Add a feed; its entries are drafted at the next poll (`atou sources poll`, or the running bot)."""
    from bot.bootstrap import Schema
    from bot.cli.db import booted, fail
    from bot.config import Settings
    from bot.drafting.feeds import parse_every
    from bot.drafting.service import is_url
    from storage.sources import DuplicateSource, SourceStore

    if not is_url(url):
        fail(f"{url}: a feed is added by its http or https address")
    try:
        seconds = parse_every(every)
    except ValueError as exc:
        fail(str(exc))
    with booted(Settings(), Schema.FILL) as boot:
        try:
            source = SourceStore(boot.database).add(url, every_s=seconds, lang=lang)
        except DuplicateSource as exc:
            fail(str(exc))
    _print(f"added source {source.id}: {url}, polled every {every}")


@sources_app.command("poll")
def poll_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print what each poll did as JSON.")] = False,
) -> None:
    """Poll every feed now and draft its new entries; exit 1 if any feed or entry failed."""
    from bot.cli.db import booted
    from bot.config import Settings
    from bot.drafting.feeds import poll_due
    from bot.llm import ModelClient

    settings = Settings()

    async def run(engine: Any) -> list[Any]:
        model = ModelClient.from_settings(settings)
        try:
            return await poll_due(settings=settings, engine=engine, model=model, everything=True)
        finally:
            if model is not None:
                await model.aclose()

    with booted(settings) as boot:
        polls = asyncio.run(run(boot.database))
    if as_json:
        _write_json([p.as_json() for p in polls])
    else:
        if not polls:
            _print("No sources to poll: add a feed with `atou sources add URL`.")
        for p in polls:
            state = "not modified" if p.not_modified else f"{len(p.drafted)} new drafts, {p.known} already drafted"
            _print(f"source {p.source.id} ({p.source.url}): {state}")
            for draft in p.drafted:
                _print(f"  drafted {draft.id} ({draft.title})")
            for error in p.errors:
                _print(f"  failed: {p.source.url}: {error}", err=True)
    if any(p.errors for p in polls):
        raise typer.Exit(code=1)


@sources_app.command("remove")
def remove_command(
    source_id: Annotated[int, typer.Argument(metavar="ID", help="The source's id (see `atou sources`).")],
) -> None:
    """Stop polling a feed (its drafts stay)."""
    from bot.cli.db import booted, fail
    from bot.config import Settings
    from storage.sources import SourceStore, UnknownSource

    with booted(Settings()) as boot:
        try:
            SourceStore(boot.database).remove(source_id)
        except UnknownSource as exc:
            fail(str(exc))
    _print(f"removed source {source_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app)
