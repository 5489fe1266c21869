"""Leadership per platform: every group whose platform runs somewhere is posted, whatever the mix of
instances (issue: a Telegram-only leader left the Discord groups unposted, the day lost).

Two instances share one store: A runs Telegram only, B runs Telegram and Discord. Each contends for
the platforms it runs (in-memory advisory locks) and runs `bot.app.lead` for each, as `atou run` does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.app import lead
from bot.protocol import BotAdded, ChatRef, CommandEvent, Member
from bot.services.core import Core, EngineConfig
from bot.services.engine import Engine
from tests.engine.conftest import make_article
from tests.engine.fakes import (
    FakeArticles,
    FakeClock,
    LockLeadership,
    MemoryLocks,
    MemoryStore,
    SignallingPlatform,
    utc,
)

ADMIN = Member("admin", "Ada")
WAIT = 10.0


@dataclass
class Instance:
    name: str
    engine: Engine
    platforms: dict[str, SignallingPlatform]
    leaderships: dict[str, LockLeadership] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, locks: MemoryLocks) -> None:
        for platform in self.platforms:
            leadership = locks.leadership(platform, self.name)
            self.leaderships[platform] = leadership
            self.tasks.append(asyncio.create_task(lead(self.engine, leadership, platform)))

    async def kill(self) -> None:
        """Die at once: the process's schedulers stop and the database frees its locks."""
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for leadership in self.leaderships.values():
            leadership.die()


class Cluster:
    def __init__(self) -> None:
        self.store = MemoryStore()
        self.clock = FakeClock(utc(2025, 3, 3, 8, 0))
        self.articles = FakeArticles([make_article("a1"), make_article("a2")])
        self.locks = MemoryLocks()
        self.sent = asyncio.Event()
        self.instances: list[Instance] = []

    def instance(self, name: str, *platforms: str) -> Instance:
        core = Core(
            uow=self.store,
            articles=self.articles,
            clock=self.clock,
            config=EngineConfig(instance_id=name, default_lang="en"),
        )
        engine = Engine(core)
        made = {p: SignallingPlatform(p, self.sent) for p in platforms}
        for platform in made.values():
            engine.register_platform(platform)
        found = Instance(name, engine, made)
        self.instances.append(found)
        return found

    async def until(self, condition: Callable[[], bool]) -> None:
        async def waiting() -> None:
            while not condition():
                self.sent.clear()
                await self.sent.wait()

        await asyncio.wait_for(waiting(), WAIT)

    async def stop(self) -> None:
        for instance in self.instances:
            await instance.kill()


async def add_group(instance: Instance, chat: ChatRef) -> None:
    """The bot joins a chat on the instance that receives its events, and an admin sets 09:00 UTC."""
    await instance.engine.handle(BotAdded(chat=chat, at=instance.engine.core.clock.now(), title="Readers"))
    await instance.engine.handle(
        CommandEvent(
            chat=chat,
            at=instance.engine.core.clock.now(),
            author=ADMIN,
            name="schedule",
            args=("09:00", "UTC"),
        )
    )


async def test_a_telegram_only_leader_leaves_discord_groups_to_the_instance_that_runs_discord() -> None:
    cluster = Cluster()
    a = cluster.instance("a", "telegram")
    b = cluster.instance("b", "telegram", "discord")
    await add_group(a, ChatRef("telegram", "t1"))
    await add_group(b, ChatRef("discord", "d1"))
    try:
        cluster.clock.current = utc(2025, 3, 3, 9, 0)  # post time
        a.start(cluster.locks)  # A comes up first and leads Telegram
        await cluster.until(lambda: cluster.locks.held.get("telegram") == "a")
        b.start(cluster.locks)
        await cluster.until(
            lambda: (
                a.platforms["telegram"].headlines() == ["Headline of a1"]
                and b.platforms["discord"].headlines() == ["Headline of a1"]
            )
        )
        assert cluster.locks.held == {"telegram": "a", "discord": "b"}
        assert b.platforms["telegram"].headlines() == []  # B stands by for Telegram: nothing twice

        # Seven hours later nothing more is owed: each group had its day once.
        cluster.clock.current = utc(2025, 3, 3, 16, 0)
        for instance in (a, b):
            for platform in instance.platforms:
                if cluster.locks.held[platform] == instance.name:
                    await instance.engine.sweep(platform)
        assert a.platforms["telegram"].headlines() == ["Headline of a1"]
        assert b.platforms["discord"].headlines() == ["Headline of a1"]
    finally:
        await cluster.stop()


async def test_when_the_telegram_leader_dies_the_other_instance_that_runs_telegram_takes_its_groups() -> None:
    cluster = Cluster()
    a = cluster.instance("a", "telegram")
    b = cluster.instance("b", "telegram", "discord")
    await add_group(a, ChatRef("telegram", "t1"))
    await add_group(b, ChatRef("discord", "d1"))
    try:
        cluster.clock.current = utc(2025, 3, 3, 9, 0)
        a.start(cluster.locks)
        await cluster.until(lambda: a.platforms["telegram"].headlines() == ["Headline of a1"])
        b.start(cluster.locks)
        await cluster.until(lambda: b.platforms["discord"].headlines() == ["Headline of a1"])

        cluster.clock.current = utc(2025, 3, 4, 9, 0)  # the next day's post time, and A is killed
        await a.kill()
        await cluster.until(lambda: b.platforms["telegram"].headlines() == ["Headline of a2"])
        assert cluster.locks.held == {"telegram": "b", "discord": "b"}
        assert a.platforms["telegram"].headlines() == ["Headline of a1"]
    finally:
        await cluster.stop()
