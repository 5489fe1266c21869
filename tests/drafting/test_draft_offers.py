"""New drafts reach the editors by themselves: a draft made by `atou draft` is offered in each group
once (across restarts), and the offer's button shows it to admins only, ready to approve."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy

from bot.config import Settings
from bot.drafting.review import Review
from bot.protocol import BotAdded, ButtonEvent, ChatRef, Member, MessageEvent
from bot.render.document import decode_action, encode_action
from bot.services import messages
from storage.articles import ArticleStore
from storage.db import make_engine
from storage.drafts import DraftStore, NewDraft
from tests.cli.conftest import Atou, atou, db_url  # noqa: F401
from tests.engine.conftest import ADMIN, World, build_world, make_article
from tests.engine.fakes import MemoryPrivateChats, MemoryStore, PrivatePlatform, utc

BOB = Member("bob", "Bob")
OFFER = "A new draft is waiting for review"


@pytest.fixture
def database(atou: Atou, db_url: str, monkeypatch: pytest.MonkeyPatch) -> sqlalchemy.Engine:  # noqa: F811
    monkeypatch.setenv("ATOU_AUTO_UPGRADE", "true")
    for name in ("ATOU_LLM_BASE_URL", "ATOU_LLM_API_KEY", "ATOU_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return make_engine(db_url)


def _bot(database: sqlalchemy.Engine, store: MemoryStore | None = None) -> World:
    """A running bot's engine (groups in memory, `store` kept across a restart) on the drafts' database."""
    world = build_world(now=utc(2026, 3, 3, 0, 0), articles=[], store=store)
    world.core.articles = ArticleStore(database)
    world.core.drafts = Review(Settings(llm_base_url=None, llm_model=None), database)
    return world


def _offers(world: World) -> list[str]:
    return [t for t in world.platform.texts() if OFFER in t]


async def test_a_draft_from_the_command_line_is_offered_once_and_approved_from_the_offer(
    atou: Atou, database: sqlalchemy.Engine, tmp_path: Path  # noqa: F811
) -> None:
    assert atou("db", "upgrade").exit_code == 0
    ArticleStore(database).add(make_article("own-article"))
    world = _bot(database)
    await world.send(BotAdded(chat=world.chat, at=world.clock.now(), title="Readers"))
    await world.engine.sweep()
    assert _offers(world) == []  # nothing waits yet

    page = tmp_path / "tea.html"
    page.write_text((Path(__file__).parent / "pages" / "tea-house.html").read_text(encoding="utf-8"), encoding="utf-8")
    made = await asyncio.to_thread(atou, "draft", page, "--json")  # the command line runs its own loop
    assert made.exit_code == 0, made.output
    draft = json.loads(made.stdout)

    await world.engine.sweep()
    await world.engine.sweep()
    assert _offers(world) == [
        f"A new draft is waiting for review: “{draft['title']}”. Admins: /drafts, or the button below."
    ]
    offer = next(s.doc for s in world.platform.sent if OFFER in s.doc.plain)
    [[review]] = offer.buttons
    assert review.label == "Review"

    # A restart (a new process on the same stored state) does not offer it again.
    again = _bot(database, world.store)
    again.engine.warm_up()
    await again.engine.sweep()
    assert _offers(again) == []

    await world.press(review.action, author=BOB)
    assert world.responses.items[-1][1] and "Only admins" in world.responses.last
    await world.press(review.action)
    listing, private, _ = world.responses.items[-1]
    assert private and draft["id"] in listing.plain
    approve = listing.buttons[0][0]
    await world.press(approve.action, author=BOB)  # every press is checked
    assert ArticleStore(database).queue_ids() == ["own-article"]
    await world.press(approve.action)
    assert "number 2 in the queue" in world.responses.last
    assert ArticleStore(database).queue_ids() == ["own-article", draft["id"]]



def _private_bot(database: sqlalchemy.Engine, opened: tuple[str, ...]) -> tuple[World, PrivatePlatform]:
    """A bot on a platform where it may write privately to the members in `opened` (as on Telegram),
    who have not said anything to it there yet."""
    world = _bot(database)
    world.core.private_chats = MemoryPrivateChats()
    platform = PrivatePlatform(admins=("admin", "carol"), opened=opened)
    world.engine.register_platform(platform)
    world.platform = platform
    return world, platform


async def _says_hello_privately(world: World, member: Member) -> None:
    """The member writes to the bot in their private chat with it (Telegram's Start, say)."""
    private = ChatRef("fake", member.id)
    await world.send(
        MessageEvent(chat=private, at=world.clock.now(), author=member, message_id=world.next_id(), text="hello", private=True)
    )


async def _with_a_draft(world: World, database: sqlalchemy.Engine) -> None:
    DraftStore(database).add(NewDraft(make_article("field-notes"), source="https://example.org/notes", canonical_url=None))
    await world.send(BotAdded(chat=world.chat, at=world.clock.now(), title="Readers"))
    await world.engine.sweep()
    await world.engine.sweep()


async def test_admins_who_opened_a_private_chat_get_the_draft_there(
    atou: Atou, database: sqlalchemy.Engine  # noqa: F811
) -> None:
    assert atou("db", "upgrade").exit_code == 0
    # Bob is no admin; Carol is, and opened a chat with the bot, but never wrote there: the bot does
    # not know of it, so it does not try.
    world, platform = _private_bot(database, opened=("admin", "bob", "carol"))
    await _says_hello_privately(world, ADMIN)
    await _says_hello_privately(world, BOB)
    await _with_a_draft(world, database)
    assert _offers(world) == []  # no notice in the group: an admin was reached
    [(to, offer)] = platform.privately
    assert to == "admin"
    assert offer.plain.startswith("A new draft waits for review (you are an admin of “Readers”)")
    assert "field-notes" in offer.plain and "Source: https://example.org/notes" in offer.plain
    approve, _reject, _redraft = offer.buttons[0]
    assert [b.label for b in offer.buttons[0]] == ["Approve", "Reject", "Redraft"]

    async def press(author: Member) -> None:  # in the member's private chat with the bot
        private = ChatRef("fake", author.id)
        await world.send(ButtonEvent(chat=private, at=world.clock.now(), respond=world.responses, author=author, action=approve.action))

    await press(BOB)
    assert "Only admins" in world.responses.last and DraftStore(database).pending() != []
    await press(ADMIN)
    assert world.responses.last == "Approved “Title of field-notes”: number 1 in the queue."
    assert ArticleStore(database).queue_ids() == ["field-notes"]


async def test_the_group_hears_of_the_draft_when_no_admin_can_be_written_to(
    atou: Atou, database: sqlalchemy.Engine  # noqa: F811
) -> None:
    assert atou("db", "upgrade").exit_code == 0
    world, platform = _private_bot(database, opened=("bob",))
    await _says_hello_privately(world, BOB)
    await _says_hello_privately(world, Member("carol", "Carol"))  # recorded, but she blocked the bot since
    await _with_a_draft(world, database)
    assert world.core.private_chats is not None
    assert world.core.private_chats.opened("fake", ["bob", "carol"]) == {"bob"}  # Carol is forgotten
    assert platform.privately == []
    assert len(_offers(world)) == 1


async def test_a_draft_given_new_text_is_offered_again(atou: Atou, database: sqlalchemy.Engine) -> None:  # noqa: F811
    assert atou("db", "upgrade").exit_code == 0
    world, platform = _private_bot(database, opened=("admin",))
    await _says_hello_privately(world, ADMIN)
    await _with_a_draft(world, database)
    assert len(platform.privately) == 1
    # An editor supplies the brief (`atou import --replace`), as a redraft gives it new text too.
    assert DraftStore(database).replace_article(make_article("field-notes", prompts=2))
    await world.engine.sweep()
    await world.engine.sweep()
    assert [to for to, _doc in platform.privately] == ["admin", "admin"]


def test_review_buttons_always_fit_a_button_payload() -> None:
    """The group rides along in a draft's buttons when it fits; a long id and a large group still encode."""
    for draft_id, group_id in (("d" * 40, 1234567), ("short", 1234567), ("d" * 40, 7)):
        doc = messages.draft_offer_private_doc("en", "Readers", draft_id, "A title", "https://example.org", group_id)
        actions = [b.action for b in doc.buttons[0] if b.action is not None]
        assert [decode_action(encode_action(a)) for a in actions] == actions
        assert {a.page for a in actions} <= {0, group_id} and actions[0].article_id == draft_id
    short = messages.draft_offer_private_doc("en", "", "short", "A title", "notes.html", 1234567)
    assert {b.action.page for b in short.buttons[0] if b.action is not None} == {1234567}
