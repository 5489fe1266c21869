"""Telegram updates → the core's neutral events (`bot.protocol`). The core never sees a Telegram object.

- A message starting with a command for this bot → CommandEvent (`/name@thisbot args…`; commands for
  another bot are ignored). A document's caption is read like a text; a document captioned with the
  command, or the one the command replies to, comes as the event's attachment (`/import`). `/start <payload>` in a private chat carries a button action from a "read
  privately" link → ButtonEvent there; any other `/start` → `/help`.
- Any other message with text (or a caption) → MessageEvent. In a forum topic the chat carries the
  topic as its thread, and Telegram's implicit reply to the topic's first message is not a reply.
- `edited_message` → EditEvent; a group upgraded to a supergroup → ChatMigrated.
- A button press → ButtonEvent, by the presser (admin buttons are checked against who pressed).
- `my_chat_member`: the bot added → BotAdded, removed or banned → BotRemoved.

Authors: a user is a Member with their user id. An anonymous admin (GroupAnonymousBot writing with
`sender_chat` = the group itself) is `anonymous_admin`. Someone writing as a channel is a Member with
the channel's (negative) id, never an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, ChatMemberUpdated, Document, Message, MessageEntity, Update, User
from telegram.error import TelegramError

from adapters.telegram.deeplink import action_of_payload
from adapters.telegram.errors import neutral
from bot.protocol import (
    Attachment,
    BotAdded,
    BotRemoved,
    ButtonEvent,
    ChatMigrated,
    ChatRef,
    CommandEvent,
    EditEvent,
    InboundEvent,
    Member,
    MessageEvent,
)
from bot.render.document import decode_action

PLATFORM = "telegram"
GROUP_ANONYMOUS_BOT_ID = 1087968824
# The biggest file the Bot API's getFile hands a bot (a bigger one needs a self-hosted Bot API server).
GET_FILE_LIMIT = 20 * 1024 * 1024
PRESENT = ("member", "administrator", "creator", "restricted")


@dataclass(frozen=True, slots=True)
class Me:
    """The bot itself, as getMe tells it."""

    id: int
    username: str


def chat_ref(message: Message) -> ChatRef:
    """The chat of a message, with its forum topic as the thread (never a reply thread of a plain group)."""
    chat = message.chat
    thread = message.message_thread_id if message.is_topic_message and chat.is_forum else None
    return ChatRef(PLATFORM, str(chat.id), None if thread is None else str(thread))


def member_of_user(user: User) -> Member:
    return Member(str(user.id), user.full_name, is_bot=user.is_bot)


def author_of(message: Message) -> Member:
    sender_chat = message.sender_chat
    user = message.from_user
    if sender_chat is not None:
        anonymous = (
            sender_chat.id == message.chat.id and user is not None and user.id == GROUP_ANONYMOUS_BOT_ID
        )
        name = message.author_signature or sender_chat.title or sender_chat.full_name or str(sender_chat.id)
        return Member(str(sender_chat.id), name, anonymous_admin=anonymous)
    if user is None:
        return Member("0", "?")
    return member_of_user(user)


def reply_target(message: Message) -> str | None:
    """The id of the message this one answers; None for the implicit reply to a topic's first message."""
    replied = message.reply_to_message
    if replied is None:
        return None
    if replied.forum_topic_created is not None:
        return None
    if message.is_topic_message and replied.message_id == message.message_thread_id:
        return None
    return str(replied.message_id)


def _at(value: datetime | None) -> datetime:
    return value if value is not None else datetime.now(UTC)


def _command(message: Message, me: Me) -> tuple[str, str, list[MessageEntity]] | None:
    """(name, rest of the text, entities) when the message — its text, or a document's caption — is a
    command for this bot."""
    if message.text is not None:
        text, entities, parse = message.text, list(message.entities), message.parse_entity
    elif message.caption is not None:
        text, entities, parse = message.caption, list(message.caption_entities), message.parse_caption_entity
    else:
        return None
    first = next((e for e in entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)
    if first is None:
        return None
    word = parse(first)
    name, _, target = word[1:].partition("@")
    if target and target.lower() != me.username.lower():
        return ("", "", [])  # a command for another bot
    return name.lower(), text[len(word) :], entities


def _mentions(message: Message, entities: list[MessageEntity]) -> tuple[Member, ...]:
    found: list[Member] = []
    for entity in entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            found.append(member_of_user(entity.user))
        elif entity.type == MessageEntity.MENTION:
            handle = message.parse_entity(entity)
            # Telegram gives only the @username: the member is named by it (it mentions them when shown).
            found.append(Member(handle, handle))
    if not found and message.reply_to_message is not None and reply_target(message) is not None:
        replied = message.reply_to_message.from_user
        if replied is not None and not replied.is_bot:
            found.append(member_of_user(replied))  # "/persona NAME" sent as a reply to the member
    return tuple(found)


def attachment_of(message: Message) -> Attachment | None:
    """The document a command came with: the one it is the caption of, or the one it replies to."""
    replied = message.reply_to_message
    document = message.document or (replied.document if replied is not None else None)
    if document is None:
        return None
    found: Document = document

    async def fetch() -> bytes:
        try:
            file = await found.get_file()
            return bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise neutral(exc) from exc

    return Attachment(
        found.file_name or found.file_unique_id, found.file_size or 0, fetch, max_size=GET_FILE_LIMIT
    )


def from_message(message: Message, me: Me) -> InboundEvent | None:
    chat = chat_ref(message)
    at = _at(message.date)
    if message.migrate_to_chat_id is not None:
        return ChatMigrated(chat=chat.main(), at=at, new_chat_id=str(message.migrate_to_chat_id))
    text = message.text if message.text is not None else message.caption
    if text is None:
        return None  # service messages, stickers and media without a caption
    author = author_of(message)
    private = message.chat.type == Chat.PRIVATE
    command = _command(message, me)
    if command is not None:
        name, rest, entities = command
        if not name:
            return None
        args = tuple(rest.split())
        if name == "start":
            action = action_of_payload(args[0]) if args and private else None
            if action is not None:
                return ButtonEvent(chat=chat, at=at, author=author, action=action, private=private)
            # Telegram's Start button, or /start in a group: what a newcomer to the bot wants is help.
            return CommandEvent(
                chat=chat, at=at, author=author, name="help", message_id=str(message.message_id), private=private
            )
        return CommandEvent(
            chat=chat,
            at=at,
            private=private,
            author=author,
            name=name,
            args=args,
            message_id=str(message.message_id),
            mentions=_mentions(message, entities),
            attachment=attachment_of(message),
        )
    return MessageEvent(
        chat=chat,
        at=at,
        private=private,
        author=author,
        message_id=str(message.message_id),
        text=text,
        reply_to=reply_target(message),
        quote=message.quote.text if message.quote is not None else None,
        reply_to_bot_text=_bot_text(message.reply_to_message, me),
    )


def _bot_text(replied: Message | None, me: Me) -> str | None:
    """The text of the answered message when the bot wrote it (it may show one paragraph)."""
    if replied is None or replied.from_user is None or replied.from_user.id != me.id:
        return None
    return replied.text if replied.text is not None else replied.caption


def from_edit(message: Message) -> EditEvent | None:
    text = message.text if message.text is not None else message.caption
    if text is None:
        return None
    return EditEvent(
        chat=chat_ref(message), at=_at(message.edit_date), message_id=str(message.message_id), text=text
    )


def from_button(query: CallbackQuery) -> ButtonEvent | None:
    """The press as a ButtonEvent; None for a stale or foreign payload (answered politely by the adapter)."""
    action = decode_action(query.data or "")
    message = query.message
    if action is None or message is None:
        return None
    if isinstance(message, Message):
        chat = chat_ref(message)
    else:  # too old for Telegram to include: the chat is still known
        chat = ChatRef(PLATFORM, str(message.chat.id))
    return ButtonEvent(
        chat=chat,
        at=datetime.now(UTC),
        private=message.chat.type == Chat.PRIVATE,
        author=member_of_user(query.from_user),
        action=action,
        message_id=str(message.message_id),
    )


def from_membership(change: ChatMemberUpdated) -> BotAdded | BotRemoved | None:
    """The bot's own membership changed: added to a group, or removed from it."""
    chat = change.chat
    if chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return None
    ref = ChatRef(PLATFORM, str(chat.id))
    was_in = _present(change.old_chat_member.status, change.old_chat_member)
    is_in = _present(change.new_chat_member.status, change.new_chat_member)
    if is_in and not was_in:
        return BotAdded(
            chat=ref,
            at=_at(change.date),
            title=chat.title or str(chat.id),
            added_by=member_of_user(change.from_user),
            forum=bool(chat.is_forum),
        )
    if was_in and not is_in:
        status = change.new_chat_member.status
        reason = "removed from the chat" if status == "left" else "banned from the chat"
        return BotRemoved(chat=ref, at=_at(change.date), reason=f"{reason} by {change.from_user.full_name}")
    return None


def _present(status: str, member: object) -> bool:
    if status == "restricted":
        return bool(getattr(member, "is_member", False))
    return status in PRESENT


def convert(update: Update, me: Me) -> InboundEvent | None:
    """The neutral event for an update, or None when it means nothing to the core."""
    if update.message is not None:
        return from_message(update.message, me)
    if update.edited_message is not None:
        return from_edit(update.edited_message)
    if update.callback_query is not None:
        return from_button(update.callback_query)
    if update.my_chat_member is not None:
        return from_membership(update.my_chat_member)
    return None
