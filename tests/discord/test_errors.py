"""Discord's failures: 5xx retried (or raised, never lost), 403 and lost threads as neutral errors."""

from __future__ import annotations

import logging

import discord
import pytest
import simcord

from bot.protocol import ChatGone, ChatRef, CommandEvent, PlatformError, ThreadGone
from bot.render.document import Document, text_document

MESSAGES = "/channels/*/messages"


@pytest.fixture
def world(simcord_env: simcord.Env):
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    member = guild.add_member(simcord_env.create_user("mei"))
    return guild, channel, member


def chat_of(channel) -> ChatRef:
    return ChatRef("discord", str(channel.id))


def long_document() -> Document:
    """Two paragraphs of 1500 characters: two Discord messages."""
    return text_document("\n\n".join(letter * 1500 for letter in "ab"))


async def test_a_server_error_is_retried_and_the_message_sent_once(
    simcord_env, world, adapter, caplog
) -> None:
    _, channel, _ = world
    simcord_env.inject_error("POST", MESSAGES, status=500)
    with caplog.at_level(logging.WARNING, logger="adapters.discord"):
        ids = await adapter.send(chat_of(channel), text_document("the brief"))
    assert [str(m.id) for m in channel.history()] == ids and len(ids) == 1
    assert "retrying" in caplog.text


async def test_lasting_server_errors_are_raised_not_dropped(simcord_env, world, adapter) -> None:
    _, channel, _ = world
    simcord_env.inject_error("POST", MESSAGES, status=502, times=None)
    with pytest.raises(PlatformError, match="502") as raised:
        await adapter.send(chat_of(channel), text_document("the brief"))
    assert not isinstance(raised.value, ChatGone)
    assert channel.history() == []


async def test_a_failed_split_send_takes_back_its_first_part(simcord_env, world, adapter) -> None:
    """The core resends a failed document whole, so a half-sent one must not stay behind."""
    _, channel, _ = world
    assert len(adapter.formatter.format(long_document())) == 2
    await adapter.send(chat_of(channel), long_document())
    assert len(channel.history()) == 2

    # The first part goes through; every later attempt fails.
    original_send = adapter.bot.http.send_message
    calls = 0

    async def flaky(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            simcord_env.inject_error("POST", MESSAGES, status=500, times=None)
        return await original_send(*args, **kwargs)

    adapter.bot.http.send_message = flaky
    with pytest.raises(PlatformError):
        await adapter.send(chat_of(channel), long_document())
    assert len(channel.history()) == 2  # only the earlier, complete send


async def test_forbidden_means_the_chat_is_gone(simcord_env, world, adapter) -> None:
    _, channel, _ = world
    simcord_env.inject_error("POST", MESSAGES, status=403, code=50013, message="Missing Permissions")
    with pytest.raises(ChatGone, match="50013"):
        await adapter.send(chat_of(channel), text_document("the brief"))


async def test_a_channel_the_bot_may_not_post_in_is_gone(simcord_env, world, adapter) -> None:
    guild, _, _ = world
    muted = guild.create_text_channel(
        "announcements", overwrites={guild.me: discord.PermissionOverwrite(send_messages=False)}
    )
    with pytest.raises(ChatGone):
        await adapter.send(chat_of(muted), text_document("the brief"))
    with pytest.raises(ChatGone):
        await adapter.send_file(chat_of(muted), "archive.md", b"# archive", "the archive")


async def test_a_deleted_thread_is_thread_gone(simcord_env, world, adapter) -> None:
    _, channel, _ = world
    (brief_id,) = await adapter.send(chat_of(channel), text_document("the brief"))
    thread_chat = await adapter.open_thread(chat_of(channel), "Day 1", brief_id)
    await adapter.bot.get_channel(int(thread_chat.thread_id)).delete()
    await simcord_env.settle()
    with pytest.raises(ThreadGone):
        await adapter.send(thread_chat, text_document("prompt 1"))


async def test_editing_a_deleted_message_is_an_error_not_a_lost_chat(simcord_env, world, adapter) -> None:
    _, channel, _ = world
    (message_id,) = await adapter.send(chat_of(channel), text_document("page 1"))
    await adapter.bot.get_channel(channel.id).get_partial_message(int(message_id)).delete()
    with pytest.raises(PlatformError) as raised:
        await adapter.edit(chat_of(channel), message_id, text_document("page 2"))
    assert not isinstance(raised.value, ChatGone | ThreadGone)


async def test_an_interaction_answer_survives_a_server_error(simcord_env, world, recorder) -> None:
    _, channel, member = world
    simcord_env.inject_error("POST", "/interactions/*/*/callback", status=500)
    result = await member.slash(channel, "help")
    assert [e.name for e in recorder.of(CommandEvent)] == ["help"]
    assert result.response.content == "help"


async def test_files_are_uploaded_with_an_escaped_caption(simcord_env, world, adapter) -> None:
    _, channel, _ = world
    message_id = await adapter.send_file(
        chat_of(channel), "archive.md", b"# Archive\n", "archive of *day 1* @everyone"
    )
    await simcord_env.settle()
    message = channel.last_message
    assert str(message.id) == message_id
    assert [a.filename for a in message.attachments] == ["archive.md"]
    assert message.content == r"archive of \*day 1\* @everyone" and not message.mention_everyone
