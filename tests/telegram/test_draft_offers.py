"""New drafts on Telegram: a draft made with `atou draft` reaches, by itself, the group's admins who
opened a private chat with the bot — not the others — once, and is approved from there."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bot.cli.main import app
from storage.articles import ArticleStore
from tests.telegram.test_end_to_end import World, world  # noqa: F401  (the whole bot on the fake)
from tests.waiting import eventually

PAGE = Path(__file__).parents[1] / "drafting" / "pages" / "tea-house.html"


def _draft(world: World, folder: Path) -> dict[str, Any]:  # noqa: F811
    """`atou draft` on a local file, as an editor runs it beside the bot: another process's work."""
    page = folder / "tea.html"
    page.write_text(PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    env = {"ATOU_DATABASE_URL": world.db.url.render_as_string(hide_password=False), "ATOU_LLM_MODEL": None,
           "ATOU_LLM_BASE_URL": None, "ATOU_LLM_API_KEY": None}
    made = CliRunner().invoke(app, ["draft", str(page), "--json"], env=env)
    assert made.exit_code == 0, made.output
    draft: dict[str, Any] = json.loads(made.stdout)
    return draft


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def test_a_new_draft_reaches_the_admins_private_chats_once_and_is_approved_there(
    world: World, tmp_path: Path  # noqa: F811
) -> None:
    fake = world.fake
    ada, cy, dee, bo = fake.add_user("Ada"), fake.add_user("Cy"), fake.add_user("Dee"), fake.add_user("Bo")
    group = fake.add_group("Readers", admins=[ada, cy, dee], members=[bo])
    world.add_bot(group, ada)
    await eventually(lambda: fake.sent(group))  # the greeting
    ada_chat, bo_chat = fake.add_private(ada), fake.add_private(bo)  # Cy never opened a chat with the bot
    dee_chat = fake.add_private(dee, started=False)  # Dee opened it but never pressed Start
    for chat, who in ((ada_chat, ada), (bo_chat, bo)):
        fake.post(chat, who, "/start")  # the bot answers with its help, and now knows it may write there
    await eventually(lambda: fake.sent(ada_chat) and fake.sent(bo_chat))
    greeted = len(fake.sent(ada_chat))
    draft = await asyncio.to_thread(_draft, world, tmp_path)

    await world.engine.sweep()
    [offer] = (await eventually(lambda: fake.sent(ada_chat)[greeted:]))
    assert draft["id"] in offer["text"] and draft["title"] in offer["text"] and "tea.html" in offer["text"]
    approve, reject, redraft = _buttons(offer)
    assert [approve["callback_data"].split("|")[-1], reject["callback_data"].split("|")[-1]] == ["approve", "reject"]
    assert len(fake.sent(bo_chat)) == 1 and cy.id not in fake.chats  # Bo is no admin; Cy has no private chat
    assert fake.sent(dee_chat) == [] and not [c for c in fake.calls_to("sendMessage") if str(c.params.get("chat_id")) == str(dee.id)]
    assert len(fake.sent(group)) == 1  # an admin was reached: no notice in the group
    await world.engine.sweep()
    assert len(fake.sent(ada_chat)) == greeted + 1  # offered once

    fake.press(ada_chat, offer["message_id"], ada, approve["callback_data"])
    queue = await eventually(lambda: (q := ArticleStore(world.db).queue_ids())[-1:] == [draft["id"]] and q)
    assert queue == ["e2e-article", draft["id"]]
    assert len(fake.sent(group)) == 1


async def test_a_group_whose_admins_cannot_be_written_to_hears_of_the_draft(
    world: World, tmp_path: Path  # noqa: F811
) -> None:
    fake = world.fake
    ada = fake.add_user("Ada")
    group = fake.add_group("Readers", admins=[ada])
    world.add_bot(group, ada)
    await eventually(lambda: fake.sent(group))
    draft = await asyncio.to_thread(_draft, world, tmp_path)
    await world.engine.sweep()
    notice = (await eventually(lambda: fake.sent(group)[1:]))[0]
    assert draft["title"] in notice["text"] and "/drafts" in notice["text"]
    assert [b["callback_data"].split("|")[-1] for b in _buttons(notice)] == ["review"]
