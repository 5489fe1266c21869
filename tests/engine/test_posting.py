"""Posting on fakes: the brief and prompts go out once per slot, resume after a crash, react to
platform errors, and an empty queue is reported once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.protocol import BotAdded, ChatGone, ChatMoved, ChatRef, Member, PlatformError, ThreadGone
from bot.services.core import EngineConfig
from bot.services.domain import PostingStatus
from bot.services.engine import Engine
from tests.engine.conftest import World, build_world, make_article
from tests.engine.fakes import Crash, RecordingPlatform, utc

BOB = Member("bob", "Bob")


async def join(w: World, *, forum: bool = False) -> None:
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers", forum=forum))
    w.platform.sent.clear()


async def test_post_now_sends_the_brief_then_each_prompt_as_its_own_message(world: World) -> None:
    await join(world)
    await world.command("/postnow")
    texts = world.platform.texts()
    assert len(texts) == 4
    assert texts[0].startswith("Headline of a1")
    assert [t.splitlines()[-1] for t in texts[1:]] == [f"Prompt {n} of a1?" for n in (1, 2, 3)]
    assert all(s.chat == world.chat for s in world.platform.sent)
    [posting] = world.postings()
    assert posting.status is PostingStatus.DONE and posting.article_id == "a1"
    assert sorted(posting.sent) == [0, 1, 2, 3]


async def test_scheduled_post_happens_once_however_often_the_engine_wakes(world: World) -> None:
    await join(world)
    await world.command("/schedule 09:00 UTC")
    world.clock.current = utc(2025, 3, 3, 9, 0)
    for _ in range(3):
        await world.engine.sweep()
        await world.engine.wake(world.group().id)
    assert sum(t.startswith("Headline of") for t in world.platform.texts()) == 1
    world.advance(hours=1)
    await world.engine.sweep()
    assert sum(t.startswith("Headline of") for t in world.platform.texts()) == 1


async def test_the_next_article_closes_the_previous_discussion_with_a_recap_first(world: World) -> None:
    await join(world)
    await world.command("/schedule 09:00 UTC")
    world.clock.current = utc(2025, 3, 3, 9, 0)
    await world.engine.sweep()
    prompt1 = world.platform.sent[1].ids[0]
    await world.say(BOB, "an answer", reply_to=prompt1)
    world.platform.sent.clear()
    world.clock.current = utc(2025, 3, 4, 9, 0)
    await world.engine.sweep()
    texts = world.platform.texts()
    assert texts[0].startswith("Discussion closed: Title of a1")
    assert "Participants: Bob" in texts[0]
    assert texts[1].startswith("Headline of a2")


async def test_a_post_missed_while_down_is_made_up_within_the_grace_window_or_recorded(world: World) -> None:
    await join(world)
    await world.command("/schedule 09:00 UTC")
    world.clock.current = utc(2025, 3, 3, 14, 59)  # down from before 09:00 until now: 5 h 59 late
    await world.engine.sweep()
    assert world.platform.texts()[0].startswith("Headline of a1")
    world.platform.sent.clear()
    world.clock.current = utc(2025, 3, 4, 15, 1)  # 6 h 1 min late: the day is skipped
    await world.engine.sweep()
    assert world.platform.sent == []
    by_slot = {p.slot: p for p in world.postings()}
    assert by_slot["2025-03-04"].status is PostingStatus.MISSED
    assert by_slot["2025-03-04"].article_id is None
    world.clock.current = utc(2025, 3, 5, 9, 0)
    await world.engine.sweep()
    texts = world.platform.texts()
    assert texts[0].startswith("Discussion closed: Title of a1")
    assert texts[1].startswith("Headline of a2")  # a2 was not used up by the skipped day


async def test_a_crash_mid_posting_resumes_at_the_first_unsent_message(world: World) -> None:
    await join(world)
    world.platform.failures = [None, None, Crash()]  # brief and prompt 1 go out, then the process dies
    try:
        await world.command("/postnow")
    except Crash:
        pass
    assert len(world.platform.sent) == 2
    # A new process on the same database, another instance id.
    restarted = build_world(
        now=world.clock.now(),
        articles=[make_article("a1"), make_article("a2")],
        store=world.store,
        config=EngineConfig(instance_id="two", default_lang="en"),
    )
    restarted.platform = world.platform
    restarted.engine.register_platform(world.platform)
    await restarted.engine.sweep()
    assert len(world.platform.sent) == 2  # the lease of the dead sender still holds
    restarted.advance(minutes=3)
    await restarted.engine.sweep()
    texts = world.platform.texts()
    assert len(texts) == 4
    assert [t.splitlines()[-1] for t in texts[1:]] == [f"Prompt {n} of a1?" for n in (1, 2, 3)]
    [posting] = restarted.postings()
    assert posting.status is PostingStatus.DONE and posting.owner == "two"


def restart_as(world: World, instance: str, heartbeats: dict[str, datetime]) -> World:
    """Another process on the same store and platform, told which instances report alive (and until when)."""
    other = build_world(
        now=world.clock.now(),
        articles=[make_article("a1"), make_article("a2")],
        store=world.store,
        config=EngineConfig(instance_id=instance, default_lang="en"),
    )
    other.clock = world.clock
    other.core.clock = world.clock
    other.core.liveness = lambda now: {name: until for name, until in heartbeats.items() if until > now}
    other.platform = world.platform
    other.engine.register_platform(world.platform)
    return other


async def crash_after_the_first_prompt(world: World) -> None:
    await join(world)
    world.platform.failures = [None, None, Crash()]
    with pytest.raises(Crash):
        await world.command("/postnow")
    assert len(world.platform.sent) == 2


async def test_a_dead_senders_posting_is_taken_over_once_it_no_longer_reports_alive(world: World) -> None:
    await crash_after_the_first_prompt(world)
    heartbeats = {"one": world.clock.now() + timedelta(seconds=30)}  # its last report counts for 30 s
    two = restart_as(world, "two", heartbeats)
    again = await two.engine.sweep()
    assert len(world.platform.sent) == 2  # its sender may still be alive
    assert again == heartbeats["one"]  # the sweep asks to come back as soon as that is no longer so
    world.clock.current = again
    assert await two.engine.sweep() is None
    assert [t.splitlines()[-1] for t in world.platform.texts()[1:]] == [
        f"Prompt {n} of a1?" for n in (1, 2, 3)
    ]
    [posting] = two.postings()
    assert posting.status is PostingStatus.DONE and posting.owner == "two"
    assert posting.lease_until > world.clock.now()  # long before the dead sender's lease ran out


async def test_a_live_senders_lease_is_honoured_and_its_posting_finished_by_one_instance(
    world: World,
) -> None:
    await crash_after_the_first_prompt(world)  # the sender stalls (its process lives on)
    heartbeats = {"one": world.clock.now() + timedelta(seconds=30)}
    two = restart_as(world, "two", heartbeats)
    three = restart_as(world, "three", heartbeats)
    for _ in range(11):  # "one" keeps reporting: nothing is taken from it while its lease runs
        heartbeats["one"] = world.clock.now() + timedelta(seconds=30)
        assert await two.engine.sweep() is not None
        world.advance(seconds=10)
    assert len(world.platform.sent) == 2
    world.advance(seconds=15)  # two minutes without a message: the lease ends even though it is alive
    heartbeats["one"] = world.clock.now() + timedelta(seconds=30)
    heartbeats["two"] = heartbeats["three"] = world.clock.now() + timedelta(seconds=30)
    await asyncio.gather(two.engine.sweep(), three.engine.sweep())
    assert len(world.platform.sent) == 4
    [posting] = two.postings()
    assert posting.status is PostingStatus.DONE and posting.owner in ("two", "three")


async def test_chat_gone_pauses_the_group_with_the_reason_and_resume_finishes_the_post(world: World) -> None:
    await join(world)
    world.platform.failures = [None, ChatGone("bot was kicked")]
    await world.command("/postnow")
    group = world.group()
    assert not group.active and "bot was kicked" in (group.paused_reason or "")
    [posting] = world.postings()
    assert posting.status is PostingStatus.FAILED and "kicked" in (posting.error or "")
    world.advance(hours=2)
    await world.engine.sweep()
    assert len(world.platform.sent) == 1  # paused: nothing more
    await world.command("/resume")
    world.advance(hours=2)
    await world.engine.sweep()
    assert [t.splitlines()[-1] for t in world.platform.texts()[1:]] == [
        f"Prompt {n} of a1?" for n in (1, 2, 3)
    ]


async def test_chat_moved_follows_the_new_id_and_retries(world: World) -> None:
    await join(world)
    world.platform.failures = [ChatMoved("c9")]
    await world.command("/postnow")
    assert world.group().chat_id == "c9"
    assert [s.chat.chat_id for s in world.platform.sent] == ["c9"] * 4
    # Events from the new chat id reach the same group and discussion.
    new_chat = ChatRef("fake", "c9")
    prompt2 = world.platform.sent[2].ids[0]
    await world.say(BOB, "moved but heard", reply_to=prompt2, chat=new_chat)
    with world.store() as uow:
        [d] = uow.discussions.archived("a1")
    assert [(r.text, r.prompt) for r in d.replies] == [("moved but heard", 1)]


async def test_forum_groups_get_a_thread_per_article_and_fall_back_when_it_is_gone() -> None:
    w = build_world(now=utc(2025, 3, 3), articles=[make_article("a1")], threads=True)
    await join(w, forum=True)
    await w.command("/postnow")
    [(thread, title, from_message)] = w.platform.opened
    assert title == "Title of a1" and from_message == w.platform.sent[0].ids[0]
    assert w.platform.sent[0].chat == w.chat  # the brief in the channel, the prompts in the thread
    assert [s.chat for s in w.platform.sent[1:]] == [thread] * 3
    # A message in the thread is part of the discussion; a reply to a prompt there carries the prompt.
    await w.say(BOB, "in the thread", chat=thread)
    await w.say(BOB, "on prompt 3", chat=thread, reply_to=w.platform.sent[3].ids[0])
    with w.store() as uow:
        [d] = uow.discussions.archived("a1")
    assert [(r.text, r.prompt) for r in d.replies] == [("in the thread", None), ("on prompt 3", 2)]

    w2 = build_world(now=utc(2025, 3, 3), articles=[make_article("a1")], threads=True)
    await join(w2, forum=True)
    w2.platform.failures = [None, ThreadGone("topic deleted")]
    await w2.command("/postnow")
    texts = w2.platform.texts()
    assert "topic or thread for this article is gone" in texts[1]
    assert all(s.chat == w2.chat for s in w2.platform.sent)
    assert [t.splitlines()[-1] for t in texts[2:]] == [f"Prompt {n} of a1?" for n in (1, 2, 3)]


async def test_other_failures_are_recorded_and_retried_on_a_later_tick(world: World) -> None:
    await join(world)
    world.platform.failures = [None, PlatformError("flood control"), PlatformError("flood control")]
    await world.command("/postnow")
    [posting] = world.postings()
    assert posting.status is PostingStatus.FAILED and posting.attempts == 1
    assert posting.error == "PlatformError: flood control"
    world.advance(minutes=1)
    await world.engine.sweep()  # the retry fails again: waits twice as long
    [posting] = world.postings()
    assert posting.attempts == 2 and posting.lease_until == world.clock.now() + timedelta(minutes=2)
    world.advance(minutes=2)
    await world.engine.sweep()
    [posting] = world.postings()
    assert posting.status is PostingStatus.DONE
    assert len(world.platform.sent) == 4  # nothing sent twice


async def test_an_empty_queue_posts_nothing_and_tells_admins_once() -> None:
    w = build_world(now=utc(2025, 3, 3), articles=[])
    await join(w)
    await w.command("/schedule 09:00 UTC")
    for day in (3, 4, 5):
        w.clock.current = utc(2025, 3, day, 9, 0)
        await w.engine.sweep()
        w.advance(minutes=30)
        await w.engine.sweep()
    texts = w.platform.texts()
    assert len(texts) == 1 and "queue is empty" in texts[0]
    days = [p for p in w.postings() if p.slot[:1].isdigit()]
    assert [p.slot for p in days] == ["2025-03-03", "2025-03-04"]  # 5 March is still in its grace window
    assert all(p.status is PostingStatus.MISSED for p in days)
    w.articles.add(make_article("late"))
    w.clock.current = utc(2025, 3, 6, 9, 0)
    await w.engine.sweep()
    assert w.platform.texts()[1].startswith("Headline of late")


async def test_each_group_gets_each_article_once_in_queue_order() -> None:
    articles = [make_article(f"x{i}") for i in range(4)]
    w = build_world(now=utc(2025, 3, 3), articles=articles)
    await join(w)
    other = ChatRef("fake", "c2")
    await w.send(BotAdded(chat=other, at=w.clock.now(), title="Other"))
    await w.command("/schedule 09:00 UTC")
    await w.command("/schedule 09:00 UTC", chat=other)
    await w.command("/skip x1")
    w.articles.move("x3", 1)
    for day in range(3, 9):
        w.clock.current = utc(2025, 3, day, 9, 0)
        await w.engine.sweep()
    headlines = [
        (s.chat.chat_id, s.doc.plain.split("\n")[0]) for s in w.platform.sent if "Headline" in s.doc.plain
    ]
    assert [h for c, h in headlines if c == "c1"] == ["Headline of x3", "Headline of x0", "Headline of x2"]
    assert [h for c, h in headlines if c == "c2"] == [f"Headline of x{i}" for i in (3, 0, 1, 2)]


async def test_a_paused_group_does_not_post_and_groups_of_other_platforms_are_left_alone() -> None:
    w = build_world(now=utc(2025, 3, 3), articles=[make_article("a1")])
    await join(w)
    await w.command("/schedule 09:00 UTC")
    await w.command("/pause holidays")
    assert w.responses.last.startswith("Paused (holidays)")
    # A group of a platform this process does not run: another process posts there.
    elsewhere = RecordingPlatform(name="elsewhere")
    other_process = Engine(w.core.__class__(uow=w.store, articles=w.articles, clock=w.clock))
    other_process.register_platform(elsewhere)
    await other_process.handle(BotAdded(chat=ChatRef("elsewhere", "e1"), at=w.clock.now(), title="E"))
    w.clock.current = utc(2025, 3, 4, 0, 0)  # 08:00 in Shanghai: the default schedule of the new group
    await w.engine.sweep()
    assert w.platform.sent == []
    assert [p.article_id for p in w.postings()] == []
    assert w.group().paused_reason == "holidays"
    await other_process.sweep()
    assert any("Headline of a1" in t for t in elsewhere.texts())
