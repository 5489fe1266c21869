"""Messages that must go out once although several instances may try: claimed as posting slots.

A recap or a notice is claimed like a daily post — a row for (group, slot) — with a lease. The
claimer sends and marks it done; a failed send is retried after a back-off; a sender that died is
replaced once its lease ends.
"""

from __future__ import annotations

from datetime import date

from bot.services.core import POSTING_LEASE, Core
from bot.services.domain import Posting, PostingStatus


def claim_once(core: Core, group_id: int, slot: str, local_date: date) -> Posting | None:
    """This instance's claim on the slot: new, or taken over from a failed or dead sender; else None."""
    now = core.clock.now()
    lease = now + POSTING_LEASE
    me = core.config.instance_id
    with core.uow() as uow:
        claimed = uow.postings.claim_slot(
            Posting(0, group_id, slot, local_date, None, PostingStatus.SENDING, now, me, lease)
        )
        if claimed is None:
            existing = uow.postings.by_slot(group_id, slot)
            if existing is None or not uow.postings.take_over(existing.id, me, now, lease):
                return None
            claimed = existing
            claimed.owner, claimed.lease_until, claimed.status = me, lease, PostingStatus.SENDING
        uow.commit()
    return claimed


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
