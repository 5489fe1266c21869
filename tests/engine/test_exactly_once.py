"""Exactly one post per group and due local date, with a controlled clock, across daylight saving
changes, days of the week, skip dates, a crash and restart inside the posting window, and two
engine instances sharing one database (each in its own thread, as two processes would)."""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from bot.protocol import BotAdded, ChatRef, CommandEvent, Member
from bot.render.document import Document
from bot.services.core import Core, EngineConfig
from bot.services.domain import PostingStatus
from bot.services.engine import Engine as EngineCore
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.engine.conftest import make_article
from tests.engine.fakes import Crash, FakeClock, RecordingPlatform, Sent, utc

ADMIN = Member("admin", "Ada")
# Both clock changes fall in this window: London goes back on Sunday 26 October (01:00–02:00 local
# happens twice), New York on Sunday 2 November (01:00–02:00 local happens twice).
START = utc(2025, 10, 23, 12, 0)
END = utc(2025, 11, 4, 12, 0)
ARTICLES = 16


@dataclass(frozen=True)
class GroupCase:
    chat: str
    schedule: str  # what the admin types after /schedule
    skips: tuple[str, ...]
    days: frozenset[int]  # weekdays it posts on (0 = Monday)
    first: date  # first and last local dates with a post inside [START, END], worked out by hand
    last: date

    def expected(self) -> list[date]:
        out, day = [], self.first
        while day <= self.last:
            if day.weekday() in self.days and day.isoformat() not in self.skips:
                out.append(day)
            day += timedelta(days=1)
        return out


CASES = (
    # 08:00 in Shanghai is 00:00 UTC all year: Friday 24 October … Tuesday 4 November.
    GroupCase(
        "shanghai",
        "08:00 Asia/Shanghai daily",
        ("2025-10-30",),
        frozenset(range(7)),
        date(2025, 10, 24),
        date(2025, 11, 4),
    ),
    # 01:30 in London, Friday to Monday: on Sunday 26 October 01:30 happens twice (one post, at the
    # first); Monday 3 November is the last (Tuesday 4 is not a posting day).
    GroupCase(
        "london",
        "01:30 Europe/London fri-mon",
        ("2025-11-01",),
        frozenset({4, 5, 6, 0}),
        date(2025, 10, 24),
        date(2025, 11, 3),
    ),
    # 01:30 in New York, Sunday to Thursday: Thursday 23 October (05:30 UTC) is before START, so the
    # first is Sunday 26; 01:30 happens twice on Sunday 2 November; Tuesday 4 (06:30 UTC) is the last.
    GroupCase(
        "newyork",
        "01:30 America/New_York sun-thu",
        ("2025-10-28",),
        frozenset({6, 0, 1, 2, 3}),
        date(2025, 10, 26),
        date(2025, 11, 4),
    ),
)


class SharedPlatform(RecordingPlatform):
    """One chat service both instances talk to; `crash_on` kills the sender at a given message."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.crash_on: tuple[str, str] | None = None  # (chat id, text start) that makes the sender die

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        with self.lock:
            if self.crash_on and chat.chat_id == self.crash_on[0] and doc.plain.startswith(self.crash_on[1]):
                self.crash_on = None
                raise Crash()
            ids = [self._next()]
            self.sent.append(Sent(chat, doc, ids, reply_to))
        return ids


def instance(db: Engine, clock: FakeClock, platform: SharedPlatform, name: str) -> EngineCore:
    core = Core(
        uow=SqlUnitOfWorkFactory(db),
        articles=ArticleStore(db),
        clock=clock,
        config=EngineConfig(instance_id=name, grace=timedelta(hours=6), default_lang="en"),
    )
    engine = EngineCore(core)
    engine.register_platform(platform)
    return engine


@pytest.fixture
def two_databases(database_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines (connection pools) on one database, as two processes would have."""
    first = make_engine(database_url)
    upgrade(first)
    ArticleStore(first).add_all([make_article(f"n{i:02d}", prompts=2) for i in range(ARTICLES)])
    second = make_engine(database_url)
    yield first, second
    first.dispose()
    second.dispose()


@pytest.mark.slow
def test_every_group_posts_exactly_once_per_due_local_date(two_databases: tuple[Engine, Engine]) -> None:
    db_a, db_b = two_databases
    clock = FakeClock(START)
    platform = SharedPlatform()
    a = instance(db_a, clock, platform, "a")
    b = instance(db_b, clock, platform, "b")

    async def set_up() -> None:
        for case in CASES:
            chat = ChatRef("fake", case.chat)
            await a.handle(BotAdded(chat=chat, at=clock.now(), title=case.chat))
            name, *args = ["schedule", *case.schedule.split()]
            await a.handle(CommandEvent(chat=chat, at=clock.now(), author=ADMIN, name=name, args=tuple(args)))
            for day in case.skips:
                await a.handle(
                    CommandEvent(chat=chat, at=clock.now(), author=ADMIN, name="skip", args=(day,))
                )

    asyncio.run(set_up())
    with SqlUnitOfWorkFactory(db_a)() as uow:
        group_ids = {g.chat_id: g.id for g in uow.groups.list()}

    # The London post of Sunday 26 October (the night the clocks change) kills its sender after the
    # brief: that instance restarts as a new process, and whoever resumes the posting first finishes it.
    crash_at = utc(2025, 10, 25, 23, 0)
    crashed = False
    rng = random.Random(4)

    def run(engine: EngineCore) -> str | None:
        async def tick() -> None:
            await engine.sweep()
            for gid in group_ids.values():  # the cron jobs of both instances fire as well
                await engine.wake(gid)

        try:
            asyncio.run(tick())
        except Crash:
            return "crashed"
        return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        while clock.now() < END:
            step = timedelta(minutes=rng.randrange(90, 300))  # never more than the 6-hour grace window
            clock.current = min(clock.now() + step, END)
            if not crashed and clock.now() >= crash_at:
                platform.crash_on = ("london", "Headline of")
            outcomes = list(pool.map(run, [a, b]))
            if "crashed" in outcomes:
                crashed = True
                if outcomes[0] == "crashed":
                    a = instance(db_a, clock, platform, "a-restarted")
                else:
                    b = instance(db_b, clock, platform, "b-restarted")
    assert crashed

    queue = [f"n{i:02d}" for i in range(ARTICLES)]
    senders: set[str] = set()
    with SqlUnitOfWorkFactory(db_a)() as uow:
        for case in CASES:
            postings = uow.postings.for_group(group_ids[case.chat])
            done = [p for p in postings if p.is_article]  # recaps are postings of their own
            assert [p.local_date for p in done] == case.expected(), case.chat
            assert len([p for p in postings if p.slot.startswith("recap:")]) == len(done) - 1
            assert all(p.status is PostingStatus.DONE for p in postings), case.chat  # none missed, none stuck
            # Each article once, in queue order.
            assert [p.article_id for p in done] == queue[: len(done)]
            senders |= {p.owner.split("-")[0] for p in postings}
    assert senders == {"a", "b"}  # both instances did part of the work

    # On the chat: every brief and every prompt exactly once.
    counts = Counter((s.chat.chat_id, s.doc.plain) for s in platform.sent)
    assert max(counts.values()) == 1
    for case in CASES:
        briefs = [
            s for s in platform.sent if s.chat.chat_id == case.chat and s.doc.plain.startswith("Headline of")
        ]
        assert len(briefs) == len(case.expected())
        prompts = [
            s
            for s in platform.sent
            if s.chat.chat_id == case.chat and s.doc.plain.startswith("Discussion prompt")
        ]
        assert len(prompts) == 2 * len(case.expected())
