"""One harness per platform for the conformance suite: the adapter as the core sees it (`Platform`),
and the platform's own view of what it did (what a member would see in the chat).

- console: the terminal chat of `atou demo`, its transcript read back;
- telegram: the adapter on unmodified python-telegram-bot against the strict local Bot API fake;
- discord: the adapter's discord.py client under simcord;
- fake: the recording platform the engine's tests run on.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from adapters.console.adapter import ConsoleAdapter
from adapters.discord.adapter import DiscordAdapter
from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.pacing import Limits as PacingLimits
from bot.protocol import ChatGone, ChatRef, InboundEvent, Member, Platform, ThreadGone
from tests.engine.fakes import RecordingPlatform
from tests.loopback import only_loopback  # noqa: F401
from tests.telegram.fake_bot_api import AdminRights, FakeBotApi, Limits

PLATFORMS = ("console", "telegram", "discord", "fake")


async def ignore(event: InboundEvent) -> None:
    return None


@dataclass
class Harness:
    """`chat`: a group the bot may post in (and open threads in, where the platform has them);
    `admin` and `member`: one of its admins and a plain member. `shown(chat, ids)`: the text of those
    messages as the platform shows them now; `files(chat)`: the names of the files posted there;
    `gone()`: a chat where the platform refuses the bot's messages; `remove_thread(thread)`: the
    thread is deleted on the platform's side."""

    platform: Platform
    chat: ChatRef
    admin: Member
    member: Member
    has_threads: bool
    shown: Callable[[ChatRef, list[str]], Awaitable[list[str]]]
    files: Callable[[ChatRef], Awaitable[list[str]]]
    gone: Callable[[], Awaitable[ChatRef]]
    remove_thread: Callable[[ChatRef], Awaitable[None]] | None = None


@pytest.fixture(params=PLATFORMS)
def harness(request: pytest.FixtureRequest) -> Harness:
    found: Harness = request.getfixturevalue(f"{request.param}_harness")
    return found


# Console --------------------------------------------------------------------------------------------

_MESSAGE_START = re.compile(r"^\[#(\d+)\] (?:\(edited\) )?", re.M)


@pytest.fixture
async def console_harness(tmp_path: Path) -> AsyncIterator[Harness]:
    out = io.StringIO()
    console = ConsoleAdapter(ignore, out=out, files=tmp_path, admin="ada", echo=True)
    await console.start()

    def transcript() -> dict[str, str]:
        parts = _MESSAGE_START.split(out.getvalue())[1:]  # number, text, number, text…
        return {number: text.strip() for number, text in zip(parts[::2], parts[1::2], strict=True)}

    async def shown(chat: ChatRef, ids: list[str]) -> list[str]:
        now = transcript()
        return [now[i] for i in ids]

    async def files(chat: ChatRef) -> list[str]:
        return [Path(m[1]).name for m in re.finditer(r"📎 (.+) \(", out.getvalue())]

    async def gone() -> ChatRef:
        return ChatRef("console", "another-chat")

    yield Harness(console, console.chat, Member("ada", "ada"), Member("bo", "bo"), False, shown, files, gone)
    await console.stop()


# The recording platform ---------------------------------------------------------------------------


@pytest.fixture
async def fake_harness() -> Harness:
    platform = RecordingPlatform(admins=("ada",), threads=True)
    chat = ChatRef(platform.name, "c1")

    async def shown(where: ChatRef, ids: list[str]) -> list[str]:
        latest = {i: s.doc.plain for s in platform.sent if s.chat == where for i in s.ids}
        return [latest[i] for i in ids]

    async def files(where: ChatRef) -> list[str]:
        return [name for c, name, _, _ in platform.files if c == where]

    async def gone() -> ChatRef:
        platform.failures.append(ChatGone("the bot was removed"))
        return ChatRef(platform.name, "c2")

    async def remove_thread(thread: ChatRef) -> None:
        platform.failures.append(ThreadGone("the thread was deleted"))

    return Harness(
        platform, chat, Member("ada", "Ada"), Member("bo", "Bo"), True, shown, files, gone, remove_thread
    )


# Telegram -------------------------------------------------------------------------------------------


@pytest.fixture
async def telegram_harness() -> AsyncIterator[Harness]:
    async with FakeBotApi(limits=Limits.telegram(scale=100)) as fake:
        adapter = TelegramAdapter(
            fake.token,
            ignore,
            api_url=fake.base_url,
            limits=PacingLimits.telegram(scale=100),
            poll_timeout=1,
            network_backoff=0.01,
            set_menus=False,
        )
        await adapter.start()
        ann, bo = fake.add_user("Ann"), fake.add_user("Bo")
        group = fake.add_group(
            "readers", forum=True, admins=[ann], members=[bo], bot_rights=AdminRights(can_manage_topics=True)
        )

        def messages(chat: ChatRef) -> dict[str, dict[str, Any]]:
            thread = int(chat.thread_id) if chat.thread_id is not None else None
            return {str(m["message_id"]): m for m in fake.sent(int(chat.chat_id), thread_id=thread)}

        async def shown(chat: ChatRef, ids: list[str]) -> list[str]:
            now = messages(chat)
            return [now[i]["text"] for i in ids]

        async def files(chat: ChatRef) -> list[str]:
            return [m["document"]["file_name"] for m in messages(chat).values() if "document" in m]

        async def gone() -> ChatRef:
            left = fake.add_group("left behind")
            fake.kick_bot(left)
            return ChatRef("telegram", str(left.id))

        async def remove_thread(thread: ChatRef) -> None:
            assert thread.thread_id is not None
            fake.delete_topic(group, int(thread.thread_id))

        try:
            yield Harness(
                adapter,
                ChatRef("telegram", str(group.id)),
                Member(str(ann.id), "Ann"),
                Member(str(bo.id), "Bo"),
                True,
                shown,
                files,
                gone,
                remove_thread,
            )
        finally:
            await adapter.stop()


# Discord --------------------------------------------------------------------------------------------


@pytest.fixture
def discord_adapter() -> DiscordAdapter:
    settings_values: dict[str, Any] = {"discord_token": "test-token", "default_lang": "en"}
    from bot.config import Settings

    settings = Settings(_env_file=None, **settings_values)  # type: ignore[call-arg]
    return DiscordAdapter(settings, ignore, retry_delays=(0.0, 0.0))


@pytest.fixture
def simcord_bot(discord_adapter: DiscordAdapter) -> discord.Client:
    return discord_adapter.bot


@pytest.fixture
async def discord_harness(simcord_env: simcord.Env, discord_adapter: DiscordAdapter) -> Harness:
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    ada = guild.add_member(simcord_env.create_user("ada"), roles=[mods])
    bo = guild.add_member(simcord_env.create_user("bo"))
    client = discord_adapter.bot

    def where(chat: ChatRef) -> Any:
        return client.get_channel(int(chat.thread_id or chat.chat_id))

    async def shown(chat: ChatRef, ids: list[str]) -> list[str]:
        await simcord_env.settle()
        return [(await where(chat).fetch_message(int(i))).content for i in ids]

    async def files(chat: ChatRef) -> list[str]:
        await simcord_env.settle()
        return [a.filename async for m in where(chat).history(limit=50) for a in m.attachments][::-1]

    async def gone() -> ChatRef:
        muted = guild.create_text_channel(
            "announcements", overwrites={guild.me: discord.PermissionOverwrite(send_messages=False)}
        )
        return ChatRef("discord", str(muted.id))

    async def remove_thread(thread: ChatRef) -> None:
        await where(thread).delete()
        await simcord_env.settle()

    return Harness(
        discord_adapter,
        ChatRef("discord", str(channel.id)),
        Member(str(ada.id), "ada"),
        Member(str(bo.id), "bo"),
        True,
        shown,
        files,
        gone,
        remove_thread,
    )
