"""Answering a slash command or a button press: the `respond` of its neutral event.

Discord wants every interaction acknowledged within 3 s, and a deferred slash command fixes
whether its answer is ephemeral before the core has said anything. So:

- a button press is acknowledged at once with a silent "deferred update" (no visibility is
  fixed); `replace=True` then edits the message that carried the button, and other answers
  are follow-ups, ephemeral when `private=True`;
- a slash command is answered directly when the core answers within `ACK_SECONDS`, with the
  visibility the core asked for. When the core is slower, the command is deferred as an
  ephemeral "thinking…"; a private answer completes it, a public answer goes to the channel
  and the placeholder is removed.

A private answer that could not be sent is owed (`bot.services.answers`): its placeholder stays, and
the late answer (`adapters.discord.late`) completes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

import discord

from adapters.discord.errors import RETRY_DELAYS, with_retries
from adapters.discord.events import chat_of
from adapters.discord.format import DiscordFormatter, DiscordMessage
from adapters.discord.views import edit_kwargs, send_kwargs
from bot.render.document import Document

log = logging.getLogger(__name__)

ACK_SECONDS = 2.0


class InteractionReply:
    """The `Responder` of one interaction."""

    def __init__(
        self,
        interaction: discord.Interaction,
        formatter: DiscordFormatter,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        always_private: bool = False,
    ) -> None:
        self._interaction = interaction
        self._always_private = always_private
        self._formatter = formatter
        self._delays = retry_delays
        self._lock = asyncio.Lock()
        self._placeholder = False  # an ephemeral "thinking…" original waits to be completed or removed
        # A private answer failed and is owed: the placeholder stays for its late follow-up to complete.
        self._owes_private = False

    @property
    def _is_component(self) -> bool:
        return self._interaction.type is discord.InteractionType.component

    async def acknowledge(self) -> None:
        """Acknowledge now if nothing has answered yet (idempotent)."""
        async with self._lock:
            await self._acknowledge()

    async def _acknowledge(self) -> None:
        response = self._interaction.response
        if response.is_done():
            return
        if self._is_component:
            await response.defer()
        else:
            await response.defer(ephemeral=True, thinking=True)
            self._placeholder = True

    async def __call__(self, doc: Document, *, private: bool = False, replace: bool = False) -> None:
        messages = list(self._formatter.format(doc))
        private = private or self._always_private
        async with self._lock:
            try:
                for index, message in enumerate(messages):
                    first = index == 0
                    await self._retrying(
                        partial(self._deliver, message, private=private, replace=replace and first)
                    )
            except Exception:
                self._owes_private = self._owes_private or private
                raise

    async def finish(self) -> None:
        """After the core is done: make sure Discord saw an acknowledgement and no placeholder is left."""
        async with self._lock:
            await self._acknowledge()
            if self._placeholder and not self._owes_private:
                await self._retrying(self._interaction.delete_original_response)
                self._placeholder = False

    async def _retrying(self, call: Callable[[], Awaitable[object]]) -> None:
        await with_retries(
            call, chat_of(self._interaction.channel), what="interaction answer", delays=self._delays
        )

    async def _deliver(self, message: DiscordMessage, *, private: bool, replace: bool) -> None:
        interaction = self._interaction
        response = interaction.response
        if replace and self._is_component:
            if response.is_done():
                await interaction.edit_original_response(**edit_kwargs(message))
            else:
                await response.edit_message(**edit_kwargs(message))
            return
        kwargs = send_kwargs(message)
        kwargs["allowed_mentions"] = discord.AllowedMentions.none()
        if not response.is_done():
            await response.send_message(**kwargs, ephemeral=private)
        elif self._placeholder and not private:
            channel = interaction.channel
            if not isinstance(channel, discord.abc.Messageable):
                raise TypeError(f"cannot post in {channel!r}")
            await channel.send(**kwargs)
        else:
            # With a pending placeholder this completes it (it is ephemeral, as asked).
            await interaction.followup.send(**kwargs, ephemeral=private)
            self._placeholder = False
