"""Messages that must go out once although several instances may try: claimed as posting slots.

The lease machinery here (`take_over`) also serves the answer outbox (`bot.services.answers`). A recap or a notice is claimed like a daily post — a row for (group, slot) — with a lease. The
claimer sends and marks it done; a failed send is retried after a back-off; a sender that died is
replaced once its lease ends, or at once when instances report that it is no longer alive.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.services.core import POSTING_LEASE, Core
from bot.services.domain import Answer, Posting, PostingStatus


def claim_once(core: Core, group_id: int, slot: str, local_date: date) -> Posting | None:
    """This instance's claim on the slot: new, or taken over from a failed or dead sender; else None."""
    now = core.clock.now()
    me = core.config.instance_id
    with core.uow() as uow:
        claimed = uow.postings.claim_slot(
            Posting(0, group_id, slot, local_date, None, PostingStatus.SENDING, now, me, now + POSTING_LEASE)
        )
        if claimed is None:
            existing = uow.postings.by_slot(group_id, slot)
            if existing is None or not take_over(core, uow.postings, existing, now, core.alive(now)):
                return None
            claimed = existing
        uow.commit()
    return claimed


class Leases(Protocol):
    """A repository of leased rows (postings, answers) that an instance can take over."""

    def take_over(
        self, item_id: int, owner: str, now: datetime, lease_until: datetime, *, gone: str | None = None
    ) -> bool: ...


def take_over(
    core: Core,
    rows: Leases,
    item: Posting | Answer,
    now: datetime,
    alive: Mapping[str, datetime] | None,
    lease: timedelta = POSTING_LEASE,
) -> bool:
    """Make this instance the sender of an unfinished posting or answer that is free (`Leased.free_at`).

    `rows` is the unit of work's repository of such items. On success `item` carries the new owner,
    lease and status; the caller commits the unit of work.
    """
    if item.free_at(alive) > now:
        return False
    # An item whose lease still runs is taken only from its sender, and only if that one is dead.
    gone = item.owner if item.lease_until > now else None
    until = now + lease
    if not rows.take_over(item.id, core.config.instance_id, now, until, gone=gone):
        return False
    item.owner, item.lease_until, item.status = core.config.instance_id, until, PostingStatus.SENDING
    return True


def finish(core: Core, posting: Posting) -> None:
    posting.finish(core.clock.now())
    save(core, posting)


def fail(core: Core, posting: Posting, error: str) -> None:
    posting.fail(error, core.clock.now())
    save(core, posting)


def save(core: Core, posting: Posting) -> None:
    with core.uow() as uow:
        uow.postings.save(posting)
        uow.commit()
