"""Every table of atou, so that `SQLModel.metadata` (and Alembic, which compares against it) sees them all.

A module that defines tables is registered here with one line in `TABLE_MODULES`. After adding or changing a
table, add a migration: `python -m storage.migrations.make "what changed"`.
"""

from __future__ import annotations

import importlib

from sqlmodel import SQLModel

# One line per module that defines tables.
TABLE_MODULES: tuple[str, ...] = (
    "storage.articles",
    "storage.instances",
    "storage.updates",
    "storage.groups",
    "storage.postings",
    "storage.discussions",
    "storage.drafts",
    "storage.sources",
    "storage.answers",
    "storage.private_chats",
)

for _name in TABLE_MODULES:
    importlib.import_module(_name)

metadata = SQLModel.metadata
