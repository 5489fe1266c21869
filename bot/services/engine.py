"""The engine: the one entry point adapters call (`handle`), and the wake-ups the scheduler calls."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from bot.observability import metrics
from bot.protocol import (
    BotAdded,
    BotRemoved,
    ButtonEvent,
    ChatMigrated,
    CommandEvent,
    DeleteEvent,
    EditEvent,
    InboundEvent,
    MessageEvent,
    Platform,
)
from bot.render.document import ActionKind
from bot.scheduling.schedule import Schedule
from bot.services import groups, messages
from bot.services.answers import Answers
from bot.services.commands import Commands
from bot.services.core import Core
from bot.services.discussions import Discussions
from bot.services.posting import Poster, covers
from bot.services.reading import Reading

log = logging.getLogger(__name__)


class Engine:
    """The discussion engine, platform-neutral. Build one per process and register each platform."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.discussions = Discussions(core)
        self.poster = Poster(core, self.discussions)
        self.reading = Reading(core)
        self.answers = Answers(core)
        self.commands = Commands(core, self.poster, self.discussions, self.reading, self.answers)

    def register_platform(self, platform: Platform) -> None:
        """Let the engine send through `platform` for the groups of its name."""
        self.core.platforms[platform.name] = platform

    def warm_up(self) -> None:
        """Learn the groups and the posted messages of open discussions, so replies need no lookups."""
        with self.core.uow() as uow:
            groups_now = uow.groups.list()
            posted = uow.discussions.open_messages()
        for group in groups_now:
            self.core.chats[group.key] = (group.id, None)
        for group_id, message_id, where in posted:
            self.core.index.put(group_id, message_id, where)

    async def handle(self, event: InboundEvent) -> None:
        """Handle one event from an adapter (an `EventHandler`).

        Returns once the event's effects are stored (a reply handled is a reply recorded). Whatever
        the engine answers goes through the answer outbox, so an outage delays it instead of losing it.
        """
        event = dataclasses.replace(event, respond=self.answers.responder(event))
        if event.private and isinstance(event, MessageEvent | CommandEvent | ButtonEvent):
            self._note_private_chat(event.chat.platform, event.author.id, event.at)
        match event:
            case MessageEvent():
                await self.discussions.on_message(event)
            case CommandEvent():
                await self.commands.handle(event)
            case ButtonEvent():
                await self._on_button(event)
            case EditEvent():
                self.discussions.on_edit(event)
            case DeleteEvent():
                self.discussions.on_delete(event)
            case BotAdded():
                await self._on_added(event)
            case BotRemoved():
                found = groups.find(self.core, event.chat)
                if found is not None and found.in_thread is None:
                    groups.pause(self.core, found.group.id, groups.REMOVED)
                    metrics.forget_group(found.group.key)
            case ChatMigrated():
                found = groups.find(self.core, event.chat)
                if found is not None and found.in_thread is None:
                    groups.move_chat(self.core, found.group.id, event.new_chat_id)

    def _note_private_chat(self, platform: str, member_id: str, at: datetime) -> None:
        """Remember that the member opened a private chat with the bot (a key lookup when known; not
        kept in memory, since a member who blocks the bot is forgotten and may come back)."""
        if self.core.private_chats is not None:
            self.core.private_chats.open(platform, member_id, at)

    async def _on_added(self, event: BotAdded) -> None:
        group, created = groups.register(self.core, event.chat, event.title, forum=event.forum)
        if created:
            try:
                await self.core.send(group.chat, messages.welcome_doc(group.lang))
            except Exception:
                log.exception("could not greet the new group %s", group.key)

    async def _on_button(self, event: ButtonEvent) -> None:
        found = groups.find(self.core, event.chat)
        group = found.group if found is not None else None
        lang = group.lang if group is not None else self.core.config.default_lang
        match event.action.kind:
            case ActionKind.TAB | ActionKind.PAGE:
                await self.reading.on_button(event, group, lang)
            case ActionKind.ADMIN:
                await self.commands.on_admin_button(event, group)
            case ActionKind.FORGET:
                await self.commands.on_forget_button(event, group)

    def schedules(self, platform: str | None = None) -> list[tuple[int, Schedule]]:
        """(group id, schedule) of the active groups of `platform` (None: of every platform this process
        runs): what the scheduler wakes for."""
        with self.core.uow() as uow:
            return [
                (g.id, g.schedule)
                for g in uow.groups.list()
                if g.active and covers(self.core, g, platform)
            ]

    def schedule_of(self, group_id: int, platform: str | None = None) -> Schedule | None:
        """The group's schedule if the scheduler of `platform` should wake for it (active, of that
        platform), else None."""
        with self.core.uow() as uow:
            group = uow.groups.get(group_id)
        if group is None or not group.active or not covers(self.core, group, platform):
            return None
        return group.schedule

    async def sweep(self, platform: str | None = None) -> datetime | None:
        """Everything due now for the groups of `platform` (None: of every platform this process runs):
        posts, make-ups, missed days, resumed postings, closings, recaps.

        Returns when to sweep again if that is sooner than usual: a posting held by another sender
        (or waiting for a retry) becomes free then.
        """
        return await self.poster.sweep(platform)

    async def wake(self, group_id: int) -> None:
        """A group's post time has come (the scheduler's cron job)."""
        await self.poster.wake(group_id)

    async def close(self) -> None:
        """Finish writing the replies handed in so far; let go of the model's connections."""
        await self.discussions.recorder.drain()
        if self.core.model is not None:
            await self.core.model.aclose()
