"""Discussions on fakes: which replies are recorded and under which prompt, edits, deletions,
closing with a recap, forgetting and opting out."""

from __future__ import annotations

import asyncio
import json

from bot.archive.export import export_archive
from bot.protocol import BotAdded, ChatRef, DeleteEvent, EditEvent, Member
from bot.render.document import Action
from tests.engine.conftest import World
from tests.engine.fakes import MemoryStore

BOB = Member("bob", "Bob")
CY = Member("cy", "Cy")


async def posted(w: World) -> list[str]:
    """Join, post the first article; returns the message ids [brief, prompt 1, prompt 2, prompt 3]."""
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers"))
    w.platform.sent.clear()
    await w.command("/postnow")
    return [s.ids[0] for s in w.platform.sent]


def replies(w: World, article: str = "a1") -> list[tuple[str, str, int | None]]:
    with w.store() as uow:
        return [
            (r.author_name, r.text, r.prompt) for d in uow.discussions.archived(article) for r in d.replies
        ]


async def test_replies_take_their_prompt_from_the_reply_chain(world: World) -> None:
    brief, p1, p2, p3 = await posted(world)
    first = await world.say(BOB, "on the first prompt", reply_to=p1)
    await world.say(CY, "answering Bob", reply_to=first)
    await world.say(CY, "on the third", reply_to=p3)
    await world.say(BOB, "about the whole article", reply_to=brief)
    await world.say(BOB, "just chatting")  # not a reply to anything of the discussion
    await world.say(BOB, "replying to chatter", reply_to="m-unknown")
    assert replies(world) == [
        ("Bob", "on the first prompt", 0),
        ("Cy", "answering Bob", 0),
        ("Cy", "on the third", 2),
        ("Bob", "about the whole article", None),
    ]


async def test_replies_carry_author_time_and_message_ids(world: World) -> None:
    _, p1, _, _ = await posted(world)
    mid = await world.say(BOB, "hello", reply_to=p1)
    with world.store() as uow:
        [d] = uow.discussions.archived("a1")
    [r] = d.replies
    assert (r.author_key, r.author_name, r.at, r.message_id, r.reply_to_message_id) == (
        "fake:bob",
        "Bob",
        world.clock.now(),
        mid,
        p1,
    )
    assert (d.group_key, d.group_title, d.platform) == ("fake:c1", "Readers", "fake")


async def test_edits_keep_the_history_and_deletions_mark_the_reply(world: World) -> None:
    _, p1, _, _ = await posted(world)
    mid = await world.say(BOB, "first thought", reply_to=p1)
    other = await world.say(CY, "will vanish", reply_to=p1)
    await world.send(EditEvent(chat=world.chat, at=world.clock.now(), message_id=mid, text="second thought"))
    await world.send(EditEvent(chat=world.chat, at=world.clock.now(), message_id=mid, text="final thought"))
    await world.send(DeleteEvent(chat=world.chat, at=world.clock.now(), message_id=other))
    with world.store() as uow:
        [d] = uow.discussions.archived("a1")
    bob, cy = d.replies
    assert bob.text == "final thought" and bob.history == ("first thought", "second thought")
    assert cy.deleted and not bob.deleted
    exported = export_archive(world.engine.discussions.archive("a1"), "md").decode()  # type: ignore[arg-type]
    assert "final thought" in exported and "will vanish" not in exported


async def test_close_posts_a_recap_and_later_replies_are_not_recorded(world: World) -> None:
    _, p1, p2, _ = await posted(world)
    a = await world.say(BOB, "one", reply_to=p1)
    await world.say(CY, "two", reply_to=a)
    await world.say(CY, "three", reply_to=p2)
    world.platform.sent.clear()
    await world.command("/close")
    [recap] = world.platform.texts()
    assert recap.startswith("Discussion closed: Title of a1")
    assert "Participants: Bob, Cy" in recap
    lines = recap.split("\n\n")
    assert "3 replies from 2 participants." in lines
    assert "Prompt 1: Prompt 1 of a1? — 2 replies" in lines
    assert "Prompt 2: Prompt 2 of a1? — 1 reply" in lines
    assert "Prompt 3: Prompt 3 of a1? — 0 replies" in lines
    assert any("/archive" in line for line in lines)
    await world.say(BOB, "too late", reply_to=p1)
    assert [t for _, t, _ in replies(world)] == ["one", "two", "three"]
    await world.command("/close")
    assert world.responses.last == "There is no open discussion to close."


async def test_counts_take_the_singular_for_one(world: World) -> None:
    _, p1, _, _ = await posted(world)
    await world.say(BOB, "alone", reply_to=p1)
    await world.command("/status", author=BOB)
    assert "(discussion open, 1 reply)." in world.responses.last
    await world.say(BOB, "again", reply_to=p1)
    await world.command("/status", author=BOB)
    assert "(discussion open, 2 replies)." in world.responses.last
    await world.command("/forget", author=BOB)
    [[button]] = world.responses.items[-1][0].buttons
    assert button.action is not None
    await world.press(button.action, author=BOB)
    assert world.responses.last == "Done: 2 of your replies were removed."
    await world.say(BOB, "once more", reply_to=p1)
    world.platform.sent.clear()
    await world.command("/close")
    [recap] = world.platform.texts()
    assert "1 reply from 1 participant." in recap.split("\n\n")
    await world.command("/forget", author=BOB)
    [[button]] = world.responses.items[-1][0].buttons
    assert button.action is not None
    await world.press(button.action, author=BOB)
    assert world.responses.last == "Done: 1 of your replies was removed."


async def test_chinese_counts_have_one_form(world: World) -> None:
    _, p1, _, _ = await posted(world)
    await world.command("/lang zh-Hans")
    await world.say(BOB, "one", reply_to=p1)
    await world.command("/status", author=BOB)
    assert "（讨论进行中，1 条回复）。" in world.responses.last
    await world.say(CY, "two", reply_to=p1)
    await world.command("/lang zh-Hant")
    world.platform.sent.clear()
    await world.command("/close")
    [recap] = world.platform.texts()
    assert "2 位參與者共 2 條回覆。" in recap.split("\n\n")


async def test_discussions_close_by_themselves_after_the_configured_days(world: World) -> None:
    await posted(world)
    world.platform.sent.clear()
    world.advance(days=6, hours=23)
    await world.engine.sweep()
    assert not any(t.startswith("Discussion closed") for t in world.platform.texts())
    world.advance(hours=2)
    await world.engine.sweep()
    await world.engine.sweep()
    assert sum(t.startswith("Discussion closed") for t in world.platform.texts()) == 1


async def test_forget_asks_first_and_removes_the_callers_replies_everywhere(world: World) -> None:
    _, p1, _, _ = await posted(world)
    await world.say(BOB, "bob in group one", reply_to=p1)
    await world.say(CY, "cy stays", reply_to=p1)
    other = ChatRef("fake", "c2")
    await world.send(BotAdded(chat=other, at=world.clock.now(), title="Second"))
    world.platform.sent.clear()
    await world.command("/postnow", chat=other)
    await world.say(BOB, "bob in group two", reply_to=world.platform.sent[1].ids[0], chat=other)

    await world.command("/forget", author=BOB)
    confirm_doc, private, _ = world.responses.items[-1]
    assert private and "cannot be undone" in confirm_doc.plain
    [[button]] = confirm_doc.buttons
    assert button.action is not None
    assert len(replies(world)) == 3  # nothing removed before the confirmation

    await world.press(button.action, author=CY)  # someone else's confirmation button
    assert "belongs to someone else" in world.responses.last
    assert len(replies(world)) == 3

    await world.press(button.action, author=BOB)
    assert world.responses.last == "Done: 2 of your replies were removed."
    assert replies(world) == [("Cy", "cy stays", 0)]
    with world.store() as uow:
        assert [r.text for d in uow.discussions.archived("a1", None) for r in d.replies] == ["cy stays"]


async def test_optout_hides_replies_from_exports_until_undone(world: World) -> None:
    _, p1, _, _ = await posted(world)
    await world.say(BOB, "bob's view", reply_to=p1)
    await world.say(CY, "cy's view", reply_to=p1)
    await world.command("/optout", author=BOB)
    archive = world.engine.discussions.archive("a1")
    assert archive is not None and archive.opted_out == frozenset({"fake:bob"})
    data = json.loads(export_archive(archive, "json"))
    assert "bob's view" not in json.dumps(data, ensure_ascii=False)
    assert "cy's view" in json.dumps(data, ensure_ascii=False)
    await world.command("/optout off", author=BOB)
    archive = world.engine.discussions.archive("a1")
    assert archive is not None and "bob's view" in export_archive(archive, "md").decode()


async def test_replies_arriving_together_share_one_commit_and_all_are_stored(world: World) -> None:
    _, p1, _, _ = await posted(world)
    store: MemoryStore = world.store
    commits = 0
    real_commit = type(store()).commit

    def counting_commit(self) -> None:  # type: ignore[no-untyped-def]
        nonlocal commits
        commits += 1
        real_commit(self)

    type(store()).commit = counting_commit  # type: ignore[method-assign]
    try:
        await asyncio.gather(
            *(world.say(Member(f"u{i}", f"U{i}"), f"reply {i}", reply_to=p1) for i in range(200))
        )
    finally:
        type(store()).commit = real_commit  # type: ignore[method-assign]
    assert len(replies(world)) == 200
    assert commits < 10


async def test_tabs_and_pages_of_the_text(world: World) -> None:
    await posted(world)
    brief_doc = world.platform.sent[0].doc
    tabs = {b.action.part: b.action for row in brief_doc.buttons for b in row if b.action is not None}
    await world.press(tabs["bilingual"], author=BOB)
    page_doc, private, replace = world.responses.items[-1]
    assert private and not replace
    assert "Paragraph 0 of a1 in English." in page_doc.plain and "a1 的第 0 段中文。" in page_doc.plain
    await world.press(Action(kind="page", article_id="a1", part="original", page=1), author=BOB)
    doc, private, replace = world.responses.items[-1]
    assert private and replace and "Paragraph 2 of a1 in English." in doc.plain
    await world.press(tabs["archive"], author=BOB)
    assert "still open" in world.responses.last
    # The text commands answer the asker alone too (where the platform can); the brief is for all.
    for command in ("/bilingual", "/translation 1", "/original 9"):
        await world.command(command, author=BOB)
        doc, private, replace = world.responses.items[-1]
        assert private and not replace and "a1" in doc.plain
    await world.command("/brief", author=BOB)
    doc, private, _ = world.responses.items[-1]
    assert not private and doc.plain.startswith("Headline of a1")
