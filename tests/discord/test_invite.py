"""The invite's permissions are enough for everything the bot does, and the Discord guide says the same."""

from __future__ import annotations

from pathlib import Path

import discord

from adapters.discord.client import INVITE_PERMISSIONS, INVITE_SCOPES
from bot.protocol import ChatRef, MessageEvent
from bot.render.document import text_document
from tests.discord.support import Recorder

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "discord.md"


def test_the_guide_invite_link_carries_these_permissions() -> None:
    section = GUIDE.read_text(encoding="utf-8")
    url = discord.utils.oauth_url(0, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES)
    assert url.replace("client_id=0", "client_id=APPLICATION_ID") in section
    assert f"**{INVITE_PERMISSIONS.value}**" in section
    assert not INVITE_PERMISSIONS.mention_everyone and not INVITE_PERMISSIONS.administrator


async def test_a_channel_with_only_the_invite_permissions_works(
    simcord_env, adapter, recorder: Recorder
) -> None:
    guild = simcord_env.create_guild("Readers")
    everything_else = discord.Permissions(discord.Permissions.all().value & ~INVITE_PERMISSIONS.value)
    channel = guild.create_text_channel(
        "reading",
        overwrites={guild.me: discord.PermissionOverwrite.from_pair(INVITE_PERMISSIONS, everything_else)},
    )
    mei = guild.add_member(simcord_env.create_user("mei"))
    chat = ChatRef("discord", str(channel.id))

    (brief_id,) = await adapter.send(chat, text_document("the brief"))
    thread = await adapter.open_thread(chat, "Day 1", brief_id)
    assert thread is not None
    (prompt_id,) = await adapter.send(thread, text_document("prompt 1"))
    await adapter.send(chat, text_document("see the prompt"), reply_to=brief_id)
    await adapter.send_file(chat, "archive.md", b"# archive", "the archive")
    await simcord_env.settle()
    (thread_handle,) = channel.threads
    prompt = next(m for m in thread_handle.history() if str(m.id) == prompt_id)
    await mei.send(thread_handle, "a reply", reply_to=prompt)

    (reply,) = recorder.of(MessageEvent)
    assert (reply.chat, reply.reply_to, reply.text) == (thread, prompt_id, "a reply")
    assert channel.last_message.attachments[0].filename == "archive.md"
