"""Webhook updates already taken, so each Telegram update is handled once across instances.

Behind a load balancer any instance may receive a webhook delivery, and Telegram delivers an update
again when an answer was slow or failed. The first instance to insert the update's id handles it;
every other delivery of the same id is dropped. Telegram forgets undelivered updates after a day,
so ids older than `KEEP` can never come back and are pruned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, DateTime, Engine, Executable, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel

KEEP = timedelta(days=2)
# Update ids count up by one per update, so pruning on every 1000th id prunes about once per 1000 updates.
PRUNE_EVERY = 1000


class SeenUpdate(SQLModel, table=True):
    """One Telegram update id some instance has taken."""

    __tablename__ = "telegram_updates"

    update_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    received_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


def claim_update(engine: Engine, update_id: int, *, now: datetime | None = None) -> bool:
    """True if this call took the update (handle it); False if it was taken before (drop it)."""
    now = now or datetime.now(UTC)
    table = SeenUpdate.__table__  # type: ignore[attr-defined]
    values = {"update_id": update_id, "received_at": now}
    statement: Executable
    if engine.dialect.name == "postgresql":
        statement = postgresql.insert(table).values(values).on_conflict_do_nothing().returning(table.c.update_id)
    elif engine.dialect.name == "sqlite":
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing().returning(table.c.update_id)
    else:
        raise NotImplementedError(f"update claims need PostgreSQL or SQLite, not {engine.dialect.name}")
    with engine.begin() as conn:
        # RETURNING gives the row only when it was inserted: rowcount is not reliable for inserts.
        claimed = conn.execute(statement).first() is not None
    if claimed and update_id % PRUNE_EVERY == 0:
        prune_updates(engine, now=now)
    return claimed


def prune_updates(engine: Engine, *, now: datetime | None = None, keep: timedelta = KEEP) -> int:
    """Forget update ids taken more than `keep` ago; return how many were removed."""
    cutoff = (now or datetime.now(UTC)) - keep
    table = SeenUpdate.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        return conn.execute(delete(table).where(table.c.received_at < cutoff)).rowcount

