"""The Discord adapter: the lifecycle of the discord.py client (`client.py`) inside the shared loop,
and the `Platform` port (send, edit, open a thread, send a file, admin check) on top of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Sequence
from functools import partial
from typing import Any, Literal, NoReturn

import aiohttp
import discord

from adapters.discord import events
from adapters.discord.client import AtouClient, AtouShardedClient, grants_admin
from adapters.discord.errors import RETRY_DELAYS, count_rate_limits, with_retries
from adapters.discord.format import DiscordFormatter, DiscordMessage
from adapters.discord.late import InteractionHandle, LateReplies
from adapters.discord.views import edit_kwargs, persona_mentions, send_kwargs
from bot.config import Settings
from bot.protocol import (
    ChatGone,
    ChatRef,
    EventHandler,
    Member,
    PlatformError,
    PlatformRefused,
    PlatformUnreachable,
)
from bot.render.document import Document

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # 7 days, the longest Discord offers
THREAD_NAME_LIMIT = 100
CONTENT_LIMIT = 2000

class DiscordAdapter:
    """The `Platform` for Discord, and the lifecycle of its client inside the shared loop."""

    name = events.PLATFORM

    def __init__(
        self,
        settings: Settings,
        handler: EventHandler,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.formatter = DiscordFormatter()
        self._settings = settings
        self._handler = handler
        self._delays = tuple(retry_delays)
        self._task: asyncio.Task[None] | None = None
        self.bot = self.make_client(message_content=True)
        count_rate_limits()

    def make_client(self, *, message_content: bool) -> AtouClient:
        """A fresh client; sharded when `ATOU_DISCORD_SHARDS` is set (0 lets Discord choose)."""
        options: dict[str, Any] = {
            "handler": self._handler,
            "formatter": self.formatter,
            "guild_ids": self._settings.discord_guild_ids,
            "lang": self._settings.default_lang,
            "message_content": message_content,
            "retry_delays": self._delays,
        }
        shards = self._settings.discord_shards
        if shards is None:
            return AtouClient(**options)
        return AtouShardedClient(shard_count=shards or None, **options)

    # Lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (commands synced) and keep the gateway connection running in a task.

        Returns once logged in; a bad token raises here. Without the Message Content intent
        enabled in the portal the connection is refused; the client is then rebuilt without it.
        """
        if self._settings.discord_token is None:
            raise RuntimeError("ATOU_DISCORD_TOKEN is not set")
        token = self._settings.discord_token.get_secret_value()
        if self.bot.is_closed():  # an earlier attempt failed: a closed client does not start again
            self.bot = self.make_client(message_content=True)
        first = self.bot
        self._task = asyncio.create_task(self._serve(token), name="discord-gateway")
        logged_in = asyncio.create_task(first.logged_in.wait())
        await asyncio.wait({self._task, logged_in}, return_when=asyncio.FIRST_COMPLETED)
        logged_in.cancel()
        if self._task.done():
            task, self._task = self._task, None
            _raise_start_failure(task)
        self._task.add_done_callback(_report_end)

    async def _serve(self, token: str) -> None:
        try:
            await self.connect(self.bot, token)
        except discord.PrivilegedIntentsRequired:
            if not self.bot.content_access:
                raise
            log.warning(
                "the Message Content intent is not enabled for this application in the Discord Developer "
                "Portal; running without it: replies cannot be read, and admins are told so"
            )
            self.bot = self.make_client(message_content=False)
            await self.connect(self.bot, token)

    @staticmethod
    async def connect(client: AtouClient, token: str) -> None:
        async with client:
            await client.start(token)

    async def stop(self) -> None:
        await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, discord.DiscordException):
                await self._task
            self._task = None

    # Platform ----------------------------------------------------------------------------

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        return await self._send_messages(chat, list(self.formatter.format(doc)), doc, reply_to=reply_to)

    async def edit(self, chat: ChatRef, message_id: str, doc: Document) -> None:
        messages = list(self.formatter.format(doc))
        first, rest = messages[0], messages[1:]
        kwargs = edit_kwargs(first)
        kwargs["allowed_mentions"] = persona_mentions(first.content, doc)
        target = self._messageable(chat).get_partial_message(int(message_id))
        await with_retries(lambda: target.edit(**kwargs), chat, what="edit", delays=self._delays)
        if rest:
            # A document that outgrew its message keeps the rest right below it, not lost.
            log.warning("edited message %s in %s did not fit; %d more sent", message_id, chat.key, len(rest))
            await self._send_messages(chat, rest, doc, reply_to=message_id)

    async def open_thread(self, chat: ChatRef, title: str, from_message: str | None) -> ChatRef | None:
        if chat.thread_id is not None:
            return None
        channel = await self._guild_channel(chat)
        if not isinstance(channel, discord.TextChannel):
            return None
        name = " ".join(title.split())[:THREAD_NAME_LIMIT] or "discussion"

        async def create() -> discord.Thread | None:
            try:
                if from_message is not None:
                    return await channel.get_partial_message(int(from_message)).create_thread(
                        name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
                    )
                return await channel.create_thread(
                    name=name,
                    type=discord.ChannelType.public_thread,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                )
            except discord.Forbidden as exc:
                log.warning(
                    "cannot open a thread in %s (%s); the discussion stays in the channel", chat.key, exc
                )
                return None

        thread = await with_retries(create, chat, what="open thread", delays=self._delays)
        return None if thread is None else events.chat_ref(channel.id, thread.id)

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
    ) -> None:
        """Deliver an answer whose interaction is gone (`LateAnswers`). A private one reaches only the
        asker: an ephemeral follow-up while the interaction's token lives, else a direct message, else
        it is dropped with a log line — never posted in the channel. A page replaces its message."""
        interaction = InteractionHandle.decode(handle)
        private = private or (interaction is not None and interaction.private)
        live = interaction if interaction is not None and interaction.alive() else None
        late = LateReplies(self.bot, self.formatter)
        if replace and reply_to is not None:
            if live is not None and await late.edit_followup(live, reply_to, doc):
                return
            if not private:
                try:
                    await self.edit(chat, reply_to, doc)
                    return
                except (ChatGone, PlatformUnreachable):
                    raise
                except PlatformError as exc:
                    log.info("could not edit %s in %s (%s); sending the page anew", reply_to, chat.key, exc)
            reply_to = None
        if not private:
            await self.send(chat, doc, reply_to=reply_to)
        elif live is None or not await late.send_ephemeral(live, doc):
            await late.send_direct(chat, author, doc)

    async def send_file(self, chat: ChatRef, filename: str, data: bytes, caption: str) -> str:
        channel = self._messageable(chat)
        content = _caption(caption)

        async def upload() -> discord.Message:
            return await channel.send(
                content=content or None,
                file=discord.File(io.BytesIO(data), filename=filename),
                allowed_mentions=discord.AllowedMentions.none(),
            )

        message = await with_retries(upload, chat, what="file upload", delays=self._delays)
        return str(message.id)

    async def is_admin(self, chat: ChatRef, member: Member) -> bool:
        """Manage Server or Manage Channels, asked by the core on every admin command and button press.

        During an interaction the permissions Discord resolved for it are used; otherwise the
        member is fetched (no member cache is trusted: without the members intent it goes stale).
        """
        permissions = self.bot.interaction_permissions.get((chat.chat_id, member.id))
        if permissions is None:
            permissions = await self._member_permissions(chat.main(), member)
        return grants_admin(permissions)

    # Helpers -----------------------------------------------------------------------------

    def _messageable(self, chat: ChatRef) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(int(chat.thread_id or chat.chat_id))

    async def _guild_channel(self, chat: ChatRef) -> Any:
        channel_id = int(chat.thread_id or chat.chat_id)
        cached = self.bot.get_channel(channel_id)
        if cached is not None:
            return cached
        return await with_retries(
            lambda: self.bot.fetch_channel(channel_id), chat, what="channel lookup", delays=self._delays
        )

    async def _member_permissions(self, chat: ChatRef, member: Member) -> discord.Permissions:
        channel = await self._guild_channel(chat)
        guild = getattr(channel, "guild", None)
        if guild is None or not member.id.isdigit():
            return discord.Permissions.none()
        try:
            resolved = await with_retries(
                lambda: guild.fetch_member(int(member.id)), chat, what="member lookup", delays=self._delays
            )
        except PlatformError as exc:
            if isinstance(exc.__cause__, discord.NotFound):
                return discord.Permissions.none()  # not (or no longer) in the server
            raise
        permissions: discord.Permissions = channel.permissions_for(resolved)
        return permissions

    async def _send_messages(
        self, chat: ChatRef, messages: Sequence[DiscordMessage], doc: Document, *, reply_to: str | None
    ) -> list[str]:
        """Send in order; on failure withdraw what was sent, so a retry of the whole never duplicates."""
        channel = self._messageable(chat)
        sent: list[discord.Message] = []
        for index, message in enumerate(messages):
            kwargs = send_kwargs(message)
            kwargs["allowed_mentions"] = persona_mentions(message.content, doc)
            if index == 0 and reply_to is not None:
                kwargs["reference"] = discord.MessageReference(
                    message_id=int(reply_to), channel_id=channel.id, fail_if_not_exists=False
                )
            try:
                sent.append(
                    await with_retries(
                        partial(channel.send, **kwargs), chat, what="send", delays=self._delays
                    )
                )
            except PlatformError:
                await _withdraw(sent)
                raise
        return [str(message.id) for message in sent]


def _caption(caption: str) -> str:
    escaped = discord.utils.escape_markdown(caption)
    while len(escaped) > CONTENT_LIMIT:
        caption = caption[: len(caption) - (len(escaped) - CONTENT_LIMIT) - 1]
        escaped = discord.utils.escape_markdown(caption) + "…"
    return escaped


async def _withdraw(sent: Sequence[discord.Message]) -> None:
    for message in sent:
        try:
            await message.delete()
        except discord.HTTPException as exc:
            log.warning("could not withdraw part %s of a failed send: %s", message.id, exc)


def _raise_start_failure(task: asyncio.Task[None]) -> NoReturn:
    """The neutral error for a connection that ended before logging in: refused, or unreachable."""
    exc = task.exception()
    if exc is None:
        raise PlatformUnreachable("the Discord connection ended before logging in")
    if isinstance(exc, discord.LoginFailure):
        raise PlatformRefused(
            "Discord refused the bot token (ATOU_DISCORD_TOKEN); check it in the Developer Portal"
        ) from None
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        raise exc
    if isinstance(exc, OSError | aiohttp.ClientError | discord.GatewayNotFound | asyncio.TimeoutError) or (
        isinstance(exc, discord.HTTPException) and exc.status >= 500
    ):
        raise PlatformUnreachable(f"Discord cannot be reached: {type(exc).__name__}: {exc}") from exc
    raise exc


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord connection ended", exc_info=task.exception())
