"""Two `atou run` instances on one PostgreSQL database: the leader dies mid fan-out, the other finishes.

200 Telegram groups are due for today's brief. Instance A leads and fans out; instance B stands by.
Half-way, A is killed with SIGKILL. B must take over the scheduler within seconds and finish the
fan-out, including the posting A had claimed but not finished (as soon as A's heartbeat is too old
for A to count as alive, long before the posting's lease ends), so that every group ends with
exactly one brief and one copy of each prompt — none missing, none twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bot.demo import demo_article
from bot.scheduling.schedule import Schedule
from bot.services.domain import Group, PostingStatus
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.deploy.send_gate import SendGate
from tests.telegram.fake_bot_api import FakeBotApi, FakeChat

GROUPS = 200
ATOU = Path(sys.executable).parent / "atou"
STARTUP_BOUND = 60.0
TAKEOVER_BOUND = 15.0
FAN_OUT_BOUND = 120.0  # for A to post to a third of the groups
# After the kill, B finishes the fan-out at Telegram's 30 messages a second (about 20 s) and resumes
# the posting A left once A's last heartbeat is 30 s old. Waiting for that posting's lease instead
# (2 minutes, then the next sweep) would not fit.
FINISH_BOUND = 90.0

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def logged(path: Path) -> str:
    return path.read_text(errors="replace")[-6000:]


@dataclass
class Instance:
    name: str
    process: asyncio.subprocess.Process
    health_port: int
    log: Path

    async def healthz(self) -> dict[str, Any] | None:
        with contextlib.suppress(httpx.TransportError, ValueError):
            async with httpx.AsyncClient(timeout=2) as client:
                return dict((await client.get(f"http://127.0.0.1:{self.health_port}/healthz")).json())
        return None

    async def wait_for(self, condition: Callable[[dict[str, Any]], bool], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{logged(self.log)}")
            health = await self.healthz()
            if health is not None and condition(health):
                return
            await asyncio.sleep(0.1)
        pytest.fail(f"{self.name}: {what} not within {within} s:\n{logged(self.log)}")


def leads_since(log: Path) -> datetime:
    """When the instance logged that it took the lead."""
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and "now leads" in (record := json.loads(line))["msg"]:
            return datetime.fromisoformat(record["ts"])
    raise AssertionError(f"no leadership in {log.name}:\n{logged(log)}")


def prepare(engine: Engine, chats: list[FakeChat]) -> None:
    """One article in the queue, and the groups, each due for a post a few minutes ago."""
    upgrade(engine)
    ArticleStore(engine).add(demo_article())
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=3)).time().replace(second=0, microsecond=0)
    with SqlUnitOfWork(engine) as uow:
        for chat in chats:
            uow.groups.add(
                Group(
                    id=0,
                    platform="telegram",
                    chat_id=str(chat.id),
                    thread_id=None,
                    title=chat.title or "",
                    schedule=Schedule(timezone="UTC", post_time=due),
                    schedule_since=now - timedelta(hours=1),
                    lang="en",
                    created_at=now - timedelta(hours=1),
                )
            )
        uow.commit()


def posting_states(engine: Engine) -> dict[str, int]:
    counts: dict[str, int] = {}
    with SqlUnitOfWork(engine) as uow:
        for group in uow.groups.list():
            for posting in uow.postings.for_group(group.id):
                counts[posting.status.value] = counts.get(posting.status.value, 0) + 1
    return counts


async def test_the_standby_takes_over_a_fan_out_to_200_groups_and_each_gets_exactly_one_brief(
    postgres_url: str, tmp_path: Path
) -> None:
    if not ATOU.exists():
        pytest.skip("the atou command is not installed beside this Python")
    article = demo_article()
    engine = make_engine(postgres_url)
    instances: list[Instance] = []
    async with FakeBotApi() as telegram, SendGate(telegram) as gate:
        chats = [telegram.add_group(f"Reading group {n}") for n in range(GROUPS)]
        prepare(engine, chats)
        webhook_port = free_port()
        shared = {k: v for k, v in os.environ.items() if not k.startswith("ATOU_")} | {
            "ATOU_DATABASE_URL": postgres_url,
            "ATOU_TELEGRAM_TOKEN": telegram.token,
            "ATOU_TELEGRAM_API_URL": gate.base_url,
            # Webhook mode, as several instances need; no member writes in this test, so the
            # webhook address only has to be the same for both.
            "ATOU_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/telegram",
            "ATOU_LOG_JSON": "true",
            # One article for 200 groups would also warn every group that its queue runs dry: this
            # test counts the briefs' postings alone.
            "ATOU_QUEUE_WARNING_DAYS": "0",
        }

        async def start(name: str, telegram_port: int) -> Instance:
            port = free_port()
            log = tmp_path / f"{name}.log"
            env = shared | {"ATOU_HEALTH_PORT": str(port), "ATOU_TELEGRAM_PORT": str(telegram_port)}
            with log.open("wb") as out:
                process = await asyncio.create_subprocess_exec(
                    str(ATOU), "run", cwd=tmp_path, env=env, stdout=out, stderr=out
                )
            instance = Instance(name, process, port, log)
            instances.append(instance)
            return instance

        def briefs_in(chat: FakeChat) -> int:
            return sum(article.brief.headline in m.get("text", "") for m in telegram.sent(chat))

        try:
            a = await start("a", webhook_port)
            await a.wait_for(lambda h: h["leader"] and h["adapters"] == {"telegram": True}, STARTUP_BOUND, "leading")
            b = await start("b", free_port())
            await b.wait_for(lambda h: h["adapters"] == {"telegram": True}, STARTUP_BOUND, "connected")
            assert (await b.healthz() or {}).get("leader") is False

            # Let A post to about a third of the groups, then stop it between two messages and kill it.
            deadline = time.monotonic() + FAN_OUT_BOUND
            while sum(briefs_in(c) > 0 for c in chats) < GROUPS // 3:
                assert time.monotonic() < deadline, logged(a.log)
                await asyncio.sleep(0.05)
            gate.close()
            await gate.settled()
            a.process.kill()
            killed_wall = datetime.now(UTC)
            await a.process.wait()
            killed_at = time.monotonic()
            deadline = killed_at + FINISH_BOUND
            posted_by_a = sum(briefs_in(c) > 0 for c in chats)
            assert 0 < posted_by_a < GROUPS
            await asyncio.sleep(0.3)  # the gate sees A's connections close
            gate.open()

            await b.wait_for(lambda h: bool(h["leader"]), TAKEOVER_BOUND, "leading after the leader died")
            takeover = (leads_since(b.log) - killed_wall).total_seconds()

            while sum(briefs_in(c) > 0 for c in chats) < GROUPS:
                if time.monotonic() > deadline:
                    missing = [c.title for c in chats if briefs_in(c) == 0]
                    pytest.fail(f"{len(missing)} groups got no brief, e.g. {missing[:3]}:\n{logged(b.log)}")
                await asyncio.sleep(0.5)
            finished = time.monotonic() - killed_at
            # Whatever B still had to finish (the prompts of the posting A left) goes out now.
            while True:
                states = await asyncio.to_thread(posting_states, engine)
                if states.get(PostingStatus.DONE.value) == GROUPS or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)

            assert states == {PostingStatus.DONE.value: GROUPS}, f"{states}:\n{logged(b.log)}"
            completed = time.monotonic() - killed_at
            per_group = [len(telegram.sent(c)) for c in chats]
            expected = 1 + len(article.brief.prompts)
            assert [briefs_in(c) for c in chats] == [1] * GROUPS
            assert per_group == [per_group[0]] * GROUPS and per_group[0] >= expected, per_group
            print(
                f"\nfailover: A posted {posted_by_a} groups before SIGKILL; B led after {takeover:.1f} s; "
                f"all {GROUPS} groups had their brief {finished:.1f} s and every posting was complete "
                f"{completed:.1f} s after the kill"
            )
        finally:
            for instance in instances:
                if instance.process.returncode is None:
                    instance.process.send_signal(signal.SIGTERM)
            for instance in instances:
                try:
                    await asyncio.wait_for(instance.process.wait(), 30)
                except TimeoutError:
                    instance.process.kill()
                    await instance.process.wait()
            engine.dispose()
