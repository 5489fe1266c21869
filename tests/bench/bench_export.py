"""Exporting a large discussion archive: 100,000 replies across 20 groups, as Markdown and as JSON."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import partial

from bot.archive.export import export_archive
from bot.archive.model import Archive, ArchivedDiscussion, ArchivedReply
from bot.model import Article, Brief
from tests.bench.harness import Result, best_ms

REPLIES = 100_000
GROUPS = 20
MEMBERS = 300
TARGET_MS = 2000.0


def large_archive(replies: int = REPLIES, *, seed: int = 7) -> Archive:
    """Replies spread over groups and a week, a third answering an earlier reply, some edited and mentioning."""
    rng = random.Random(seed)
    article = Article(
        id="bench-archive",
        title="基准测试文章",
        brief=Brief("headline", "verdict", prompts=("第一题？", "第二题？", "第三题？")),
    )
    start = datetime(2026, 6, 5, 8, tzinfo=UTC)
    names = [f"成员{n} Member{n}" for n in range(MEMBERS)]
    per_group = replies // GROUPS
    discussions = []
    next_id = 1
    for g in range(GROUPS):
        rows: list[ArchivedReply] = []
        for n in range(per_group):
            member = rng.randrange(MEMBERS)
            parent = rows[rng.randrange(len(rows))] if rows and rng.random() < 0.35 else None
            mention = f"@{names[rng.randrange(MEMBERS)]} " if rng.random() < 0.2 else ""
            rows.append(
                ArchivedReply(
                    id=next_id,
                    author_key=f"telegram:{member}",
                    author_name=names[member],
                    text=f"{mention}第{n}条回复：执行层自动化与判断力 <why> & how, line one\nline two",
                    at=start + timedelta(seconds=n * 6),
                    prompt=parent.prompt if parent else rng.choice((0, 1, 2, None)),
                    message_id=f"{g}-{n}",
                    reply_to_message_id=parent.message_id if parent else None,
                    history=("earlier text",) if rng.random() < 0.05 else (),
                    deleted=rng.random() < 0.01,
                )
            )
            next_id += 1
        discussions.append(
            ArchivedDiscussion(f"telegram:-100{g}", f"读书会 {g}", "telegram", start, None, tuple(rows))
        )
    return Archive(article, tuple(discussions), opted_out=frozenset({"telegram:7", "telegram:8"}))


def bench_export() -> list[Result]:
    archive = large_archive()
    results = []
    for fmt in ("md", "json"):
        for pseudonymize in (False, True):
            best, median = best_ms(partial(export_archive, archive, fmt, pseudonymize=pseudonymize), repeat=5)
            size = len(export_archive(archive, fmt, pseudonymize=pseudonymize))
            label = ", pseudonymized" if pseudonymize else ""
            results.append(
                Result(
                    f"export 100k replies: {fmt}{label}",
                    best,
                    "ms",
                    target=TARGET_MS,
                    extra={"median_ms": round(median, 1), "bytes": size},
                )
            )
    return results
