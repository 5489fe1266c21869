"""The migrations describe exactly the tables the code defines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.db import alembic_config
from storage.models import metadata

REPO = Path(__file__).resolve().parents[2]


def test_migration_head_matches_the_models(engine: Engine) -> None:
    """A table or column added to the models without a migration fails here.

    Fix: `python -m storage.migrations.make "what changed"` (see storage/migrations/make.py).
    """
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == [], (
        "the models differ from the migrations; run `python -m storage.migrations.make \"what changed\"`:\n"
        + "\n".join(map(str, differences))
    )


def test_revisions_form_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "two revisions share a parent: merge them or re-parent one"
    assert len(script.get_bases()) == 1


def test_every_module_defining_tables_is_registered_in_storage_models() -> None:
    """Alembic sees only what `storage.models` imports; a table module missing there would be ignored."""
    probe = (
        "import json, pkgutil, importlib, storage, storage.models\n"
        "from sqlmodel import SQLModel\n"
        "registered = sorted(SQLModel.metadata.tables)\n"
        "for m in pkgutil.iter_modules(storage.__path__):\n"
        "    if not m.ispkg: importlib.import_module('storage.' + m.name)\n"
        "print(json.dumps([registered, sorted(SQLModel.metadata.tables)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    registered, everything = json.loads(done.stdout)
    assert registered == everything, f"add these tables' modules to storage.models: {set(everything) - set(registered)}"
