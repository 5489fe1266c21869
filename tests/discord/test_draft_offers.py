"""New drafts on Discord: one notice in the group's channel with a Review button; the press shows the
drafts ephemerally to an admin (a member is refused ephemerally), and Approve queues the draft."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy

from bot.model import Article
from bot.services.engine import Engine
from storage.articles import ArticleStore
from storage.drafts import DraftStore, NewDraft
from tests.discord.test_end_to_end import adapter, settings  # noqa: F401
from tests.engine.conftest import make_article

# The sample article is stored before the engine is built, as in the end-to-end tests.
pytestmark = pytest.mark.usefixtures("article")


def _offers(channel: Any) -> list[Any]:
    return [m for m in channel.history() if m.author.bot and "/drafts" in m.content and m.components]


async def test_a_new_draft_is_announced_once_and_reviewed_ephemerally(
    world: Any, adapter: Any, engine: Engine, article: Article, database: sqlalchemy.Engine  # noqa: F811
) -> None:
    guild, channel, admin, mei, _rui = world
    await admin.slash(channel, "schedule", time="08:00", timezone="Asia/Shanghai")
    DraftStore(database).add(NewDraft(make_article("field-notes"), source="https://example.org/notes", canonical_url=None))

    await engine.sweep()
    await engine.sweep()
    [notice] = _offers(channel)
    assert "Title of field-notes" in notice.content
    [review] = [c for row in notice.components for c in row.children]
    assert review.label == "审阅"

    refused = await mei.click(notice, label=review.label)
    [refusal] = refused.followups
    assert refusal.ephemeral and refusal.content == "只有本群管理员可以使用这个按钮；没有做任何更改。"
    assert DraftStore(database).pending() != []

    shown = await admin.click(notice, label=review.label)
    [listing] = shown.followups
    assert listing.ephemeral and "field-notes" in listing.content
    assert [c.label for row in listing.message.components for c in row.children] == ["批准 1", "退回 1", "重写 1"]
    approved = await admin.click(listing, label="批准 1")
    [answer] = approved.followups
    assert answer.ephemeral and answer.content == "已批准“Title of field-notes”：排在队列第 2 位。"
    assert ArticleStore(database).queue_ids() == [article.id, "field-notes"]
    assert len(_offers(channel)) == 1  # said once
