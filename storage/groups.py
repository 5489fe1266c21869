"""Groups in the database: where the bot posts, with each group's schedule and settings."""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, Row, String, Text, UniqueConstraint, false
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, select

from bot.render.document import Mention
from bot.scheduling.schedule import Schedule
from bot.services.domain import Group


def as_utc(moment: datetime) -> datetime:
    """Stored moments are UTC; SQLite hands them back naive."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_db(moment: datetime) -> datetime:
    """What goes into a timestamp column: the same instant in UTC (SQLite keeps no offset)."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class GroupRow(SQLModel, table=True):
    """One chat, channel or topic where the bot posts. `thread_id` is '' for a whole chat."""

    __tablename__ = "chat_groups"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "thread_id", name="uq_chat_groups_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(20))
    chat_id: str = Field(sa_type=String(64))
    thread_id: str = Field(default="", sa_type=String(64))
    title: str = Field(sa_type=Text)
    timezone: str = Field(sa_type=String(64))
    post_time: str = Field(sa_type=String(5))  # HH:MM
    days: int = Field(sa_type=Integer)  # bit d set: posts on weekday d (0 = Monday)
    skip_dates: str = Field(default="[]", sa_type=Text)  # JSON list of YYYY-MM-DD
    schedule_since: datetime = Field(sa_type=DateTime(timezone=True))
    lang: str = Field(sa_type=String(10))
    paused_reason: str | None = Field(default=None, sa_type=Text)
    personas: str = Field(default="{}", sa_type=Text)  # JSON: audience → [member id, display name]
    forum: bool = Field(default=False, sa_type=Boolean)
    empty_notified: bool = Field(default=False, sa_type=Boolean)
    queue_warned: bool = Field(default=False, sa_type=Boolean, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


def _days_bits(days: frozenset[int]) -> int:
    return sum(1 << d for d in days)


def _bits_days(bits: int) -> frozenset[int]:
    return frozenset(d for d in range(7) if bits & (1 << d))


@functools.lru_cache(maxsize=4096)
def _schedule(timezone: str, post_time: str, days: int, skip_dates: str) -> Schedule:
    """One shared (immutable) Schedule per distinct stored schedule: most groups share a few."""
    hour, minute = (int(x) for x in post_time.split(":"))
    return Schedule(
        timezone=timezone,
        post_time=time(hour, minute),
        days=_bits_days(days),
        skip_dates=frozenset(date.fromisoformat(d) for d in json.loads(skip_dates)),
    )


def _to_group(row: GroupRow | Row[Any]) -> Group:
    """The group of a row: an ORM instance or a plain row of the table (`list`)."""
    assert row.id is not None
    personas = (
        {name: Mention(member[0], member[1]) for name, member in json.loads(row.personas).items()}
        if row.personas != "{}"
        else {}
    )
    return Group(
        id=row.id,
        platform=row.platform,
        chat_id=row.chat_id,
        thread_id=row.thread_id or None,
        title=row.title,
        schedule=_schedule(row.timezone, row.post_time, row.days, row.skip_dates),
        schedule_since=as_utc(row.schedule_since),
        lang=row.lang,
        created_at=as_utc(row.created_at),
        paused_reason=row.paused_reason,
        personas=personas,
        forum=row.forum,
        empty_notified=row.empty_notified,
        queue_warned=row.queue_warned,
    )


def _fill(row: GroupRow, group: Group) -> None:
    s = group.schedule
    row.platform = group.platform
    row.chat_id = group.chat_id
    row.thread_id = group.thread_id or ""
    row.title = group.title
    row.timezone = s.timezone
    row.post_time = s.post_time.strftime("%H:%M")
    row.days = _days_bits(s.days)
    row.skip_dates = json.dumps(sorted(d.isoformat() for d in s.skip_dates))
    row.schedule_since = to_db(group.schedule_since)
    row.lang = group.lang
    row.paused_reason = group.paused_reason
    row.personas = json.dumps(
        {name: [m.member_id, m.display_name] for name, m in group.personas.items()}, ensure_ascii=False
    )
    row.forum = group.forum
    row.empty_notified = group.empty_notified
    row.queue_warned = group.queue_warned
    row.created_at = to_db(group.created_at)


class SqlGroupRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, group: Group) -> Group:
        row = GroupRow(
            platform="",
            chat_id="",
            title="",
            timezone="",
            post_time="",
            days=0,
            schedule_since=group.schedule_since,
            lang="",
            created_at=group.created_at,
        )
        _fill(row, group)
        self.session.add(row)
        self.session.flush()
        return _to_group(row)

    def get(self, group_id: int) -> Group | None:
        row = self.session.get(GroupRow, group_id)
        return None if row is None else _to_group(row)

    def by_chat(self, platform: str, chat_id: str, thread_id: str | None) -> Group | None:
        row = self.session.exec(
            select(GroupRow).where(
                GroupRow.platform == platform,
                GroupRow.chat_id == chat_id,
                GroupRow.thread_id == (thread_id or ""),
            )
        ).first()
        return None if row is None else _to_group(row)

    def list(self) -> list[Group]:
        # Plain rows, not ORM instances: every sweep lists every group, and 10,000 ORM objects cost
        # several times what the rows do.
        table = GroupRow.__table__  # type: ignore[attr-defined]
        rows = self.session.execute(sa_select(table).order_by(table.c.id))
        return [_to_group(row) for row in rows]

    def save(self, group: Group) -> None:
        row = self.session.get(GroupRow, group.id)
        if row is None:
            raise LookupError(f"no group {group.id}")
        _fill(row, group)
        self.session.add(row)
        self.session.flush()
