"""Every group at a glance, for the operator: schedule, state, last and next post, articles left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.scheduling.schedule import Schedule
from bot.services.core import Core
from bot.services.domain import Group
from bot.services.posting import next_post_at


@dataclass(frozen=True, slots=True)
class LastPost:
    article_id: str
    at: datetime  # when its last message went out


@dataclass(frozen=True, slots=True)
class GroupOverview:
    """One group as `atou groups` shows it. `next_post`: None while paused or on a schedule that
    never posts; `queued`: articles of the queue the group has not had yet."""

    group: Group
    last_post: LastPost | None
    next_post: datetime | None
    queued: int


def overview(core: Core) -> list[GroupOverview]:
    """Every group, oldest first, in a few queries whatever the number of groups."""
    queue = core.articles.queue_ids()  # read before the transaction: one connection at a time
    now = core.clock.now()
    with core.uow() as uow:
        every = uow.groups.list()
        had = uow.postings.progress_counts(queue)
        last = uow.postings.last_posts()
    # Most groups share a schedule (the default one): its next post is computed once for them all.
    upcoming: dict[tuple[Schedule, datetime], datetime | None] = {}

    def next_post(g: Group) -> datetime | None:
        key = (g.schedule, max(now, g.schedule_since))
        if key not in upcoming:
            upcoming[key] = next_post_at(g, now)
        return upcoming[key]

    return [
        GroupOverview(
            group=g,
            last_post=LastPost(*last[g.id]) if g.id in last else None,
            next_post=next_post(g) if g.active else None,
            queued=len(queue) - had.get(g.id, 0),
        )
        for g in every
    ]


def find_group(core: Core, ref: str) -> Group | None:
    """The group an operator names: by its number (`atou groups` lists them) or its chat key
    (`telegram:-100123`, `discord:42/77` for a thread)."""
    ref = ref.strip()
    with core.uow() as uow:
        if ref.isdigit():
            return uow.groups.get(int(ref))
        platform, colon, chat = ref.partition(":")
        if not colon or not chat:
            return None
        chat_id, _, thread_id = chat.partition("/")
        return uow.groups.by_chat(platform, chat_id, thread_id or None)

