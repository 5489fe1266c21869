"""discord.py objects → the neutral events of `bot.protocol`.

Pure conversions: nothing here talks to Discord. A group is one guild text channel; a
thread made from a brief is that channel's `thread_id`, so `ChatRef.main()` is the group.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.protocol import (
    Attachment,
    ButtonEvent,
    ChatRef,
    CommandEvent,
    DeleteEvent,
    EditEvent,
    Member,
    MessageEvent,
    PlatformError,
    Responder,
)
from bot.render.document import Action

PLATFORM = "discord"

# Message types a person writes; everything else (thread created, pins, joins…) is Discord's own.
_MEMBER_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def chat_ref(channel_id: int, thread_id: int | None = None) -> ChatRef:
    return ChatRef(PLATFORM, str(channel_id), None if thread_id is None else str(thread_id))


def chat_of(channel: object) -> ChatRef:
    """The chat of a channel object; a thread maps to (its parent, itself)."""
    if isinstance(channel, discord.Thread):
        return chat_ref(channel.parent_id, channel.id)
    channel_id = getattr(channel, "id", None)
    if not isinstance(channel_id, int):
        raise ValueError(f"not a channel: {channel!r}")
    return chat_ref(channel_id)


def member_of(user: discord.abc.User) -> Member:
    return Member(id=str(user.id), display_name=user.display_name, is_bot=user.bot)


def message_text(message: discord.Message) -> str:
    """What a member wrote, as the archive keeps it.

    `clean_content` turns `<@id>` into `@name` (readable in exports, and never a ping if
    echoed); attachments are kept as links so an image reply is not recorded as nothing.
    """
    lines = [message.clean_content] if message.clean_content else []
    lines.extend(attachment.url for attachment in message.attachments)
    return "\n".join(lines)


def is_member_message(message: discord.Message) -> bool:
    """A person's guild message (not a bot's, a webhook's or a system notice)."""
    return message.guild is not None and not message.author.bot and message.type in _MEMBER_MESSAGE_TYPES


def reply_target(message: discord.Message) -> str | None:
    """The id of the message this one replies to (forwards are not replies)."""
    reference = message.reference
    if reference is None or reference.type is not discord.MessageReferenceType.reply:
        return None
    return None if reference.message_id is None else str(reference.message_id)


def is_discussion_message(message: discord.Message) -> bool:
    """Messages that can belong to a discussion: inside a thread, or a reply to another message.

    Plain chatter in the channel never reaches the core; the core decides which threads and
    reply targets are its own.
    """
    return is_member_message(message) and (
        isinstance(message.channel, discord.Thread) or reply_target(message) is not None
    )


def message_event(message: discord.Message, me: discord.abc.Snowflake | None = None) -> MessageEvent:
    """`me`: the bot's own user, so a reply to one of its messages carries that message's text."""
    return MessageEvent(
        chat=chat_of(message.channel),
        at=message.created_at,
        author=member_of(message.author),
        message_id=str(message.id),
        text=message_text(message),
        reply_to=reply_target(message),
        reply_to_bot_text=_bot_text(message, me),
    )


def _bot_text(message: discord.Message, me: discord.abc.Snowflake | None) -> str | None:
    """The text of the bot's message this one replies to (Discord sends it along with a reply)."""
    reference = message.reference
    replied = reference.resolved if reference is not None and reply_target(message) is not None else None
    if me is None or not isinstance(replied, discord.Message) or replied.author.id != me.id:
        return None
    return replied.content or None


def edit_event(chat: ChatRef, message: discord.Message) -> EditEvent:
    return EditEvent(
        chat=chat,
        at=message.edited_at or discord.utils.utcnow(),
        message_id=str(message.id),
        text=message_text(message),
    )


def delete_events(chat: ChatRef, message_ids: Sequence[int]) -> list[DeleteEvent]:
    now = discord.utils.utcnow()
    return [DeleteEvent(chat=chat, at=now, message_id=str(message_id)) for message_id in message_ids]


def command_event(
    interaction: discord.Interaction,
    name: str,
    args: Sequence[str],
    mentions: Sequence[discord.abc.User],
    respond: Responder,
    attachment: discord.Attachment | None = None,
) -> CommandEvent:
    return CommandEvent(
        chat=chat_of(interaction.channel),
        at=interaction.created_at,
        respond=respond,
        author=member_of(interaction.user),
        name=name,
        args=tuple(args),
        mentions=tuple(member_of(user) for user in mentions),
        attachment=None if attachment is None else attachment_of(attachment),
    )


def attachment_of(attachment: discord.Attachment) -> Attachment:
    """A file given to a command's attachment option: its size as Discord reports it, downloaded only
    when the core asks (`Attachment.read`, from Discord's CDN)."""

    async def fetch() -> bytes:
        try:
            return await attachment.read()
        except discord.HTTPException as exc:
            raise PlatformError(f"Discord answered {exc.status}: {exc.text or exc}") from exc

    return Attachment(attachment.filename, attachment.size, fetch)


def button_event(interaction: discord.Interaction, action: Action, respond: Responder) -> ButtonEvent:
    return ButtonEvent(
        chat=chat_of(interaction.channel),
        at=interaction.created_at,
        respond=respond,
        author=member_of(interaction.user),
        action=action,
        message_id=None if interaction.message is None else str(interaction.message.id),
    )
