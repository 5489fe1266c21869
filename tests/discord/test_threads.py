"""A thread per article made from the brief; replies, edits and deletions become neutral events."""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.protocol import BotRemoved, ChatRef, DeleteEvent, EditEvent, MessageEvent
from bot.render.document import Document, Mention, Para, Span, text_document


@pytest.fixture
def world(simcord_env: simcord.Env):
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    mei = guild.add_member(simcord_env.create_user("mei"))
    rui = guild.add_member(simcord_env.create_user("rui"))
    return guild, channel, mei, rui


async def open_discussion(simcord_env, adapter, channel):
    """What the core does at posting time: the brief, a thread made from it, the prompts inside."""
    chat = ChatRef("discord", str(channel.id))
    (brief_id,) = await adapter.send(chat, text_document("the brief"))
    thread_chat = await adapter.open_thread(chat, "Day 1 — a headline that states a judgment", brief_id)
    assert thread_chat is not None
    prompt_ids = [(await adapter.send(thread_chat, text_document(f"prompt {n}")))[0] for n in (1, 2, 3)]
    await simcord_env.settle()
    return chat, brief_id, thread_chat, prompt_ids


async def test_the_thread_is_made_from_the_brief_and_holds_the_prompts(simcord_env, world, adapter) -> None:
    _, channel, _, _ = world
    chat, brief_id, thread_chat, prompt_ids = await open_discussion(simcord_env, adapter, channel)

    (thread,) = channel.threads
    assert thread_chat == ChatRef("discord", str(channel.id), str(thread.id))
    assert str(thread.id) == brief_id  # Discord gives a thread made from a message that message's id
    cached = adapter.bot.get_channel(thread.id)
    assert isinstance(cached, discord.Thread)
    assert cached.auto_archive_duration == 10080 and cached.name.startswith("Day 1")
    assert [str(m.id) for m in thread.history()] == prompt_ids
    assert [m.content for m in thread.history()] == ["prompt 1", "prompt 2", "prompt 3"]


async def test_messages_in_the_thread_and_replies_are_recorded(simcord_env, world, adapter, recorder) -> None:
    _, channel, mei, rui = world
    chat, brief_id, thread_chat, prompt_ids = await open_discussion(simcord_env, adapter, channel)
    (thread,) = channel.threads
    prompt = next(m for m in thread.history() if str(m.id) == prompt_ids[1])

    in_thread = await mei.send(thread, "I think the verdict is too strong")
    reply = await rui.send(thread, f"agreed with <@{mei.id}>, see **point 2**", reply_to=prompt)
    await mei.send(channel, "unrelated chatter in the channel")
    brief = next(m for m in channel.history() if str(m.id) == brief_id)
    channel_reply = await mei.send(channel, "replying to the brief itself", reply_to=brief)

    got = recorder.of(MessageEvent)
    assert [(e.chat, e.message_id, e.reply_to) for e in got] == [
        (thread_chat, str(in_thread.id), None),
        (thread_chat, str(reply.id), prompt_ids[1]),
        (chat, str(channel_reply.id), brief_id),
    ]
    assert got[0].text == "I think the verdict is too strong" and got[0].author.display_name == "mei"
    assert got[1].text == "agreed with @mei, see **point 2**"  # readable, never ping syntax


async def test_bots_and_discord_notices_are_not_replies(simcord_env, world, adapter, recorder) -> None:
    guild, channel, _, _ = world
    await open_discussion(simcord_env, adapter, channel)
    (thread,) = channel.threads
    hook = guild.create_webhook(channel)
    await hook.send("a webhook post")
    other_bot = guild.add_member(simcord_env.create_user("otherbot", bot=True))
    await other_bot.send(thread, "beep")
    # The thread-created notice Discord posted in the channel is a system message.
    assert any(m.type is discord.MessageType.thread_created for m in channel.history())
    assert recorder.of(MessageEvent) == []


async def test_edits_and_deletions_update_the_archive(simcord_env, world, adapter, recorder) -> None:
    _, channel, mei, _ = world
    _, _, thread_chat, _ = await open_discussion(simcord_env, adapter, channel)
    (thread,) = channel.threads
    message = await mei.send(thread, "first thought")

    await mei.edit(message, "second thought")
    await mei.delete(message)

    (edit,) = recorder.of(EditEvent)
    assert (edit.chat, edit.message_id, edit.text) == (thread_chat, str(message.id), "second thought")
    (deletion,) = recorder.of(DeleteEvent)
    assert (deletion.chat, deletion.message_id) == (thread_chat, str(message.id))


async def test_edits_outside_discussions_and_of_bot_messages_are_ignored(
    simcord_env, world, adapter, recorder
) -> None:
    _, channel, mei, _ = world
    chatter = await mei.send(channel, "plain chatter")
    await mei.edit(chatter, "plain chatter, edited")
    chat = ChatRef("discord", str(channel.id))
    (bot_message,) = await adapter.send(chat, text_document("the bot's own words"))
    await adapter.edit(chat, bot_message, text_document("the bot's own words, edited"))
    await simcord_env.settle()
    assert recorder.of(EditEvent) == []
    assert channel.last_message.content == "the bot's own words, edited"


async def test_deletions_in_uncached_threads_find_their_channel(
    simcord_env, world, adapter, recorder
) -> None:
    """Raw deletion events carry only ids; a thread the client forgot is looked up to find its channel."""
    _, channel, mei, _ = world
    _, _, thread_chat, _ = await open_discussion(simcord_env, adapter, channel)
    (thread,) = channel.threads
    message = await mei.send(thread, "soon gone")
    adapter.bot.get_guild(world[0].id)._remove_thread(adapter.bot.get_channel(thread.id))
    assert adapter.bot.get_channel(thread.id) is None

    await mei.delete(message)

    (deletion,) = recorder.of(DeleteEvent)
    assert deletion.chat == thread_chat


async def test_no_thread_without_the_permission(simcord_env, world, adapter) -> None:
    guild, _, _, _ = world
    me = guild.me
    locked = guild.create_text_channel(
        "no-threads", overwrites={me: discord.PermissionOverwrite(create_public_threads=False)}
    )
    chat = ChatRef("discord", str(locked.id))
    (brief_id,) = await adapter.send(chat, text_document("the brief"))
    assert await adapter.open_thread(chat, "Day 2", brief_id) is None
    assert locked.threads == []


async def test_a_thread_cannot_hold_a_thread(simcord_env, world, adapter) -> None:
    _, channel, _, _ = world
    _, _, thread_chat, _ = await open_discussion(simcord_env, adapter, channel)
    assert await adapter.open_thread(thread_chat, "nested", None) is None


async def test_a_thread_without_a_starting_message(simcord_env, world, adapter) -> None:
    _, channel, _, _ = world
    chat = ChatRef("discord", str(channel.id))
    thread_chat = await adapter.open_thread(chat, "  spaced\n title  ", None)
    (thread,) = channel.threads
    assert thread_chat == ChatRef("discord", str(channel.id), str(thread.id))
    assert thread.name == "spaced title"


async def test_persona_mentions_are_the_only_pings(simcord_env, world, adapter) -> None:
    _, channel, mei, rui = world
    brief = Document(
        (
            Para((Span("For "), Span("Neta", mention=Mention(str(mei.id), "mei")), Span(": read point 2"))),
            Para((Span(f"quoted text: @everyone @here <@{rui.id}>"),)),
        )
    )
    chat = ChatRef("discord", str(channel.id))
    (message_id,) = await adapter.send(chat, brief)
    await simcord_env.settle()
    message = channel.last_message
    assert str(message.id) == message_id
    assert [user.id for user in message.mentions] == [mei.id]
    assert not message.mention_everyone


async def test_deleting_the_channel_tells_the_core(simcord_env, world, adapter, recorder) -> None:
    guild, channel, _, _ = world
    await adapter.bot.get_channel(channel.id).delete()
    await simcord_env.settle()
    (removed,) = recorder.of(BotRemoved)
    assert removed.chat == ChatRef("discord", str(channel.id)) and "deleted" in removed.reason


async def test_leaving_the_server_tells_the_core_for_each_channel(
    simcord_env, world, adapter, recorder
) -> None:
    guild, channel, _, _ = world
    other = guild.create_text_channel("other")
    await adapter.bot.get_guild(guild.id).leave()
    await simcord_env.settle()
    removed = {e.chat for e in recorder.of(BotRemoved)}
    assert removed == {ChatRef("discord", str(channel.id)), ChatRef("discord", str(other.id))}
