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

from bot.ports import WaitingDraft
from bot.protocol import PrivateChats
from bot.services import messages, outbox
from bot.services.core import Core
from bot.services.domain import Group, draft_offer_slot

log = logging.getLogger(__name__)


class DraftOffers:
    """Remembers which (group, draft revision) offers this process saw settled, so that later sweeps
    skip them without asking the database again."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._settled: set[tuple[int, str]] = set()  # (group id, slot)

    async def offer(self, mine: Sequence[Group]) -> None:
        """Offer to every active group in `mine` each draft waiting for review it was not offered (a
        redrafted or replaced draft is a new revision, offered again)."""
        if self.core.drafts is None:
            return
        waiting = [(draft_offer_slot(d.id, d.revision), d) for d in self.core.drafts.waiting()]
        if not waiting:
            return
        for group in mine:
            if not group.active:
                continue
            fresh = [(slot, d) for slot, d in waiting if (group.id, slot) not in self._settled]
            if not fresh:
                continue
            with self.core.uow() as uow:
                taken = uow.postings.taken_slots(group.id, [slot for slot, _d in fresh])
            for slot, draft in fresh:
                if slot in taken:
                    self._settled.add((group.id, slot))
                else:
                    await self._offer_one(group, slot, draft)

    async def _offer_one(self, group: Group, slot: str, draft: WaitingDraft) -> None:
        now = self.core.clock.now()
        notice = outbox.claim_once(self.core, group.id, slot, group.schedule.local_date(now))
        if notice is None:
            return  # being sent by another instance, or waiting for its retry
        try:
            if not await self._offer_privately(group, draft):
                await self.core.send(group.chat, messages.draft_offer_doc(group.lang, draft.title))
        except Exception as exc:
            log.exception("group %s: could not offer draft %s; will try again", group.key, draft.id)
            outbox.fail(self.core, notice, f"{type(exc).__name__}: {exc}")
            return
        outbox.finish(self.core, notice)
        self._settled.add((group.id, slot))
        log.info("group %s: offered draft %s to its admins", group.key, draft.id)

    async def _offer_privately(self, group: Group, draft: WaitingDraft) -> bool:
        """Send the draft to each admin of the group who can be written to privately; False if none could."""
        platform = self.core.platform(group.chat)
        if not isinstance(platform, PrivateChats):
            return False
        doc = messages.draft_offer_private_doc(group.lang, group.title, draft.id, draft.title, draft.source, group.id)
        admins = await platform.chat_admins(group.chat)
        book = self.core.private_chats
        if book is not None:  # only those who opened a private chat: the others would be refused
            opened = book.opened(platform.name, [a.id for a in admins])
            admins = [a for a in admins if a.id in opened]
        reached = 0
        for admin in admins:
            if await platform.send_privately(admin, doc):
                reached += 1
            elif book is not None:
                book.close(platform.name, admin.id)  # they blocked the bot since
        return reached > 0
