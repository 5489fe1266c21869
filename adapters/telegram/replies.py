"""Answering an event: how `event.respond(doc, private=…, replace=…)` is done on Telegram.

A message or command is answered in its chat (as a reply to it), or privately when asked for and
the bot may write to the member; a page of text asked for privately by a member the bot may not
write to yet becomes its heading and a "read privately" deep link, so the group is not flooded. A button press is answered by editing the message in place
(paging), by a pop-up only the presser sees (a short answer with nothing to tap), by a private
message, or — when the bot may not write to the member yet — by a deep link that opens the private
chat and brings the same button there. Telegram wants every press answered exactly once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from telegram import CallbackQuery
from telegram.error import TelegramError

from adapters.telegram.deeplink import start_link
from adapters.telegram.refs import is_private
from bot.protocol import ButtonEvent, ChatGone, ChatRef, Member, PlatformError
from bot.render.document import Action, ActionKind, Button, Document

if TYPE_CHECKING:
    from adapters.telegram.adapter import TelegramAdapter

log = logging.getLogger(__name__)

MAX_ALERT = 200  # characters Telegram shows in a callback answer


def fits_alert(doc: Document) -> bool:
    """A short answer with nothing to tap (no buttons, links or mentions) fits a pop-up alert."""
    plain = doc.plain.strip()
    tappable = any(span.link or span.mention for para in doc.paras for span in para.spans)
    return bool(plain) and len(plain) <= MAX_ALERT and not doc.buttons and not tappable


def reading_action(doc: Document) -> Action | None:
    """The button action that brings `doc` again, when it is a page of a text: its own page."""
    pages = [b for row in doc.buttons for b in row if b.action is not None and b.action.kind == ActionKind.PAGE]
    for button in pages:
        if button.current:
            return button.action
    if pages and pages[0].action is not None:
        first = pages[0].action
        return Action(ActionKind.TAB, first.article_id, first.part)
    return None


def private_invitation(doc: Document, bot_username: str) -> Document | None:
    """For a page of text: its heading and a button that opens the private chat with that page."""
    action = reading_action(doc)
    link = start_link(bot_username, action) if action is not None else None
    if link is None or not doc.paras:
        return None
    return Document(doc.paras[:1], buttons=((Button(f"📖 @{bot_username}", url=link),),))


class ChatReply:
    """Answers a message or command: in the chat (as a reply), or privately when asked and possible."""

    def __init__(
        self, adapter: TelegramAdapter, chat: ChatRef, author: Member | None, message_id: str | None
    ) -> None:
        self.adapter = adapter
        self.chat = chat
        self.author = author
        self.message_id = message_id

    async def __call__(self, doc: Document, *, private: bool = False, replace: bool = False) -> None:
        if private and self.author is not None and not is_private(self.chat):
            if await self.adapter.send_privately(self.author, doc):
                return
            # The member never opened a chat with the bot: a text to read goes there by a deep
            # link rather than into the group; anything else is answered in the chat.
            doc = private_invitation(doc, self.adapter.me.username) or doc
        if not await self.adapter.deliver(self.chat, doc, reply_to=self.message_id):
            log.warning("an answer to %s was not delivered: the bot cannot post there", self.chat.key)


class ButtonReply:
    """Answers a button press: the message in place, a short alert, a private message, or a deep link.

    Telegram wants every press answered (answerCallbackQuery), once; `finish` answers it if nothing did.
    """

    def __init__(self, adapter: TelegramAdapter, query: CallbackQuery, event: ButtonEvent) -> None:
        self.adapter = adapter
        self.query = query
        self.event = event
        self.answered = False

    async def _answer(self, **kwargs: Any) -> None:
        if self.answered:
            return
        self.answered = True
        try:
            await self.query.answer(**kwargs)
        except TelegramError as exc:  # answered too late: the member waited more than Telegram allows
            log.info("could not answer a button press in %s: %s", self.event.chat.key, exc)

    async def finish(self) -> None:
        await self._answer()

    async def __call__(self, doc: Document, *, private: bool = False, replace: bool = False) -> None:
        adapter, event = self.adapter, self.event
        if replace and event.message_id is not None:
            try:
                await adapter.edit(event.chat, event.message_id, doc)
                return
            except ChatGone:
                return
            except PlatformError as exc:  # the message is gone or too old to edit: send the page anew
                log.info(
                    "could not edit %s in %s (%s); sending a new message",
                    event.message_id,
                    event.chat.key,
                    exc,
                )
        if private and not is_private(event.chat):
            plain = doc.plain.strip()
            if fits_alert(doc) and not self.answered:
                await self._answer(text=plain, show_alert=True)
                return
            if await adapter.send_privately(event.author, doc):
                return
            link = start_link(adapter.me.username, event.action)
            if link is not None and not self.answered:
                await self._answer(url=link)  # opens the private chat; Start brings the same action there
                return
        await adapter.deliver(event.chat, doc)
