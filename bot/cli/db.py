"""`atou db …`: schema migrations, and the one way every command opens the database (`booted`).

Heavy libraries (SQLAlchemy, Alembic, rich) are imported inside the functions: `atou --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from bot.bootstrap import Bootstrapped, Schema
    from bot.config import Settings
    from bot.model import Article
    from bot.services.core import Core

db_app = typer.Typer(
    name="db",
    help="The database schema: upgrade it, see where it stands.",
    rich_markup_mode=None,
    no_args_is_help=True,
)

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `message` on stderr, as plain text, and exit with status `code` (2: fix the configuration)."""
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(message, style="red", markup=False, highlight=False)
    raise typer.Exit(code=code)


def shown_url(url: str) -> str:
    """The database URL with any password hidden."""
    from sqlalchemy.engine import make_url

    from storage.db import normalize_url

    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def _unreachable(settings: Settings, exc: Exception) -> NoReturn:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    fail(f"Cannot open the database {shown_url(settings.database_url)}: {reason}")


def _explained(settings: Settings, action: Callable[[], T]) -> T:
    """`action()`; a schema it cannot work with or a database it cannot reach becomes a clear message
    and exit 1; a database URL atou cannot use, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import DatabaseUrlError, SchemaError

    try:
        return action()
    except DatabaseUrlError as exc:
        fail(str(exc), code=2)
    except SchemaError as exc:
        fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        _unreachable(settings, exc)


def booted(settings: Settings, schema: Schema | None = None) -> Bootstrapped:
    """`bot.bootstrap.bootstrap(settings)` with its database open, or a clear message and exit 1.

    By default refuses a database whose schema is behind (unless ATOU_AUTO_UPGRADE is set) or was
    migrated by a newer atou, and a database that cannot be reached. `Schema.FILL` (commands that
    put articles in: `atou import`, `atou draft`) creates a new SQLite database with the current
    schema, as the demo does, so a first import needs no `atou db upgrade`.
    """
    from bot.bootstrap import Schema, bootstrap

    boot = bootstrap(settings, schema=schema or Schema.CURRENT)
    _explained(settings, lambda: boot.database)
    return boot


@contextmanager
def opened_core(settings: Settings) -> Iterator[Core]:
    """The engine's core on the current database (as `booted` opens it), for commands that act as an
    admin would in chat; the database is closed afterwards."""
    with booted(settings) as boot:
        yield boot.engine.core


def stored_article(article_id: str) -> Article:
    """The article (or draft) stored under `article_id` in the current database, or a clear message and exit 1."""
    from bot.config import Settings
    from storage.drafts import article_or_draft

    with booted(Settings()) as boot:
        article = article_or_draft(boot.database, article_id)
    if article is None:
        fail(f"No article with id {article_id!r} is stored, nor a draft; `atou articles` and `atou drafts` list them.")
    return article


def _none(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or "none"


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Migrate the database (ATOU_DATABASE_URL, default ./atou.db) to this version's schema."""
    from rich.console import Console

    from bot.bootstrap import Schema
    from bot.config import Settings
    from storage.db import current_revisions, ensure_current

    settings = Settings()
    with booted(settings, Schema.AS_IS) as boot:

        def migrate() -> tuple[tuple[str, ...], tuple[str, ...]]:
            before = current_revisions(boot.database)
            ensure_current(boot.database, auto_upgrade=True)
            return before, current_revisions(boot.database)

        before, after = _explained(settings, migrate)
    out = Console(soft_wrap=True, highlight=False)
    url = shown_url(settings.database_url)
    if before == after:
        out.print(f"The database {url} is up to date (schema revision {_none(after)}).", markup=False)
    else:
        out.print(
            f"Upgraded the database {url} from schema revision {_none(before)} to {_none(after)}.", markup=False
        )


@db_app.command("status")
def status_command() -> None:
    """Show the database's schema revision and the one this version needs; exit 1 if they differ."""
    from rich.console import Console

    from bot.bootstrap import Schema
    from bot.config import Settings
    from storage.db import ensure_current, head_revisions

    settings = Settings()
    with booted(settings, Schema.AS_IS) as boot:
        _explained(settings, lambda: ensure_current(boot.database, auto_upgrade=False))
    Console(soft_wrap=True, highlight=False).print(
        f"The database {shown_url(settings.database_url)} is up to date "
        f"(schema revision {_none(head_revisions())}).",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app)
