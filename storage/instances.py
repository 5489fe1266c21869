"""Running instances report here: a heartbeat row each, read by `atou health`.

Every `atou run` process writes its row every few seconds (name `host:pid`, whether it leads, which
platform adapters are connected) and deletes it on a clean stop. A row not refreshed for a few
heartbeats belongs to a process that died; rows of long-dead processes are pruned by later reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Boolean, DateTime, Engine, Executable, String, Text, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel

from storage.groups import as_utc

HEARTBEAT_SECONDS = 10.0
# An instance is alive while its row is younger than this: three missed heartbeats mean it is gone.
ALIVE_WITHIN = timedelta(seconds=3 * HEARTBEAT_SECONDS)
FORGET_AFTER = timedelta(days=1)


class InstanceRow(SQLModel, table=True):
    """The last report of one running (or once running) instance."""

    __tablename__ = "instances"

    name: str = Field(sa_type=String(120), primary_key=True)
    version: str = Field(sa_type=String(40))
    started_at: datetime = Field(sa_type=DateTime(timezone=True))
    seen_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    leader: bool = Field(sa_type=Boolean)
    adapters: str = Field(sa_type=Text)  # JSON object: platform name → connected


@dataclass(frozen=True, slots=True)
class InstanceStatus:
    """What an instance says about itself."""

    name: str
    version: str
    started_at: datetime
    seen_at: datetime
    leader: bool
    adapters: dict[str, bool] = field(default_factory=dict)


def report(engine: Engine, status: InstanceStatus) -> None:
    """Insert or refresh this instance's row, and drop rows of instances dead for a day."""
    table = InstanceRow.__table__  # type: ignore[attr-defined]
    values = {
        "name": status.name,
        "version": status.version,
        "started_at": as_utc(status.started_at),
        "seen_at": as_utc(status.seen_at),
        "leader": status.leader,
        "adapters": json.dumps(status.adapters, sort_keys=True),
    }
    changing = {k: v for k, v in values.items() if k != "name"}
    upsert: Executable
    if engine.dialect.name == "postgresql":
        upsert = postgresql.insert(table).values(values).on_conflict_do_update(index_elements=["name"], set_=changing)
    elif engine.dialect.name == "sqlite":
        upsert = sqlite.insert(table).values(values).on_conflict_do_update(index_elements=["name"], set_=changing)
    else:
        raise NotImplementedError(f"instance reports need PostgreSQL or SQLite, not {engine.dialect.name}")
    with engine.begin() as conn:
        conn.execute(upsert)
        conn.execute(delete(table).where(table.c.seen_at < as_utc(status.seen_at) - FORGET_AFTER))


def forget(engine: Engine, name: str) -> None:
    """Remove an instance's row (it stopped cleanly)."""
    table = InstanceRow.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(delete(table).where(table.c.name == name))


def live_instances(engine: Engine, *, now: datetime | None = None, within: timedelta = ALIVE_WITHIN) -> list[InstanceStatus]:
    """Instances whose last report is younger than `within`, leader first, then by name."""
    table = InstanceRow.__table__  # type: ignore[attr-defined]
    cutoff = as_utc(now or datetime.now(UTC)) - within
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.seen_at >= cutoff)).mappings().all()
    found = [
        InstanceStatus(
            name=row["name"],
            version=row["version"],
            started_at=as_utc(row["started_at"]),
            seen_at=as_utc(row["seen_at"]),
            leader=bool(row["leader"]),
            adapters={str(k): bool(v) for k, v in json.loads(row["adapters"]).items()},
        )
        for row in rows
    ]
    return sorted(found, key=lambda s: (not s.leader, s.name))
