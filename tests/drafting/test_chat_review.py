"""/drafts in chat: admins see the drafts waiting and approve or reject them with buttons, rights
checked on every press (the engine on fakes, drafts and queue in a real SQLite file)."""

from __future__ import annotations

import sqlalchemy

from bot.config import Settings
from bot.drafting.fetch import Fetcher
from bot.drafting.review import Review
from bot.drafting.service import make_draft
from bot.protocol import BotAdded, Member
from bot.render.document import ActionKind
from bot.services import catalog
from storage.articles import ArticleStore
from storage.drafts import DraftStore, NewDraft
from tests.drafting.site import ENGLISH, Site
from tests.engine.conftest import build_world, make_article
from tests.engine.fakes import utc
from tests.llm.fake_chat_api import translate
from tests.llm.process import FakeChatProcess
from tests.waiting import eventually

BOB = Member("bob", "Bob")


async def test_admins_review_drafts_with_buttons(engine: sqlalchemy.Engine) -> None:
    world = build_world(now=utc(2026, 3, 3, 0, 0), articles=[])
    drafts = DraftStore(engine)
    world.core.articles = ArticleStore(engine)
    world.core.drafts = Review(Settings(llm_base_url=None, llm_model=None), engine)
    ArticleStore(engine).add(make_article("queued"))
    for n in (1, 2):
        drafts.add(NewDraft(article=make_article(f"draft-{n}"), source=f"https://example.org/{n}", canonical_url=None))
    await world.send(BotAdded(chat=world.chat, at=world.clock.now(), title="Readers"))

    refused = await world.command("/drafts", author=BOB)
    assert "Only admins of this group can use /drafts" in refused

    await world.command("/drafts")
    listing, private, _ = world.responses.items[-1]
    assert private and "draft-1" in listing.plain and "draft-2" in listing.plain
    rows = listing.buttons
    assert [[b.label for b in row] for row in rows] == [
        ["Approve 1", "Reject 1", "Redraft 1"], ["Approve 2", "Reject 2", "Redraft 2"]
    ]
    approve_1, reject_1, redraft_1 = rows[0]
    await world.press(redraft_1.action)
    assert world.responses.last == "Drafting again needs a model, and none is configured."
    assert approve_1.action.kind is ActionKind.ADMIN and approve_1.action.article_id == "draft-1"
    assert approve_1.action.arg == catalog.AdminAction.APPROVE_DRAFT

    await world.press(rows[1][1].action, author=BOB)  # a member's press changes nothing
    assert [d for d, _ in drafts.pending()] == ["draft-1", "draft-2"]

    await world.press(approve_1.action)
    assert "number 2 in the queue" in world.responses.last
    assert ArticleStore(engine).queue_ids() == ["queued", "draft-1"]

    await world.press(rows[1][1].action)
    assert "it will not be posted" in world.responses.last
    assert drafts.pending() == []

    await world.press(reject_1.action)  # pressed again on the old listing
    assert world.responses.last == "That draft was already reviewed, or is gone."
    assert ArticleStore(engine).queue_ids() == ["queued", "draft-1"]

    await world.command("/drafts")
    assert world.responses.last == "No drafts are waiting for review."


async def test_redraft_writes_the_draft_again_with_the_model(
    engine: sqlalchemy.Engine, site: Site, fake_chat: FakeChatProcess
) -> None:
    plain = Settings(fetch_allow=["127.0.0.1"], llm_base_url=None, llm_model=None)
    async with Fetcher(plain) as fetcher:
        made = await make_draft(site.url(ENGLISH), settings=plain, engine=engine, fetcher=fetcher, model=None)
    drafts = DraftStore(engine)
    assert drafts.get(made.draft.id).missing  # the original only
    world = build_world(now=utc(2026, 3, 3, 0, 0), articles=[])
    world.core.articles = ArticleStore(engine)
    world.core.drafts = Review(Settings(fetch_allow=["127.0.0.1"], **fake_chat.settings()), engine)
    await world.send(BotAdded(chat=world.chat, at=world.clock.now(), title="Readers"))
    await world.command("/drafts")
    redraft = world.responses.items[-1][0].buttons[0][2]

    await world.press(redraft.action, author=BOB)  # refused: not an admin
    assert fake_chat.stats()["answered"] == 0
    await world.press(redraft.action)
    assert "again with the model" in world.responses.last
    await eventually(lambda: "was drafted again" in world.responses.last, within=30)
    redrafted = drafts.get(made.draft.id)
    assert redrafted.missing is None and redrafted.model == "fake-model" and redrafted.calls > 0
    article = drafts.article(made.draft.id)
    assert [b.text for b in article.translation] == [translate(b.text) for b in article.original]
    assert [d for d, _ in drafts.pending()] == [made.draft.id]  # still waiting for approval
