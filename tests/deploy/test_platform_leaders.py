"""Two instances on one PostgreSQL database, one running Telegram only, the other Telegram and
Discord: each platform is led by an instance that runs it (an advisory lock per platform), so both
groups get their posts; when the Telegram leader dies, the other instance takes Telegram over.

The instances run in this process, each with its own engine, platforms and leadership connections,
exactly as `atou run` wires them (`bot.app.lead` per platform); a death is the leader's tasks
stopping and its database sessions ending, which is what frees a killed process's locks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.app import lead
from bot.bootstrap import build_engine
from bot.config import Settings
from bot.scheduling.schedule import Schedule
from bot.services.domain import Group
from bot.services.engine import Engine
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.leader import PostgresLeadership, leadership_for
from storage.unit_of_work import SqlUnitOfWork
from tests.engine.conftest import make_article
from tests.engine.fakes import SignallingPlatform

pytestmark = pytest.mark.postgres
WAIT = 30.0


class Instance:
    def __init__(self, url: str, name: str, sent: asyncio.Event, *platforms: str) -> None:
        self.db = make_engine(url)
        self.engine: Engine = build_engine(
            Settings(_env_file=None, database_url=url), self.db, instance_id=name
        )  # type: ignore[call-arg]
        self.platforms = {p: SignallingPlatform(p, sent) for p in platforms}
        for platform in self.platforms.values():
            self.engine.register_platform(platform)
        self.leaderships = {
            p: leadership_for(url, scope=p, retry_seconds=0.2, check_seconds=0.2) for p in platforms
        }
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for platform, leadership in self.leaderships.items():
            self.tasks.append(asyncio.create_task(lead(self.engine, leadership, platform)))

    async def die(self, url: str) -> None:
        """The process is killed: its work stops and PostgreSQL ends its sessions, freeing its locks."""
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pids = [x.backend_pid for x in self.leaderships.values() if isinstance(x, PostgresLeadership)]
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            for pid in pids:
                if pid is not None:
                    await conn.execute("SELECT pg_terminate_backend(%s)", (pid,))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for leadership in self.leaderships.values():
            await leadership.release()
        self.db.dispose()


def add_group(url: str, platform: str, chat_id: str) -> None:
    """A group whose post time came three minutes ago."""
    db = make_engine(url)
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=3)).time().replace(second=0, microsecond=0)
    with SqlUnitOfWork(db) as uow:
        uow.groups.add(
            Group(
                id=0,
                platform=platform,
                chat_id=chat_id,
                thread_id=None,
                title=chat_id,
                schedule=Schedule(timezone="UTC", post_time=due),
                schedule_since=now - timedelta(hours=1),
                lang="en",
                created_at=now - timedelta(hours=1),
            )
        )
        uow.commit()
    db.dispose()


async def until(sent: asyncio.Event, condition: Callable[[], bool]) -> None:
    async def waiting() -> None:
        while not condition():
            sent.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sent.wait(), 0.5)  # also a lock taken, which sends nothing

    await asyncio.wait_for(waiting(), WAIT)


async def test_each_platform_is_led_by_an_instance_that_runs_it_and_fails_over(postgres_url: str) -> None:
    db = make_engine(postgres_url)
    upgrade(db)
    ArticleStore(db).add(make_article("a1"))
    db.dispose()
    add_group(postgres_url, "telegram", "t1")
    add_group(postgres_url, "discord", "d1")
    sent = asyncio.Event()
    a = Instance(postgres_url, "a", sent, "telegram")
    b = Instance(postgres_url, "b", sent, "telegram", "discord")
    try:
        a.start()
        await until(sent, lambda: a.leaderships["telegram"].is_leader)
        b.start()
        await until(
            sent,
            lambda: (
                a.platforms["telegram"].headlines("t1") == ["Headline of a1"]
                and b.platforms["discord"].headlines("d1") == ["Headline of a1"]
            ),
        )
        assert b.leaderships["discord"].is_leader and not b.leaderships["telegram"].is_leader
        assert b.platforms["telegram"].sent == []

        # A new Telegram group comes due, and the Telegram leader is killed before it posts there.
        add_group(postgres_url, "telegram", "t2")
        await a.die(postgres_url)
        await until(sent, lambda: b.platforms["telegram"].headlines("t2") == ["Headline of a1"])
        assert b.leaderships["telegram"].is_leader
        assert b.platforms["telegram"].headlines("t1") == []  # t1 had its day: nothing twice
        assert a.platforms["telegram"].headlines("t2") == []
    finally:
        await a.stop()
        await b.stop()
