"""Revision scripts, applied in order by Alembic; named `NNNN_slug.py`."""
