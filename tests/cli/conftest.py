"""CLI fixtures: `atou` run in-process against a temp SQLite file, from a temp working directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli.main import app

Atou = Callable[..., Result]


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """ATOU_DATABASE_URL for a new SQLite file; the working directory is a temp folder (no stray .env)."""
    url = f"sqlite:///{tmp_path / 'data' / 'atou.db'}"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("ATOU_AUTO_UPGRADE", "ATOU_MAX_IMPORT_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATOU_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "100")
    return url


@pytest.fixture
def atou(db_url: str) -> Atou:
    """`atou("import", "x.txt")` runs the command line and returns its result (exit code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, [str(a) for a in args], env=env)

    return run


@pytest.fixture
def ready(atou: Atou) -> Atou:
    """`atou` on a database already upgraded."""
    result = atou("db", "upgrade")
    assert result.exit_code == 0, result.output
    return atou
