"""Which posts are due: a pure function of a schedule and the current time.

The scheduler only wakes the core; whether a post is due, made up late or recorded as missed is
decided here, so it can be tested with any clock. Whether it already happened is the database's
business (a posting row claimed per group and local date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.scheduling.schedule import Schedule

# How far back a sweep looks for days to record as missed (a bot down for longer skips them silently).
LOOKBACK = timedelta(days=14)


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """One scheduled post: the group's local date and the UTC instant it was due."""

    at: datetime
    local_date: date

    @property
    def key(self) -> str:
        """The posting key of this slot: the local date, one posting per group per local date."""
        return self.local_date.isoformat()


@dataclass(frozen=True, slots=True)
class Plan:
    """`due`: slots to post now (at most one while the grace window is under a day), oldest first;
    `missed`: slots whose grace window has passed, to be recorded as skipped."""

    due: tuple[Slot, ...]
    missed: tuple[Slot, ...]


def slots_between(schedule: Schedule, start: datetime, end: datetime) -> list[Slot]:
    """Every slot of `schedule` with `start <= at <= end`, in order."""
    if end < start:
        return []
    # Local dates can be a day off UTC either way; scan one extra day on each side and filter.
    first = schedule.local_date(start) - timedelta(days=1)
    last = schedule.local_date(end) + timedelta(days=1)
    slots = []
    day = first
    while day <= last:
        if schedule.posts_on(day):
            at = schedule.fire_at(day)
            if start <= at <= end:
                slots.append(Slot(at, day))
        day += timedelta(days=1)
    return slots


def recent_slots(schedule: Schedule, now: datetime) -> list[Slot]:
    """The slots a plan at `now` looks at, whatever the schedule's start: shared by groups with the
    same schedule (`plan(..., recent=)`), so a sweep of many groups computes them once per schedule."""
    return slots_between(schedule, now - LOOKBACK, now)


def plan(
    schedule: Schedule, *, now: datetime, grace: timedelta, since: datetime, recent: list[Slot] | None = None
) -> Plan:
    """What to do at `now` for slots from `since` on (the schedule's start; older slots never count).

    A slot is due from its instant until `grace` after it, and missed once that has passed.
    `recent`: `recent_slots(schedule, now)`, when the caller has it already.
    """
    if recent is None:
        recent = recent_slots(schedule, now)
    slots = [s for s in recent if s.at >= since]
    due = tuple(s for s in slots if now - s.at <= grace)
    missed = tuple(s for s in slots if now - s.at > grace)
    return Plan(due, missed)


def next_slot(schedule: Schedule, after: datetime) -> Slot | None:
    """The first slot strictly after `after`, within a year (None if the schedule never posts)."""
    if not schedule.days:
        return None
    start = after + timedelta(microseconds=1)
    window = timedelta(days=8)
    for _ in range(48):  # skip dates can cover many weeks; a year of them is plenty
        slots = slots_between(schedule, start, start + window)
        if slots:
            return slots[0]
        start += window
    return None
