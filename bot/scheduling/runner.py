"""APScheduler wake-ups: one cron job per group in its own timezone, plus a sweep every minute.

The jobs only wake the engine; what is due is decided by `bot.scheduling.due` against the database,
so a job that fires twice, late, or on a skip date does no harm. The sweep catches everything a cron
job cannot: posts missed while the process was down (made up within the grace window), postings to
resume or retry, discussions to close. A sweep that knows something becomes due before the next
minute (a dead instance's posting is free to take over) says when, and the next sweep comes then.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.scheduling.schedule import WEEKDAYS, Schedule, zone

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
# An early sweep comes at least this long after the one that asked for it (which must end first).
EARLY_SWEEP_GAP = timedelta(seconds=1)
SWEEP_JOB = "sweep"
GROUP_JOB_PREFIX = "group-"


def cron_trigger(schedule: Schedule) -> Any:
    """The APScheduler trigger for a schedule: its local time on its days, in its timezone (DST-aware).

    Groups with the same time, days and timezone share one trigger (a trigger keeps no state between
    fire times): 10,000 groups mostly posting at a few popular times hold a few hundred triggers.
    """
    return _trigger(
        tuple(sorted(schedule.days)), schedule.post_time.hour, schedule.post_time.minute, schedule.timezone
    )


@functools.lru_cache(maxsize=4096)
def _trigger(days: tuple[int, ...], hour: int, minute: int, timezone: str) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(
        day_of_week=",".join(WEEKDAYS[d] for d in days) or "*",
        hour=hour,
        minute=minute,
        timezone=zone(timezone),
    )


class Scheduler:
    """Runs the wake-ups inside the current asyncio loop.

    `schedules` lists (group id, schedule) for the groups this process posts to, read once at the
    start; `wake` posts a group's due slot; `sweep` does everything due and may return when to sweep
    again, if sooner than the regular interval. Changes are applied one group at a time: `refresh(id)`
    when this process changed a group (`schedule_of` reads it), `sync(schedules)` with what the sweep
    just read (changes made by another instance) — only the jobs whose schedule differs are touched.
    """

    def __init__(
        self,
        *,
        schedules: Callable[[], list[tuple[int, Schedule]]],
        wake: Callable[[int], Awaitable[None]],
        sweep: Callable[[], Awaitable[datetime | None]],
        grace: timedelta,
        schedule_of: Callable[[int], Schedule | None] | None = None,
        swept: Callable[[], dict[int, Schedule] | None] | None = None,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._schedules = schedules
        self._schedule_of = schedule_of
        self._swept = swept
        self._wake = wake
        self._sweep = sweep
        self._grace = grace
        self._sweep_seconds = sweep_seconds
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._known: dict[int, Schedule] = {}

    @property
    def jobs(self) -> dict[str, Any]:
        """The scheduled jobs by id (`sweep`, `group-<id>`)."""
        return {job.id: job for job in self._scheduler.get_jobs()}

    def start(self) -> None:
        self._scheduler.add_job(
            self._sweep_and_sync,
            "interval",
            seconds=self._sweep_seconds,
            id=SWEEP_JOB,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
        self.rebuild()
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def rebuild(self) -> None:
        """Read every group's schedule and make the cron jobs match (at the start)."""
        self.sync(dict(self._schedules()))

    def sync(self, current: dict[int, Schedule]) -> None:
        """Make the cron jobs match `current` (group id → schedule of every group this scheduler
        wakes): add, replace or remove only the jobs whose schedule differs."""
        for group_id in set(self._known) - set(current):
            self._set(group_id, None)
        changed = 0
        for group_id, schedule in current.items():
            if self._known.get(group_id) != schedule:
                self._set(group_id, schedule)
                changed += 1
        if changed:
            log.debug("scheduler: %d group jobs, %d changed", len(self._known), changed)

    def refresh(self, group_id: int) -> None:
        """Apply one group's current schedule (or its removal, pause or move to another platform)."""
        if self._schedule_of is None:
            self.rebuild()
            return
        schedule = self._schedule_of(group_id)
        if self._known.get(group_id) != schedule:
            self._set(group_id, schedule)

    def _set(self, group_id: int, schedule: Schedule | None) -> None:
        """Add, replace (None: remove) the group's cron job."""
        job_id = f"{GROUP_JOB_PREFIX}{group_id}"
        if schedule is None:
            if self._known.pop(group_id, None) is not None:
                self._scheduler.remove_job(job_id)
            return
        self._scheduler.add_job(
            self._wake,
            cron_trigger(schedule),
            args=[group_id],
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(self._grace.total_seconds()) or None,
        )
        self._known[group_id] = schedule

    async def _sweep_and_sync(self) -> None:
        again = await self._sweep()
        # Changes another instance made show in what the sweep read: applied group by group.
        seen = self._swept() if self._swept is not None else None
        if seen is not None:
            try:
                self.sync(seen)
            except Exception:
                log.exception("could not update the schedule jobs")
        if again is not None:
            self.sweep_by(again)

    def sweep_by(self, moment: datetime) -> None:
        """Make the next sweep come no later than `moment` (the regular interval goes on from it)."""
        job = self._scheduler.get_job(SWEEP_JOB)
        upcoming = getattr(job, "next_run_time", None)  # None: not scheduled (stopped)
        if job is None or upcoming is None:
            return
        moment = max(moment, datetime.now(UTC) + EARLY_SWEEP_GAP)
        if moment < upcoming:
            job.modify(next_run_time=moment)
            log.debug("scheduler: next sweep at %s", moment.isoformat(timespec="seconds"))
