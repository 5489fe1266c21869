"""`atou import`, `atou articles`, `atou show`: getting articles in and looking at them.

Heavy libraries (the formats, storage, rich) are imported inside the command bodies: `atou --help`
stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from bot.model import Article, BilingualPair, Block, Brief
    from storage.articles import ArticleStore, ArticleSummary
    from storage.drafts import DraftStore


class ShowPart(StrEnum):
    """The parts of an article `atou show` prints (the tabs of the reading page)."""

    BRIEF = "brief"
    BILINGUAL = "bilingual"
    TRANSLATION = "translation"
    ORIGINAL = "original"


def _write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# --- atou import ---------------------------------------------------------------------------------


def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="Files to import: copied reading pages (.txt), native digests (.md) or JSON.",
            show_default=False,
        ),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace stored articles that have the same id (keeps their queue place).")
    ] = False,
) -> None:
    """Import articles; each file is checked whole and stored whole, or not at all.

    Every file is reported on its own line. A rejected file is named with the section or line at
    fault; the other files are still imported, and the command then exits with status 1.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from bot.bootstrap import Schema
    from bot.cli.db import booted
    from bot.config import Settings
    from storage.drafts import DraftStore

    settings = Settings()
    boot = booted(settings, Schema.FILL)
    store = boot.articles
    drafts = DraftStore(boot.database)
    stored = set(store.queue_ids())
    out = Console(soft_wrap=True, highlight=False)
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    rejected = 0
    progress = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=out,
        transient=True,
        # A bar only helps a person watching many files go by on a terminal.
        disable=len(paths) < 2 or not (out.is_terminal and err.is_terminal),
    )
    try:
        with progress:
            task = progress.add_task("", total=len(paths))
            for path in paths:
                progress.update(task, description=str(path))
                ok, outcome = _import_one(
                    path, store, drafts, stored, replace=replace, max_bytes=settings.max_import_bytes
                )
                failed = not ok
                rejected += failed
                # While the bar is drawn, every line goes through its console so that it appears above
                # the bar; both streams are the terminal then.
                console = progress.console if progress.live.is_started else err if failed else out
                console.print(outcome, style="red" if failed else "", markup=False)
                progress.advance(task)
    finally:
        boot.close()
    if len(paths) > 1:
        imported = len(paths) - rejected
        out.print(f"{imported} of {len(paths)} files imported, {rejected} rejected.", markup=False)
    if rejected:
        raise typer.Exit(code=1)


def _import_one(
    path: Path, store: ArticleStore, drafts: DraftStore, stored: set[str], *, replace: bool, max_bytes: int
) -> tuple[bool, str]:
    """Import one file; return whether it was stored, and its report line."""
    from bot.formats import ImportProblem, load_file
    from storage.articles import DuplicateArticle

    if not path.is_file():
        what = "a directory, not a file" if path.is_dir() else "no such file"
        return False, f"rejected {path}: file: {what}"
    try:
        article = load_file(path, max_bytes=max_bytes)
    except ImportProblem as problem:
        return False, f"rejected {problem}"
    except OSError as exc:
        return False, f"rejected {path}: file: cannot be read: {exc.strerror or exc}"
    draft = drafts.get(article.id)
    if draft is not None and draft.status == "ready":
        # An editor's brief and translation for a draft: the draft takes them and still waits for review.
        if not replace:
            return False, (
                f"rejected {path}: id: {article.id!r} is a draft waiting for review; "
                "import with --replace to give the draft this text"
            )
        drafts.replace_article(article)
        return True, f"replaced draft {article.id} ← {path} ({article.title})"
    try:
        store.add(article, replace=replace)
    except DuplicateArticle:
        return False, (
            f"rejected {path}: id: an article with id {article.id!r} is already stored; "
            "import with --replace to replace it"
        )
    verb = "replaced" if article.id in stored else "imported"
    stored.add(article.id)
    return True, f"{verb} {article.id} ← {path} ({article.title})"


# --- atou articles -------------------------------------------------------------------------------


def summary_json(summary: ArticleSummary) -> dict[str, Any]:
    """The stable `atou articles --json` shape of one article."""
    return {
        "position": summary.position,
        "id": summary.id,
        "title": summary.title,
        "published": summary.published.isoformat() if summary.published else None,
        "source_url": summary.source_url,
        "imported_at": summary.imported_at.isoformat(timespec="seconds"),
    }


def articles_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list (shape in docs/articles.md).")] = False,
) -> None:
    """List stored articles in queue order (the order they will be posted in)."""
    from rich.console import Console
    from rich.table import Table

    from bot.cli.db import booted
    from bot.cli.terminal import Wrapped
    from bot.config import Settings

    with booted(Settings()) as boot:
        summaries = boot.articles.summaries()
    if as_json:
        _write_json([summary_json(s) for s in summaries])
        return
    out = Console(highlight=False)
    if not summaries:
        out.print("No articles yet: add some with `atou import PATH…`.", markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("id", no_wrap=True)
    table.add_column("published", no_wrap=True)
    table.add_column("title")
    for s in summaries:
        table.add_row(str(s.position), s.id, s.published.isoformat() if s.published else "—", Wrapped(s.title))
    out.print(table)


# --- atou show -----------------------------------------------------------------------------------


def show_command(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id (see `atou articles`).")],
    part: Annotated[
        ShowPart | None,
        typer.Option("--part", "-p", help="Which part of the article to print (default: brief).", show_default=False),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON: the whole article document, or with --part only that part."),
    ] = False,
) -> None:
    """Print an article: its brief, the bilingual text, the translation or the original."""
    from rich.console import Console

    from bot.cli.db import stored_article

    article = stored_article(article_id)
    if as_json:
        # `--json` alone gives the whole document, which `atou import` reads back.
        _write_json(_part_json(article, part))
        return
    Console(highlight=False).print(*_PART_VIEWS[part or ShowPart.BRIEF](article))


def _part_json(article: Article, part: ShowPart | None) -> dict[str, Any]:
    from bot.formats.jsondoc import article_to_dict

    document = article_to_dict(article)
    if part is None:
        return document
    return {"id": article.id, "part": str(part), str(part): document[str(part)]}


# Terminal views. Text from the article goes to rich as Text objects, never as markup, and is
# broken into lines by `Wrapped`, which knows where Chinese may break.

_KIND_STYLE = {
    "heading": "bold",
    "quote": "italic",
    "image_caption": "italic dim",
    "footnote": "dim",
}
_KIND_PREFIX = {"list_item": "• ", "quote": "│ ", "image_caption": "[image] "}
SOURCE_STYLE = ""
TARGET_STYLE = "cyan"


def _block_text(block: Block, *, base: str = "") -> RenderableType:
    from rich.style import Style
    from rich.text import Text

    from bot.cli.terminal import Wrapped
    from bot.model import BlockKind, SpanKind
    from bot.render.document import superscript

    style = " ".join(s for s in (base, _KIND_STYLE.get(str(block.kind), "")) if s)
    prefix = _KIND_PREFIX.get(str(block.kind), "")
    if block.kind is BlockKind.HEADING:
        prefix = "#" * (block.level or 2) + " "
    elif block.number is not None:
        prefix = f"{block.number}. "
    text = Text(prefix, style=style)
    for span in block.spans:
        match span.kind:
            case SpanKind.EMPHASIS:
                text.append(span.text, "italic")
            case SpanKind.STRONG:
                text.append(span.text, "bold")
            case SpanKind.LINK:
                text.append(span.text, Style(underline=True, link=span.target))
            case SpanKind.FOOTNOTE_REF:
                text.append(superscript(span.text))
            case _:
                text.append(span.text)
    if block.attribution:
        text.append(f" — {block.attribution}")
    return Wrapped(text)


def _header(article: Article) -> list[RenderableType]:
    from rich.rule import Rule
    from rich.text import Text

    from bot.cli.terminal import Wrapped

    facts = [f for f in (article.published.isoformat() if article.published else "", article.source_url or "") if f]
    lines: list[RenderableType] = [Wrapped(Text(article.title, style="bold"))]
    if facts:
        lines.append(Wrapped(Text(" · ".join(facts), style="dim")))
    lines.append(Rule(style="dim"))
    return lines


def _section(label: str) -> RenderableType:
    from rich.text import Text

    return Text("\n" + label, style="bold underline")


def _list(rows: list[tuple[str, str, Text]]) -> RenderableType:
    """Labelled items (a number or an audience, then the text), continuation lines indented."""
    from rich.padding import Padding
    from rich.table import Table

    from bot.cli.terminal import Wrapped

    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for label, style, body in rows:
        grid.add_row(Wrapped(label, style=style), Wrapped(body))
    return Padding(grid, (0, 0, 0, 2))


def _brief_view(article: Article) -> list[RenderableType]:
    from rich.text import Text

    from bot.cli.terminal import Wrapped

    brief: Brief = article.brief
    parts = _header(article)
    if brief.headline != article.title:
        parts.append(Wrapped(Text(brief.headline, style="bold")))
    parts.append(Wrapped(brief.verdict))
    if brief.key_points:
        parts.append(_section("Key points"))
        parts.append(
            _list(
                [
                    (f"{number}.", "dim", Text.assemble((point.lead, "bold"), " ", point.body))
                    for number, point in enumerate(brief.key_points, start=1)
                ]
            )
        )
    if brief.relevance:
        parts.append(_section("Why it matters"))
        parts.append(_list([(note.audience, "bold cyan", Text(note.text)) for note in brief.relevance]))
    if brief.prompts:
        parts.append(_section("Discussion prompts"))
        parts.append(
            _list([(f"{number}.", "dim", Text(prompt)) for number, prompt in enumerate(brief.prompts, start=1)])
        )
    return parts


def _pair_cell(pair: BilingualPair) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    sides: list[RenderableType] = []
    if pair.source is not None:
        sides.append(_block_text(pair.source, base=SOURCE_STYLE))
    if pair.target is not None:
        sides.append(_block_text(pair.target, base=TARGET_STYLE))
    return Group(*sides, Text(""))


def _bilingual_view(article: Article) -> list[RenderableType]:
    from rich.table import Table

    # One row per pair: its number in a narrow gutter, then the source and its translation stacked,
    # a blank line after each pair, so each pair reads as one unit and wraps inside its column.
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(justify="right", style="dim", no_wrap=True)
    grid.add_column(ratio=1)
    for number, pair in enumerate(article.bilingual, start=1):
        grid.add_row(str(number), _pair_cell(pair))
    return [*_header(article), grid]


def _blocks_view(article: Article, blocks: tuple[Block, ...]) -> list[RenderableType]:
    from rich.text import Text

    parts = _header(article)
    for block in blocks:
        parts.append(_block_text(block))
        parts.append(Text(""))
    return parts


def _translation_view(article: Article) -> list[RenderableType]:
    return _blocks_view(article, article.translation)


def _original_view(article: Article) -> list[RenderableType]:
    return _blocks_view(article, article.original)


_PART_VIEWS: dict[ShowPart, Callable[[Article], list[RenderableType]]] = {
    ShowPart.BRIEF: _brief_view,
    ShowPart.BILINGUAL: _bilingual_view,
    ShowPart.TRANSLATION: _translation_view,
    ShowPart.ORIGINAL: _original_view,
}


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("articles")(articles_command)
    app.command("show")(show_command)
