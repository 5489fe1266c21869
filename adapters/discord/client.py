"""The discord.py client: gateway events and interactions in, as neutral events for the core's
`handle`; slash commands synced from the catalog, persistent buttons, the late-acknowledgement
watchdog. `DiscordAdapter` (adapter.py) owns its lifecycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord import events
from adapters.discord.commands import CatalogTranslator, register_commands
from adapters.discord.errors import RETRY_DELAYS, with_retries
from adapters.discord.format import DiscordFormatter
from adapters.discord.interactions import ACK_SECONDS, InteractionReply
from adapters.discord.late import InteractionHandle
from adapters.discord.views import ActionButton
from bot.observability import metrics
from bot.protocol import (
    BotAdded,
    BotRemoved,
    ButtonEvent,
    ChatRef,
    CommandEvent,
    EventHandler,
    InboundEvent,
    PlatformError,
)
from bot.render.document import decode_action, text_document
from bot.render.i18n import N_, translator
from bot.services import catalog

log = logging.getLogger(__name__)

# What the bot needs in a channel: read and post, reply (history), open threads from the brief and
# post in them, upload exports, show link previews. No Mention Everyone, no management rights.
# The invite link in docs/discord.md carries this integer (309237763072).
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
    attach_files=True,
    embed_links=True,
)
INVITE_SCOPES = ("bot", "applications.commands")

STALE_BUTTON = N_(
    "This button belongs to an older version of the bot. Please use the slash commands instead."
)
CORE_FAILED = N_("Sorry, something went wrong while answering. It has been logged.")
# The setting is in the bot owner's Developer Portal, which a server's admins cannot reach: the channel
# hears what is wrong and whom to tell, the log names the setting for whoever runs the bot.
CONTENT_INTENT_MISSING = N_(
    "Admins: Discord does not let this bot read members' messages here, so replies are not being "
    "recorded. Please tell whoever runs the bot; the reason is in its log."
)


def grants_admin(permissions: discord.Permissions) -> bool:
    """Admins are members with Manage Server or Manage Channels (administrators and owners have both)."""
    return permissions.manage_guild or permissions.manage_channels


def is_admin_command(name: str) -> bool:
    command = catalog.find(name)
    return command is not None and command.admin


def gateway_intents(*, message_content: bool) -> discord.Intents:
    """Guilds, guild messages and, when the portal allows it, message content (privileged)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = message_content
    return intents


class AtouClient(discord.Client):
    """The discord.py client; its dependencies come in through the constructor, wired in `setup_hook`."""

    def __init__(
        self,
        *,
        handler: EventHandler,
        formatter: DiscordFormatter,
        guild_ids: Sequence[int] = (),
        lang: str = "zh-Hans",
        message_content: bool = True,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        **options: Any,
    ) -> None:
        super().__init__(
            intents=gateway_intents(message_content=message_content),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.tree: app_commands.CommandTree[AtouClient] = app_commands.CommandTree(self)
        self.handler = handler
        self.formatter = formatter
        self.guild_ids = tuple(guild_ids)
        self.retry_delays = tuple(retry_delays)
        self.gettext: Callable[[str], str] = translator(lang)
        self.logged_in = asyncio.Event()
        # Permissions Discord resolved for a member in the interaction being handled, keyed by
        # (channel id, member id): fresher than any cache, and free. See `DiscordAdapter.is_admin`.
        self.interaction_permissions: dict[tuple[str, str], discord.Permissions] = {}
        self._content_notices: set[int] = set()
        self._announced: set[int] = set()

    @property
    def content_access(self) -> bool:
        return self.intents.message_content

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)
        await self.tree.set_translator(CatalogTranslator())
        register_commands(self.tree, self.run_command)
        await self.sync_commands()
        self.logged_in.set()

    async def sync_commands(self) -> None:
        """Sync to the configured guilds (instant), or globally (may take a while to show).

        With guilds configured, the global set is emptied as well, so a server never shows each
        command twice after a switch from global commands.
        """
        if not self.guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d slash commands globally", len(synced))
            return
        for guild_id in self.guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                log.error(
                    "could not sync slash commands to server %s (%s): is the bot in that server, "
                    "invited with the applications.commands scope?",
                    guild_id,
                    exc,
                )
            else:
                log.info("synced %d slash commands to server %s", len(synced), guild_id)
        self.tree.clear_commands(guild=None)
        await self.tree.sync()

    # Gateway events ----------------------------------------------------------------------

    async def on_ready(self) -> None:
        metrics.set_adapter_connected(events.PLATFORM, True)
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        if self.application_id is not None:
            invite = discord.utils.oauth_url(
                self.application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES
            )
            log.info("invite the bot to a server with %s", invite)
        if not self.content_access:
            log.warning("running without the Message Content intent: replies cannot be read or recorded")

    async def on_resumed(self) -> None:
        metrics.set_adapter_connected(events.PLATFORM, True)
        log.info("the Discord connection is back")

    async def on_disconnect(self) -> None:
        # discord.py reconnects by itself; until it has, /healthz reports the adapter down.
        metrics.set_adapter_connected(events.PLATFORM, False)
        log.warning("disconnected from Discord; reconnecting")

    async def on_message(self, message: discord.Message) -> None:
        if not events.is_discussion_message(message):
            return
        if not self.content_access and not message.content:
            await self._tell_admins_content_missing(message.channel)
            return
        await self.handler(events.message_event(message, self.user))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if not events.is_member_message(message) or message.edited_at is None:
            return  # not a person's message, or an update that is no edit (an embed unfurled)
        cached = payload.cached_message
        if cached is not None and events.message_text(cached) == events.message_text(message):
            return
        if not self.content_access and not message.content:
            return
        chat = await self.chat_for(payload.channel_id)
        if chat.thread_id is None and events.reply_target(message) is None:
            return
        await self.handler(events.edit_event(chat, message))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is None:
            return
        chat = await self.chat_for(payload.channel_id)
        await self._deliver_all(events.delete_events(chat, [payload.message_id]))

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        if payload.guild_id is None:
            return
        chat = await self.chat_for(payload.channel_id)
        await self._deliver_all(events.delete_events(chat, sorted(payload.message_ids)))

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        if isinstance(channel, discord.TextChannel):
            await self.handler(self._removed(channel.id, "the channel was deleted"))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self._deliver_all(
            [
                self._removed(channel.id, "the bot was removed from the server")
                for channel in guild.text_channels
            ]
        )

    # Interactions ------------------------------------------------------------------------

    async def run_command(
        self,
        interaction: discord.Interaction,
        name: str,
        args: Sequence[str],
        mentions: Sequence[discord.abc.User],
        attachment: discord.Attachment | None = None,
    ) -> None:
        command = catalog.find(name)
        await self._run_interaction(
            interaction,
            lambda reply: events.command_event(interaction, name, args, mentions, reply, attachment),
            private=command is not None and command.private,
        )

    async def on_action_button(self, interaction: discord.Interaction, payload: str) -> None:
        action = decode_action(payload)
        if action is None:
            reply = self._reply(interaction)
            await reply(text_document(self.gettext(STALE_BUTTON)), private=True)
            return
        await self._run_interaction(
            interaction, lambda reply: events.button_event(interaction, action, reply)
        )

    async def _run_interaction(
        self,
        interaction: discord.Interaction,
        make_event: Callable[[InteractionReply], CommandEvent | ButtonEvent],
        *,
        private: bool = False,
    ) -> None:
        reply = self._reply(interaction, private=private)
        if interaction.type is discord.InteractionType.component:
            await reply.acknowledge()
        # Stored with an owed answer, so it can still reach the asker (ephemerally) after an outage.
        event = dataclasses.replace(
            make_event(reply), answer_handle=InteractionHandle.of(interaction, private=private)
        )
        key = (event.chat.chat_id, event.author.id)
        self.interaction_permissions[key] = interaction.permissions
        watchdog = asyncio.create_task(self._acknowledge_late(reply))
        try:
            if isinstance(event, CommandEvent) and is_admin_command(event.name):
                await self._announce_channel(interaction, event)
            await self.handler(event)
        except Exception:
            log.exception("the core failed to handle %r", event)
            with contextlib.suppress(PlatformError, discord.HTTPException):
                await reply(text_document(self.gettext(CORE_FAILED)), private=True)
        finally:
            watchdog.cancel()
            self.interaction_permissions.pop(key, None)
        await reply.finish()

    async def _announce_channel(self, interaction: discord.Interaction, event: CommandEvent) -> None:
        """Tell the core about a text channel before an admin's first command there in this run.

        Discord adds a bot to a server, not to a channel: a channel becomes a group when an
        admin sets it up, and as a text channel it holds a thread per article (`forum=True`).
        """
        channel = interaction.channel
        if (
            event.chat.thread_id is not None
            or not isinstance(channel, discord.TextChannel)
            or channel.id in self._announced
            or not grants_admin(interaction.permissions)
        ):
            return
        self._announced.add(channel.id)
        title = f"#{channel.name} ({channel.guild.name})"
        await self.handler(
            BotAdded(chat=event.chat, at=event.at, title=title, added_by=event.author, forum=True)
        )

    def _reply(self, interaction: discord.Interaction, *, private: bool = False) -> InteractionReply:
        return InteractionReply(
            interaction, self.formatter, retry_delays=self.retry_delays, always_private=private
        )

    @staticmethod
    async def _acknowledge_late(reply: InteractionReply) -> None:
        await asyncio.sleep(ACK_SECONDS)
        # Shielded: a cancel arriving mid-request must not leave Discord acknowledged behind our back.
        await asyncio.shield(reply.acknowledge())

    # Helpers -----------------------------------------------------------------------------

    async def chat_for(self, channel_id: int) -> ChatRef:
        """The chat of a channel id; a thread's parent is looked up when it is not cached."""
        channel: object = self.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.fetch_channel(channel_id)
            except discord.HTTPException:
                return events.chat_ref(channel_id)
        return events.chat_of(channel)

    async def _deliver_all(self, batch: Sequence[InboundEvent]) -> None:
        for event in batch:
            await self.handler(event)

    @staticmethod
    def _removed(channel_id: int, reason: str) -> BotRemoved:
        return BotRemoved(chat=events.chat_ref(channel_id), at=discord.utils.utcnow(), reason=reason)

    async def _tell_admins_content_missing(self, channel: discord.abc.Messageable) -> None:
        """Once per channel and run: say that replies cannot be read, instead of recording empty ones."""
        group = events.chat_of(channel).main()
        if int(group.chat_id) in self._content_notices:
            return
        self._content_notices.add(int(group.chat_id))
        log.warning(
            "a reply in %s could not be read: the Message Content intent is off; turn on Bot → Privileged "
            "Gateway Intents → Message Content Intent in the Discord Developer Portal, then restart the bot",
            group.key,
        )
        await with_retries(
            lambda: channel.send(self.gettext(CONTENT_INTENT_MISSING)),
            events.chat_of(channel),
            what="content intent notice",
            delays=self.retry_delays,
        )


class AtouShardedClient(AtouClient, discord.AutoShardedClient):
    """The same client over several gateway shards (`ATOU_DISCORD_SHARDS`)."""
