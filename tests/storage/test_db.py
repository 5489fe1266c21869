"""Engines, migrations and the refusal of a database whose schema is not current."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import storage.db
from bot.config import Settings
from storage.db import (
    SQLITE_BUSY_TIMEOUT_S,
    DatabaseUrlError,
    SchemaAhead,
    SchemaBehind,
    current_revisions,
    ensure_current,
    head_revisions,
    make_engine,
    normalize_url,
    open_database,
    upgrade,
)
from storage.models import metadata


def test_upgrade_creates_every_table_from_an_empty_database(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revisions(engine) == ()
        upgrade(engine)
        assert current_revisions(engine) == head_revisions()
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        upgrade(engine)  # a second upgrade finds nothing to do
        assert current_revisions(engine) == head_revisions()
    finally:
        engine.dispose()


def test_an_empty_database_is_refused_with_the_upgrade_command(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(SchemaBehind) as caught:
            ensure_current(engine, auto_upgrade=False)
        message = str(caught.value)
        assert "atou db upgrade" in message
        assert "ATOU_AUTO_UPGRADE=true" in message
        assert "no atou schema yet" in message
        assert "articles" not in inspect(engine).get_table_names()  # refusing changed nothing
    finally:
        engine.dispose()


NEXT_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("probe_next", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("probe_next")
"""


def test_a_database_at_an_older_revision_is_refused_then_upgraded_on_request(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer atou (here: the migrations plus one more revision) meets a database migrated by this one."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        (older,) = head_revisions()
        newer_migrations = tmp_path / "migrations"
        shutil.copytree(storage.db.MIGRATIONS_DIR, newer_migrations, ignore=shutil.ignore_patterns("__pycache__"))
        (newer_migrations / "versions" / "9999_next.py").write_text(NEXT_REVISION.format(head=older))
        monkeypatch.setattr(storage.db, "MIGRATIONS_DIR", newer_migrations)

        with pytest.raises(SchemaBehind) as caught:
            ensure_current(engine, auto_upgrade=False)
        assert f"is at schema revision {older}, but this version of atou needs 9999" in str(caught.value)
        assert "atou db upgrade" in str(caught.value)
        assert "probe_next" not in inspect(engine).get_table_names()

        ensure_current(engine, auto_upgrade=True)
        assert current_revisions(engine) == ("9999",)
        assert "probe_next" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_open_database_upgrades_when_auto_upgrade_is_set(database_url: str) -> None:
    engine = open_database(Settings(database_url=database_url, auto_upgrade=True))
    try:
        assert current_revisions(engine) == head_revisions()
        assert "articles" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_open_database_refuses_a_database_behind_without_auto_upgrade(database_url: str) -> None:
    with pytest.raises(SchemaBehind, match="atou db upgrade"):
        open_database(Settings(database_url=database_url, auto_upgrade=False))


def test_a_database_migrated_by_a_newer_atou_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
        for auto_upgrade in (False, True):
            with pytest.raises(SchemaAhead, match="newer atou"):
                ensure_current(engine, auto_upgrade=auto_upgrade)
    finally:
        engine.dispose()


def test_instances_starting_together_upgrade_once(database_url: str) -> None:
    """Several processes with auto-upgrade on may start at once: each ends at head, none fails."""
    # Each process loads everything, then waits for the word to go, so the upgrades really overlap.
    starter = (
        "import sys; from storage.db import *; engine = make_engine(sys.argv[1]); "
        "print('ready', flush=True); sys.stdin.readline(); ensure_current(engine, auto_upgrade=True)"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", starter, database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for p in processes:
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    for p in processes:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    failures = [err for p in processes if (err := p.communicate(timeout=120)[1]) and p.returncode != 0]
    assert failures == []
    engine = make_engine(database_url)
    try:
        assert current_revisions(engine) == head_revisions()
    finally:
        engine.dispose()


def test_threads_of_one_process_upgrading_together_all_succeed(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(3)]
    errors: list[BaseException] = []

    def start(index: int) -> None:
        try:
            ensure_current(engines[index], auto_upgrade=True)
        except BaseException as exc:  # collected and checked in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        assert current_revisions(engines[0]) == head_revisions()
    finally:
        for eng in engines:
            eng.dispose()


def test_sqlite_uses_wal_a_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == int(SQLITE_BUSY_TIMEOUT_S * 1000)
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_writer_waits_for_another_writer_instead_of_failing(sqlite_url: str) -> None:
    """Two connections writing at once: the second waits for the first's commit, nothing is lost."""
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE log (who TEXT)"))
    first_has_lock = threading.Event()
    order: list[str] = []

    def first() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO log VALUES ('first')"))
            first_has_lock.set()
            threading.Event().wait(0.3)  # hold the write lock while the second writer starts
            order.append("first commits")

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_has_lock.wait(10)
        with engine.begin() as conn:
            order.append("second writes")
            conn.execute(text("INSERT INTO log VALUES ('second')"))
    finally:
        thread.join()
    try:
        assert order == ["first commits", "second writes"]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT who FROM log ORDER BY rowid")).scalars().all() == ["first", "second"]
    finally:
        engine.dispose()


def test_sqlite_file_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot" / "atou.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert path.is_file()


def test_sqlite_url_relative_to_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ATOU_DATABASE_URL", raising=False)
    engine = make_engine(Settings().database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert (tmp_path / "atou.db").is_file()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db:5432/atou", "postgresql+psycopg://u:p@db:5432/atou"),
        ("postgres://db/atou", "postgresql+psycopg://db/atou"),
        ("postgresql+psycopg://db/atou", "postgresql+psycopg://db/atou"),
        ("sqlite:///atou.db", "sqlite:///atou.db"),
    ],
)
def test_plain_postgresql_urls_use_psycopg(given: str, used: str) -> None:
    assert normalize_url(given) == used


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://reader@127.0.0.1/atou", "ATOU_DATABASE_URL is for mysql, which atou does not support"),
        ("oracle+oracledb://127.0.0.1/atou", "ATOU_DATABASE_URL is for oracle, which atou does not support"),
        ("postgresql+asyncpg://127.0.0.1/atou", "ATOU_DATABASE_URL asks for the asyncpg driver"),
        ("sqlite+aiosqlite:///atou.db", "ATOU_DATABASE_URL asks for the aiosqlite driver"),
        ("atou.db", "ATOU_DATABASE_URL is not a database URL"),
    ],
)
def test_a_database_url_atou_cannot_use_is_refused_with_a_sentence(url: str, expected: str) -> None:
    with pytest.raises(DatabaseUrlError) as refused:
        make_engine(url)
    assert str(refused.value).startswith(expected)
    assert str(refused.value).endswith("or PostgreSQL (postgresql://user@host/database).")
