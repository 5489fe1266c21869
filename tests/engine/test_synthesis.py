"""The optional synthesis of a discussion, by the model (the strict Chat Completions fake in its own
process). Nothing a model wrote is posted before an admin approves it: the recap and /catchup stay
plain; a notice after the recap carries a button with which an admin reviews the held synthesis privately and
approves it (posted once, said to be generated) or rejects it. It leaves out opted-out members, fits
every platform's limits, and a model that fails leaves the plain recap with no button."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.discord.format import DiscordFormatter
from adapters.telegram.format import TelegramFormatter
from bot.llm import ModelClient, ModelConfig
from bot.protocol import Member
from bot.render.document import Action, Document
from bot.services import synthesis
from bot.services.catalog import AdminAction
from bot.services.core import EngineConfig
from tests.engine.conftest import World, build_world, make_article
from tests.engine.fakes import utc
from tests.engine.test_discussions import BOB, CY, posted
from tests.llm.process import FakeChatProcess
from tests.render.render_checks import check_telegram, discord_problems

DEE = Member("dee", "Dee")
HEADING = "Summary written by a model; check it against the replies."
NAME = "discussion_synthesis"


@pytest.fixture
async def world(fake_chat: FakeChatProcess) -> AsyncIterator[World]:
    config = EngineConfig(
        instance_id="one", default_lang="en", web_url="https://read.example", secret_key="synthesis secret"
    )
    w = build_world(
        now=utc(2025, 3, 3, 0, 0), articles=[make_article("a1"), make_article("a2")], config=config
    )
    settings = fake_chat.settings(llm_retries=0)
    w.core.model = ModelClient(
        ModelConfig(
            base_url=settings["llm_base_url"],
            api_key=settings["llm_api_key"],
            model=settings["llm_model"],
            translation_model=settings["llm_translation_model"],
            timeout=5.0,
            retries=0,
            reasks=0,
        )
    )
    yield w
    await w.engine.close()


def answer(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "summary": "Two readings of the first prompt.",
        "prompts": [
            {
                "prompt": 1,
                "positions": [
                    {"member": "Bob", "reply_id": 1, "view": "Headings come first."},
                    {"member": "Cy", "reply_id": 2, "view": "Questions come first."},
                    {"member": "Dee", "reply_id": 3, "view": "Dee was never sent."},
                    {"member": "Zed", "reply_id": 2, "view": "A member the model made up."},
                ],
                "agreements": ["Both keep an index."],
                "open_questions": ["How many headings are too many?"],
            },
            {"prompt": 9, "positions": [], "agreements": ["No such prompt."], "open_questions": []},
        ],
    }
    return base | changes


async def discuss(w: World) -> None:
    _, p1, p2, _ = await posted(w)
    await w.say(BOB, "¶2 headings first", reply_to=p1)
    await w.say(CY, "questions first", reply_to=p1)
    await w.say(DEE, "private thoughts of Dee", reply_to=p2)
    await w.command("/optout", author=DEE)


def recap(w: World) -> Document:
    return next(s.doc for s in reversed(w.platform.sent) if "Discussion closed" in s.doc.plain)


def model_requests(fake_chat: FakeChatProcess) -> list[dict[str, Any]]:
    return [r for r in fake_chat.requests() if r["response_format"]["json_schema"]["name"] == NAME]


REVIEW = "Review the generated synthesis"


def action(doc: Document, label: str) -> Action:
    found = next(b.action for row in doc.buttons for b in row if b.label == label)
    assert found is not None
    return found


def review_action(w: World) -> Action:
    """The Review button of the notice posted after the recap."""
    [found] = [b.action for s in w.platform.sent for row in s.doc.buttons for b in row if b.label == REVIEW]
    assert found is not None
    return found


def generated_in_group(w: World) -> list[Document]:
    return [s.doc for s in w.platform.sent if HEADING in s.doc.plain]


async def drafted(w: World) -> tuple[Document | None, str]:
    """The synthesis of the group's latest discussion as rendered for review, and what the model got."""
    group = w.group()
    with w.store() as uow:
        latest = uow.discussions.latest_for_group(group.id)
        assert latest is not None
        stats = uow.discussions.reply_stats(latest.id)
        hidden = uow.discussions.opted_out()
    article = w.core.articles.get(latest.article_id)
    assert article is not None and w.core.model is not None
    answer = await synthesis.synthesize(w.core.model, "en", article, stats, hidden)
    sent = synthesis.model_input(article, stats, hidden) or ""
    if answer is None:
        return None, sent
    archive = w.core.archive_link(group.key, article.id)
    paras = synthesis.synthesis_paras(
        "en", article, answer, stats, hidden, lambda r: None if archive is None else f"{archive}#reply-{r.id}"
    )
    return Document(tuple(paras)), sent


async def test_the_synthesis_is_posted_only_once_an_admin_approves_it(
    world: World, fake_chat: FakeChatProcess
) -> None:
    await discuss(world)
    fake_chat.script(NAME, answer())
    await world.command("/close")
    held = recap(world)
    assert HEADING not in held.plain and "Two readings" not in held.plain
    assert "3 replies from 3 participants." in held.plain and "Participants: Bob, Cy" in held.plain
    review = review_action(world)
    late = Member("late", "Late")
    text = await world.command("/catchup", author=late)
    assert "Paragraphs most discussed" in text and HEADING not in text and "Headings come first" not in text
    # A member's press is refused, privately, and shows nothing generated.
    await world.press(review, author=BOB)
    doc, private, _ = world.responses.items[-1]
    assert private and doc.plain == "Only admins of this group can press this button; nothing was changed."
    # The admin reviews it privately: marked as generated, with Approve / Reject; still nothing posted.
    await world.press(review)
    shown, private, _ = world.responses.items[-1]
    assert private and shown.plain.startswith(HEADING) and "Bob (¶2): Headings come first." in shown.plain
    assert generated_in_group(world) == []
    approve = action(shown, "Approve and post")
    await world.press(approve, author=CY)  # a member cannot approve either
    assert world.responses.last.startswith("Only admins") and generated_in_group(world) == []
    await world.press(approve)
    await world.press(approve)  # a double press posts it once
    [posted_doc] = generated_in_group(world)
    assert "Bob (¶2): Headings come first." in posted_doc.plain and "Dee" not in posted_doc.plain
    assert world.responses.texts()[-2:] == [
        "The generated synthesis is posted in the group.",
        "The generated synthesis was already approved and posted.",
    ]
    # Members' /catchup now carries the approved synthesis, after the counts.
    text = await world.command("/catchup", author=late)
    assert HEADING in text and text.index("Paragraphs most discussed") < text.index(HEADING)
    assert len(model_requests(fake_chat)) == 1


async def test_a_rejected_synthesis_is_never_posted(world: World, fake_chat: FakeChatProcess) -> None:
    await discuss(world)
    fake_chat.script(NAME, answer())
    await world.command("/close")
    group_id = review_action(world).page
    discussion_id = review_action(world).article_id
    await world.press(
        Action(review_action(world).kind, discussion_id, page=group_id, arg=AdminAction.REJECT_SYNTHESIS)
    )
    assert world.responses.last == "The generated synthesis is discarded; nothing was posted."
    await world.press(
        Action(review_action(world).kind, discussion_id, page=group_id, arg=AdminAction.APPROVE_SYNTHESIS)
    )
    assert world.responses.last == "There is no generated synthesis to review for this discussion."
    await world.press(review_action(world))
    assert world.responses.last == "There is no generated synthesis to review for this discussion."
    assert generated_in_group(world) == []
    assert HEADING not in await world.command("/catchup", author=Member("late", "Late"))


async def test_the_synthesis_says_it_is_generated_and_leaves_out_opted_out_members(
    world: World, fake_chat: FakeChatProcess
) -> None:
    await discuss(world)
    fake_chat.script(NAME, answer())
    doc, sent = await drafted(world)
    assert doc is not None
    text = doc.plain
    assert text.startswith(HEADING) and "Two readings of the first prompt." in text
    assert "Bob (¶2): Headings come first." in text and "Cy: Questions come first." in text
    assert "Agreed: Both keep an index." in text and "Open: How many headings are too many?" in text
    assert "Dee" not in text and "Zed" not in text and "No such prompt" not in text
    bob = next(s for p in doc.paras for s in p.spans if s.text == "Bob")
    assert (
        bob.link is not None
        and bob.link.startswith("https://read.example/a/a1?")
        and bob.link.endswith("#reply-1")
    )
    # What the model got: the replies as data, without the member who opted out.
    [request] = model_requests(fake_chat)
    assert request["messages"][-1]["content"] == sent
    assert "headings first" in sent and "questions first" in sent
    assert "Dee" not in sent and "private thoughts" not in sent
    # Every platform can show it within its limits.
    for message in TelegramFormatter().format(doc):
        check_telegram(message)
    assert all(discord_problems(m) == [] for m in DiscordFormatter().format(doc))


async def test_a_long_synthesis_is_cut_to_fit_every_platform(
    world: World, fake_chat: FakeChatProcess
) -> None:
    await discuss(world)
    long = "A very long view. " * 400
    prompt = answer()["prompts"][0] | {
        "positions": [{"member": "Bob", "reply_id": 1, "view": long}] * 40,
        "agreements": [long] * 20,
    }
    fake_chat.script(NAME, answer(summary=long, prompts=[prompt]))
    doc, _ = await drafted(world)
    assert doc is not None and HEADING in doc.plain and len(doc.plain) < 4000
    for message in TelegramFormatter().format(doc):
        check_telegram(message)
    assert all(discord_problems(m) == [] for m in DiscordFormatter().format(doc))


@pytest.mark.parametrize("fault", ["server_error", "invalid_json", "unauthorized", "context_overflow"])
async def test_a_failing_model_leaves_the_plain_recap_and_nothing_to_review(
    world: World,
    fake_chat: FakeChatProcess,
    fault: str,
) -> None:
    await discuss(world)
    fake_chat.fault(fault, count=5)
    await world.command("/close")
    doc = recap(world)
    assert HEADING not in doc.plain
    assert not any(b.label == REVIEW for s in world.platform.sent for row in s.doc.buttons for b in row)
    assert "3 replies from 3 participants." in doc.plain and "Participants: Bob, Cy" in doc.plain


async def test_an_admins_catchup_offers_a_summary_drafted_privately_for_them(
    world: World, fake_chat: FakeChatProcess
) -> None:
    await discuss(world)
    late = Member("late", "Late")
    await world.command("/catchup", author=late)
    doc, private, _ = world.responses.items[-1]
    assert private and not doc.buttons  # a member is offered nothing generated
    await world.command("/catchup")
    doc, private, _ = world.responses.items[-1]
    assert private and HEADING not in doc.plain
    draft = action(doc, "Draft a generated summary")
    await world.press(draft, author=BOB)
    assert world.responses.last.startswith("Only admins") and model_requests(fake_chat) == []
    fake_chat.script(NAME, answer())
    await world.press(draft)
    shown, private, _ = world.responses.items[-1]
    assert private and shown.plain.startswith(HEADING) and "Cy: Questions come first." in shown.plain
    assert generated_in_group(world) == []
    assert HEADING not in await world.command("/catchup", author=late)
    await world.press(action(shown, "Approve and post"))
    [posted_doc] = generated_in_group(world)
    assert "Cy: Questions come first." in posted_doc.plain and "Dee" not in posted_doc.plain
    assert HEADING in await world.command("/catchup", author=late)
