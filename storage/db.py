"""Engines, schema migrations and the check that a database is current.

The schema is owned by the Alembic migrations shipped in `storage/migrations/`; nothing here calls
`create_all`. A database that is behind the code is refused (`SchemaBehind`) unless the operator
asked for automatic upgrades (`ATOU_AUTO_UPGRADE=true`), because an upgrade changes a database other
instances may share and should be a deliberate step (`atou db upgrade`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage import sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config

    from bot.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Alembic keeps the running migration environment in module globals, so one process migrates from
# one thread at a time. (Across processes, the database serialises them: see migrations/env.py.)
_MIGRATING = threading.Lock()

# Seconds a SQLite connection waits for another writer before giving up with "database is locked".
SQLITE_BUSY_TIMEOUT_S = 5.0


class SchemaError(RuntimeError):
    """The database's schema does not match this version of atou."""


class SchemaBehind(SchemaError):
    """The database is at an older schema revision (or has none yet) than this version of atou needs."""

    def __init__(self, url: str, current: tuple[str, ...], head: tuple[str, ...]) -> None:
        self.url = url
        self.current = current
        self.head = head
        needed = ", ".join(head)
        if current:
            state = f"is at schema revision {', '.join(current)}, but this version of atou needs {needed}"
            action = "Run `atou db upgrade` to bring it up to date (back it up first)"
        else:
            state = f"has no atou schema yet (this version of atou needs revision {needed})"
            action = "Run `atou db upgrade` to create it"
        super().__init__(f"The database {url} {state}. {action}, or set ATOU_AUTO_UPGRADE=true to upgrade on start.")


class SchemaAhead(SchemaError):
    """The database was migrated by a newer version of atou: its revision is unknown to this code."""

    def __init__(self, url: str, current: tuple[str, ...]) -> None:
        self.url = url
        self.current = current
        super().__init__(
            f"The database {url} is at schema revision {', '.join(current)}, which this version of atou "
            "does not know: it was upgraded by a newer atou. Install that version (or newer) to use it."
        )


def normalize_url(url: str) -> str:
    """Route plain PostgreSQL URLs to psycopg 3, the driver atou ships with."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# The databases atou runs on, each with the drivers it is tested with (the first is the default).
SUPPORTED_DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg", "psycopg2")}


class DatabaseUrlError(ValueError):
    """ATOU_DATABASE_URL is not a URL atou can use: one sentence saying why and what would do."""


def _checked_url(url: str) -> URL:
    """`url` parsed, or `DatabaseUrlError` for a malformed URL, another database or another driver."""
    hint = "use a SQLite file (sqlite:///path/to/atou.db) or PostgreSQL (postgresql://user@host/database)"
    try:
        sa_url = make_url(normalize_url(url))
    except ArgumentError:
        raise DatabaseUrlError(f"ATOU_DATABASE_URL is not a database URL: {hint}.") from None
    backend, driver = sa_url.get_backend_name(), sa_url.get_driver_name()
    if backend not in SUPPORTED_DRIVERS:
        raise DatabaseUrlError(
            f"ATOU_DATABASE_URL is for {backend}, which atou does not support: {hint}."
        )
    if driver not in SUPPORTED_DRIVERS[backend]:
        raise DatabaseUrlError(
            f"ATOU_DATABASE_URL asks for the {driver} driver, which atou does not use for {backend}: {hint}."
        )
    return sa_url


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names (absolute); None for PostgreSQL, an in-memory or a URI database."""
    sa_url = _checked_url(url)
    database = sa_url.database or ""
    if sa_url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser().absolute()


def make_engine(url: str) -> Engine:
    """An engine for `url`: a SQLite file (WAL, busy timeout, foreign keys) or PostgreSQL via psycopg.

    Raises `DatabaseUrlError` for a URL of another database or driver, or a driver that is not installed.
    """
    sa_url = _checked_url(url)
    if sa_url.get_backend_name() != "sqlite":
        try:
            return create_engine(sa_url, pool_pre_ping=True)
        except ImportError as exc:
            raise DatabaseUrlError(
                f"The {sa_url.get_driver_name()} driver that ATOU_DATABASE_URL asks for is not installed "
                f"({exc.name or exc}); install it, or use postgresql:// for the psycopg driver atou ships with."
            ) from None

    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(sa_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    if path is not None:  # first: no transaction may begin on a file that is no longer the one opened
        sqlite_file.guard(engine, path)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # sqlite3's own transaction handling skips BEGIN for SELECT and DDL, which breaks transactional
    # migrations and read-then-write transactions; SQLAlchemy emits BEGIN itself instead (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers work while one connection writes; it is stored in the file, so this is
        # a no-op after the first connection.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock at the start (waiting up to the busy timeout), so a transaction
    # that reads then writes — claiming a posting, moving the queue — cannot fail half-way with
    # SQLITE_BUSY when another connection wrote in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _display_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration for atou's migrations, independent of the working directory."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revisions() -> tuple[str, ...]:
    """The revision(s) this version of atou's schema is at."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revision(s) the database is at; empty for a database atou has never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest revision, in one transaction."""
    from alembic import command

    with _MIGRATING, engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")


def ensure_current(engine: Engine, *, auto_upgrade: bool) -> None:
    """Return if the database is at head; upgrade it if `auto_upgrade`; otherwise raise `SchemaBehind`.

    Raises `SchemaAhead` if the database was migrated by a newer atou (never downgraded automatically).
    """
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = tuple(sorted(script.get_heads()))
    current = current_revisions(engine)
    if current == head:
        return
    known = {rev.revision for rev in script.walk_revisions()}
    if any(rev not in known for rev in current):
        raise SchemaAhead(_display_url(engine), current)
    if not auto_upgrade:
        raise SchemaBehind(_display_url(engine), current, head)
    upgrade(engine)


def is_new_sqlite(engine: Engine) -> bool:
    """Whether `engine` is a SQLite database with nothing in it yet (a file just created, or empty).

    Only such a database is given atou's schema without being asked: it can hold nobody's data, so
    creating the schema changes nothing another instance or program relies on.
    """
    from sqlalchemy import inspect

    if engine.url.get_backend_name() != "sqlite":
        return False
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


def open_database(settings: Settings, *, migrate: bool = False, create_new: bool = False) -> Engine:
    """The engine for `settings.database_url`, checked to be current; upgraded when `migrate` or
    `settings.auto_upgrade` says so.

    `create_new`: a new, empty SQLite database gets the current schema (commands that fill a
    database, such as `atou import`, start a fresh one this way); a database that holds anything
    and is behind is still refused unless automatic upgrades are on.
    """
    engine = make_engine(settings.database_url)
    try:
        auto = migrate or settings.auto_upgrade or (create_new and is_new_sqlite(engine))
        ensure_current(engine, auto_upgrade=auto)
    except BaseException:
        engine.dispose()
        raise
    return engine
