"""`atou export`: the article as a document, or its discussion archive as a file, from the real database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner, Result

from bot.archive.jsonfile import archive_schema
from bot.cli.main import app
from bot.formats.jsondoc import parse_json
from bot.formats.native import parse_native
from storage.db import make_engine, upgrade
from tests.archive.builders import sample_archive, store_archive

Atou = Callable[..., Result]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file holding the sample archive; exports only read it, so the module shares it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'atou.db'}"
    engine = make_engine(url)
    upgrade(engine)
    store_archive(engine, sample_archive().archive)
    engine.dispose()
    return url


@pytest.fixture
def atou(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Atou:
    """`atou(...)` against the sample database, from a temp working directory (no stray .env)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATOU_DATABASE_URL", database)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_json_without_archive_is_the_article_document(atou: Atou) -> None:
    result = atou("export", "ai-rd", "--format", "json")
    assert result.exit_code == 0, result.output
    assert parse_json(result.stdout, source_name="export") == sample_archive().archive.article


def test_md_without_archive_is_the_native_digest(atou: Atou, tmp_path: Path) -> None:
    out = tmp_path / "ai-rd.md"
    result = atou("export", "ai-rd", "-o", out)
    assert result.exit_code == 0, result.output
    assert (
        parse_native(out.read_text(encoding="utf-8"), source_name="export")
        == sample_archive().archive.article
    )
    assert f"wrote the article of ai-rd as md to {out}" in result.stderr


def test_the_archive_as_json_matches_its_schema(atou: Atou, tmp_path: Path) -> None:
    out = tmp_path / "archive.json"
    result = atou("export", "ai-rd", "--archive", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    Draft202012Validator(archive_schema()).validate(data)
    assert [d["group_key"] for d in data["discussions"]] == ["telegram:-1001", "discord:42/77"]
    assert len([r for d in data["discussions"] for r in d["replies"]]) == len(sample_archive().visible)
    assert "Dave" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_csv_and_html_say_they_export_the_archive(atou: Atou, fmt: str) -> None:
    result = atou("export", "ai-rd", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert f"{fmt} is an archive format: exporting the discussion archive" in result.stderr
    assert "执行层确实在被自动化" in result.stdout


def test_archive_filters_imply_the_archive_and_apply(atou: Atou) -> None:
    result = atou("export", "ai-rd", "--format", "csv", "--group", "Reading club", "--pseudonymize")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert [(r["group_key"], r["author"]) for r in rows] == [
        ("discord:42/77", "member-1"),
        ("discord:42/77", "member-2"),
    ]
    result = atou("export", "ai-rd", "--format", "json", "--member", "bob", "--until", "2026-06-05")
    assert result.exit_code == 0, result.output
    assert "--until, --member select replies: exporting the discussion archive" in result.stderr
    data = json.loads(result.stdout)
    assert {r["author"]["name"] for d in data["discussions"] for r in d["replies"]} == {"Bob"}


def test_an_unknown_article_is_named(atou: Atou) -> None:
    result = atou("export", "nope", "--archive")
    assert result.exit_code == 1
    assert "no article with id 'nope' is stored" in result.stderr


def test_a_bad_date_is_refused_before_anything_is_read(atou: Atou) -> None:
    result = atou("export", "ai-rd", "--archive", "--since", "yesterday")
    assert result.exit_code == 2
    assert "'yesterday' is not a date" in result.stderr


def test_since_after_until_is_refused_clearly(atou: Atou) -> None:
    result = atou("export", "ai-rd", "--archive", "--since", "2026-06-07", "--until", "2026-06-05")
    assert result.exit_code == 1
    assert "since (2026-06-07) is after until (2026-06-05)" in result.stderr
