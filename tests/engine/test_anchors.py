"""Replies anchored to paragraphs: by citation, quote or reply to a shown paragraph; edits; /para,
/status and /catchup; the exports."""

from __future__ import annotations

import json

from bot.archive.export import export_archive
from bot.protocol import EditEvent, Member
from tests.engine.conftest import World
from tests.engine.test_discussions import BOB, CY, posted

DEE = Member("dee", "Dee")


def anchors(w: World, article: str = "a1") -> list[tuple[str, str, int | None]]:
    with w.store() as uow:
        return [
            (r.author_name, r.text, r.paragraph) for d in uow.discussions.archived(article) for r in d.replies
        ]


async def test_a_reply_citing_a_paragraph_is_anchored_to_it(world: World) -> None:
    _, p1, p2, _ = await posted(world)
    await world.say(BOB, "¶3 this is the crux", reply_to=p1)
    await world.say(CY, "第2段 说得对", reply_to=p2)
    await world.say(DEE, "p1: agreed", reply_to=p1)
    await world.say(BOB, "¶9 there is no such paragraph", reply_to=p1)
    await world.say(CY, "no citation here, ¶2 comes too late", reply_to=p1)
    assert anchors(world) == [
        ("Bob", "¶3 this is the crux", 3),
        ("Cy", "第2段 说得对", 2),
        ("Dee", "p1: agreed", 1),
        ("Bob", "¶9 there is no such paragraph", None),
        ("Cy", "no citation here, ¶2 comes too late", None),
    ]


async def test_a_quote_of_a_paragraph_anchors_the_reply(world: World) -> None:
    _, p1, _, _ = await posted(world)
    await world.say(BOB, "why this?", reply_to=p1, quote="Paragraph 1 of a1")
    await world.say(CY, "为什么？", reply_to=p1, quote="a1 的第 2 段")
    await world.say(DEE, "too vague", reply_to=p1, quote="of a1 in English")  # in every paragraph
    assert [p for _, _, p in anchors(world)] == [2, 3, None]


async def test_a_reply_to_a_shown_paragraph_is_anchored_and_recorded(world: World) -> None:
    await posted(world)
    shown = await world.command("/para 2", author=BOB)
    assert "¶2 Paragraph 1 of a1 in English." in shown and "a1 的第 1 段中文。" in shown
    assert world.responses.items[-1][1] is False  # in the chat, so members can reply to it
    # The shown paragraph is not a prompt, yet a reply to it joins the open discussion.
    await world.say(CY, "this one matters", reply_to="bot-para-message", reply_to_bot_text=shown)
    assert anchors(world) == [("Cy", "this one matters", 2)]


async def test_para_explains_a_wrong_number(world: World) -> None:
    await posted(world)
    assert "¶1" in await world.command("/para 7", author=BOB) and "¶3" in world.responses.last
    assert "/para 3" in await world.command("/para three", author=BOB)


async def test_the_authors_edit_moves_or_removes_the_anchor(world: World) -> None:
    _, p1, _, _ = await posted(world)
    cited = await world.say(BOB, "¶1 first", reply_to=p1)
    quoted = await world.say(CY, "hm", reply_to=p1, quote="Paragraph 2 of a1")  # ¶3

    async def edit(message_id: str, text: str) -> None:
        await world.send(EditEvent(chat=world.chat, at=world.clock.now(), message_id=message_id, text=text))

    await edit(cited, "¶3 no, the last one")
    await edit(quoted, "hm, thinking")  # the quote still holds
    assert [p for _, _, p in anchors(world)] == [3, 3]
    await edit(cited, "never mind the paragraph")
    await edit(quoted, "¶1 rather")
    assert [p for _, _, p in anchors(world)] == [None, 1]


async def test_status_counts_replies_per_paragraph(world: World) -> None:
    _, p1, p2, _ = await posted(world)
    await world.say(BOB, "¶3 a", reply_to=p1)
    await world.say(CY, "¶3 b", reply_to=p2)
    await world.say(DEE, "¶1 c", reply_to=p2)
    status = await world.command("/status", author=BOB)
    lines = status.splitlines()
    first, third = (next(i for i, line in enumerate(lines) if line.startswith(f"¶{n} ")) for n in (1, 3))
    assert first < third  # in the article's order
    assert lines[first].endswith("— 1 reply") and lines[third].endswith("— 2 replies")


async def test_catchup_names_every_participant_under_their_prompt(world: World) -> None:
    _, p1, p2, p3 = await posted(world)
    first = await world.say(BOB, "¶2 opening thought", reply_to=p1)
    await world.say(CY, "answering Bob", reply_to=first)
    await world.say(DEE, "me too, Bob", reply_to=first)
    await world.say(DEE, "¶2 on the second", reply_to=p2)
    await world.say(CY, "¶3 on the third", reply_to=p3)
    await world.command("/optout", author=DEE)
    text = await world.command("/catchup", author=Member("late", "Late"))
    assert world.responses.items[-1][1] is True  # privately
    lines = [line for line in text.splitlines() if line]
    assert "5 replies from 3 participants." in lines
    prompt1 = next(line for line in lines if line.startswith("Prompt 1"))
    assert prompt1.endswith("— 3 replies: Bob, Cy")  # Dee opted out: counted, never named
    assert next(line for line in lines if line.startswith("Prompt 2")).endswith("— 1 reply")
    assert next(line for line in lines if line.startswith("Prompt 3")).endswith("— 1 reply: Cy")
    assert "Dee" not in text
    most = lines.index("Replies that drew the most answers")
    assert lines[most + 1] == "Bob: “¶2 opening thought” — 2 answers"
    paragraphs = lines.index("Paragraphs most discussed")
    assert lines[paragraphs + 1].startswith("¶2 Paragraph 1 of a1") and lines[paragraphs + 1].endswith(
        "— 2 replies"
    )
    assert lines[paragraphs + 2].startswith("¶3 ") and lines[paragraphs + 2].endswith("— 1 reply")


async def test_catchup_without_a_discussion_says_so(world: World) -> None:
    assert await world.command("/catchup", author=BOB) == "This group has not discussed an article yet."


async def test_every_export_shows_the_anchor(world: World) -> None:
    _, p1, _, _ = await posted(world)
    await world.say(BOB, "¶3 the crux", reply_to=p1)
    await world.say(CY, "unanchored", reply_to=p1)
    archive = world.engine.discussions.archive("a1")
    assert archive is not None
    data = json.loads(export_archive(archive, "json"))
    [discussion] = data["discussions"]
    assert [r["paragraph"] for r in discussion["replies"]] == [3, None]
    assert discussion["paragraphs"] == [{"paragraph": 3, "replies": [discussion["replies"][0]["id"]]}]
    markdown = export_archive(archive, "md").decode()
    section = markdown.index("#### ¶3 · Paragraph 2 of a1 in English.")
    assert markdown.index("the crux", section) > section and "unanchored" not in markdown[section:]
    html = export_archive(archive, "html").decode()
    assert 'href="#d1-p3">¶3</a>' in html and 'id="d1-p3"' in html
    assert export_archive(archive, "csv").decode().splitlines()[1].endswith(",3")
