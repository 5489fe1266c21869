"""Write a migration revision for what changed in the tables (Alembic's `revision --autogenerate`).

From the repository root, after changing a table or registering a new table module in `storage.models`:

    python -m storage.migrations.make "add group schedules"    # a new revision on top of the head
    python -m storage.migrations.make --initial                 # rewrite 0001, the initial revision

The script migrates a scratch SQLite database to the current head, compares it with
`storage.models.metadata` and writes `storage/migrations/versions/NNNN_slug.py`. Read the result
before committing it: autogenerate does not see renames (it writes a drop and an add), data
migrations, or server defaults. `--initial` replaces the initial revision by the whole current
schema; it is only for a schema no deployed database has been migrated to yet, and it refuses when
later revisions exist. `tests/storage/test_migrations.py` fails while models and migrations differ.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.db import MIGRATIONS_DIR, alembic_config, make_engine, upgrade

VERSIONS_DIR = MIGRATIONS_DIR / "versions"
INITIAL_ID = "0001"


def _revision_files() -> list[Path]:
    return sorted(p for p in VERSIONS_DIR.glob("[0-9]*.py"))


def _next_id() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    numbers = [int(h) for h in heads if h.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def _skip_if_empty(context: MigrationContext, revision: Any, directives: list[MigrationScript]) -> None:
    script = directives[0]
    if script.upgrade_ops is not None and script.upgrade_ops.is_empty():
        directives[:] = []


def _lint(paths: Iterable[str]) -> None:
    # Generated code follows the project's import order and syntax rules once ruff has fixed it.
    ruff = Path(sys.executable).with_name("ruff")
    executable = str(ruff) if ruff.exists() else shutil.which("ruff")
    if executable:
        subprocess.run([executable, "check", "--fix", "--quiet", *paths], check=False)


def make_revision(message: str, *, initial: bool = False) -> Path | None:
    """Write the revision and return its path; None when the models match the migrations already."""
    if initial:
        existing = _revision_files()
        if len(existing) > 1:
            raise SystemExit(
                f"refusing to rewrite the initial revision: {len(existing)} revisions exist; add a new one instead"
            )
        for path in existing:
            path.unlink()
    rev_id = INITIAL_ID if initial else _next_id()
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        try:
            upgrade(engine)
            with engine.begin() as conn:
                config = alembic_config(conn)
                config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
                written = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    rev_id=rev_id,
                    process_revision_directives=_skip_if_empty,
                )
        finally:
            engine.dispose()
    scripts = written if isinstance(written, list) else [written]
    paths = [s.path for s in scripts if s is not None]
    if not paths:
        return None
    _lint(paths)
    return Path(paths[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage.migrations.make", description=__doc__.splitlines()[0])
    parser.add_argument("message", nargs="?", help="what the revision changes, e.g. 'add group schedules'")
    parser.add_argument("--initial", action="store_true", help="rewrite the initial revision from the models")
    args = parser.parse_args(argv)
    if not args.initial and not args.message:
        parser.error("give a message describing the change, or --initial")
    path = make_revision(args.message or "initial schema", initial=args.initial)
    if path is None:
        print("the models match the migrations: nothing to write")
    else:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
