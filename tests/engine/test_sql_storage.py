"""The engine's repositories on real databases (a SQLite file and PostgreSQL): the same behaviour
the core tests rely on from the in-memory fakes, plus the archive reader."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.archive.export import export_archive
from bot.bootstrap import build_engine
from bot.config import Settings
from bot.protocol import BotAdded, ChatRef, DeleteEvent, EditEvent, Member
from bot.services.core import Core, EngineConfig
from bot.services.domain import Discussion, NewReply, Posting, PostingStatus
from bot.services.engine import Engine as Core_Engine
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.discussions import highest_message_number, load_archive
from storage.instances import ALIVE_WITHIN, InstanceStatus, report
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.engine.conftest import Responses, World, make_article
from tests.engine.fakes import Crash, FakeClock, RecordingPlatform, utc

BOB = Member("bob", "Bob")
CY = Member("cy", "Cy")


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    ArticleStore(engine).add_all([make_article("a1"), make_article("a2")])
    yield engine
    engine.dispose()


def sql_world(db: Engine, *, instance: str = "one", clock: FakeClock | None = None) -> World:
    clock = clock or FakeClock(utc(2025, 3, 3))
    store = SqlUnitOfWorkFactory(db)
    articles = ArticleStore(db)
    core = Core(
        uow=store,
        articles=articles,
        clock=clock,
        config=EngineConfig(instance_id=instance, default_lang="en"),
    )
    engine = Core_Engine(core)
    platform = RecordingPlatform()
    engine.register_platform(platform)
    return World(engine, core, store, clock, articles, platform, ChatRef("fake", "c1"), Responses())  # type: ignore[arg-type]


def _posting(group_id: int, slot: str, article: str) -> Posting:
    now = utc(2025, 3, 3)
    lease = now + timedelta(minutes=2)
    return Posting(0, group_id, slot, date(2025, 3, 3), article, PostingStatus.SENDING, now, "me", lease)


async def test_a_slot_and_an_article_are_claimed_once(db: Engine) -> None:
    w = sql_world(db)
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers"))
    gid = w.group().id
    store = SqlUnitOfWorkFactory(db)
    with store() as uow:
        first = uow.postings.claim(
            _posting(gid, "2025-03-03", "a1"), Discussion(0, "a1", gid, None, w.clock.now())
        )
        assert first is not None
        uow.commit()
    with store() as uow:
        again = uow.postings.claim(
            _posting(gid, "2025-03-03", "a2"), Discussion(0, "a2", gid, None, w.clock.now())
        )
        same_article = uow.postings.claim(
            _posting(gid, "x", "a1"), Discussion(0, "a1", gid, None, w.clock.now())
        )
        assert again is None and same_article is None
        # A lost claim leaves the rest of the transaction usable.
        assert uow.postings.record_missed(gid, "2025-03-04", date(2025, 3, 4), w.clock.now(), "late")
        assert not uow.postings.record_missed(gid, "2025-03-03", date(2025, 3, 3), w.clock.now(), "late")
        uow.commit()
    with store() as uow:
        assert uow.postings.taken_slots(gid, ["2025-03-03", "2025-03-04", "2025-03-05"]) == {
            "2025-03-03",
            "2025-03-04",
        }
        assert uow.postings.progress(gid) == {"a1"}
        assert uow.postings.progress_counts(["a1", "a2", "unknown"]) == {gid: 1}
        posting = first[0]
        now = w.clock.now()
        assert [p.id for p in uow.postings.unfinished()] == [posting.id]
        assert not uow.postings.take_over(posting.id, "other", now, now)  # the lease holds
        assert not uow.postings.take_over(posting.id, "other", now, now, gone="not its sender")
        later = now + timedelta(minutes=5)
        assert uow.postings.take_over(posting.id, "other", later, later + timedelta(minutes=2))
        assert not uow.postings.take_over(posting.id, "third", later, later)
        # Its new sender died: the posting is taken from it before the lease ends, by one instance.
        assert uow.postings.take_over(posting.id, "third", later, later + timedelta(minutes=2), gone="other")
        assert not uow.postings.take_over(posting.id, "fourth", later, later, gone="other")
        assert uow.postings.get(posting.id).owner == "third"  # type: ignore[union-attr]
        uow.commit()


async def test_the_whole_flow_on_the_database(db: Engine) -> None:
    w = sql_world(db)
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers"))
    await w.command("/persona Investing @bob", mentions=[BOB])
    await w.command("/schedule 09:00 Europe/London mon-fri")
    w.clock.current = utc(2025, 3, 3, 9, 0)
    await w.engine.sweep()
    brief, p1, p2, p3 = (s.ids[0] for s in w.platform.sent[1:5])
    first = await w.say(BOB, "bob on one", reply_to=p1)
    await w.say(CY, "cy answers bob", reply_to=first)
    await w.say(CY, "cy on three", reply_to=p3)
    gone = await w.say(BOB, "oops", reply_to=p2)
    await w.send(EditEvent(chat=w.chat, at=w.clock.now(), message_id=first, text="bob on one, edited"))
    await w.send(DeleteEvent(chat=w.chat, at=w.clock.now(), message_id=gone))
    await w.command("/optout", author=CY)

    archive = load_archive(db, "a1", group_key="fake:c1")
    assert archive is not None and archive.opted_out == frozenset({"fake:cy"})
    [d] = archive.discussions
    assert [(r.author_name, r.text, r.prompt, r.deleted, r.history) for r in d.replies] == [
        ("Bob", "bob on one, edited", 0, False, ("bob on one",)),
        ("Cy", "cy answers bob", 0, False, ()),
        ("Cy", "cy on three", 2, False, ()),
        ("Bob", "oops", 1, True, ()),
    ]
    assert d.closed_at is None and d.group_title == "Readers"
    assert load_archive(db, "a1", group_key="fake:nowhere") is not None
    assert load_archive(db, "missing") is None

    w.clock.current = utc(2025, 3, 4, 9, 0)
    await w.engine.sweep()
    recap = next(t for t in w.platform.texts() if t.startswith("Discussion closed"))
    assert "Participants: Bob" in recap and "Cy" not in recap.split("Participants:")[1].split("\n")[0]
    archive = load_archive(db, "a1")
    assert archive is not None and archive.discussions[0].closed_at == utc(2025, 3, 4, 9, 0)
    markdown = export_archive(archive, "md").decode()
    assert "bob on one, edited" in markdown and "cy on three" not in markdown

    group = w.group()
    assert group.personas["Investing"].member_id == "bob"
    assert group.schedule.days_text() == "mon-fri"
    await w.command("/forget", author=BOB)
    [[button]] = w.responses.items[-1][0].buttons
    assert button.action is not None
    await w.press(button.action, author=BOB)
    assert w.responses.last == "Done: 2 of your replies were removed."


async def test_a_reply_handed_in_twice_is_stored_once_and_closed_discussions_take_none(db: Engine) -> None:
    w = sql_world(db)
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers"))
    await w.command("/postnow")
    gid = w.group().id
    store = SqlUnitOfWorkFactory(db)
    with store() as uow:
        [d] = uow.discussions.open_for_group(gid)
        reply = NewReply(d.id, gid, "fake:bob", "Bob", "twice", w.clock.now(), 0, "77")
        assert uow.discussions.add_replies([reply, reply]) == [True, True]
        uow.commit()
    with store() as uow:
        assert len(uow.discussions.reply_stats(d.id)) == 1
        d.close(w.clock.now())
        uow.discussions.save(d)
        assert uow.discussions.add_replies([reply]) == [False]
        uow.commit()


async def test_console_message_numbers_continue_after_the_stored_ones(db: Engine) -> None:
    assert highest_message_number(db, "console") == 0
    w = sql_world(db)
    w.platform.name = "console"
    w.engine.register_platform(w.platform)
    w.chat = ChatRef("console", "demo")
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Demo"))
    await w.command("/postnow")
    highest = max(int(s.ids[0]) for s in w.platform.sent)
    assert highest_message_number(db, "console") == highest
    assert highest_message_number(db, "fake") == 0


async def test_with_heartbeats_a_dead_senders_posting_is_resumed_without_waiting_for_its_lease(
    db: Engine,
) -> None:
    dead = sql_world(db, instance="host:1")
    await dead.send(BotAdded(chat=dead.chat, at=dead.clock.now(), title="Readers"))
    report(db, heartbeat("host:1", dead.clock.now()))
    dead.platform.sent.clear()  # the greeting
    dead.platform.failures = [None, Crash()]  # the brief goes out, then the process is killed
    with pytest.raises(Crash):
        await dead.command("/postnow")
    # Another instance, built as `atou run` builds it: it reports a heartbeat of its own.
    settings = Settings(database_url="sqlite://", default_lang="en", _env_file=None)  # type: ignore[call-arg]
    alive = build_engine(settings, db, clock=dead.clock, instance_id="host:2")
    alive.register_platform(dead.platform)
    dead.clock.advance(timedelta(seconds=20))
    report(db, heartbeat("host:2", dead.clock.now()))
    again = await alive.sweep()
    assert len(dead.platform.sent) == 1  # host:1 reported 20 s ago: it may be alive still
    assert again == utc(2025, 3, 3) + ALIVE_WITHIN
    dead.clock.current = again
    await alive.sweep()
    assert len(dead.platform.sent) == 4  # the three prompts, 30 s after the kill (the lease was 2 min)
    with SqlUnitOfWorkFactory(db)() as uow:
        [posting] = uow.postings.for_group(dead.group().id)
    assert posting.status is PostingStatus.DONE and posting.owner == "host:2"


def heartbeat(name: str, at: datetime) -> InstanceStatus:
    return InstanceStatus(name=name, version="test", started_at=at, seen_at=at, leader=False)
