"""Replies recorded through the core: 100,000 member replies across 1,000 open discussions, handed
to `Engine.handle` the way an adapter delivers them (many in flight at once), on a SQLite file and
on PostgreSQL. A reply counts when `handle` returned for it: by then it is committed."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from bot.protocol import ChatRef, Member, MessageEvent
from bot.scheduling.schedule import Schedule, parse_time
from bot.services.core import Core, EngineConfig
from bot.services.domain import Discussion, Group, Posting, PostingStatus
from bot.services.engine import Engine as EngineCore
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.discussions import ReplyRow
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.bench.harness import Result
from tests.postgres import throwaway_database

DISCUSSIONS = 1_000
REPLIES = 100_000
PROMPTS = 3
IN_FLIGHT = 2_000  # replies being handled at once, as a busy adapter would have
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _open_discussions(db: Engine) -> list[tuple[ChatRef, list[str]]]:
    """1,000 groups, each with its discussion open and its prompts posted: (chat, prompt message ids)."""
    out = []
    with SqlUnitOfWorkFactory(db)() as uow:
        for n in range(DISCUSSIONS):
            chat = ChatRef("bench", f"g{n}")
            group = uow.groups.add(
                Group(
                    0,
                    "bench",
                    chat.chat_id,
                    None,
                    f"Group {n}",
                    Schedule("UTC", parse_time("08:00")),
                    NOW,
                    "en",
                    NOW,
                )
            )
            claimed = uow.postings.claim(
                Posting(
                    0, group.id, "2025-03-03", date(2025, 3, 3), "bench", PostingStatus.SENDING, NOW, "b", NOW
                ),
                Discussion(0, "bench", group.id, None, NOW),
            )
            assert claimed is not None
            posting, discussion = claimed
            prompt_ids = []
            for step in range(PROMPTS + 1):
                message_id = f"{n}-{step}"
                uow.postings.record_sent(posting, step, [message_id], discussion.id, NOW)
                if step:
                    prompt_ids.append(message_id)
            out.append((chat, prompt_ids))
        uow.commit()
    return out


def _events(discussions: list[tuple[ChatRef, list[str]]]) -> list[MessageEvent]:
    """Replies spread over every discussion; one in five answers an earlier reply instead of a prompt."""
    events: list[MessageEvent] = []
    for i in range(REPLIES):
        chat, prompts = discussions[i % DISCUSSIONS]
        earlier = i - 3 * DISCUSSIONS
        reply_to = events[earlier].message_id if i % 5 == 4 and earlier >= 0 else prompts[i % PROMPTS]
        author = Member(f"m{i % 37}", f"Member {i % 37}")
        events.append(
            MessageEvent(
                chat=chat,
                at=NOW + timedelta(milliseconds=i),
                author=author,
                message_id=f"r{i}",
                text=f"Reply {i}: a few words about the prompt, as members write them.",
                reply_to=reply_to,
            )
        )
    return events


async def _record(engine: EngineCore, events: list[MessageEvent]) -> float:
    start = time.perf_counter()
    for first in range(0, len(events), IN_FLIGHT):
        await asyncio.gather(*(engine.handle(e) for e in events[first : first + IN_FLIGHT]))
    return time.perf_counter() - start


def _measure(url: str, name: str, target: float) -> Result:
    db = make_engine(url)
    try:
        upgrade(db)
        discussions = _open_discussions(db)
        events = _events(discussions)
        core = Core(
            uow=SqlUnitOfWorkFactory(db), articles=ArticleStore(db), config=EngineConfig(instance_id="bench")
        )
        engine = EngineCore(core)
        warm_start = time.perf_counter()
        engine.warm_up()  # what `atou run` does at start
        warm_up = time.perf_counter() - warm_start
        seconds = asyncio.run(_record(engine, events))
        with db.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(ReplyRow)).scalar_one()
            prompted = conn.execute(
                select(func.count()).select_from(ReplyRow).where(ReplyRow.prompt.is_not(None))  # type: ignore[union-attr]
            ).scalar_one()
        if stored != REPLIES or prompted != REPLIES:
            raise AssertionError(
                f"{stored} replies stored ({prompted} with their prompt), expected {REPLIES}"
            )
        return Result(
            name,
            REPLIES / seconds,
            "replies/s",
            target=target,
            better="higher",
            extra={
                "replies": REPLIES,
                "discussions": DISCUSSIONS,
                "seconds": round(seconds, 3),
                "in_flight": IN_FLIGHT,
                "warm_up_seconds": round(warm_up, 3),
            },
        )
    finally:
        db.dispose()


def bench_replies_sqlite() -> Result:
    with tempfile.TemporaryDirectory() as folder:
        return _measure(f"sqlite:///{Path(folder) / 'bench.db'}", "replies recorded (SQLite file)", 5_000)


def bench_replies_postgres() -> Result:
    with throwaway_database("atou_bench") as url:
        return _measure(url, "replies recorded (PostgreSQL)", 3_000)
