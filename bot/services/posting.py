"""Posting: claim a group's slot, send the brief and its prompts message by message, resume, retry.

Exactly one posting per group and slot: the slot (the group's local date) is claimed by a row in
the database inside a transaction, so restarts, double-fired wake-ups and several instances never
post twice. Each sent message is recorded as soon as the platform confirms it, so a posting that
was cut short resumes at its first unsent message (a message the platform took just before a crash,
but whose id was not stored yet, is the one that can go out twice).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.model import Article
from bot.observability import metrics
from bot.ports import UnitOfWork
from bot.protocol import ChatGone, ChatMoved, ChatRef, ThreadGone
from bot.render.document import Document
from bot.render.views import brief_document, prompt_documents
from bot.scheduling.due import Slot, next_slot, plan, recent_slots
from bot.scheduling.schedule import Schedule
from bot.services import groups, messages, outbox
from bot.services.core import POSTING_LEASE, Core
from bot.services.discussions import Discussions
from bot.services.domain import (
    BRIEF_STEP,
    NO_THREAD,
    Discussion,
    Group,
    Located,
    Posting,
    PostingStatus,
    empty_queue_slot,
    prompt_of_step,
)
from bot.services.draft_offers import DraftOffers
from bot.services.queue_warnings import warn_running_dry

log = logging.getLogger(__name__)

# A chat that reports a new id again and again is not followed forever.
MAX_MOVES = 3
# Groups are posted side by side, each group's own slots in order: the adapters pace their sends to the
# platform's limits, so a fan-out goes at the platform's rate rather than one message per round trip.
POSTING_CONCURRENCY = 16


class Outcome(StrEnum):
    POSTED = "posted"  # the posting was claimed here and sent (or is being retried)
    TAKEN = "taken"  # the slot or the article was claimed already
    EMPTY = "empty"  # nothing left in the queue for the group
    PAUSED = "paused"
    UNKNOWN = "unknown"  # no such group


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    article: Article | None = None


class Poster:
    def __init__(self, core: Core, discussions: Discussions) -> None:
        self.core = core
        self.discussions = discussions
        self.draft_offers = DraftOffers(core)
        # The groups whose queue length this process exports, by the platform swept.
        self._queue_keys: dict[str, set[str]] = {}
        # What the last sweep of each platform read: the schedules of its active groups, by group id
        # (the scheduler applies changes another instance made from it, without reading them again).
        self.swept: dict[str | None, dict[int, Schedule]] = {}

    # Waking up ------------------------------------------------------------------------------

    async def sweep(self, platform: str | None = None) -> datetime | None:
        """Everything due at this moment for the groups of `platform` (None: of every platform that
        runs in this process): due and missed slots, postings to resume or retry, discussions to
        close, recaps to send. Each platform is swept by the instance that leads it.

        One short read decides it all; the sends follow, each failure logged and tried again on the
        next sweep so that one group or step never holds up the others. Returns when a posting held
        by another sender (or waiting for a retry) becomes free, if one will: sweep again then.
        """
        now = self.core.clock.now()
        cutoff = now - timedelta(days=self.core.config.discussion_days)
        alive = self.core.alive(now)
        queue = self.core.articles.queue_ids()  # read before the transaction: one connection at a time
        with self.core.uow() as uow:
            mine = [g for g in uow.groups.list() if covers(self.core, g, platform)]
            recent: dict[Schedule, list[Slot]] = {}  # groups sharing a schedule share its slots
            due = [(g.id, slot) for g in mine if g.active for slot in self._plan(uow, g, now, recent)]
            ids = {g.id for g in mine}
            active = {g.id for g in mine if g.active}
            self.swept[platform] = {g.id: g.schedule for g in mine if g.active}
            held = [p for p in uow.postings.unfinished() if p.is_article and p.group_id in active]
            had = uow.postings.progress_counts(queue)
            expired = [d for d in uow.discussions.expired(cutoff) if d.group_id in ids]
            recaps = [d for d in uow.discussions.recaps_due() if d.group_id in ids]
            uow.commit()
        self._report_queues(platform or "", mine, len(queue), had)
        free = [p for p in held if p.free_at(alive) <= now]
        free_later = min((at for p in held if (at := p.free_at(alive)) > now), default=None)
        by_group: dict[int, list[Slot]] = {}
        for group_id, slot in due:
            by_group.setdefault(group_id, []).append(slot)
        gate = asyncio.Semaphore(POSTING_CONCURRENCY)
        await asyncio.gather(*(self._post_group(gid, slots, gate) for gid, slots in by_group.items()))
        if free:
            await _logged(self.resume(free), "resuming postings")
        if expired:
            await _logged(self.discussions.close(expired), "closing expired discussions")
        if recaps:
            await _logged(self.discussions.send_recaps(recaps), "sending recaps")
        await _logged(warn_running_dry(self.core, mine, len(queue), had), "warning of queues running dry")
        await _logged(self.draft_offers.offer(mine), "offering new drafts")
        return free_later

    async def _post_group(self, group_id: int, slots: list[Slot], gate: asyncio.Semaphore) -> None:
        async with gate:
            for slot in slots:
                await _logged(self.post(group_id, slot.key, slot.local_date), f"posting to group {group_id}")

    def _report_queues(self, scope: str, mine: list[Group], queued: int, had: dict[int, int]) -> None:
        """Export each group's waiting articles; a group the bot left (or that moved) stops being exported.

        `scope`: the platform swept (each platform's sweep reports its own groups).
        """
        shown = {g.key: queued - had.get(g.id, 0) for g in mine if g.paused_reason != groups.REMOVED}
        for key in self._queue_keys.get(scope, set()) - shown.keys():
            metrics.forget_group(key)
        for key, waiting in shown.items():
            metrics.set_queue_length(key, waiting)
        self._queue_keys[scope] = set(shown)

    async def wake(self, group_id: int) -> None:
        """A group's post time came (its cron job fired): post its due slot, if any."""
        now = self.core.clock.now()
        with self.core.uow() as uow:
            group = uow.groups.get(group_id)
            if group is None or not group.active or group.platform not in self.core.platforms:
                return
            due = self._plan(uow, group, now)
            uow.commit()
        for slot in due:
            await self.post(group_id, slot.key, slot.local_date)

    def _plan(
        self, uow: UnitOfWork, group: Group, now: datetime, recent: dict[Schedule, list[Slot]] | None = None
    ) -> list[Slot]:
        """The group's due slots not yet claimed; records the slots whose grace window has passed.

        `recent`: the recent slots of each schedule met in this sweep, filled as it goes.
        """
        slots = None
        if recent is not None:
            slots = recent.get(group.schedule)
            if slots is None:
                slots = recent[group.schedule] = recent_slots(group.schedule, now)
        todo = plan(
            group.schedule, now=now, grace=self.core.config.grace, since=group.schedule_since, recent=slots
        )
        if not todo.due and not todo.missed:
            return []
        taken = uow.postings.taken_slots(group.id, [s.key for s in todo.due + todo.missed])
        for slot in todo.missed:
            if slot.key not in taken:
                uow.postings.record_missed(group.id, slot.key, slot.local_date, now, "not posted in time")
        return [slot for slot in todo.due if slot.key not in taken]

    # Claiming --------------------------------------------------------------------------------

    def next_article_id(self, group_id: int, queue: list[str] | None = None) -> str | None:
        """The first article of the editorial queue the group has not had."""
        queue = self.core.articles.queue_ids() if queue is None else queue
        with self.core.uow() as uow:
            done = uow.postings.progress(group_id)
        return next((a for a in queue if a not in done), None)

    async def post(self, group_id: int, slot: str, local_date: date, *, forced: bool = False) -> Result:
        """Claim `slot` for the group with its next article and send it.

        `forced` (post now) posts in a paused group too.
        """
        queue = self.core.articles.queue_ids()  # read before the transaction: one connection at a time
        now = self.core.clock.now()
        with self.core.uow() as uow:
            group = uow.groups.get(group_id)
            if group is None:
                return Result(Outcome.UNKNOWN)
            if not group.active and not forced:
                return Result(Outcome.PAUSED)
            done = uow.postings.progress(group_id)
            article_id = next((a for a in queue if a not in done), None)
            previous: list[Discussion] = []
            if article_id is not None:
                previous = uow.discussions.open_for_group(group_id)
                claimed = uow.postings.claim(
                    Posting(
                        id=0,
                        group_id=group_id,
                        slot=slot,
                        local_date=local_date,
                        article_id=article_id,
                        status=PostingStatus.SENDING,
                        claimed_at=now,
                        owner=self.core.config.instance_id,
                        lease_until=now + POSTING_LEASE,
                    ),
                    Discussion(
                        id=0, article_id=article_id, group_id=group_id, posting_id=None, opened_at=now
                    ),
                )
                if claimed is None:
                    return Result(Outcome.TAKEN)
                posting, discussion = claimed
                # The group's next article closes the discussion of the one before.
                for old in previous:
                    old.close(now)
                    uow.discussions.save(old)
                group.empty_notified = False
                uow.groups.save(group)
            uow.commit()
        if article_id is None:
            await self._tell_empty(group_id)
            return Result(Outcome.EMPTY)
        log.info("group %s: posting %s for %s", group.key, article_id, slot)
        await self.discussions.send_recaps(previous)
        article = self.core.articles.get(posting.article_id or "")
        if article is None:  # deleted between reading the queue and now: try again next tick
            outbox.fail(self.core, posting, "the article is no longer stored")
            return Result(Outcome.POSTED)
        await self._send(posting, discussion, article)
        return Result(Outcome.POSTED, article)

    async def post_now(self, group_id: int) -> Result:
        """Post the group's next article at once: as today's post if today has none yet, else extra."""
        with self.core.uow() as uow:
            group = uow.groups.get(group_id)
            if group is None:
                return Result(Outcome.UNKNOWN)
            today = group.schedule.local_date(self.core.clock.now())
            base = today.isoformat()
            candidates = [base] + [f"{base}#{n}" for n in range(2, 50)]
            taken = uow.postings.taken_slots(group_id, candidates)
        for slot in candidates:
            if slot in taken:
                continue
            result = await self.post(group_id, slot, today, forced=True)
            if result.outcome is not Outcome.TAKEN:
                return result
            taken.add(slot)  # claimed meanwhile by another request: take the next free one
        return Result(Outcome.TAKEN)

    async def _tell_empty(self, group_id: int) -> None:
        """Tell the group's admins once per empty stretch that nothing could be posted."""
        with self.core.uow() as uow:
            group = uow.groups.get(group_id)
            done = len(uow.postings.progress(group_id))
        if group is None or group.empty_notified:
            return
        notice = outbox.claim_once(
            self.core, group_id, empty_queue_slot(done), group.schedule.local_date(self.core.clock.now())
        )
        if notice is None:
            return  # another instance tells them
        try:
            await self.core.send(group.chat, messages.empty_queue_doc(group.lang))
        except Exception as exc:
            log.exception("group %s: could not say that the queue is empty; will try again", group.key)
            outbox.fail(self.core, notice, f"{type(exc).__name__}: {exc}")
            return
        outbox.finish(self.core, notice)
        groups.change(self.core, group_id, _mark_empty_notice)
        log.warning("group %s: the queue is empty, nothing posted", group.key)

    # Resuming ------------------------------------------------------------------------------

    async def resume(self, candidates: list[Posting]) -> None:
        """Take over postings whose sender died or whose retry is due, and finish them."""
        for posting in candidates:
            # Who is alive is asked anew for each: the sends before it may have taken a while.
            now = self.core.clock.now()
            with self.core.uow() as uow:
                won = outbox.take_over(self.core, uow.postings, posting, now, self.core.alive(now))
                uow.commit()
                current = uow.postings.get(posting.id) if won else None
                discussion = uow.discussions.for_posting(posting.id) if won else None
            if current is None or discussion is None or current.article_id is None:
                continue
            article = self.core.articles.get(current.article_id)
            if article is None:
                outbox.fail(self.core, current, "the article is no longer stored")
                continue
            log.info(
                "resuming posting %d of %s (%d steps sent)", current.id, current.article_id, len(current.sent)
            )
            await self._send(current, discussion, article)

    # Sending ---------------------------------------------------------------------------------

    def _documents(self, group: Group, article: Article) -> list[Document]:
        lang = messages.lang_of(group.lang)
        page_url = self.core.page_link(group.key, article.id)
        brief = brief_document(article, lang=lang, personas=group.personas, page_url=page_url)
        return [brief, *prompt_documents(article, lang=lang)]

    async def _send(self, posting: Posting, discussion: Discussion, article: Article) -> None:
        """Send every step not sent yet; on a platform error, react to it and leave the rest for later."""
        with self.core.uow() as uow:
            group = uow.groups.get(posting.group_id)
        if group is None:
            return
        docs = self._documents(group, article)
        step: int | None = None
        try:
            while (step := posting.next_step(len(docs))) is not None:
                if step > BRIEF_STEP and group.forum and posting.thread_id is None:
                    await self._open_thread(group, posting, discussion, article)
                target = (
                    ChatRef(group.platform, group.chat_id, posting.thread_id)
                    if posting.thread_id
                    else group.chat
                )
                ids, group = await self._deliver(group, posting, target, docs[step])
                self._record(posting, discussion, step, ids)
        except ChatGone as exc:
            groups.pause(self.core, group.id, f"cannot post here ({exc})")
            outbox.fail(self.core, posting, f"chat gone: {exc}")
            return
        except Exception as exc:
            log.exception("posting %d to %s failed at step %s; retried later", posting.id, group.key, step)
            outbox.fail(self.core, posting, f"{type(exc).__name__}: {exc}")
            return
        outbox.finish(self.core, posting)
        metrics.record_post_sent(group.platform)

    async def _open_thread(
        self, group: Group, posting: Posting, discussion: Discussion, article: Article
    ) -> None:
        brief_ids = posting.sent.get(BRIEF_STEP, ())
        opened = await self.core.platform(group.chat).open_thread(
            group.chat, article.title[:100], brief_ids[0] if brief_ids else None
        )
        posting.thread_id = opened.thread_id if opened is not None and opened.thread_id else NO_THREAD
        discussion.thread_id = posting.thread_id or None
        with self.core.uow() as uow:
            uow.postings.save(posting)
            uow.discussions.save(discussion)
            uow.commit()

    async def _deliver(
        self, group: Group, posting: Posting, target: ChatRef, doc: Document
    ) -> tuple[list[str], Group]:
        """Send one step, following a moved chat and falling back from a vanished thread."""
        for _ in range(MAX_MOVES):
            try:
                return await self.core.send(target, doc), group
            except ChatMoved as moved:
                group = groups.move_chat(self.core, group.id, moved.new_chat_id) or group
                target = ChatRef(target.platform, moved.new_chat_id, target.thread_id)
            except ThreadGone:
                if target.thread_id is None:
                    raise
                if target.thread_id == posting.thread_id:
                    posting.thread_id = NO_THREAD
                    outbox.save(self.core, posting)
                else:
                    group = groups.fall_back_to_main_chat(self.core, group.id) or group
                target = target.main()
                log.warning("group %s: thread gone, posting in the main chat", group.key)
                await self.core.send(target, messages.thread_gone_doc(group.lang))
        raise ChatGone(f"the chat kept moving ({MAX_MOVES} times)")

    def _record(self, posting: Posting, discussion: Discussion, step: int, ids: list[str]) -> None:
        now = self.core.clock.now()
        posting.sent[step] = tuple(ids)
        posting.lease_until = now + POSTING_LEASE
        with self.core.uow() as uow:
            uow.postings.record_sent(posting, step, ids, discussion.id, posting.lease_until)
            uow.commit()
        where = Located(discussion.id, prompt_of_step(step))
        for message_id in ids:
            self.core.index.put(posting.group_id, message_id, where)


def covers(core: Core, group: Group, platform: str | None) -> bool:
    """Whether work for `platform` (None: for every platform of this process) concerns the group."""
    return group.platform == platform if platform is not None else group.platform in core.platforms


async def _logged(work: Awaitable[object], what: str) -> None:
    try:
        await work
    except Exception:
        log.exception("sweep: %s failed; trying again next sweep", what)


def _mark_empty_notice(group: Group) -> None:
    group.empty_notified = True


def next_post_at(group: Group, now: datetime) -> datetime | None:
    """When the group posts next on its schedule (None if it never does)."""
    slot = next_slot(group.schedule, max(now, group.schedule_since))
    return None if slot is None else slot.at
