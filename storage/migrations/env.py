"""Alembic environment: runs against the connection `storage.db` hands over, with atou's models.

Online only: `storage.db.upgrade` passes an open connection in a transaction through
`config.attributes["connection"]`, so there is no alembic.ini and no dependence on the working directory.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, text
from sqlmodel.sql.sqltypes import AutoString

from storage.models import metadata

# Any fixed number works: it only has to be the same for every atou instance sharing the database.
PG_MIGRATION_LOCK = 0x6174_6F75  # "atou"


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render SQLModel's `AutoString` as plain `sa.String`, so revisions do not import sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        length = getattr(obj, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead. On PostgreSQL
        # the same batch operations run as plain ALTER statements.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several instances may start together with auto-upgrade on: one migrates, the others
            # wait here and then find the database at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if _connection is None or context.is_offline_mode():
    raise RuntimeError(
        "atou's migrations run online through storage.db.upgrade (`atou db upgrade`); "
        "the alembic command line and --sql mode are not set up"
    )
run_migrations(_connection)
