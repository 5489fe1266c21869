"""`atou demo`: a group chat in the terminal with the bundled demo article — no account needed.

The line protocol (also for scripts piped in) is described in `adapters.console.events` and the
docs/commands.md: `name: text`, `name ^12: reply`, `name: /command args`, `name: !12 2` (press a button).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

if TYPE_CHECKING:
    from bot.config import Settings

INTRO = """atou demo — a group chat with the bot. Type lines as a member:
  alice: hello                 a message from alice
  alice ^12: I agree           a reply to message #12 (replies to prompts are the discussion)
  alice: /help                 a command (the first member to speak is the admin)
  alice: !12 2                 press button 2 under message #12
  alice ~15: fixed text        edit message #15;  alice -15  deletes it
Ctrl-D quits.
"""


def demo_command(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="SQLite file to keep the demo in (default: ATOU_DATABASE_URL, ./atou.db)."),
    ] = None,
    admin: Annotated[
        str | None,
        typer.Option(
            "--admin", help="The member name that is the group's admin (default: whoever speaks first)."
        ),
    ] = None,
) -> None:
    """Chat with the bot in this terminal: one group, the demo article, every command.

    With stdin not a terminal, every line is handled in turn and the demo exits when input ends.
    """
    import asyncio
    import logging
    import sys

    from bot.config import Settings

    settings = Settings()
    if db is not None:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{db}"})
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    interactive = sys.stdin.isatty()
    status = asyncio.run(
        run_demo(settings, admin=admin, lines=sys.stdin, out=sys.stdout, interactive=interactive)
    )
    raise typer.Exit(code=status)


async def run_demo(
    settings: Settings, *, admin: str | None, lines: TextIO, out: TextIO, interactive: bool
) -> int:
    """`atou run` with the console chat: open (or create) the demo database, join the chat, and
    handle `lines` until they end. The scheduler runs only for a person at the terminal, so a
    script's transcript depends on the script alone."""
    import asyncio

    from sqlalchemy.engine import make_url

    from bot.app import run_adapters
    from bot.bootstrap import CONSOLE_PLATFORM, Schema, bootstrap
    from bot.demo import demo_article
    from storage.db import normalize_url
    from storage.discussions import highest_message_number

    url = make_url(normalize_url(settings.database_url))
    local_file = url.get_backend_name() == "sqlite"
    ended = asyncio.Event()
    # The demo's own SQLite file is brought up to date; a shared database only if the operator allows it.
    with bootstrap(settings, schema=Schema.UPGRADE if local_file else Schema.CURRENT) as boot:
        article = demo_article()
        if boot.articles.get(article.id) is None:
            boot.articles.add(article)
        console = boot.console(
            out=out,
            files=_files_folder(url.database if local_file else None),
            admin=admin,
            first_id=highest_message_number(boot.database, CONSOLE_PLATFORM) + 1,
            echo=not interactive,
            lines=lines,
            on_end=ended.set,
        )
        if interactive:
            out.write(INTRO + "\n")
        await run_adapters(boot, [console], stop=ended, schedule=interactive, report_health=False)
    return 0


def _files_folder(database: str | None) -> Path:
    """Exports go beside the demo's SQLite file (else to the current folder)."""
    return Path(database).resolve().parent if database else Path.cwd()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
