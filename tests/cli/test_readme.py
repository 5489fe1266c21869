"""The docs tell the truth: settings, the `--json` shapes, the command table."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _section() -> str:
    return "".join((DOCS / page).read_text(encoding="utf-8") for page in ("configuration.md", "articles.md"))


def test_every_setting_named_exists() -> None:
    named = {m.lower() for m in re.findall(r"ATOU_([A-Z0-9_]+)", _section())}
    assert named, "the section names no settings"
    assert named <= set(Settings.model_fields), named - set(Settings.model_fields)


def test_the_default_database_is_documented_as_it_is() -> None:
    assert f"`ATOU_DATABASE_URL` | `{Settings.model_fields['database_url'].default}`" in _section()


def test_the_articles_json_example_has_the_real_keys() -> None:
    from bot.cli.articles import summary_json
    from storage.articles import ArticleSummary

    example = re.search(r"```json\n(.*?)```", _section(), re.DOTALL)
    assert example is not None
    (documented,) = json.loads(example.group(1))
    summary = ArticleSummary("x", "t", None, 1, None, datetime.now(UTC))
    assert list(documented) == list(summary_json(summary))


def test_the_command_table_is_the_catalog() -> None:
    """docs/commands.md lists every command of the catalog, for admins exactly when it is an admin's."""
    from bot.services import catalog

    page = (DOCS / "commands.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (everyone|admins) \| (.+?) \|", page, re.MULTILINE)
    documented = {name: who for who, cell in rows for name in re.findall(r"`/([a-z]+)", cell)}
    assert set(documented) == {c.name for c in catalog.COMMANDS}
    assert {n for n, who in documented.items() if who == "admins"} == {c.name for c in catalog.ADMIN_COMMANDS}
