"""Offering new drafts to the editors: a notice in each group when a draft is ready for review.

A draft may be stored by another process (`atou draft`), by the feed poller or by a redraft; the
sweep of each platform's leader notices the drafts its groups have not been told about. Each notice
is claimed like a post (`outbox.claim_once`, one slot per draft), so it goes out once per group and
draft across instances and restarts, and a failed send is tried again at a later sweep. The notice
carries a "Review" button; pressing it shows the drafts with their Approve / Reject / Redraft
buttons privately (ephemerally on Discord), after the usual admin check.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.services import messages, outbox
from bot.services.core import Core
from bot.services.domain import Group, draft_offer_slot

log = logging.getLogger(__name__)


class DraftOffers:
    """Remembers which (group, draft) offers this process saw settled, so that later sweeps skip them
    without asking the database again."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._settled: set[tuple[int, str]] = set()

    async def offer(self, mine: Sequence[Group]) -> None:
        """Tell every active group in `mine` about each draft waiting for review it was not told of."""
        if self.core.drafts is None:
            return
        pending = self.core.drafts.pending()
        if not pending:
            return
        for group in mine:
            if not group.active:
                continue
            fresh = [(did, title) for did, title in pending if (group.id, did) not in self._settled]
            if not fresh:
                continue
            with self.core.uow() as uow:
                taken = uow.postings.taken_slots(group.id, [draft_offer_slot(did) for did, _t in fresh])
            for did, title in fresh:
                if draft_offer_slot(did) in taken:
                    self._settled.add((group.id, did))
                else:
                    await self._offer_one(group, did, title)

    async def _offer_one(self, group: Group, draft_id: str, title: str) -> None:
        now = self.core.clock.now()
        notice = outbox.claim_once(self.core, group.id, draft_offer_slot(draft_id), group.schedule.local_date(now))
        if notice is None:
            return  # being sent by another instance, or waiting for its retry
        try:
            await self.core.send(group.chat, messages.draft_offer_doc(group.lang, title))
        except Exception as exc:
            log.exception("group %s: could not offer draft %s; will try again", group.key, draft_id)
            outbox.fail(self.core, notice, f"{type(exc).__name__}: {exc}")
            return
        outbox.finish(self.core, notice)
        self._settled.add((group.id, draft_id))
        log.info("group %s: offered draft %s to its admins", group.key, draft_id)
