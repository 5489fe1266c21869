"""Answering an interaction late (`LateAnswers`): after an outage or a restart, without its live object.

An interaction's token lets the bot send follow-ups for 15 minutes. What is needed for that — the
application id, the token, when the interaction was made, and whether its command is private — is
stored with the owed answer as its `handle`. A private answer never goes to the channel: within the
token's life it is an ephemeral follow-up, after it a direct message to the member, and when neither
can be sent it is dropped with a log line. The handle holds a secret token: it is never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiohttp
import discord

from adapters.discord.errors import describe
from adapters.discord.format import DiscordFormatter
from adapters.discord.views import edit_kwargs, send_kwargs
from bot.protocol import ChatRef, Member, PlatformUnreachable
from bot.render.document import Document

if TYPE_CHECKING:
    from discord.types.webhook import Webhook as WebhookPayload

log = logging.getLogger(__name__)

# Discord keeps an interaction token for 15 minutes; a follow-up started just before that may not land.
TOKEN_LIFE = timedelta(minutes=15) - timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class InteractionHandle:
    """What a late follow-up to an interaction needs."""

    application_id: int
    token: str
    created_at: datetime
    private: bool  # the command is private: its answers are, whatever the core asked

    def encode(self) -> str:
        return f"{self.application_id}:{self.created_at.timestamp():.3f}:{int(self.private)}:{self.token}"

    @classmethod
    def decode(cls, text: str | None) -> InteractionHandle | None:
        if text is None:
            return None
        try:
            application_id, created, private, token = text.split(":", 3)
            at = datetime.fromtimestamp(float(created), tz=discord.utils.utcnow().tzinfo)
            return cls(int(application_id), token, at, private == "1")
        except ValueError:
            log.warning("an owed Discord answer carries an unreadable interaction handle")
            return None

    @classmethod
    def of(cls, interaction: discord.Interaction, *, private: bool) -> str:
        return cls(interaction.application_id, interaction.token, interaction.created_at, private).encode()

    def alive(self) -> bool:
        return discord.utils.utcnow() < self.created_at + TOKEN_LIFE


# What a call to Discord may fail with: its answer, or no answer at all (the network).
FAILURES = (discord.HTTPException, OSError, aiohttp.ClientError, TimeoutError)


def _unreachable(exc: Exception) -> bool:
    """Worth trying again later: Discord's own failure or the network's, not a refusal."""
    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500
    return True


class LateReplies:
    """Sends the late answers of one Discord client (its HTTP session carries the follow-ups)."""

    def __init__(self, client: discord.Client, formatter: DiscordFormatter) -> None:
        self._client = client
        self._formatter = formatter

    def _webhook(self, handle: InteractionHandle) -> discord.Webhook:
        # As `Interaction.followup` builds it: an application webhook (type 3) may send ephemerally.
        payload: WebhookPayload = {"id": handle.application_id, "type": 3, "token": handle.token}
        return discord.Webhook.from_state(data=payload, state=self._client._connection)

    async def edit_followup(self, handle: InteractionHandle, message_id: str, doc: Document) -> bool:
        """Page in place through the interaction's webhook (an ephemeral message can only be edited so).
        False when Discord will not (the message is gone, the token expired)."""
        message = self._formatter.format(doc)[0]
        try:
            await self._webhook(handle).edit_message(int(message_id), **edit_kwargs(message))
        except FAILURES as exc:
            if _unreachable(exc):
                raise PlatformUnreachable(f"Discord cannot be reached: {_why(exc)}") from exc
            return False
        return True

    async def send_ephemeral(self, handle: InteractionHandle, doc: Document) -> bool:
        """Send `doc` as ephemeral follow-ups seen only by the member who asked; False when Discord
        refuses (the token expired, the interaction is unknown)."""
        webhook = self._webhook(handle)
        for message in self._formatter.format(doc):
            try:
                await webhook.send(
                    **send_kwargs(message), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
                )
            except FAILURES as exc:
                if _unreachable(exc):
                    raise PlatformUnreachable(f"Discord cannot be reached: {_why(exc)}") from exc
                log.info("a late private answer could not be sent ephemerally: %s", _why(exc))
                return False
        return True

    async def send_direct(self, chat: ChatRef, author: Member | None, doc: Document) -> None:
        """Send a private answer as a direct message; dropped with a log line when Discord will not."""
        if author is None or not author.id.isdigit():
            log.warning("a late private answer in %s was dropped: nobody to send it to", chat.key)
            return
        try:
            user = await self._client.fetch_user(int(author.id))
            for message in self._formatter.format(doc):
                await user.send(**send_kwargs(message), allowed_mentions=discord.AllowedMentions.none())
        except FAILURES as exc:
            if _unreachable(exc):
                raise PlatformUnreachable(f"Discord cannot be reached: {_why(exc)}") from exc
            log.warning(
                "a late private answer in %s was dropped: member %s takes no direct messages (%s)",
                chat.key,
                author.id,
                _why(exc),
            )


def _why(exc: Exception) -> str:
    return describe(exc) if isinstance(exc, discord.HTTPException) else type(exc).__name__
