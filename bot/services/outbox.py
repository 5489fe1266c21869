"""Messages that must go out once although several instances may try: claimed as posting slots.

A recap or a notice is claimed like a daily post — a row for (group, slot) — with a lease. The
claimer sends and marks it done; a failed send is retried after a back-off; a sender that died is
replaced once its lease ends, or at once when instances report that it is no longer alive.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from bot.ports import UnitOfWork
from bot.services.core import POSTING_LEASE, Core
from bot.services.domain import Posting, PostingStatus


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
            if existing is None or not take_over(core, uow, existing, now, core.alive(now)):
                return None
            claimed = existing
        uow.commit()
    return claimed


def take_over(
    core: Core, uow: UnitOfWork, posting: Posting, now: datetime, alive: Mapping[str, datetime] | None
) -> bool:
    """Make this instance the sender of an unfinished posting that is free (`Posting.free_at`).

    On success `posting` carries the new owner, lease and status; the caller commits `uow`.
    """
    if posting.free_at(alive) > now:
        return False
    # A posting whose lease still runs is taken only from its sender, and only if that one is dead.
    gone = posting.owner if posting.lease_until > now else None
    lease = now + POSTING_LEASE
    if not uow.postings.take_over(posting.id, core.config.instance_id, now, lease, gone=gone):
        return False
    posting.owner, posting.lease_until, posting.status = core.config.instance_id, lease, PostingStatus.SENDING
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
