"""Telling admins ahead of time that their group's queue is about to run dry.

A group runs dry within N days (ATOU_QUEUE_WARNING_DAYS) when its schedule has more posts in the
next N days than articles are left for it (an empty queue is told when a post finds nothing). Its admins are told once per such stretch: the group is
marked when told, and unmarked only once the queue holds enough again, so a queue that stays short
(an article added a day, one posted a day) is not announced daily. The notice is claimed like a
post (`outbox.claim_once`), so it goes out once across instances, and a failed send is tried again
at a later sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from bot.scheduling.due import slots_between
from bot.scheduling.schedule import Schedule
from bot.services import groups, messages, outbox
from bot.services.core import Core
from bot.services.domain import Group, queue_warning_slot

log = logging.getLogger(__name__)


# The post dates of a schedule within a window: computed once per sweep for all the groups that share
# that schedule (most keep the default one), not once per group.
SlotDates = dict[tuple[Schedule, datetime], tuple[date, ...]]


def runs_dry_on(group: Group, left: int, now: datetime, days: int, known: SlotDates | None = None) -> date | None:
    """The local date of the group's first post within `days` days that would find no article left."""
    start = max(now, group.schedule_since) + timedelta(microseconds=1)
    key = (group.schedule, start)
    dates = None if known is None else known.get(key)
    if dates is None:
        dates = tuple(s.local_date for s in slots_between(group.schedule, start, now + timedelta(days=days)))
        if known is not None:
            known[key] = dates
    return dates[left] if len(dates) > left else None


async def warn_running_dry(core: Core, mine: Sequence[Group], queued: int, had: Mapping[int, int]) -> None:
    """Tell the admins of every active group in `mine` whose queue runs dry soon, if not told yet.

    `queued`: articles in the queue; `had`: per group id, how many of them the group has had.
    """
    days = core.config.queue_warning_days
    if days <= 0:
        return
    now = core.clock.now()
    known: SlotDates = {}
    for group in mine:
        left = queued - had.get(group.id, 0)
        if not group.active or left <= 0:
            continue  # an empty queue is told when a post finds nothing (`Poster`)
        # A schedule posts at most once a day (twice within a day across a DST change), so more
        # articles than days + 1 cannot run out within the window: no slots to compute.
        dry = None if left > days + 1 else runs_dry_on(group, left, now, days, known)
        if dry is None:
            if group.queue_warned:
                groups.change(core, group.id, _unwarn)
        elif not group.queue_warned:
            await _warn(core, group, left, dry, queue_warning_slot(had.get(group.id, 0), queued))


async def _warn(core: Core, group: Group, left: int, dry: date, slot: str) -> None:
    notice = outbox.claim_once(core, group.id, slot, group.schedule.local_date(core.clock.now()))
    if notice is None:
        return  # being sent by another instance, or waiting for its retry
    try:
        await core.send(group.chat, messages.queue_running_dry_doc(group.lang, left, dry))
    except Exception as exc:
        log.exception("group %s: could not say that the queue runs dry; will try again", group.key)
        outbox.fail(core, notice, f"{type(exc).__name__}: {exc}")
        return
    notice.finish(core.clock.now())
    # Marked in the transaction that records the notice as sent: a crash in between cannot leave a
    # sent notice whose group is not marked (it would be claimed in vain at every sweep).
    with core.uow() as uow:
        uow.postings.save(notice)
        stored = uow.groups.get(group.id)
        if stored is not None:
            stored.queue_warned = True
            uow.groups.save(stored)
        uow.commit()
    log.info("group %s: told the admins that the queue runs dry on %s (%d left)", group.key, dry, left)


def _unwarn(group: Group) -> None:
    group.queue_warned = False
