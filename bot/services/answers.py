"""What the bot owes people — command answers, pages, exports — goes through a durable outbox.

Every answer to an event is stored in the database before it is sent and removed once the platform
took it. The first attempt is the adapter's own responder (it knows the live event: a Discord
interaction, a Telegram button press). When that fails because the platform cannot be reached, the
answer stays owed and is retried with a back-off (`Answer.retry_first` doubling to `retry_max`) by
whichever instance runs its platform — this one after the outage, or another one, or the next run
after a crash or SIGKILL (an answer whose sender died is taken over as a posting is, `outbox.take_over`).
A late answer is delivered without the live event: by the platform's `answer_later` where it has one,
else as a reply in the chat. An answer older than `EngineConfig.answer_max_age` is dropped with a log
line instead of arriving confusingly late. An answer the platform refuses for good (the bot was
removed from the chat, a request it will never accept) is dropped at once, logged.

Postings and recaps do not go through here: they are claimed per group and slot (`outbox.claim_once`,
`posting.py`), which keeps them exactly once. An answer is at least once: should the process die
after the platform took an answer but before the row was removed, it goes out again after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.protocol import (
    ChatGone,
    Event,
    LateAnswers,
    Member,
    PlatformError,
    PlatformUnreachable,
    Responder,
)
from bot.render.document import Document
from bot.services import outbox
from bot.services.core import Core
from bot.services.domain import Answer, AnswerFile

log = logging.getLogger(__name__)

# An answer being sent is its sender's until the sender dies (instances report liveness) or, where
# they do not, for this long: longer than a platform's pacing may hold an answer back.
ANSWER_LEASE = timedelta(minutes=10)
# How often the owed answers are looked at when none is waiting for a retry: answers a dead instance
# left are found within this (once it no longer counts as alive).
IDLE_CHECK_SECONDS = 15.0
SOONEST_SECONDS = 0.2


def _permanent(exc: Exception) -> bool:
    """A failure that sending again will not mend: the platform refused, or cannot post there."""
    return isinstance(exc, PlatformError) and not isinstance(exc, PlatformUnreachable)


class Answers:
    """The answer outbox of one process: answers events durably, and delivers what is owed."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._in_hand: set[int] = set()  # answers this process is sending right now
        self._owed = asyncio.Event()  # an answer failed: look at the owed ones sooner

    # Owing ----------------------------------------------------------------------------------

    def responder(self, event: Event) -> Responder:
        """The durable `respond` of an event: each answer stored, sent by the adapter's own responder,
        and kept for a retry if the platform cannot be reached."""
        live = event.respond
        author: Member | None = getattr(event, "author", None)
        message_id: str | None = getattr(event, "message_id", None)

        async def respond(doc: Document, *, private: bool = False, replace: bool = False) -> None:
            answer = self._new(event, author, message_id, private=private, replace=replace)
            answer.doc = doc
            await self._owe(answer, lambda: live(doc, private=private, replace=replace))

        return respond

    async def send_file(self, event: Event, filename: str, data: bytes, caption: str) -> None:
        """Answer an event with a file (an export), durably."""
        answer = self._new(event, getattr(event, "author", None), getattr(event, "message_id", None))
        answer.file = AnswerFile(filename, data, caption)
        await self._owe(answer, functools.partial(self._deliver, answer))

    def _new(
        self,
        event: Event,
        author: Member | None,
        message_id: str | None,
        *,
        private: bool = False,
        replace: bool = False,
    ) -> Answer:
        now = self.core.clock.now()
        return Answer(
            id=0,
            chat=event.chat,
            created_at=now,
            owner=self.core.config.instance_id,
            lease_until=now + ANSWER_LEASE,
            private=private,
            replace=replace,
            reply_to=message_id,
            author=author,
            handle=event.answer_handle,
        )

    async def _owe(self, answer: Answer, send: Callable[[], Awaitable[object]]) -> None:
        with self.core.uow() as uow:
            uow.answers.add(answer)
            uow.commit()
        await self._attempt(answer, send)

    async def _attempt(self, answer: Answer, send: Callable[[], Awaitable[object]]) -> bool:
        """Send; then forget the answer, or keep it for a retry (or drop it when retrying cannot help).

        Returns whether it is still owed.
        """
        self._in_hand.add(answer.id)
        try:
            await send()
        except Exception as exc:
            return self._failed(answer, exc)
        finally:
            self._in_hand.discard(answer.id)
        self._remove(answer)
        return False

    def _failed(self, answer: Answer, exc: Exception) -> bool:
        where = answer.chat.key
        if isinstance(exc, ChatGone) or _permanent(exc):
            log.warning("an answer to %s was dropped: %s", where, exc)
            self._remove(answer)
            return False
        answer.fail(f"{type(exc).__name__}: {exc}", self.core.clock.now())
        with self.core.uow() as uow:
            uow.answers.save(answer)
            uow.commit()
        log.warning(
            "an answer to %s is not delivered yet (%s); trying again at %s",
            where,
            exc,
            answer.lease_until.isoformat(timespec="seconds"),
        )
        self._owed.set()
        return True

    def _remove(self, answer: Answer) -> None:
        with self.core.uow() as uow:
            uow.answers.remove(answer.id)
            uow.commit()

    # Delivering what is owed ------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver owed answers as they become due, until cancelled."""
        while True:
            try:
                next_at = await self.deliver_owed()
            except Exception:
                log.exception("could not look at the answers owed; trying again shortly")
                next_at = None
            wait = IDLE_CHECK_SECONDS
            if next_at is not None:
                wait = (next_at - self.core.clock.now()).total_seconds()
                wait = min(max(wait, SOONEST_SECONDS), IDLE_CHECK_SECONDS)
            self._owed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._owed.wait(), wait)

    async def deliver_owed(self) -> datetime | None:
        """Send every owed answer of this process's platforms that is free now (its retry is due, or its
        sender died), oldest first; drop those too old. Returns when the next one becomes free."""
        now = self.core.clock.now()
        with self.core.uow() as uow:
            owed = uow.answers.owed(sorted(self.core.platforms))
        if not owed:
            return None
        alive = self.core.alive(now)
        next_at: datetime | None = None
        for answer in owed:
            if answer.id in self._in_hand:
                continue
            if now - answer.created_at > self.core.config.answer_max_age:
                log.warning(
                    "an answer to %s owed since %s was dropped: it could not be delivered within %s (%s)",
                    answer.chat.key,
                    answer.created_at.isoformat(timespec="seconds"),
                    self.core.config.answer_max_age,
                    answer.error or "its sender stopped",
                )
                self._remove(answer)
                continue
            free = answer.free_at(alive)
            if free > now:  # its retry is not due yet, or its sender still works on it
                next_at = free if next_at is None else min(next_at, free)
                continue
            with self.core.uow() as uow:
                won = outbox.take_over(self.core, uow.answers, answer, now, alive, ANSWER_LEASE)
                uow.commit()
                full = uow.answers.get(answer.id) if won else None
            if full is not None and await self._attempt(full, functools.partial(self._deliver, full)):
                next_at = full.lease_until if next_at is None else min(next_at, full.lease_until)
        return next_at

    async def _deliver(self, answer: Answer) -> None:
        """Send an answer without its live event: a file, or a document by the platform's `answer_later`
        (else in place of the message it replaces, or as a reply in the chat)."""
        platform = self.core.platform(answer.chat)
        if answer.file is not None:
            await platform.send_file(answer.chat, answer.file.filename, answer.file.data, answer.file.caption)
            return
        if answer.doc is None:
            return
        if isinstance(platform, LateAnswers):
            await platform.answer_later(
                answer.chat,
                answer.doc,
                reply_to=answer.reply_to,
                author=answer.author,
                private=answer.private,
                replace=answer.replace,
                handle=answer.handle,
            )
            return
        if answer.replace and answer.reply_to is not None:
            try:
                await platform.edit(answer.chat, answer.reply_to, answer.doc)
                return
            except ChatGone:
                raise
            except PlatformError as exc:
                log.info(
                    "could not edit %s in %s (%s); sending it anew", answer.reply_to, answer.chat.key, exc
                )
        await platform.send(answer.chat, answer.doc, reply_to=None if answer.replace else answer.reply_to)
