"""Without the Message Content intent, replies are not recorded empty: admins are told instead."""

from __future__ import annotations

import asyncio

import discord
import pytest
import simcord

from adapters import discord as discord_adapter
from adapters.discord.adapter import DiscordAdapter
from adapters.discord.client import AtouClient, AtouShardedClient, gateway_intents
from bot.protocol import AdapterContext, MessageEvent
from tests.discord.support import Recorder, make_settings

PORTAL_WITHOUT_CONTENT = gateway_intents(message_content=False)


def test_the_client_asks_for_guilds_messages_and_content(adapter: DiscordAdapter) -> None:
    intents = adapter.bot.intents
    assert (intents.guilds, intents.guild_messages, intents.message_content) == (True, True, True)
    assert not intents.members and not intents.presences and not intents.dm_messages
    assert adapter.bot.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()


def test_create_needs_a_token(recorder: Recorder) -> None:
    context = AdapterContext(recorder, lambda update_id: True)
    assert discord_adapter.create(make_settings(discord_token=None), context) is None
    assert discord_adapter.create(make_settings(discord_token="  "), context) is None
    made = discord_adapter.create(make_settings(), context)
    assert isinstance(made, DiscordAdapter) and made.name == "discord"
    assert type(made.bot) is AtouClient
    sharded = discord_adapter.create(make_settings(discord_shards=3), context)
    assert isinstance(sharded.bot, AtouShardedClient) and sharded.bot.shard_count == 3


async def test_a_portal_without_the_intent_refuses_the_connection(recorder: Recorder) -> None:
    adapter = DiscordAdapter(make_settings(), recorder)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with simcord.run(adapter.bot, approved_intents=PORTAL_WITHOUT_CONTENT):
            pass


async def test_start_falls_back_to_a_client_without_the_intent(recorder: Recorder) -> None:
    """Discord's gateway refuses the privileged intent; `start` carries on without it."""
    connected: list[discord.Intents] = []
    release = asyncio.Event()

    class Gateway(DiscordAdapter):
        """Stands in for Discord's servers: logs in, then refuses the intents the portal did not enable."""

        async def connect(self, client: AtouClient, token: str) -> None:
            assert token == "test-token"
            client.logged_in.set()
            connected.append(client.intents)
            if client.intents.message_content:
                raise discord.PrivilegedIntentsRequired(shard_id=None)
            await release.wait()

    adapter = Gateway(make_settings(), recorder)
    await adapter.start()
    await asyncio.sleep(0)
    assert [i.message_content for i in connected] == [True, False]
    assert not adapter.bot.content_access
    release.set()
    await adapter.stop()


@pytest.fixture
def simcord_bot(recorder: Recorder) -> discord.Client:
    adapter = DiscordAdapter(make_settings(), recorder, retry_delays=(0.0, 0.0))
    return adapter.make_client(message_content=False)


@pytest.mark.simcord(approved_intents=PORTAL_WITHOUT_CONTENT)
async def test_unreadable_replies_are_not_recorded_and_admins_are_told_once(simcord_env, recorder) -> None:
    bot = simcord_env.bot
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    mei = guild.add_member(simcord_env.create_user("mei"))
    brief = await bot.get_channel(channel.id).send("the brief")
    await brief.create_thread(name="Day 1")
    await simcord_env.settle()
    (thread,) = channel.threads

    await mei.send(thread, "a reply the bot cannot read")
    await mei.send(thread, "another one")
    await mei.send(thread, f"{bot.user.mention} but this one names the bot")

    texts = [e.text for e in recorder.of(MessageEvent)]
    assert texts == ["@TestBot but this one names the bot"]
    notices = [m for m in thread.history() if m.author.id == bot.user.id]
    assert len(notices) == 1 and "not being recorded" in notices[0].content


@pytest.mark.simcord(approved_intents=PORTAL_WITHOUT_CONTENT)
async def test_replies_to_the_bot_stay_readable_and_each_channel_gets_its_notice(
    simcord_env, recorder
) -> None:
    """A reply pings the bot by default, so Discord still shows it the text; other replies stay blank."""
    guild = simcord_env.create_guild("Readers")
    mei = guild.add_member(simcord_env.create_user("mei"))
    rui = guild.add_member(simcord_env.create_user("rui"))
    for name in ("one", "two"):
        channel = guild.create_text_channel(name)
        brief = await simcord_env.bot.get_channel(channel.id).send("the brief")
        first = await mei.send(channel, "a reply to the bot", reply_to=brief)
        await rui.send(channel, "a reply to mei", reply_to=first)
        await rui.send(channel, "another reply to mei", reply_to=first)
        assert sum("not being recorded" in m.content for m in channel.history()) == 1
    assert [e.text for e in recorder.of(MessageEvent)] == ["a reply to the bot"] * 2
