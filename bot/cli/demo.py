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
    """Open (or create) the demo database, join the console chat, and handle `lines` until they end."""
    import asyncio

    from sqlalchemy.engine import make_url

    from adapters.console.adapter import PLATFORM, ConsoleAdapter
    from bot.app import build_engine, build_scheduler
    from bot.demo import demo_article
    from storage.articles import ArticleStore
    from storage.db import ensure_current, make_engine
    from storage.discussions import highest_message_number

    db = make_engine(settings.database_url)
    url = make_url(db.url)
    local_file = url.get_backend_name() == "sqlite"
    try:
        # The demo's own SQLite file is brought up to date; a shared database only if the operator allows it.
        ensure_current(db, auto_upgrade=local_file or settings.auto_upgrade)
        store = ArticleStore(db)
        article = demo_article()
        if store.get(article.id) is None:
            store.add(article)
        engine = build_engine(settings, db)
        engine.warm_up()
        console = ConsoleAdapter(
            engine.handle,
            out=out,
            files=_files_folder(url.database if local_file else None),
            admin=admin,
            first_id=highest_message_number(db, PLATFORM) + 1,
            echo=not interactive,
        )
        engine.register_platform(console)
        if interactive:
            out.write(INTRO + "\n")
        await console.start()
        scheduler = build_scheduler(engine) if interactive else None
        if scheduler is not None:
            engine.core.schedule_listeners.append(scheduler.rebuild)
            scheduler.start()
        try:
            while True:
                line = await asyncio.to_thread(lines.readline) if interactive else lines.readline()
                if not line:
                    break
                await console.feed(line)
        finally:
            if scheduler is not None:
                scheduler.shutdown()
            await engine.close()
            await console.stop()
    finally:
        db.dispose()
    return 0


def _files_folder(database: str | None) -> Path:
    """Exports go beside the demo's SQLite file (else to the current folder)."""
    return Path(database).resolve().parent if database else Path.cwd()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
