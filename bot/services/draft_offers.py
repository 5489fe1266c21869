"""Offering new drafts to the editors of each group, once per group and draft.

A draft may be stored by another process (`atou draft`), by the feed poller or by a redraft; the
sweep of each platform's leader notices the drafts its groups have not been offered. Each offer is
claimed like a post (`outbox.claim_once`, one slot per draft), so it goes out once per group and
draft across instances and restarts, and a failed send is tried again at a later sweep.

Where the platform lets the bot write privately (`PrivateChats`: Telegram), each admin of the group
who opened a private chat with the bot gets the draft with its Approve / Reject / Redraft buttons
there. Otherwise — Discord, where only an interaction can be answered ephemerally, or no admin can be
reached — the group gets one short notice with a "Review" button; pressing it shows the drafts to an
admin privately (ephemerally on Discord). Every press is checked against the group's admins.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.protocol import PrivateChats
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
            if not await self._offer_privately(group, draft_id, title):
                await self.core.send(group.chat, messages.draft_offer_doc(group.lang, title))
        except Exception as exc:
            log.exception("group %s: could not offer draft %s; will try again", group.key, draft_id)
            outbox.fail(self.core, notice, f"{type(exc).__name__}: {exc}")
            return
        outbox.finish(self.core, notice)
        self._settled.add((group.id, draft_id))
        log.info("group %s: offered draft %s to its admins", group.key, draft_id)

    async def _offer_privately(self, group: Group, draft_id: str, title: str) -> bool:
        """Send the draft to each admin of the group who can be written to privately; False if none could."""
        platform = self.core.platform(group.chat)
        if not isinstance(platform, PrivateChats) or self.core.drafts is None:
            return False
        source = self.core.drafts.source(draft_id) or ""
        doc = messages.draft_offer_private_doc(group.lang, group.title, draft_id, title, source, group.id)
        reached = 0
        for admin in await platform.chat_admins(group.chat):
            if await platform.send_privately(admin, doc):
                reached += 1
        return reached > 0
