"""The whole bot on Telegram: the engine and a SQLite file behind the adapter, python-telegram-bot over
HTTP in front of it, and the Bot API fake playing Telegram and its members."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine as Database

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.pacing import Limits as PacingLimits
from bot.app import run
from bot.archive.export import export_archive
from bot.bootstrap import build_engine
from bot.config import Settings
from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote
from bot.protocol import ChatRef, InboundEvent
from bot.services import groups as group_service
from bot.services.domain import Group
from bot.services.engine import Engine
from bot.services.messages import tr
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.discussions import load_archive
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.llm.process import FakeChatProcess
from tests.telegram.fake_bot_api import AdminRights, Call, FakeBotApi, FakeChat, FakeUser
from tests.waiting import eventually
from tests.web.anchored import assert_beside

PROMPTS = ("What would change your mind?", "Who gains the most?", "What should we try next?")
START = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai; the default post time is 08:00 there
NEXT_POST = datetime(2026, 6, 2, 0, 0, 30, tzinfo=UTC)  # 08:00:30 in Shanghai, the next day


def article(article_id: str = "e2e-article", paragraphs: int = 60) -> Article:
    english = [
        Block(
            BlockKind.PARAGRAPH, f"Paragraph {i}: " + "a sentence of the original article. " * 11 + "The end."
        )
        for i in range(paragraphs)
    ]
    chinese = [Block(BlockKind.PARAGRAPH, f"第{i}段：" + "译文的一句话。" * 20) for i in range(paragraphs)]
    return Article(
        id=article_id,
        title="A judgment stated as a headline",
        brief=Brief(
            headline="A judgment stated as a headline",
            verdict="One paragraph of verdict, written for these tests.",
            key_points=(KeyPoint("A bold lead.", "Its body."),),
            relevance=(RelevanceNote("Investing", "What it means for investing."),),
            prompts=PROMPTS,
        ),
        original=tuple(english),
        translation=tuple(chinese),
        bilingual=tuple(BilingualPair(e, c) for e, c in zip(english, chinese, strict=True)),
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


@dataclass
class World:
    fake: FakeBotApi
    adapter: TelegramAdapter
    engine: Engine
    db: Database
    clock: Clock
    handled: list[InboundEvent]  # every event the engine has finished handling, in order

    def find(self, chat: FakeChat) -> Group | None:
        with SqlUnitOfWorkFactory(self.db)() as uow:
            return uow.groups.by_chat("telegram", str(chat.id), None)

    def group(self, chat: FakeChat) -> Group:
        found = self.find(chat)
        assert found is not None, f"no group for {chat.title}"
        return found

    def add_bot(
        self, chat: FakeChat, by: FakeUser, *, admin: bool = False, rights: AdminRights | None = None
    ) -> None:
        """Someone adds the bot to the chat (Telegram tells the bot with my_chat_member)."""
        chat.members[self.fake.bot.id].status = "left"
        self.fake.set_bot_status(chat, "administrator" if admin else "member", by=by, rights=rights)

    async def post_time(self) -> None:
        """The scheduled time comes; the scheduler's sweep posts what is due."""
        self.clock.current = NEXT_POST
        await self.engine.sweep()


@pytest.fixture
async def world(fake: FakeBotApi, sqlite_url: str, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """The bot on Telegram; parametrized indirectly with "model", with the Chat Completions fake as its model."""
    db = make_engine(sqlite_url)
    upgrade(db)
    ArticleStore(db).add(article())
    clock = Clock(START)
    model = (
        request.getfixturevalue("fake_chat").settings(llm_retries=0)
        if getattr(request, "param", None) == "model"
        else {}
    )
    settings = Settings(_env_file=None, database_url=sqlite_url, **model)  # type: ignore[call-arg]
    engine = build_engine(settings, db, clock=clock)
    handled: list[InboundEvent] = []

    async def handle(event: InboundEvent) -> None:
        await engine.handle(event)
        handled.append(event)

    adapter = TelegramAdapter(
        fake.token,
        handle,
        api_url=fake.base_url,
        limits=PacingLimits.telegram(scale=100),
        poll_timeout=1,
        set_menus=False,
        network_backoff=0.01,
    )
    engine.register_platform(adapter)
    await adapter.start()
    yield World(fake, adapter, engine, db, clock, handled)
    await adapter.stop()
    await engine.close()
    db.dispose()


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text", "") for m in messages]


async def test_a_scheduled_post_in_a_group(world: World) -> None:
    fake = world.fake
    ada = fake.add_user("Ada")
    group = fake.add_group("Readers", admins=[ada])
    world.add_bot(group, ada)
    await eventually(lambda: fake.sent(group))  # the greeting
    assert world.group(group).title == "Readers"
    await world.post_time()
    sent = fake.sent(group)
    brief, *prompts = sent[1:]
    assert "A judgment stated as a headline" in brief["text"]
    tabs = [
        b["callback_data"]
        for row in brief["reply_markup"]["inline_keyboard"]
        for b in row
        if "callback_data" in b
    ]
    assert any("|tab|e2e-article|bilingual|" in t for t in tabs)
    assert [any(p in m["text"] for p in PROMPTS) for m in prompts] == [True] * len(PROMPTS)
    await world.engine.sweep()  # a second sweep at the same time posts nothing twice
    assert len(fake.sent(group)) == len(sent)


async def test_a_forum_gets_a_topic_per_article_and_replies_there_are_attributed(world: World) -> None:
    fake = world.fake
    ada, ann = fake.add_user("Ada"), fake.add_user("Ann")
    forum = fake.add_group("Forum readers", forum=True, admins=[ada], members=[ann])
    world.add_bot(forum, ada, admin=True, rights=AdminRights(can_manage_topics=True))
    await eventually(lambda: fake.sent(forum))
    assert world.group(forum).forum
    await world.post_time()
    (topic,) = forum.topics.values()
    assert topic.name == "A judgment stated as a headline" and topic.created_by_bot
    in_topic = fake.sent(forum, thread_id=topic.thread_id)
    assert len(in_topic) == len(PROMPTS)
    brief = [m for m in fake.sent(forum) if "message_thread_id" not in m][-1]
    assert "A judgment stated as a headline" in brief["text"]

    fake.post(forum, ann, "Talking in the topic", thread_id=topic.thread_id)
    fake.post(forum, ann, "On the second prompt", reply_to=in_topic[1]["message_id"])
    archive = await eventually(lambda: _replies(world, 2))
    by_text = {r.text: r for r in archive}
    assert by_text["Talking in the topic"].prompt is None
    assert by_text["On the second prompt"].prompt == 1
    assert by_text["On the second prompt"].author_key == f"telegram:{ann.id}"


async def test_a_topic_deleted_under_the_bot_falls_back_to_the_main_chat(world: World) -> None:
    fake = world.fake
    ada = fake.add_user("Ada")
    forum = fake.add_group("Forum readers", forum=True, admins=[ada])
    world.add_bot(forum, ada, admin=True, rights=AdminRights(can_manage_topics=True))
    await eventually(lambda: fake.sent(forum))

    def delete_new_topics(call: Call) -> None:  # an admin deletes the topic as soon as it appears
        if call.method == "createForumTopic" and call.status == 200:
            fake.delete_topic(forum, call.answer["result"]["message_thread_id"])

    fake.on_call(delete_new_topics)
    await world.post_time()
    main_chat = [m for m in fake.sent(forum) if "message_thread_id" not in m]
    shown = "\n".join(m["text"] for m in main_chat)
    assert all(p in shown for p in PROMPTS)  # every prompt still went out, in the main chat
    assert len(main_chat) >= 1 + 1 + len(PROMPTS) + 1  # greeting, brief, a notice, the prompts
    assert fake.sent(forum, thread_id=next(iter(forum.topics))) == []


def _replies(world: World, count: int) -> list[Any] | None:
    archive = load_archive(world.db, "e2e-article")
    if archive is None:
        return None
    replies = [r for d in archive.discussions for r in d.replies]
    return replies if len(replies) >= count else None


async def test_replies_to_prompts_and_their_edits_are_archived(world: World) -> None:
    fake = world.fake
    ada, ann, bo = fake.add_user("Ada"), fake.add_user("Ann"), fake.add_user("Bo")
    group = fake.add_group("Readers", admins=[ada], members=[ann, bo])
    world.add_bot(group, ada, admin=True)  # an admin bot sees every message, replies to replies too
    await eventually(lambda: fake.sent(group))
    await world.post_time()
    prompts = fake.sent(group)[2:]
    first = fake.post(group, ann, "Prices, mostly", reply_to=prompts[0]["message_id"])
    fake.post(group, bo, "Nobody, really", reply_to=prompts[1]["message_id"])
    fake.post(group, bo, "I agree with Ann", reply_to=first["message_id"])  # a reply to a reply
    chatter = fake.post(group, ann, "just chatting, not a reply")  # seen, but belongs to no discussion
    await eventually(lambda: _replies(world, 3))
    await eventually(
        lambda: any(getattr(e, "message_id", None) == str(chatter["message_id"]) for e in world.handled)
    )
    await world.engine.discussions.recorder.drain()  # whatever the chatter might have added is written
    replies = _replies(world, 3) or []
    prompt_of = {r.text: r.prompt for r in replies}
    assert prompt_of == {"Prices, mostly": 0, "Nobody, really": 1, "I agree with Ann": 0}
    fake.edit(group, first["message_id"], "Prices, and wages")
    edited = await eventually(
        lambda: [r for r in (_replies(world, 3) or []) if r.text == "Prices, and wages"]
    )
    assert edited[0].history == ("Prices, mostly",)


def _buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def test_paging_through_the_bilingual_text_privately_with_buttons(world: World) -> None:
    fake = world.fake
    ada, ann = fake.add_user("Ada"), fake.add_user("Ann")
    group = fake.add_group("Readers", admins=[ada], members=[ann])
    world.add_bot(group, ada)
    await eventually(lambda: fake.sent(group))
    private = fake.add_private(ann)  # Ann has talked to the bot before
    fake.post(group, ann, "/bilingual")
    page = dict((await eventually(lambda: fake.sent(private)))[0])
    assert "Paragraph 0" in page["text"] and len(fake.sent(group)) == 1  # not in the group
    forward = next(b["callback_data"] for b in _buttons(page) if b.get("callback_data", "").endswith("|2|"))
    fake.press(private, page["message_id"], ann, forward)
    await eventually(lambda: "Paragraph 0" not in private.messages[page["message_id"]]["text"])
    turned = private.messages[page["message_id"]]
    assert turned.get("edit_date") and [b["text"] for b in _buttons(turned)] != [
        b["text"] for b in _buttons(page)
    ]
    assert len(fake.sent(private)) == 1  # turned in place
    await eventually(lambda: fake.callback_answers)


async def test_a_member_the_bot_cannot_write_to_gets_a_read_privately_link(world: World) -> None:
    fake = world.fake
    ada, bo = fake.add_user("Ada"), fake.add_user("Bo")
    group = fake.add_group("Readers", admins=[ada], members=[bo])
    world.add_bot(group, ada)
    await eventually(lambda: fake.sent(group))
    fake.post(group, bo, "/translation 3")
    invitation = (await eventually(lambda: fake.sent(group)[1:]))[0]
    (button,) = _buttons(invitation)
    assert (
        button["url"].startswith("https://t.me/atou_test_bot?start=")
        and "Paragraph" not in invitation["text"]
    )
    private = fake.add_private(bo)  # Bo opens the link and presses Start
    fake.post(private, bo, "/start " + button["url"].split("start=")[1])
    page = (await eventually(lambda: fake.sent(private)))[0]
    assert "3/" in page["text"] and "译文" in page["text"]
    assert len(fake.sent(group)) == 2  # the greeting and the one short invitation


async def test_admin_commands_from_an_admin_a_member_and_an_anonymous_admin(world: World) -> None:
    fake = world.fake
    ada, bo = fake.add_user("Ada"), fake.add_user("Bo")
    group = fake.add_group("Readers", admins=[ada], members=[bo])
    world.add_bot(group, ada)
    await eventually(lambda: fake.sent(group))
    fake.post(group, bo, "/pause")
    await eventually(lambda: len(fake.sent(group)) >= 2)  # refused: Bo has no private chat, so in the group
    assert world.group(group).active
    fake.post(group, ada, "/pause holidays")
    await eventually(lambda: not world.group(group).active)
    assert world.group(group).paused_reason == "holidays"
    fake.post_as_anonymous_admin(group, "/resume")
    await eventually(lambda: world.group(group).active)
    answered = len(fake.sent(group))
    fake.post_as_channel(group, -1001234, "A channel", "/pause")  # writing as a channel is no admin
    await eventually(lambda: len(fake.sent(group)) > answered)
    assert world.group(group).active


async def test_the_bot_kicked_pauses_that_group_only(world: World) -> None:
    fake = world.fake
    ada = fake.add_user("Ada")
    kept, kicked, silently_kicked = (
        fake.add_group(t, admins=[ada]) for t in ("Kept", "Kicked", "Silently kicked")
    )
    for chat in (kept, kicked, silently_kicked):
        world.add_bot(chat, ada)
    await eventually(lambda: all(fake.sent(c) for c in (kept, kicked, silently_kicked)))
    fake.kick_bot(kicked, by=ada)
    await eventually(lambda: not world.group(kicked).active)
    silently_kicked.members[fake.bot.id].status = "kicked"  # Telegram's notice never arrived
    await world.post_time()
    assert len(fake.sent(kept)) == 1 + 1 + len(PROMPTS)
    assert len(fake.sent(kicked)) == 1 and len(fake.sent(silently_kicked)) == 1
    assert not world.group(silently_kicked).active
    assert "kicked" in (world.group(silently_kicked).paused_reason or "")


async def test_a_migrated_group_is_followed(world: World) -> None:
    fake = world.fake
    ada = fake.add_user("Ada")
    basic = fake.add_group("Basic group", supergroup=False, admins=[ada])
    world.add_bot(basic, ada)
    await eventually(lambda: fake.sent(basic))
    supergroup = fake.migrate(basic, by=ada)
    await eventually(lambda: world.find(supergroup))
    assert world.find(basic) is None  # the group followed its chat to the new id
    quiet = fake.add_group("Quiet basic group", supergroup=False, admins=[ada])
    world.add_bot(quiet, ada)
    await eventually(lambda: fake.sent(quiet))
    quiet.migrated_to = fake.migrate(quiet).id
    fake._updates.clear()  # its service messages are lost: the send itself learns of the move
    await world.post_time()
    assert len(fake.sent(supergroup)) == 1 + len(PROMPTS)
    assert len(fake.sent(quiet.migrated_to)) == 1 + len(PROMPTS)
    assert world.group(fake.chats[quiet.migrated_to]).active


@pytest.mark.slow
async def test_a_burst_to_200_groups_loses_nothing(world: World) -> None:
    fake = world.fake
    chats = [fake.add_group(f"Group {n}") for n in range(200)]
    for chat in chats:
        group_service.register(world.engine.core, ChatRef("telegram", str(chat.id)), chat.title or "")
    await world.post_time()
    per_chat = [len(fake.sent(c)) for c in chats]
    assert per_chat == [1 + len(PROMPTS)] * 200
    sent_calls = fake.calls_to("sendMessage")
    assert sum(c.status == 200 for c in sent_calls) == 200 * (1 + len(PROMPTS))
    assert fake.too_many_requests == world.adapter.pacer.too_many_requests  # any 429 was sent again


async def test_atou_run_brings_up_the_telegram_adapter_from_settings(
    fake: FakeBotApi, sqlite_url: str
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        auto_upgrade=True,
        health_port=0,
        telegram_token=fake.token,
        telegram_api_url=fake.base_url,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(run(settings, stop=stop, modules=("adapters.telegram",)))
    ada = fake.add_user("Ada")
    group = fake.add_group("Readers", admins=[ada])
    await eventually(lambda: fake.calls_to("deleteWebhook"))  # polling starts right after
    group.members[fake.bot.id].status = "left"
    fake.set_bot_status(group, "member", by=ada)
    await eventually(lambda: fake.sent(group))  # the greeting, from the engine through the adapter
    assert ("all_chat_administrators", "zh") in fake.commands
    stop.set()
    assert await asyncio.wait_for(running, 20) == 0


async def test_status_tells_whether_the_bot_sees_every_message(world: World) -> None:
    fake = world.fake
    ada, ann = fake.add_user("Ada"), fake.add_user("Ann")
    member_group = fake.add_group("Bot as member", admins=[ada], members=[ann])
    admin_group = fake.add_group("Bot as admin", admins=[ada], members=[ann])
    world.add_bot(member_group, ada)
    world.add_bot(admin_group, ada, admin=True)
    await eventually(lambda: fake.sent(member_group) and fake.sent(admin_group))
    _ = tr(world.group(member_group).lang)
    for chat in (member_group, admin_group):
        fake.post(chat, ann, "/status")
    await eventually(lambda: len(fake.sent(member_group)) == 2 and len(fake.sent(admin_group)) == 2)
    sees_all = _("I see every message in this chat.")
    assert sees_all in fake.sent(admin_group)[-1]["text"]
    only_some = _(
        "I see only commands, replies to my messages and mentions here (privacy mode): replies "
        "to the prompts are recorded, other messages are not."
    )
    assert (
        only_some in fake.sent(member_group)[-1]["text"]
        and sees_all not in fake.sent(member_group)[-1]["text"]
    )


async def test_replies_anchored_to_paragraphs_reach_the_page_exports_and_catchup(world: World) -> None:
    fake = world.fake
    ada, ann, bo, cy = (fake.add_user(name) for name in ("Ada", "Ann", "Bo", "Cy"))
    late = fake.add_user("Late")
    group = fake.add_group("Readers", admins=[ada], members=[ann, bo, cy, late])
    world.add_bot(group, ada, admin=True)  # an admin bot sees every message
    await eventually(lambda: fake.sent(group))
    await world.post_time()
    prompts = fake.sent(group)[2:]
    fake.post(group, ann, "¶3 this is where it turns", reply_to=prompts[0]["message_id"])
    pasted = fake.post(
        group,
        bo,
        "Quoting it: Paragraph 7: a sentence of the original article.",
        reply_to=prompts[1]["message_id"],
    )
    fake.post(group, cy, "why?", reply_to=pasted["message_id"], quote="Paragraph 7: a sentence")
    fake.post(group, ann, "/para 5")
    shown = await eventually(lambda: [m for m in fake.sent(group) if "¶5 Paragraph 4:" in m.get("text", "")])
    fake.post(group, bo, "this one", reply_to=shown[0]["message_id"])
    replies = await eventually(lambda: _replies(world, 4))
    assert {r.text: r.paragraph for r in replies} == {
        "¶3 this is where it turns": 3,
        "Quoting it: Paragraph 7: a sentence of the original article.": None,
        "why?": 8,
        "this one": 5,  # a reply to the paragraph the bot showed
    }

    private = fake.add_private(late)
    fake.post(group, late, "/catchup")
    (catchup,) = await eventually(lambda: fake.sent(private))
    lines = [line for line in catchup["text"].splitlines() if line]
    by_prompt = {n: next(line for line in lines if f"引子 {n}" in line) for n in (1, 2)}
    assert "Ann" in by_prompt[1] and "Bo" in by_prompt[2] and "Cy" in by_prompt[2]
    assert (
        len(fake.sent(group)) == len(prompts) + 3
    )  # greeting, brief, prompts, /para: nothing more in the group

    archive = load_archive(world.db, "e2e-article")
    assert archive is not None
    data = json.loads(export_archive(archive, "json"))
    assert [p["paragraph"] for p in data["discussions"][0]["paragraphs"]] == [3, 5, 8]
    assert (
        "this is where it turns"
        in export_archive(archive, "md").decode().split("#### ¶3 · ")[1].split("####")[0]
    )
    assert 'id="d1-p3"' in export_archive(archive, "html").decode()
    assert_beside(world.db, "e2e-article", f"telegram:{group.id}", 3, "this is where it turns")
    assert_beside(world.db, "e2e-article", f"telegram:{group.id}", 8, "why?")


SYNTHESIS = "discussion_synthesis"
GENERATED = "以下综述由模型生成，请对照原回复阅读。"


async def _discussed_and_closed(world: World) -> tuple[Any, Any, Any, list[dict[str, Any]]]:
    """Ann and Bo reply to the first prompt, Ada (an admin) closes the discussion: the group, Ada,
    Ann and the recap's messages."""
    fake = world.fake
    ada, ann, bo = fake.add_user("Ada"), fake.add_user("Ann"), fake.add_user("Bo")
    group = fake.add_group("Readers", admins=[ada], members=[ann, bo])
    world.add_bot(group, ada, admin=True)
    await eventually(lambda: fake.sent(group))
    await world.post_time()
    prompts = fake.sent(group)[2:]
    fake.post(group, ann, "¶2 prices move first", reply_to=prompts[0]["message_id"])
    fake.post(group, bo, "wages move first", reply_to=prompts[0]["message_id"])
    await eventually(lambda: _replies(world, 2))
    before = len(fake.sent(group))
    fake.post(group, ada, "/close")
    await eventually(lambda: any("讨论已结束" in m.get("text", "") for m in fake.sent(group)[before:]))
    await asyncio.sleep(0.2)  # a recap in several messages: let the last ones arrive
    return group, ada, ann, fake.sent(group)[before:]


REVIEW_SYNTHESIS = "审阅模型生成的综述"


def _review_notices(fake: Any, group: Any) -> list[dict[str, Any]]:
    """The notice posted after the recap, whose button opens the held synthesis to an admin."""
    return [m for m in fake.sent(group) if any(b.get("text") == REVIEW_SYNTHESIS for b in _buttons(m))]


def _generated(fake: Any, group: Any) -> list[dict[str, Any]]:
    return [m for m in fake.sent(group) if GENERATED in m.get("text", "")]


@pytest.mark.parametrize("world", ["model"], indirect=True)
async def test_the_models_synthesis_reaches_the_group_only_once_an_admin_approves_it(
    world: World, fake_chat: FakeChatProcess
) -> None:
    fake_chat.script(
        SYNTHESIS,
        {
            "summary": "两种看法。",
            "prompts": [
                {
                    "prompt": 1,
                    "positions": [
                        {"member": "Ann", "reply_id": 1, "view": "价格先动。"},
                        {"member": "Bo", "reply_id": 2, "view": "工资先动。"},
                    ],
                    "agreements": ["都看重时间顺序。"],
                    "open_questions": ["谁来验证？"],
                }
            ],
        },
    )
    fake = world.fake
    group, ada, ann, recap = await _discussed_and_closed(world)
    text = "\n".join(m["text"] for m in recap)
    assert "讨论已结束" in text and GENERATED not in text and "价格先动" not in text
    [carrier] = await eventually(lambda: _review_notices(fake, group))
    review = next(b["callback_data"] for b in _buttons(carrier) if b["text"] == REVIEW_SYNTHESIS)
    # A member's press is refused in a pop-up only they see.
    fake.press(group, carrier["message_id"], ann, review)
    await eventually(lambda: any("只有本群管理员" in (a["text"] or "") for a in fake.callback_answers))
    # The admin, who has a private chat with the bot, reviews it there.
    private = fake.add_private(ada)
    fake.press(group, carrier["message_id"], ada, review)
    shown = (await eventually(lambda: fake.sent(private)))[0]
    assert GENERATED in shown["text"] and "Ann (¶2)：价格先动。" in shown["text"]
    assert _generated(fake, group) == []
    approve = next(b["callback_data"] for b in _buttons(shown) if b["text"] == "批准并发布")
    fake.press(private, shown["message_id"], ada, approve)
    await eventually(lambda: _generated(fake, group))
    fake.press(private, shown["message_id"], ada, approve)  # a second press posts nothing more
    await eventually(lambda: any("已被批准并发布过" in m["text"] for m in fake.sent(private)))
    [posted] = _generated(fake, group)
    assert "Ann (¶2)：价格先动。" in posted["text"] and "Bo：工资先动。" in posted["text"]


@pytest.mark.parametrize("world", ["model"], indirect=True)
async def test_an_admin_without_a_private_chat_reviews_the_synthesis_through_a_start_link(
    world: World, fake_chat: FakeChatProcess
) -> None:
    fake_chat.script(
        SYNTHESIS,
        {
            "summary": "两种看法。",
            "prompts": [
                {
                    "prompt": 1,
                    "positions": [{"member": "Ann", "reply_id": 1, "view": "价格先动。"}],
                    "agreements": [],
                    "open_questions": [],
                }
            ],
        },
    )
    fake = world.fake
    group, ada, _ann, recap = await _discussed_and_closed(world)
    [carrier] = await eventually(lambda: _review_notices(fake, group))
    review = next(b["callback_data"] for b in _buttons(carrier) if b["text"] == REVIEW_SYNTHESIS)
    fake.press(group, carrier["message_id"], ada, review)
    [answer] = await eventually(lambda: [a for a in fake.callback_answers if a["url"]])
    assert _generated(fake, group) == []  # not in the group while the bot cannot write to Ada
    private = fake.add_private(ada)  # Ada opens the link and presses Start
    fake.post(private, ada, "/start " + answer["url"].split("start=")[1])
    shown = (await eventually(lambda: fake.sent(private)))[0]
    assert GENERATED in shown["text"] and "Ann (¶2)：价格先动。" in shown["text"]
    assert [b["text"] for b in _buttons(shown)] == ["批准并发布", "退回"]
    assert _generated(fake, group) == []


@pytest.mark.parametrize("world", ["model"], indirect=True)
async def test_a_failing_model_leaves_the_plain_recap_on_telegram(
    world: World, fake_chat: FakeChatProcess
) -> None:
    fake_chat.fault("server_error", count=5)
    group, _, _, recap = await _discussed_and_closed(world)
    text = "\n".join(m["text"] for m in recap)
    assert GENERATED not in text and "讨论已结束" in text and "Ann" in text and "Bo" in text
    assert _review_notices(world.fake, group) == []
