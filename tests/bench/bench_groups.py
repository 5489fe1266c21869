"""The operator's view and the queue warnings at scale: 10,000 groups on a SQLite file.

- `atou groups` reads every group, its queue progress and its last post in a few queries
  (`bot.services.overview.overview`): the time for 10,000 groups.
- Every sweep checks whether a group's queue runs dry soon (`warn_running_dry`): its time for
  10,000 groups that were all told already and keep one article each (the steady state in which
  every group needs its slots computed).
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, time
from pathlib import Path

from bot.bootstrap import build_engine
from bot.config import Settings
from bot.scheduling.schedule import Schedule
from bot.services.domain import Group
from bot.services.overview import overview
from bot.services.queue_warnings import warn_running_dry
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from tests.bench.harness import Result, best_ms
from tests.engine.conftest import make_article

GROUPS = 10_000
OVERVIEW_TARGET_MS = 3_000.0  # most of it is loading the 10,000 groups, as every sweep does
WARNINGS_TARGET_MS = 500.0


def _seeded(folder: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{folder / 'atou.db'}"
    db = make_engine(url)
    upgrade(db)
    ArticleStore(db).add(make_article("only-one"))
    engine = build_engine(Settings(_env_file=None, database_url=url, queue_warning_days=3), db)  # type: ignore[call-arg]
    now = datetime.now(UTC)
    with engine.core.uow() as uow:
        for n in range(GROUPS):
            uow.groups.add(
                Group(
                    id=0,
                    platform="telegram",
                    chat_id=str(-100_000 - n),
                    thread_id=None,
                    title=f"Group {n}",
                    schedule=Schedule("Asia/Shanghai", time(8, 0)),
                    schedule_since=now,
                    lang="zh-Hans",
                    created_at=now,
                    queue_warned=True,
                )
            )
        uow.commit()
    return db, engine


def bench_groups_at_scale() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        db, engine = _seeded(Path(tmp))
        try:
            core = engine.core
            best, median = best_ms(lambda: overview(core), repeat=5)
            listed = Result(
                f"atou groups: overview of {GROUPS:,} groups",
                best,
                "ms",
                target=OVERVIEW_TARGET_MS,
                extra={"median_ms": median},
            )
            with core.uow() as uow:
                every = uow.groups.list()
            queue = core.articles.queue_ids()
            best, median = best_ms(
                lambda: asyncio.run(warn_running_dry(core, every, len(queue), {})), repeat=5
            )
            warned = Result(
                f"queue warnings: one sweep's check of {GROUPS:,} short queues",
                best,
                "ms",
                target=WARNINGS_TARGET_MS,
                extra={"median_ms": median},
            )
        finally:
            db.dispose()
    return [listed, warned]
