"""The optional synthesis of a discussion, by the model (the strict Chat Completions fake in its own
process). Nothing a model wrote is posted before an admin approves it: the recap and /catchup stay
plain with a model configured. The synthesis itself says it is generated, leaves out opted-out
members, fits every platform's limits, and is nothing when the model fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.discord.format import DiscordFormatter
from adapters.telegram.format import TelegramFormatter
from bot.llm import ModelClient, ModelConfig
from bot.protocol import Member
from bot.render.document import Document
from bot.services import synthesis
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


async def drafted(w: World) -> tuple[Document | None, str]:
    """The synthesis of the group's latest discussion as an admin would review it, and what the model got."""
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


async def test_nothing_generated_reaches_the_group_or_a_member_unapproved(
    world: World, fake_chat: FakeChatProcess
) -> None:
    await discuss(world)
    fake_chat.script(NAME, answer())
    await world.command("/close")
    text = recap(world).plain
    assert HEADING not in text and "Two readings" not in text
    assert "3 replies from 3 participants." in text and "Participants: Bob, Cy" in text
    late = await world.command("/catchup", author=Member("late", "Late"))
    assert "Paragraphs most discussed" in late and HEADING not in late and "Headings come first" not in late
    assert not any(HEADING in s.doc.plain for s in world.platform.sent)
    assert model_requests(fake_chat) == []  # nothing is drafted that nobody can approve yet


async def test_the_synthesis_says_it_is_generated_and_leaves_out_opted_out_members(
    world: World, fake_chat: FakeChatProcess
) -> None:
    await discuss(world)
    await world.command("/close")
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
async def test_a_failing_model_gives_no_synthesis_and_the_plain_recap(
    world: World,
    fake_chat: FakeChatProcess,
    fault: str,
) -> None:
    await discuss(world)
    fake_chat.fault(fault, count=5)
    await world.command("/close")
    text = recap(world).plain
    assert HEADING not in text
    assert "3 replies from 3 participants." in text and "Participants: Bob, Cy" in text
    doc, _ = await drafted(world)
    assert doc is None
