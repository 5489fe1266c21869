"""What the engine counts for Prometheus: posts, messages, failures by reason, replies, queue lengths.

The registry is the process's own, shared by every test: each test compares before and after.
"""

from __future__ import annotations

from bot.observability.metrics import REGISTRY
from bot.protocol import (
    BotAdded,
    BotRemoved,
    ChatGone,
    ChatMigrated,
    ChatMoved,
    ChatRef,
    Member,
    PlatformError,
    ThreadGone,
)
from tests.engine.conftest import World, build_world, make_article
from tests.engine.fakes import utc

BOB = Member("bob", "Bob")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def counts(platform: str = "fake") -> dict[str, float]:
    return {
        "posts": value("atou_posts_sent_total", platform=platform),
        "messages": value("atou_messages_sent_total", platform=platform),
        "replies": value("atou_replies_recorded_total", platform=platform),
        **{
            reason: value("atou_post_failures_total", platform=platform, reason=reason)
            for reason in ("chat_gone", "chat_moved", "thread_gone", "error")
        },
    }


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


async def join(w: World, *, forum: bool = False) -> None:
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers", forum=forum))


async def test_a_posting_counts_once_with_each_message_and_each_reply(world: World) -> None:
    before = counts()
    await join(world)
    assert moved(before, counts()) == {"messages": 1}  # the greeting
    before = counts()
    await world.command("/postnow")
    assert moved(before, counts()) == {"posts": 1, "messages": 4}  # the brief and three prompts
    before = counts()
    prompts = [s.ids[0] for s in world.platform.sent[-3:]]
    await world.say(BOB, "on the first", reply_to=prompts[0])
    await world.say(BOB, "on the third", reply_to=prompts[2])
    await world.say(BOB, "just chatting")  # no discussion: not recorded, not counted
    assert moved(before, counts()) == {"replies": 2}


async def test_failed_sends_are_counted_by_reason() -> None:
    w = build_world(now=utc(2025, 3, 3), articles=[make_article("a1"), make_article("a2")], threads=True)
    await join(w, forum=True)
    before = counts()
    # The chat moved (the brief goes to its new id), the thread for the prompts vanished (a notice
    # and prompt 1 go to the channel), then prompt 2 failed.
    w.platform.failures = [ChatMoved("c9"), None, ThreadGone("topic deleted"), None, None, PlatformError("x")]
    await w.command("/postnow")
    assert moved(before, counts()) == {"chat_moved": 1, "thread_gone": 1, "error": 1, "messages": 3}
    before = counts()
    w.platform.failures = [ChatGone("kicked")]
    w.advance(minutes=5)
    await w.engine.sweep()  # the retry finds the bot kicked: the group pauses
    assert moved(before, counts()) == {"chat_gone": 1}
    assert not w.group().active


async def test_queue_lengths_per_group_and_a_group_the_bot_left_is_no_longer_exported(world: World) -> None:
    other = ChatRef("fake", "c2")
    await join(world)
    await world.send(BotAdded(chat=other, at=world.clock.now(), title="Others"))
    await world.command("/postnow")
    await world.engine.sweep()
    assert value("atou_queue_length", group="fake:c1") == 1  # a2 waits
    assert value("atou_queue_length", group="fake:c2") == 2
    await world.send(BotRemoved(chat=other, at=world.clock.now(), reason="kicked"))
    assert REGISTRY.get_sample_value("atou_queue_length", {"group": "fake:c2"}) is None
    # The chat got a new id: its length is exported under the new key only.
    await world.send(ChatMigrated(chat=world.chat, at=world.clock.now(), new_chat_id="c9"))
    await world.engine.sweep()
    assert REGISTRY.get_sample_value("atou_queue_length", {"group": "fake:c2"}) is None
    assert REGISTRY.get_sample_value("atou_queue_length", {"group": "fake:c1"}) is None
    assert value("atou_queue_length", group="fake:c9") == 1
