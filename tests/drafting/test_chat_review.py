"""/drafts in chat: admins see the drafts waiting and approve or reject them with buttons, rights
checked on every press (the engine on fakes, drafts and queue in a real SQLite file)."""

from __future__ import annotations

import sqlalchemy

from bot.protocol import BotAdded, Member
from bot.render.document import ActionKind
from bot.services import catalog
from storage.articles import ArticleStore
from storage.drafts import DraftStore, NewDraft
from tests.engine.conftest import build_world, make_article
from tests.engine.fakes import utc

BOB = Member("bob", "Bob")


async def test_admins_review_drafts_with_buttons(engine: sqlalchemy.Engine) -> None:
    world = build_world(now=utc(2026, 3, 3, 0, 0), articles=[])
    drafts = DraftStore(engine)
    world.core.articles = ArticleStore(engine)
    world.core.drafts = drafts
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
    assert [[b.label for b in row] for row in rows] == [["Approve 1", "Reject 1"], ["Approve 2", "Reject 2"]]
    approve_1, reject_1 = rows[0]
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
