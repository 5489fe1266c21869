"""The adapter protocol: neutral events in, neutral actions out.

Adapters turn platform objects into these events and implement `Platform`; the core
never reads a platform field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.render.document import Action, Document
from bot.render.formatter import Formatter


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where the bot posts: a chat, and optionally a topic or thread inside it."""

    platform: str
    chat_id: str
    thread_id: str | None = None

    def main(self) -> ChatRef:
        """The chat itself, outside any topic or thread."""
        return ChatRef(self.platform, self.chat_id)

    @property
    def key(self) -> str:
        """A stable text key for this chat, e.g. `telegram:-100123` or `discord:42/77`."""
        base = f"{self.platform}:{self.chat_id}"
        return base if self.thread_id is None else f"{base}/{self.thread_id}"


@dataclass(frozen=True, slots=True)
class Member:
    """Someone who speaks in a chat. `anonymous_admin` is Telegram's anonymous group admin."""

    id: str
    display_name: str
    is_bot: bool = False
    anonymous_admin: bool = False


class Responder(Protocol):
    """Answers the event that carries it.

    `private`: only the asker sees it where the platform can do that (Discord ephemeral);
    `replace`: for a button press, replace the message that carried the button (paging in place).
    """

    async def __call__(self, doc: Document, *, private: bool = False, replace: bool = False) -> None: ...


async def _no_response(doc: Document, *, private: bool = False, replace: bool = False) -> None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """`private`: it happened in the member's own private chat with the bot (the bot may write there)."""

    chat: ChatRef
    at: datetime
    respond: Responder = field(default=_no_response, compare=False, repr=False)
    private: bool = False
    # What the adapter needs to answer this event after its live context is gone (`LateAnswers`),
    # stored with an owed answer. It may hold a secret (a Discord interaction token): never shown.
    answer_handle: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEvent(Event):
    """A member's message; `reply_to` is the platform id of the message it answers.

    `quote`: the part of the answered message the member quoted (Telegram's reply quote), if any;
    `reply_to_bot_text`: the text of the answered message when it is one of the bot's own, so a
    reply to a message that shows one paragraph can be anchored to it.
    """

    author: Member
    message_id: str
    text: str
    reply_to: str | None = None
    quote: str | None = None
    reply_to_bot_text: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EditEvent(Event):
    message_id: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteEvent(Event):
    message_id: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a command (a Telegram document the command is the caption of or replies
    to, a Discord attachment option), not downloaded yet: the core looks at its size first.

    `size`: bytes, as the platform reports them; `max_size`: the most the platform lets a bot download,
    if it limits that (Telegram's getFile: 20 MB); `fetch()` downloads it, raising `PlatformError`
    when the platform will not hand it out.
    """

    filename: str
    size: int
    fetch: Callable[[], Awaitable[bytes]] = field(compare=False, repr=False)
    max_size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandEvent(Event):
    """`/name args…`; `name` is lowercase without the slash or a bot suffix."""

    author: Member
    name: str
    args: tuple[str, ...] = ()
    message_id: str | None = None
    mentions: tuple[Member, ...] = ()  # members the command names (e.g. /persona NAME @member), in order
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonEvent(Event):
    """A button press; `message_id` is the message that carried the button."""

    author: Member
    action: Action
    message_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BotAdded(Event):
    """The bot joined a chat. `forum`: the chat holds topics or threads, so the bot opens one per
    article for its prompts and discussion (Telegram forum supergroups, Discord text channels)."""

    title: str
    added_by: Member | None = None
    forum: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class BotRemoved(Event):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMigrated(Event):
    """The chat got a new id (Telegram group → supergroup); `chat` is the old one."""

    new_chat_id: str


InboundEvent = (
    MessageEvent | EditEvent | DeleteEvent | CommandEvent | ButtonEvent | BotAdded | BotRemoved | ChatMigrated
)
EventHandler = Callable[[InboundEvent], Awaitable[None]]


# Errors an adapter raises from Platform calls, so the core can react without platform types.
class PlatformError(Exception):
    """A send or edit failed for a reason the platform gave."""


class ChatGone(PlatformError):
    """The bot can no longer post here (kicked, blocked, missing permissions): pause the group."""


class ChatMoved(PlatformError):
    """The chat has a new id; the stored id must follow and the call be retried."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class ThreadGone(PlatformError):
    """The topic or thread is closed or deleted: fall back to the main chat."""


class PlatformUnreachable(PlatformError):
    """The platform could not be reached (network down, a name that does not resolve, timeouts, the
    platform's own outage): worth trying again later."""


class PlatformRefused(PlatformError):
    """The platform refused the bot's credentials: nothing changes until the operator fixes them.

    Its message is one sentence for the operator, naming the setting to check."""


class Platform(Protocol):
    """What the core asks of a platform adapter."""

    name: str
    formatter: Formatter  # the core paginates text views to what one message of this platform holds

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        """Send a document (split as the platform needs); return the sent message ids in order."""
        ...

    async def edit(self, chat: ChatRef, message_id: str, doc: Document) -> None: ...

    async def open_thread(self, chat: ChatRef, title: str, from_message: str | None) -> ChatRef | None:
        """Open a topic or thread for an article; None where the chat cannot have one."""
        ...

    async def send_file(self, chat: ChatRef, filename: str, data: bytes, caption: str) -> str: ...

    async def is_admin(self, chat: ChatRef, member: Member) -> bool: ...


@runtime_checkable
class LateAnswers(Protocol):
    """A platform that can deliver an answer after its event's live context is gone (an outage
    outlasted it, or the process restarted): as a reply to `reply_to`, in place of it (`replace`),
    or privately to `author` where the platform can. `handle` is the event's `answer_handle`.
    Without it, the core replies in the chat."""

    async def answer_later(
        self,
        chat: ChatRef,
        doc: Document,
        *,
        reply_to: str | None,
        author: Member | None,
        private: bool,
        replace: bool,
        handle: str | None = None,
    ) -> None: ...


@runtime_checkable
class PrivateChats(Protocol):
    """A platform where the bot may write to a member privately once the member opened a chat with it
    (Telegram). Without it, what is meant for a group's admins is told in the group."""

    async def chat_admins(self, chat: ChatRef) -> list[Member]:
        """The group's administrators who are people (no bots)."""
        ...

    async def send_privately(self, member: Member, doc: Document) -> bool:
        """Send `doc` to the member's private chat with the bot; False if the bot may not write to them
        (they never opened one, or blocked the bot)."""
        ...


@dataclass(frozen=True, slots=True)
class ChatAccess:
    """What the bot can see and do in a chat, for `/status`."""

    sees_all_messages: (
        bool  # every member message reaches the bot, not only commands, replies to it and mentions
    )
    bot_is_admin: bool
    can_open_threads: bool  # it may open a topic or thread per article


@runtime_checkable
class AccessReporter(Protocol):
    """A platform that can tell what the bot sees in a chat (e.g. Telegram's privacy mode)."""

    async def chat_access(self, chat: ChatRef) -> ChatAccess: ...


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """What the composition root (`bot.bootstrap`) gives an adapter besides its settings.

    `handler`: where inbound events go (the engine's `handle`). `claim_update`: True when this
    instance takes the platform update with this id, False when another instance took it first
    (webhook updates delivered to several instances behind one address are handled once).
    """

    handler: EventHandler
    claim_update: Callable[[int], bool]


class Adapter(Platform, Protocol):
    """A platform adapter with a lifecycle, run by the composition root inside the shared loop.

    Each `adapters/<platform>/__init__.py` exposes
    `create(settings: Settings, context: AdapterContext) -> Adapter | None` (None when not configured).
    """

    async def start(self) -> None:
        """Connect. Raises `PlatformUnreachable` when the platform cannot be reached (the caller tries
        again later) and `PlatformRefused` when it refuses the credentials."""
        ...

    async def stop(self) -> None: ...
