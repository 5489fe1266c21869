"""Groups: registering chats, finding the group of an event, following migrated chats, settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.protocol import ChatRef
from bot.scheduling.schedule import Schedule
from bot.services.core import Core
from bot.services.domain import Group

log = logging.getLogger(__name__)

# The pause reason when the bot is removed from a chat; adding it back resumes the group.
REMOVED = "the bot was removed from the chat"


@dataclass(frozen=True, slots=True)
class Found:
    """The group of an event's chat. `in_thread`: the event came from a topic or thread inside the
    group's chat (one the bot opened for an article), not from the group's own chat."""

    group: Group
    in_thread: str | None


def find(core: Core, chat: ChatRef) -> Found | None:
    """The group of a chat: the chat itself, or the chat that holds the event's topic or thread."""
    with core.uow() as uow:
        group = uow.groups.by_chat(chat.platform, chat.chat_id, chat.thread_id)
        if group is not None:
            found = Found(group, None)
        elif chat.thread_id is not None and (parent := uow.groups.by_chat(chat.platform, chat.chat_id, None)):
            found = Found(parent, chat.thread_id)
        else:
            return None
    core.chats[chat.key] = (found.group.id, found.in_thread)
    return found


def find_id(core: Core, chat: ChatRef) -> tuple[int, str | None] | None:
    """`find` for the hot path of replies: (group id, thread inside it), cached per chat."""
    cached = core.chats.get(chat.key)
    if cached is not None:
        return cached
    found = find(core, chat)
    return None if found is None else (found.group.id, found.in_thread)


def _forget_chats(core: Core, group_id: int) -> None:
    for key in [k for k, (gid, _) in core.chats.items() if gid == group_id]:
        del core.chats[key]


def register(core: Core, chat: ChatRef, title: str, *, forum: bool = False) -> tuple[Group, bool]:
    """The group of `chat`, created with the default schedule if new; returns (group, created).

    A known group gets its title and forum mode refreshed and, if it was paused because the bot
    had been removed, is active again.
    """
    now = core.clock.now()
    cfg = core.config
    with core.uow() as uow:
        group = uow.groups.by_chat(chat.platform, chat.chat_id, chat.thread_id)
        if group is not None:
            group.title = title or group.title
            group.forum = forum or group.forum
            if group.paused_reason == REMOVED:
                group.resume()
            uow.groups.save(group)
            uow.commit()
            return group, False
        group = uow.groups.add(
            Group(
                id=0,
                platform=chat.platform,
                chat_id=chat.chat_id,
                thread_id=chat.thread_id,
                title=title or chat.key,
                schedule=Schedule(cfg.default_timezone, cfg.default_post_time),
                schedule_since=now,
                lang=cfg.default_lang,
                created_at=now,
                forum=forum,
            )
        )
        uow.commit()
    _forget_chats(core, group.id)
    core.chats.pop(chat.key, None)
    log.info("registered group %s (%s)", group.key, group.title)
    core.schedules_changed(group.id)
    return group, True


def change(core: Core, group_id: int, mutate: Callable[[Group], None]) -> Group | None:
    """Load the group, apply `mutate` and store it, in one transaction; None if there is no such group.

    The scheduler is told, so that it updates this group's wake-up if its schedule or state changed.
    """
    with core.uow() as uow:
        group = uow.groups.get(group_id)
        if group is None:
            return None
        mutate(group)
        uow.groups.save(group)
        uow.commit()
    core.schedules_changed(group_id)
    return group


def pause(core: Core, group_id: int, reason: str) -> Group | None:
    group = change(core, group_id, lambda g: g.pause(reason))
    if group is not None:
        log.warning("paused group %s: %s", group.key, reason)
    return group


def resume(core: Core, group_id: int) -> Group | None:
    return change(core, group_id, lambda g: g.resume())


def reschedule(core: Core, group_id: int, schedule: Schedule) -> Group | None:
    """Give the group a new schedule; a new time, timezone or day list applies from its next occurrence."""
    now = core.clock.now()
    return change(core, group_id, lambda g: g.reschedule(schedule, now))


def move_chat(core: Core, group_id: int, new_chat_id: str) -> Group | None:
    """The chat got a new id (Telegram group → supergroup): the group follows it."""

    def follow(group: Group) -> None:
        group.chat_id = new_chat_id

    group = change(core, group_id, follow)
    _forget_chats(core, group_id)
    if group is not None:
        log.info("group %d moved to %s", group_id, group.key)
    return group


def fall_back_to_main_chat(core: Core, group_id: int) -> Group | None:
    """The group's own topic or thread is gone: post in the chat that held it from now on."""

    def leave_thread(group: Group) -> None:
        group.thread_id = None

    group = change(core, group_id, leave_thread)
    _forget_chats(core, group_id)
    return group
