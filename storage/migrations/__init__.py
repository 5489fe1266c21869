"""Alembic migrations for atou's schema, shipped inside the package and run by `storage.db.upgrade`.

To add a revision after changing a table (or adding a table module to `storage.models`), run
`python -m storage.migrations.make "what changed"`; see `storage.migrations.make`.
"""
