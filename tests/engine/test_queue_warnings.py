"""Admins hear ahead of time that their group's queue runs dry: once per stretch, durable, in their language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine as Database

from bot.bootstrap import build_engine
from bot.config import Settings
from bot.protocol import BotAdded, ChatRef, PlatformError
from bot.scheduling.schedule import Schedule
from bot.services import groups
from bot.services.core import EngineConfig
from storage.articles import ArticleStore
from storage.db import open_database
from tests.engine.conftest import World, build_world, make_article
from tests.engine.fakes import RecordingPlatform, utc

WARNING = "left in the queue for this group"


async def _joined(articles: int, *, days: int = 3, lang: str = "en") -> World:
    w = build_world(
        now=utc(2025, 3, 3, 0, 0),
        articles=[make_article(f"a{i}") for i in range(articles)],
        config=EngineConfig(instance_id="one", default_lang=lang, queue_warning_days=days),
    )
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers"))
    await w.command("/schedule 09:00 UTC")
    w.platform.sent.clear()
    return w


def _warnings(w: World) -> list[str]:
    return [t for t in w.platform.texts() if WARNING in t or "篇文章" in t]


async def _days(w: World, first: int, last: int) -> None:
    """Run the sweeps of each day of March from `first` to `last`: at the post time and after it."""
    for day in range(first, last + 1):
        w.clock.current = utc(2025, 3, day, 9, 0)
        await w.engine.sweep()
        w.advance(minutes=30)
        await w.engine.sweep()


async def test_admins_are_told_once_when_the_queue_will_run_dry_within_the_window() -> None:
    w = await _joined(4)
    await _days(w, 3, 3)
    assert _warnings(w) == []  # 3 left for the next 3 days' posts: enough
    await _days(w, 4, 6)
    assert _warnings(w) == [
        "Admins: only 2 articles are left in the queue for this group, so the post on 2025-03-07 will find "
        "nothing. Send an article file with /import to add one."
    ]
    await _days(w, 7, 8)
    assert len(_warnings(w)) == 1  # the empty queue is told by its own notice, the warning not again
    assert sum("queue is empty" in t for t in w.platform.texts()) == 1


async def test_a_queue_kept_short_is_not_announced_daily_but_a_refilled_one_is_again() -> None:
    w = await _joined(3)
    await _days(w, 3, 4)
    assert len(_warnings(w)) == 1
    for day in (5, 6, 7):  # an article a day comes in, one a day goes out: still short, no new notice
        w.articles.add(make_article(f"daily{day}"))
        await _days(w, day, day)
    assert len(_warnings(w)) == 1
    for n in range(5):  # refilled: the stretch is over
        w.articles.add(make_article(f"refill{n}"))
    await _days(w, 8, 8)
    assert not w.group().queue_warned
    await _days(w, 9, 12)  # and running short again is a new stretch
    assert len(_warnings(w)) == 2


async def test_the_warning_is_in_the_group_language_and_can_be_turned_off() -> None:
    chinese = await _joined(1, lang="zh-Hans")
    await chinese.engine.sweep()
    assert _warnings(chinese) == [
        "管理员：本群的阅读队列里只剩 1 篇文章，2025-03-04 的推送将无文章可发。用 /import 发送文章文件即可添加。"
    ]
    off = await _joined(1, days=0)
    await _days(off, 3, 3)
    assert _warnings(off) == []


async def test_a_paused_group_is_not_warned() -> None:
    w = await _joined(1)
    await w.command("/pause")
    w.platform.sent.clear()
    await w.engine.sweep()
    assert _warnings(w) == []


async def test_a_warning_that_could_not_be_sent_goes_out_at_a_later_sweep() -> None:
    w = await _joined(2)
    w.platform.failures = [PlatformError("the platform is down")]
    await w.engine.sweep()
    assert _warnings(w) == []
    await w.engine.sweep()  # the retry waits for its back-off
    assert _warnings(w) == []
    w.advance(minutes=2)
    await w.engine.sweep()
    await w.engine.sweep()
    assert len(_warnings(w)) == 1 and "only 2 articles" in _warnings(w)[0]


async def test_on_the_database_the_mark_is_kept_and_another_instance_does_not_repeat_it(database_url: str) -> None:
    db = open_database(Settings(database_url=database_url, auto_upgrade=True))
    try:
        ArticleStore(db).add(make_article("only"))
        sent = [await _sweep_as(db, database_url, name) for name in ("first", "second", "first")]
    finally:
        db.dispose()
    assert [len(s) for s in sent] == [1, 0, 0]
    assert "only 1 article is left" in sent[0][0]


async def _sweep_as(db: Database, url: str, instance: str) -> list[str]:
    """One sweep by an instance of the bot on the database; what it warned."""
    settings = Settings(database_url=url, default_lang="en", queue_warning_days=3)
    engine = build_engine(settings, db, instance_id=instance)
    platform = RecordingPlatform("telegram")
    engine.register_platform(platform)
    group, created = groups.register(engine.core, ChatRef("telegram", "-1001"), "Readers")
    if created:  # posts in an hour, daily: one article cannot last three days
        soon = (datetime.now(UTC) + timedelta(hours=1)).time().replace(second=0, microsecond=0)
        groups.reschedule(engine.core, group.id, Schedule("UTC", soon))
    await engine.sweep()
    return [t for t in platform.texts() if WARNING in t]
