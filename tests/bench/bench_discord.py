"""The Discord adapter under simcord: replies taken in per second, and postings sent per second.

simcord runs discord.py's own parsing, cache and dispatch in-process, so the figures are the
client's work plus the adapter's, without network time. Reply intake is compared with a bare
discord.py client whose `on_message` does nothing, in the same run, so the adapter's own cost
shows as a ratio.
"""

from __future__ import annotations

import asyncio
import time

import discord
import simcord

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.client import gateway_intents
from bot.config import Settings
from bot.protocol import ChatRef, InboundEvent
from bot.render.document import text_document
from tests.bench.harness import Result

REPLIES = 2000
ROUNDS = 3  # best of, alternating the two clients, against a busy machine's noise
CHANNELS = 40
PROMPTS = 3
INTAKE_TARGET = 0.8  # the adapter keeps at least 80 % of a bare client's intake


async def _ignore(event: InboundEvent) -> None:
    return None


def _settings() -> Settings:
    return Settings(_env_file=None, discord_token="bench", default_lang="en")  # type: ignore[call-arg]


class _BareClient(discord.Client):
    async def on_message(self, message: discord.Message) -> None:
        return None


async def _intake(client: discord.Client) -> float:
    """Replies per second that `client` takes in from members writing in a thread.

    The messages go straight into simcord's backend and are settled once at the end: an actor's
    `send` waits for the client to go idle after each message, which would time simcord, not us.
    (`env.backend` is simcord's internal API; a benchmark may lean on it, tests do not.)
    """
    async with simcord.run(client) as env:
        guild = env.create_guild("Readers")
        channel = guild.create_text_channel("reading")
        members = [guild.add_member(env.create_user(f"reader{i}")) for i in range(5)]
        brief = await client.get_channel(channel.id).send("the brief")
        await brief.create_thread(name="Day 1")
        await env.settle()
        (thread,) = channel.threads
        start = time.perf_counter()
        for n in range(REPLIES):
            env.backend.create_message(thread.id, members[n % len(members)].id, f"reply number {n}")
        await env.settle()
        return REPLIES / (time.perf_counter() - start)


def bench_reply_intake() -> Result:
    ours: list[float] = []
    baseline: list[float] = []
    for _ in range(ROUNDS):
        ours.append(asyncio.run(_intake(DiscordAdapter(_settings(), _ignore).bot)))
        baseline.append(asyncio.run(_intake(_BareClient(intents=gateway_intents(message_content=True)))))
    return Result(
        name="discord reply intake vs bare client",
        value=round(max(ours) / max(baseline), 3),
        unit="ratio",
        target=INTAKE_TARGET,
        better="higher",
        extra={
            "replies": REPLIES,
            "adapter_per_s": round(max(ours)),
            "bare_client_per_s": round(max(baseline)),
        },
    )


async def _postings() -> float:
    adapter = DiscordAdapter(_settings(), _ignore)
    async with simcord.run(adapter.bot) as env:
        guild = env.create_guild("Readers")
        chats = [ChatRef("discord", str(guild.create_text_channel(f"c{i}").id)) for i in range(CHANNELS)]
        brief = text_document("\n\n".join(f"Key point {n}: " + "text " * 60 for n in range(8)))
        start = time.perf_counter()
        for chat in chats:
            (brief_id, *_) = await adapter.send(chat, brief)
            thread = await adapter.open_thread(chat, "Day 1", brief_id)
            assert thread is not None
            for n in range(PROMPTS):
                await adapter.send(thread, text_document(f"Prompt {n + 1}?"))
        await env.settle()
        return CHANNELS / (time.perf_counter() - start)


def bench_postings() -> Result:
    per_second = asyncio.run(_postings())
    return Result(
        name="discord postings (brief, thread, 3 prompts)",
        value=round(per_second, 1),
        unit="channels/s",
        better="higher",
        extra={"channels": CHANNELS},
    )
