"""The optional synthesis of a discussion, by the model (the strict Chat Completions fake in its own
process): in the recap and in /catchup, said to be generated, without opted-out members, within
every platform's limits, and the plain recap when the model fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.discord.format import DiscordFormatter
from adapters.telegram.format import TelegramFormatter
from bot.llm import ModelClient, ModelConfig
from bot.protocol import Member
from bot.render.document import Document
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


async def test_the_recap_gains_a_synthesis_that_says_it_is_generated(
    world: World, fake_chat: FakeChatProcess
) -> None:
    await discuss(world)
    fake_chat.script(NAME, answer())
    await world.command("/close")
    doc = recap(world)
    text = doc.plain
    assert HEADING in text and "Two readings of the first prompt." in text
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
    [request] = [r for r in fake_chat.requests() if r["response_format"]["json_schema"]["name"] == NAME]
    sent = request["messages"][-1]["content"]
    assert "headings first" in sent and "questions first" in sent
    assert "Dee" not in sent and "private thoughts" not in sent
    # Every platform gets it within its limits.
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
    await world.command("/close")
    doc = recap(world)
    assert HEADING in doc.plain and len(doc.plain) < 4000
    for message in TelegramFormatter().format(doc):
        check_telegram(message)
    assert all(discord_problems(m) == [] for m in DiscordFormatter().format(doc))


@pytest.mark.parametrize("fault", ["server_error", "invalid_json", "unauthorized", "context_overflow"])
async def test_a_failing_model_leaves_the_plain_recap(
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


async def test_catchup_gains_the_summary(world: World, fake_chat: FakeChatProcess) -> None:
    await discuss(world)
    fake_chat.script(NAME, answer())
    text = await world.command("/catchup", author=Member("late", "Late"))
    assert "Prompt 1:" in text and HEADING in text and "Bob (¶2): Headings come first." in text
    assert text.index("Paragraphs most discussed") < text.index(HEADING)
