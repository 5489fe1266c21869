"""Persistent buttons: tabs and paging as `ButtonEvent`s, answered privately or in place, across restarts."""

from __future__ import annotations

import discord
import pytest
import simcord

from adapters.discord.adapter import DiscordAdapter
from bot.protocol import ButtonEvent, ChatRef, InboundEvent
from bot.render.document import Action, Button, Document, Para, Span, text_document
from tests.discord.support import Recorder, make_settings

ARTICLE = "921efcdb88e63008"


def brief_with_tabs() -> Document:
    tabs = tuple(
        Button(label, Action(kind="tab", article_id=ARTICLE, part=part))
        for label, part in (("双语对照", "bilingual"), ("完整翻译", "translation"), ("原文", "original"))
    )
    link = (Button("open page", url="https://example.org/a"),)
    return Document((Para((Span("Today's brief"),)),), buttons=(tabs, link))


def page(part: str, number: int, total: int) -> Document:
    nav = (
        Button("◀", Action(kind="page", article_id=ARTICLE, part=part, page=max(number - 1, 1))),
        Button(
            f"{number}/{total}", Action(kind="page", article_id=ARTICLE, part=part, page=number, arg="here")
        ),
        Button("▶", Action(kind="page", article_id=ARTICLE, part=part, page=min(number + 1, total))),
    )
    return Document((Para((Span(f"{part} page {number} of {total}"),)),), buttons=(nav,))


async def answer_like_the_core(event: InboundEvent) -> None:
    """Tabs open page 1 privately; paging replaces the page it was pressed on."""
    if isinstance(event, ButtonEvent):
        action = event.action
        if action.kind == "tab":
            await event.respond(page(action.part, 1, 3), private=True)
        else:
            await event.respond(page(action.part, action.page, 3), private=True, replace=True)


@pytest.fixture
def world(simcord_env: simcord.Env, recorder: Recorder):
    recorder.answer = answer_like_the_core
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    member = guild.add_member(simcord_env.create_user("mei"))
    return guild, channel, member


async def post_brief(simcord_env: simcord.Env, adapter: DiscordAdapter, channel) -> discord.Message:
    (message_id,) = await adapter.send(ChatRef("discord", str(channel.id)), brief_with_tabs())
    await simcord_env.settle()
    (message,) = [m for m in channel.history() if str(m.id) == message_id]
    return message


async def test_the_brief_carries_persistent_tab_buttons(simcord_env, world, adapter) -> None:
    _, channel, _ = world
    message = await post_brief(simcord_env, adapter, channel)
    rows = message.components
    labels = [[child.label for child in row.children] for row in rows]
    assert labels == [["双语对照", "完整翻译", "原文"], ["open page"]]
    assert rows[0].children[0].custom_id == f"v1|tab|{ARTICLE}|bilingual|0|"
    assert rows[1].children[0].url == "https://example.org/a"


async def test_a_tab_press_is_a_button_event_answered_privately(
    simcord_env, world, adapter, recorder
) -> None:
    _, channel, member = world
    message = await post_brief(simcord_env, adapter, channel)

    result = await member.click(message, label="完整翻译")

    (event,) = recorder.of(ButtonEvent)
    assert event.action == Action(kind="tab", article_id=ARTICLE, part="translation")
    assert event.author.id == str(member.id) and event.message_id == str(message.id)
    assert event.chat == ChatRef("discord", str(channel.id))
    assert result.deferred  # acknowledged at once, before the core answered
    (answer,) = result.followups
    assert answer.ephemeral and answer.content == "translation page 1 of 3"
    assert [m.id for m in channel.history(viewer=world[0].owner)] == [message.id]  # nobody else sees it


async def test_paging_replaces_the_private_page_in_place(simcord_env, world, adapter) -> None:
    _, channel, member = world
    message = await post_brief(simcord_env, adapter, channel)
    (first,) = (await member.click(message, label="双语对照")).followups

    await member.click(first, label="▶")
    await member.click(first, label="▶")

    pages = [m for m in channel.history(viewer=member) if m.flags.ephemeral]
    assert [m.content for m in pages] == ["bilingual page 3 of 3"]
    assert pages[0].id == first.id


async def test_buttons_keep_working_after_a_restart(simcord_env, world, settings) -> None:
    _, channel, member = world
    first_run = Recorder(answer=answer_like_the_core)
    before = DiscordAdapter(settings, first_run, retry_delays=(0.0, 0.0))
    await simcord_env.restart_bot(before.bot)
    message = await post_brief(simcord_env, before, channel)
    (private_page,) = (await member.click(message, label="原文")).followups

    second_run = Recorder(answer=answer_like_the_core)
    after = DiscordAdapter(settings, second_run, retry_delays=(0.0, 0.0))
    await simcord_env.restart_bot(after.bot)

    result = await member.click(message, label="双语对照")
    await member.click(private_page, label="▶")

    assert [e.action.part for e in second_run.of(ButtonEvent)] == ["bilingual", "original"]
    assert result.followups[0].content == "bilingual page 1 of 3"
    assert [m.content for m in channel.history(viewer=member) if m.id == private_page.id] == [
        "original page 2 of 3"
    ]


async def test_a_stale_button_is_answered_politely(simcord_env, world, adapter, recorder) -> None:
    """A button from an older payload version reaches no core code and gets a private note."""
    _, channel, member = world
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="old tab", custom_id=f"v0|tab|{ARTICLE}|bilingual"))
    await adapter.bot.get_channel(channel.id).send("an old brief", view=view)
    await simcord_env.settle()

    result = await member.click(channel.last_message, label="old tab")

    assert recorder.events == []
    assert result.ephemeral and "older version" in result.response.content


async def test_sharded_client_answers_on_every_shard(recorder) -> None:
    adapter = DiscordAdapter(make_settings(discord_shards=2), recorder, retry_delays=(0.0, 0.0))
    assert isinstance(adapter.bot, discord.AutoShardedClient)
    async with simcord.run(adapter.bot) as env:
        for shard in (0, 1):
            guild = env.create_guild(f"Shard {shard}", shard_id=shard)
            channel = guild.create_text_channel("reading")
            member = guild.add_member(env.create_user(f"reader{shard}"))
            await member.slash(channel, "help")
            chat = ChatRef("discord", str(channel.id))
            await adapter.send(chat, text_document(f"hello shard {shard}"))
            await env.settle()
            assert channel.last_message.content == f"hello shard {shard}"
        assert len(recorder.events) == 2
