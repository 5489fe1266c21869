"""`atou db upgrade`, `atou db status`, and every command's refusal of a database that is behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import current_revisions, head_revisions, make_engine
from tests.cli.conftest import Atou


def test_commands_refuse_a_database_that_is_not_upgraded(atou: Atou) -> None:
    for command in (["articles"], ["articles", "--json"], ["show", "anything"]):
        result = atou(*command)
        assert result.exit_code == 1, command
        assert "atou db upgrade" in result.stderr
        assert "ATOU_AUTO_UPGRADE=true" in result.stderr
        assert result.stdout == ""


def test_db_upgrade_creates_the_schema_then_finds_it_current(atou: Atou, db_url: str) -> None:
    (head,) = head_revisions()
    first = atou("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"from schema revision none to {head}" in first.stdout
    second = atou("db", "upgrade")
    assert second.exit_code == 0
    assert f"is up to date (schema revision {head})" in second.stdout
    assert atou("articles").exit_code == 0


def test_auto_upgrade_lets_commands_open_a_fresh_database(atou: Atou) -> None:
    result = atou("articles", "--json", env={"ATOU_AUTO_UPGRADE": "true"})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"


def test_db_status_says_whether_the_schema_is_current(atou: Atou) -> None:
    behind = atou("db", "status")
    assert behind.exit_code == 1
    assert "atou db upgrade" in behind.stderr
    atou("db", "upgrade")
    current = atou("db", "status")
    assert current.exit_code == 0
    assert "up to date" in current.stdout


def test_a_database_from_a_newer_atou_is_refused(ready: Atou, db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'beef'"))
    engine.dispose()
    for command in (["articles"], ["db", "upgrade"], ["db", "status"]):
        result = ready(*command)
        assert result.exit_code == 1
        assert "newer atou" in result.stderr


def test_an_unreachable_database_is_reported_without_its_password(atou: Atou) -> None:
    url = "postgresql+psycopg://atou:s3cret@127.0.0.1:1/atou"
    result = atou("articles", env={"ATOU_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "Cannot open the database postgresql+psycopg://atou:***@127.0.0.1:1/atou" in result.stderr
    assert "s3cret" not in result.output


def test_import_creates_the_schema_of_a_new_sqlite_file(atou: Atou, db_url: str, sample_page: Path) -> None:
    result = atou("import", sample_page)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported ")
    assert current_revisions_of(db_url) == head_revisions()
    assert len(json.loads(atou("articles", "--json").stdout)) == 1


def test_import_refuses_a_sqlite_file_that_holds_something_else(atou: Atou, db_url: str, sample_page: Path) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    engine.dispose()
    result = atou("import", sample_page)
    assert result.exit_code == 1
    assert "has no atou schema yet" in result.stderr and "atou db upgrade" in result.stderr
    assert current_revisions_of(db_url) == ()


@pytest.mark.postgres
def test_import_does_not_create_a_schema_on_postgresql_unasked(atou: Atou, postgres_url: str,
                                                                sample_page: Path) -> None:
    result = atou("import", sample_page, env={"ATOU_DATABASE_URL": postgres_url})
    assert result.exit_code == 1
    assert "atou db upgrade" in result.stderr


def current_revisions_of(url: str) -> tuple[str, ...]:
    engine = make_engine(url)
    try:
        return current_revisions(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "status"), ("articles",)])
def test_an_unsupported_database_url_is_one_sentence_and_status_2(atou: Atou, command: tuple[str, ...]) -> None:
    result = atou(*command, env={"ATOU_DATABASE_URL": "mysql://reader:secret@127.0.0.1/atou"})
    assert result.exit_code == 2
    assert result.output.strip().startswith("ATOU_DATABASE_URL is for mysql, which atou does not support")
    assert "Traceback" not in result.output and "secret" not in result.output


def test_import_refuses_a_sqlite_file_whose_schema_is_behind_unless_told(
    atou: Atou, db_url: str, sample_page: Path
) -> None:
    from alembic import command

    from storage.db import alembic_config

    engine = make_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")  # the first schema: an older atou's database
    engine.dispose()
    refused = atou("import", sample_page)
    assert refused.exit_code == 1
    assert "is at schema revision 0001" in refused.stderr and "atou db upgrade" in refused.stderr
    assert current_revisions_of(db_url) == ("0001",)
    told = atou("import", sample_page, env={"ATOU_AUTO_UPGRADE": "true"})
    assert told.exit_code == 0, told.output
    assert current_revisions_of(db_url) == head_revisions()
