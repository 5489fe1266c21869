"""A late answer on Discord keeps its visibility: an answer meant for one member that could not be sent
when it was asked for reaches that member only — ephemerally while the interaction's token lives, else
in a direct message — and never appears in the channel.

The real engine (its answer outbox on a SQLite file) and the real client under simcord; the outage is
Discord answering 500 to every attempt to send the first answer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
import pytest
import simcord

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.late import InteractionHandle
from bot.config import Settings
from bot.protocol import ChatRef, Member
from bot.render.document import text_document
from bot.services.engine import Engine
from tests.discord.support import make_settings

OUTAGE = "/interactions/*"  # the interaction callback
ATTEMPTS = 3  # the adapter tries an answer three times (no pause in these tests), then gives up


# The sample article is stored before the engine is built: every test here posts it.
pytestmark = pytest.mark.usefixtures("article")


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(database_url=sqlite_url)


@pytest.fixture
def adapter(engine_adapter: DiscordAdapter) -> DiscordAdapter:
    return engine_adapter


def owed(engine: Engine) -> int:
    with engine.core.uow() as uow:
        return len(uow.answers.owed(["discord"]))


def seen_by_others(guild, channel) -> list[discord.Message]:
    """What anyone but the asker sees in the channel (the owner sees no one else's ephemeral messages)."""
    return list(channel.history(viewer=guild.owner))


async def deliver_after_outage(simcord_env: simcord.Env, engine: Engine) -> None:
    await simcord_env.advance_time(3)  # the first retry is due after 2 s
    await engine.answers.deliver_owed()


async def test_a_private_answer_lost_to_an_outage_arrives_later_to_the_asker_only(
    simcord_env, world, adapter, engine
) -> None:
    guild, channel, _, mei, _ = world
    simcord_env.inject_error("POST", OUTAGE, status=500, times=ATTEMPTS)
    await mei.slash(channel, "translation")
    assert owed(engine) == 1

    await deliver_after_outage(simcord_env, engine)

    assert owed(engine) == 0
    mine = [m for m in channel.history(viewer=mei) if m.flags.ephemeral]
    assert len(mine) == 1 and mine[0].content
    assert seen_by_others(guild, channel) == []
    assert mei.user.dm_channel.history() == []


async def test_a_page_turned_during_an_outage_replaces_the_private_page_later(
    simcord_env, world, adapter, engine
) -> None:
    guild, channel, _, mei, _ = world
    page = (await mei.slash(channel, "translation")).response
    before = page.content
    forward = next(c for row in page.message.components for c in row.children if c.label == "▶")
    simcord_env.inject_error("PATCH", "/webhooks/*", status=500, times=ATTEMPTS)
    await mei.click(page, custom_id=forward.custom_id)
    assert owed(engine) == 1

    await deliver_after_outage(simcord_env, engine)

    assert owed(engine) == 0
    (turned,) = [m for m in channel.history(viewer=mei) if m.flags.ephemeral]
    assert turned.id == page.id and turned.content != before
    assert seen_by_others(guild, channel) == []


async def test_a_private_answer_whose_token_expired_goes_by_direct_message(
    simcord_env, world, adapter
) -> None:
    guild, channel, _, mei, _ = world
    expired = InteractionHandle(1, "gone", simcord_env.now() - timedelta(minutes=16), private=True)

    await adapter.answer_later(
        ChatRef("discord", str(channel.id)),
        text_document("only for mei"),
        reply_to=None,
        author=Member(str(mei.id), mei.name),
        private=False,  # the command is private: the handle says so
        replace=False,
        handle=expired.encode(),
    )

    assert [m.content for m in mei.user.dm_channel.history()] == ["only for mei"]
    assert seen_by_others(guild, channel) == []


async def test_a_private_answer_nobody_can_receive_is_dropped_not_posted(
    simcord_env, world, adapter, caplog
) -> None:
    guild, channel, _, mei, _ = world
    expired = InteractionHandle(1, "gone", simcord_env.now() - timedelta(minutes=16), private=False)
    simcord_env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50007, message="Cannot send messages to this user"
    )

    with caplog.at_level(logging.WARNING, logger="adapters.discord"):
        await adapter.answer_later(
            ChatRef("discord", str(channel.id)),
            text_document("only for mei"),
            reply_to=None,
            author=Member(str(mei.id), mei.name),
            private=True,
            replace=False,
            handle=expired.encode(),
        )

    assert seen_by_others(guild, channel) == []
    assert "was dropped" in caplog.text and "gone" not in caplog.text
