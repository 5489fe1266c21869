"""Discussions: recording replies (edits, deletions), closing with a recap, forgetting, opting out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.anchors import shown_paragraph
from bot.archive.model import Archive
from bot.model import Article
from bot.observability import metrics
from bot.ports import UnitOfWorkFactory
from bot.protocol import ChatGone, DeleteEvent, EditEvent, MessageEvent
from bot.render.document import Para
from bot.services import anchoring, groups, messages, outbox, synthesis
from bot.services.core import Core
from bot.services.domain import Discussion, Located, NewReply, ReplyStat, author_key, recap_slot

log = logging.getLogger(__name__)

MAX_BATCH = 2000


class ReplyRecorder:
    """Stores replies with group commit: replies arriving together go into one transaction.

    `record` returns only once its reply is committed, so a reply acknowledged is a reply stored;
    under load, many replies share one commit instead of paying for one each.
    """

    def __init__(self, uow: UnitOfWorkFactory, *, max_batch: int = MAX_BATCH) -> None:
        self._uow = uow
        self._max_batch = max_batch
        self._pending: list[tuple[NewReply, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, reply: NewReply) -> bool:
        """Store one reply; False when its discussion has closed (nothing stored)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((reply, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        return await future

    async def _write_pending(self) -> None:
        # One turn of the loop lets replies handled concurrently with the first join its batch.
        await asyncio.sleep(0)
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                with self._uow() as uow:
                    stored = uow.discussions.add_replies([reply for reply, _ in batch])
                    uow.commit()
            except Exception as exc:  # every waiting handler learns its reply was not stored
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for (_, future), ok in zip(batch, stored, strict=True):
                    if not future.done():
                        future.set_result(ok)
            await asyncio.sleep(0)

    async def drain(self) -> None:
        """Wait until every reply handed in so far is written."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)


class Discussions:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.recorder = ReplyRecorder(core.uow)
        self._articles: dict[int, str] = {}  # discussion id → article id

    # Replies -------------------------------------------------------------------------------

    def locate(self, group_id: int, message_id: str) -> Located | None:
        index = self.core.index
        where = index.get(group_id, message_id)
        if where is None:
            with self.core.uow() as uow:
                where = uow.discussions.locate(group_id, message_id)
            if where is not None:
                index.put(group_id, message_id, where)
        return where

    def _thread_discussion(self, group_id: int, thread_id: str) -> Located | None:
        key = f"thread:{thread_id}"
        where = self.core.index.get(group_id, key)
        if where is None:
            with self.core.uow() as uow:
                found = uow.discussions.by_thread(group_id, thread_id)
            if found is None:
                return None
            where = Located(found.id, None)
            self.core.index.put(group_id, key, where)
        return where

    def article_of(self, discussion_id: int) -> Article | None:
        """The article a discussion is about (a discussion never changes its article)."""
        article_id = self._articles.get(discussion_id)
        if article_id is None:
            with self.core.uow() as uow:
                discussion = uow.discussions.get(discussion_id)
            if discussion is None:
                return None
            article_id = self._articles[discussion_id] = discussion.article_id
        return self.core.articles.get(article_id)

    def _paragraph_discussion(self, group_id: int, event: MessageEvent) -> Located | None:
        """The group's open discussion, for a reply to a message of the bot that shows a paragraph."""
        if event.reply_to_bot_text is None or shown_paragraph(event.reply_to_bot_text) is None:
            return None
        with self.core.uow() as uow:
            latest = uow.discussions.latest_for_group(group_id)
        return Located(latest.id, None) if latest is not None and latest.is_open else None

    async def on_message(self, event: MessageEvent) -> bool:
        """Record a member's message if it belongs to a discussion; True if it was stored.

        It belongs to one when it replies to a posted brief or prompt, or to a recorded reply (its
        prompt is the prompt of what it answers), or when it is written in the topic or thread the
        bot opened for an article, or when it replies to a paragraph the bot showed (/para) while
        the group's discussion is open. It is anchored to a paragraph as `anchoring` says.
        """
        if event.author.is_bot:
            return False
        found = groups.find_id(self.core, event.chat)
        if found is None:
            return False
        group_id, thread_id = found
        where = self.locate(group_id, event.reply_to) if event.reply_to else None
        if where is None and thread_id is not None:
            where = self._thread_discussion(group_id, thread_id)
        if where is None:
            where = self._paragraph_discussion(group_id, event)
        if where is None:
            return False
        paragraph = None
        if anchoring.may_anchor(event.text, event.quote, event.reply_to_bot_text):
            article = self.article_of(where.discussion_id)
            if article is not None:
                paragraph = anchoring.paragraph_of_reply(
                    article, event.text, quote=event.quote, reply_to_bot_text=event.reply_to_bot_text
                )
        reply = NewReply(
            discussion_id=where.discussion_id,
            group_id=group_id,
            author_key=author_key(event.chat.platform, event.author),
            author_name=event.author.display_name,
            text=event.text,
            at=event.at,
            prompt=where.prompt,
            message_id=event.message_id,
            reply_to=event.reply_to,
            paragraph=paragraph,
        )
        stored = await self.recorder.record(reply)
        if stored:
            self.core.index.put(group_id, event.message_id, where)
            metrics.record_reply(event.chat.platform)
        return stored

    def on_edit(self, event: EditEvent) -> bool:
        found = groups.find_id(self.core, event.chat)
        if found is None:
            return False
        # The article is read before the transaction: on SQLite every transaction takes the write lock.
        where = self.locate(found[0], event.message_id)
        article = self.article_of(where.discussion_id) if where is not None else None
        reanchor = anchoring.after_edit(article, event.text) if article is not None else None
        with self.core.uow() as uow:
            changed = uow.discussions.edit_reply(found[0], event.message_id, event.text, reanchor)
            uow.commit()
        return changed

    def on_delete(self, event: DeleteEvent) -> bool:
        found = groups.find_id(self.core, event.chat)
        if found is None:
            return False
        with self.core.uow() as uow:
            changed = uow.discussions.delete_reply(found[0], event.message_id)
            uow.commit()
        return changed

    # Closing ---------------------------------------------------------------------------------

    async def close_group(self, group_id: int) -> list[Discussion]:
        """Close the group's open discussions now and post their recaps (in a paused group too)."""
        with self.core.uow() as uow:
            open_now = uow.discussions.open_for_group(group_id)
        closed = self._close(open_now)
        await self.send_recaps(closed, even_if_paused=True)
        return closed

    async def close(self, discussions: Sequence[Discussion]) -> None:
        """Close discussions (open for longer than the configured days) and post their recaps."""
        await self.send_recaps(self._close(discussions))

    def _close(self, discussions: Sequence[Discussion]) -> list[Discussion]:
        now = self.core.clock.now()
        closed = []
        with self.core.uow() as uow:
            for candidate in discussions:
                discussion = uow.discussions.get(candidate.id)
                if discussion is not None and discussion.is_open:
                    discussion.close(now)
                    uow.discussions.save(discussion)
                    closed.append(discussion)
            uow.commit()
        return closed

    async def send_recaps(self, closed: Sequence[Discussion], *, even_if_paused: bool = False) -> None:
        """Post the recap of each closed discussion, once across instances; one not sent stays due.

        `even_if_paused`: an admin closed it by hand, so the recap goes out in a paused group too.
        """
        for discussion in closed:
            await self._send_recap(discussion, even_if_paused)

    async def _send_recap(self, discussion: Discussion, even_if_paused: bool) -> None:
        with self.core.uow() as uow:
            group = uow.groups.get(discussion.group_id)
            stats = uow.discussions.reply_stats(discussion.id)
            hidden = uow.discussions.opted_out()
        if group is None or group.platform not in self.core.platforms or not (group.active or even_if_paused):
            return  # sent by a later sweep of an instance that runs the platform, once the group is active
        claim = outbox.claim_once(
            self.core, group.id, recap_slot(discussion.id), group.schedule.local_date(self.core.clock.now())
        )
        if claim is None:
            return  # another instance is sending it
        article = self.core.articles.get(discussion.article_id)
        if article is None:
            log.warning(
                "no recap for discussion %d: article %s is gone", discussion.id, discussion.article_id
            )
        else:
            # The plain recap, at once; a model's synthesis comes after it, held for an admin's review.
            doc = messages.recap_doc(group.lang, article, stats, hidden)
            try:
                await self.core.send(group.chat, doc)
            except ChatGone as exc:
                groups.pause(self.core, group.id, f"cannot post here ({exc})")
                outbox.fail(self.core, claim, f"chat gone: {exc}")
                return
            except Exception as exc:
                log.exception("recap of discussion %d not sent; retried on a later sweep", discussion.id)
                outbox.fail(self.core, claim, f"{type(exc).__name__}: {exc}")
                return
        outbox.finish(self.core, claim)
        with self.core.uow() as uow:
            stored = uow.discussions.get(discussion.id)
            if stored is not None:
                stored.recap_sent = True
                uow.discussions.save(stored)
            uow.commit()
        if article is not None and await self._hold_synthesis(discussion.id, group.lang, article, stats, hidden):
            notice = messages.synthesis_notice_doc(group.lang, group.id, discussion.id)
            try:
                await self.core.send(group.chat, notice)
            except Exception as exc:  # the synthesis stays held: an admin's /catchup can still reach it
                log.warning("no review notice for discussion %d: %s: %s", discussion.id, type(exc).__name__, exc)

    async def draft_synthesis(self, discussion_id: int, lang: str) -> bool:
        """Have the model draft the discussion's synthesis now (an admin asked), held for review;
        False: no model, nothing to send, or it failed. An approved one is kept as it is."""
        with self.core.uow() as uow:
            discussion = uow.discussions.get(discussion_id)
            if discussion is None or discussion.synthesis_approved:
                return False
            stats = uow.discussions.reply_stats(discussion_id)
            hidden = uow.discussions.opted_out()
        article = self.core.articles.get(discussion.article_id)
        return article is not None and await self._hold_synthesis(discussion_id, lang, article, stats, hidden)

    async def _hold_synthesis(
        self, discussion_id: int, lang: str, article: Article, stats: Sequence[ReplyStat], hidden: frozenset[str]
    ) -> bool:
        """Draft the model's synthesis and keep it with the discussion for review; False: none."""
        model = self.core.model
        if model is None or not stats:
            return False
        answer = await synthesis.synthesize(model, lang, article, stats, hidden)
        if answer is None:
            return False
        self.set_synthesis(discussion_id, answer.model_dump_json())
        return True

    def set_synthesis(self, discussion_id: int, text: str | None, *, approved: bool = False) -> None:
        """Keep the discussion's synthesis (None: rejected, dropped) and whether an admin approved it."""
        with self.core.uow() as uow:
            stored = uow.discussions.get(discussion_id)
            if stored is not None:
                stored.synthesis = text
                stored.synthesis_approved = approved
                uow.discussions.save(stored)
            uow.commit()

    def synthesis_paras(self, discussion_id: int, lang: str) -> list[Para] | None:
        """The discussion's held or approved synthesis as paragraphs (marked as generated); None: none.

        Rendered afresh, so a member who opted out since it was drafted is not named."""
        with self.core.uow() as uow:
            discussion = uow.discussions.get(discussion_id)
            if discussion is None or discussion.synthesis is None:
                return None
            group = uow.groups.get(discussion.group_id)
            stats = uow.discussions.reply_stats(discussion_id)
            hidden = uow.discussions.opted_out()
        article = self.core.articles.get(discussion.article_id)
        if group is None or article is None:
            return None
        answer = synthesis.Synthesis.model_validate_json(discussion.synthesis)
        archive = self.core.archive_link(group.key, article.id)

        def link(reply: ReplyStat) -> str | None:
            return None if archive is None else f"{archive}#reply-{reply.id}"

        return synthesis.synthesis_paras(lang, article, answer, stats, hidden, link)

    # Members' data -----------------------------------------------------------------------------

    def forget(self, key: str) -> int:
        with self.core.uow() as uow:
            count = uow.discussions.forget(key)
            uow.commit()
        log.info("forgot %d replies of a member at their request", count)
        return count

    def opt_out(self, key: str, opted_out: bool) -> None:
        with self.core.uow() as uow:
            uow.discussions.set_opt_out(key, opted_out, self.core.clock.now())
            uow.commit()

    def archive(self, article_id: str, group_id: int | None = None) -> Archive | None:
        """The article's archive (one group's discussion, or all), or None for an unknown article."""
        article = self.core.articles.get(article_id)
        if article is None:
            return None
        with self.core.uow() as uow:
            discussions = uow.discussions.archived(article_id, group_id)
            hidden = uow.discussions.opted_out()
        return Archive(article=article, discussions=tuple(discussions), opted_out=hidden)
