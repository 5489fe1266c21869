"""APScheduler wake-ups: one cron job per group in its own timezone, plus a sweep every minute.

The jobs only wake the engine; what is due is decided by `bot.scheduling.due` against the database,
so a job that fires twice, late, or on a skip date does no harm. The sweep catches everything a cron
job cannot: posts missed while the process was down (made up within the grace window), postings to
resume or retry, discussions to close. A sweep that knows something becomes due before the next
minute (a dead instance's posting is free to take over) says when, and the next sweep comes then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.scheduling.schedule import WEEKDAYS, Schedule

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
# An early sweep comes at least this long after the one that asked for it (which must end first).
EARLY_SWEEP_GAP = timedelta(seconds=1)
SWEEP_JOB = "sweep"
GROUP_JOB_PREFIX = "group-"


def cron_trigger(schedule: Schedule) -> Any:
    """The APScheduler trigger for a schedule: its local time on its days, in its timezone (DST-aware)."""
    from apscheduler.triggers.cron import CronTrigger

    days = ",".join(WEEKDAYS[d] for d in sorted(schedule.days)) or "*"
    return CronTrigger(
        day_of_week=days,
        hour=schedule.post_time.hour,
        minute=schedule.post_time.minute,
        timezone=schedule.zone,
    )


class Scheduler:
    """Runs the wake-ups inside the current asyncio loop.

    `schedules` lists (group id, schedule) for the groups this process posts to; `wake` posts a
    group's due slot; `sweep` does everything due and may return when to sweep again, if sooner than
    the regular interval. `rebuild()` re-reads the schedules (call it when one changes; the sweep
    also rebuilds when it sees a change made by another instance).
    """

    def __init__(
        self,
        *,
        schedules: Callable[[], list[tuple[int, Schedule]]],
        wake: Callable[[int], Awaitable[None]],
        sweep: Callable[[], Awaitable[datetime | None]],
        grace: timedelta,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._schedules = schedules
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
            self._sweep_and_rebuild,
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
        """Make the cron jobs match the groups' schedules: add, replace, remove."""
        current = dict(self._schedules())
        for group_id in set(self._known) - set(current):
            self._scheduler.remove_job(f"{GROUP_JOB_PREFIX}{group_id}")
        for group_id, schedule in current.items():
            if self._known.get(group_id) == schedule:
                continue
            self._scheduler.add_job(
                self._wake,
                cron_trigger(schedule),
                args=[group_id],
                id=f"{GROUP_JOB_PREFIX}{group_id}",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(self._grace.total_seconds()) or None,
            )
        self._known = current
        log.debug("scheduler: %d group jobs", len(current))

    async def _sweep_and_rebuild(self) -> None:
        try:
            self.rebuild()
        except Exception:
            log.exception("could not rebuild the schedule jobs")
        again = await self._sweep()
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
