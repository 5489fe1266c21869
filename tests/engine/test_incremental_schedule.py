"""Schedule changes reach the scheduler one group at a time: the changed group's job is added,
replaced or removed, and the other groups' jobs are left as they are (no rebuild of every job)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time
from typing import Any

import pytest

from bot.app import build_scheduler
from bot.protocol import BotAdded, ChatRef
from bot.scheduling.runner import Scheduler
from bot.scheduling.schedule import Schedule
from tests.engine.conftest import World, build_world, make_article
from tests.engine.fakes import utc

GROUPS = 5


@pytest.fixture
async def many() -> World:
    w = build_world(now=utc(2025, 3, 3), articles=[make_article("a1")])
    for n in range(GROUPS):
        await w.send(BotAdded(chat=ChatRef("fake", f"c{n}"), at=w.clock.now(), title=f"Group {n}"))
    return w


class Counted:
    """The APScheduler calls that add or remove a job, counted by job id."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.added: list[str] = []
        self.removed: list[str] = []
        inner = scheduler._scheduler
        add, remove = inner.add_job, inner.remove_job

        def add_job(*args: Any, **kwargs: Any) -> Any:
            self.added.append(kwargs["id"])
            return add(*args, **kwargs)

        def remove_job(job_id: str, *args: Any) -> Any:
            self.removed.append(job_id)
            return remove(job_id, *args)

        inner.add_job, inner.remove_job = add_job, remove_job

    def clear(self) -> None:
        self.added.clear()
        self.removed.clear()


@pytest.fixture
async def running(many: World) -> AsyncIterator[tuple[Scheduler, Counted]]:
    scheduler = build_scheduler(many.engine, "fake")
    many.core.schedule_listeners.append(scheduler.refresh)  # as `bot.app.lead` does
    counted = Counted(scheduler)
    scheduler.start()
    counted.clear()
    yield scheduler, counted
    scheduler.shutdown()


def group_id(w: World, chat_id: str) -> int:
    with w.store() as uow:
        found = uow.groups.by_chat("fake", chat_id, None)
        assert found is not None
        return found.id


async def test_a_new_schedule_replaces_that_groups_job_only(
    many: World, running: tuple[Scheduler, Counted]
) -> None:
    scheduler, counted = running
    others = {k: str(j.trigger) for k, j in scheduler.jobs.items() if k not in ("sweep", "group-1")}
    await many.command("/schedule 21:30 Europe/London", chat=ChatRef("fake", "c0"))
    assert counted.added == [f"group-{group_id(many, 'c0')}"] and counted.removed == []
    job = scheduler.jobs[f"group-{group_id(many, 'c0')}"]
    assert "hour='21'" in str(job.trigger) and str(job.trigger.timezone) == "Europe/London"
    assert {k: str(j.trigger) for k, j in scheduler.jobs.items() if k in others} == others


async def test_pausing_removes_the_job_and_resuming_brings_it_back(
    many: World, running: tuple[Scheduler, Counted]
) -> None:
    scheduler, counted = running
    gid = group_id(many, "c2")
    await many.command("/pause", chat=ChatRef("fake", "c2"))
    assert counted.removed == [f"group-{gid}"] and counted.added == []
    assert f"group-{gid}" not in scheduler.jobs and len(scheduler.jobs) == GROUPS  # the others and the sweep
    await many.command("/resume", chat=ChatRef("fake", "c2"))
    assert counted.added == [f"group-{gid}"]
    assert len(scheduler.jobs) == GROUPS + 1


async def test_a_change_that_keeps_the_schedule_touches_no_job(
    many: World, running: tuple[Scheduler, Counted]
) -> None:
    _, counted = running
    await many.command("/lang en", chat=ChatRef("fake", "c3"))
    await many.command("/persona Investing", chat=ChatRef("fake", "c3"))
    await many.engine.sweep("fake")
    assert counted.added == [] and counted.removed == []


async def test_a_change_made_by_another_instance_is_applied_after_the_next_sweep(
    many: World, running: tuple[Scheduler, Counted]
) -> None:
    scheduler, counted = running
    gid = group_id(many, "c4")
    with many.store() as uow:  # another instance answered /schedule in that group
        group = uow.groups.get(gid)
        assert group is not None
        group.reschedule(Schedule("Asia/Tokyo", time(6, 15)), many.clock.now())
        uow.groups.save(group)
        uow.commit()
    await scheduler._sweep_and_sync()
    assert counted.added == [f"group-{gid}"] and counted.removed == []
    assert str(scheduler.jobs[f"group-{gid}"].trigger.timezone) == "Asia/Tokyo"
    counted.clear()
    await scheduler._sweep_and_sync()  # nothing changed since: nothing touched
    assert counted.added == [] and counted.removed == []
