"""`atou draft`, `atou drafts`, `atou approve`, `atou reject`: articles from links and files, reviewed.

A draft is never posted: it waits in its own list until an editor approves it (it then joins the
end of the queue) or rejects it. `atou show`, `render` and `export` work on a draft by its id.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from bot.drafting.service import Outcome
    from storage.drafts import Draft


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True, highlight=False)


def draft_command(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="An http(s) URL, or a local .html, .md or .txt file.")],
    lang: Annotated[
        str | None, typer.Option("--lang", help="The article's language (default: the page's, or guessed).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the draft as JSON.")] = False,
) -> None:
    """Draft an article from a link or a file: extract it, and with a model configured, write its brief
    and translation. The draft waits for review (`atou drafts`); drafting the same URL again finds it."""
    from bot.bootstrap import Schema
    from bot.cli.db import booted, fail
    from bot.config import Settings
    from bot.drafting.problem import SourceProblem

    settings = Settings()
    with booted(settings, Schema.FILL) as boot:
        try:
            outcome = asyncio.run(_draft(source, settings, boot.database, lang, show_progress=not as_json))
        except SourceProblem as problem:
            fail(f"Could not draft {problem}")
        except KeyboardInterrupt:
            fail(f"Stopped drafting {source}; run the same command again to resume (answers so far are kept).")
    if as_json:
        _write_json(outcome.draft.as_json() | {"existing": outcome.existing})
        return
    _report(outcome, source)


async def _draft(source: str, settings: Any, engine: Any, lang: str | None, *, show_progress: bool) -> Outcome:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bot.drafting.fetch import Fetcher
    from bot.drafting.service import make_draft
    from bot.llm import ModelClient

    out = _console()
    progress = Progress(
        TextColumn("drafting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("blocks"),
        TimeElapsedColumn(),
        console=out,
        transient=True,
        disable=not (show_progress and out.is_terminal),
    )
    task = progress.add_task("", total=None)

    def on_progress(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    model = ModelClient.from_settings(settings)
    async with Fetcher(settings) as fetcher:
        try:
            with progress:
                return await make_draft(
                    source,
                    settings=settings,
                    engine=engine,
                    fetcher=fetcher,
                    model=model,
                    lang=lang,
                    on_progress=on_progress,
                )
        finally:
            if model is not None:
                await model.aclose()


def _report(outcome: Outcome, source: str) -> None:
    draft = outcome.draft
    out = _console()
    if outcome.existing:
        out.print(f"Already drafted: {draft.id} ({draft.status}) ← {source}", markup=False)
        return
    out.print(f"drafted {draft.id} ← {source} ({draft.title})", markup=False)
    if draft.model:
        tokens = draft.prompt_tokens + draft.completion_tokens
        out.print(
            f"  written by {draft.model}: {draft.calls} calls, {tokens:,} tokens "
            f"({draft.prompt_tokens:,} in, {draft.completion_tokens:,} out), {draft.elapsed_s:.1f} s",
            markup=False,
        )
    if draft.missing:
        out.print(f"  missing: {draft.missing}", markup=False)
    out.print(f"  review: atou show {draft.id} · atou approve {draft.id} · atou reject {draft.id}", markup=False)


def _write_json(data: Any) -> None:
    import json
    import sys

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def drafts_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    include_done: Annotated[bool, typer.Option("--all", help="Include approved and rejected drafts.")] = False,
) -> None:
    """List the drafts waiting for review, oldest first."""
    from rich.table import Table

    from bot.cli.db import booted
    from bot.cli.terminal import Wrapped
    from bot.config import Settings
    from storage.drafts import DraftStore

    with booted(Settings()) as boot:
        drafts = DraftStore(boot.database).listed(include_done=include_done)
    if as_json:
        _write_json([d.as_json() for d in drafts])
        return
    out = _console()
    if not drafts:
        out.print("No drafts waiting: make one with `atou draft URL`, or add a feed with `atou sources add URL`.")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("title")
    table.add_column("made")
    for d in drafts:
        table.add_row(d.id, str(d.status), Wrapped(d.title), Wrapped(_made(d)))
    out.print(table)


def _made(draft: Draft) -> str:
    if draft.missing:
        return "original only"
    tokens = draft.prompt_tokens + draft.completion_tokens
    return f"{draft.model}, {tokens:,} tokens, {draft.elapsed_s:.0f} s"


def approve_command(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="The draft's id (see `atou drafts`).")],
) -> None:
    """Approve a draft: its article joins the end of the queue."""
    from bot.cli.db import booted, fail
    from bot.config import Settings
    from storage.drafts import DraftNotPending, DraftStore, UnknownDraft

    with booted(Settings()) as boot:
        try:
            article = DraftStore(boot.database).approve(draft_id)
        except (UnknownDraft, DraftNotPending) as exc:
            fail(str(exc))
        position = boot.articles.queue_ids().index(article.id) + 1
    _console().print(f"approved {draft_id}: it is number {position} in the queue ({article.title})", markup=False)


def reject_command(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="The draft's id (see `atou drafts`).")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why, for the record.")] = None,
) -> None:
    """Reject a draft: it is never posted (drafting the same URL again will not bring it back)."""
    from bot.cli.db import booted, fail
    from bot.config import Settings
    from storage.drafts import DraftNotPending, DraftStore, UnknownDraft

    with booted(Settings()) as boot:
        try:
            DraftStore(boot.database).reject(draft_id, reason)
        except (UnknownDraft, DraftNotPending) as exc:
            fail(str(exc))
    _console().print(f"rejected {draft_id}" + (f": {reason}" if reason else ""), markup=False)


def register(app: typer.Typer) -> None:
    app.command("draft")(draft_command)
    app.command("drafts")(drafts_command)
    app.command("approve")(approve_command)
    app.command("reject")(reject_command)
