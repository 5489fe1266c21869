"""The local Bot API fake answers unmodified python-telegram-bot the way Telegram does, and is as strict."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, RetryAfter

from tests.local_server import serve_locally
from tests.telegram.fake_bot_api import AdminRights, FakeBotApi, Limits


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as b:
        yield b


def retry_seconds(exc: RetryAfter) -> float:
    return exc._retry_after.total_seconds()


async def test_get_me_describes_the_bot_and_privacy_mode(fake: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "atou_test_bot" and me.is_bot
    assert me.can_read_all_group_messages is False
    assert fake.calls_to("getMe")[-1].status == 200


async def test_a_wrong_or_malformed_token_is_refused(fake: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123456789:" + "x" * 35, base_url=fake.base_url):
            pass
    with pytest.raises(InvalidToken):
        async with Bot("not-a-token", base_url=fake.base_url):
            pass
    assert [c.status for c in fake.calls] == [401, 404]


async def test_html_is_parsed_into_entities_with_utf16_offsets(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("readers")
    message = await bot.send_message(
        group.id, '😀 <b>粗 &amp; <i>斜</i></b> <a href="https://example.org/">link</a>', parse_mode="HTML"
    )
    assert message.text == "😀 粗 & 斜 link"
    kinds = [(e.type, e.offset, e.length) for e in message.entities]
    assert kinds == [
        (MessageEntity.BOLD, 3, 5),
        (MessageEntity.ITALIC, 7, 1),
        (MessageEntity.TEXT_LINK, 9, 4),
    ]
    assert message.parse_entity(message.entities[2]) == "link"


@pytest.mark.parametrize(
    ("markup", "complaint"),
    [
        ("a < b", 'unsupported start tag ""'),
        ("<foo>x</foo>", 'unsupported start tag "foo" at byte offset 0'),
        ("<b>x", 'can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("fish & chips", 'unescaped "&" at byte offset 5'),
        ("2 > 1", 'unescaped ">" at byte offset 2'),
        ("&nbsp;", 'unescaped "&"'),
        ("<span>x</span>", 'tag "span" must have class "tg-spoiler"'),
        ('<a href="javascript:x">x</a>', "wrong url"),
        ("<code><b>x</b></code>", "can't be nested"),
        ('<a href="https://e.org"><code>x</code></a>', "can't be nested"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "blockquote can't be nested"),
    ],
)
async def test_markup_that_breaks_telegrams_html_rules_is_refused(
    fake: FakeBotApi, bot: Bot, markup: str, complaint: str
) -> None:
    group = fake.add_group("readers")
    with pytest.raises(BadRequest, match="(?i)can't parse entities") as caught:
        await bot.send_message(group.id, markup, parse_mode="HTML")
    assert complaint in caught.value.message.lower()
    assert fake.sent(group) == []


async def test_the_same_text_without_parse_mode_is_plain(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("readers")
    message = await bot.send_message(group.id, "a < b & <foo>")
    assert message.text == "a < b & <foo>" and message.entities == ()


async def test_text_length_counts_utf16_units_after_parsing(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("readers")
    await bot.send_message(
        group.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML"
    )  # markup is longer; text is not
    await bot.send_message(group.id, "字" * 4096)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(group.id, "a" * 4097)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(group.id, "😀" * 2049)  # 2049 code points, 4098 UTF-16 units
    await bot.send_message(group.id, "😀" * 2048)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(group.id, " <b> </b> ", parse_mode="HTML")


async def test_at_most_100_entities(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("readers")
    await bot.send_message(group.id, " ".join(["<b>x</b>"] * 100), parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)too many entities"):
        await bot.send_message(group.id, " ".join(["<b>x</b>"] * 101), parse_mode="HTML")


async def test_callback_data_is_1_to_64_bytes(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("readers")

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])

    await bot.send_message(group.id, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(group.id, "no", reply_markup=keyboard("字" * 22))  # 66 bytes, 22 characters
    with pytest.raises(BadRequest, match="(?i)button_url_invalid"):
        await bot.send_message(
            group.id, "no", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", url="ftp://x")]])
        )


async def test_reply_targets_must_exist_unless_allowed_to_miss(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("readers")
    first = await bot.send_message(group.id, "prompt")
    reply = await bot.send_message(group.id, "answer", reply_parameters=ReplyParameters(first.message_id))
    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == first.message_id
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(group.id, "x", reply_parameters=ReplyParameters(9999))
    lone = await bot.send_message(
        group.id, "x", reply_parameters=ReplyParameters(9999, allow_sending_without_reply=True)
    )
    assert lone.reply_to_message is None


async def test_forum_topics_threads_and_rights(fake: FakeBotApi, bot: Bot) -> None:
    plain = fake.add_group("forum, bot a member", forum=True)
    manager = fake.add_group(
        "forum, bot manages topics", forum=True, bot_rights=AdminRights(can_manage_topics=True)
    )
    with pytest.raises(BadRequest, match="(?i)not enough rights to create a topic"):
        await bot.create_forum_topic(plain.id, "Article 1")
    topic = await bot.create_forum_topic(manager.id, "Article 1")
    sent = await bot.send_message(manager.id, "in the topic", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    assert sent.reply_to_message is not None and sent.reply_to_message.forum_topic_created is not None
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(manager.id, "x", message_thread_id=424242)

    members_topic = fake.create_topic(plain, "Chat")
    fake.close_topic(plain, members_topic.thread_id)
    with pytest.raises(BadRequest, match="(?i)topic_closed"):
        await bot.send_message(plain.id, "x", message_thread_id=members_topic.thread_id)
    await bot.close_forum_topic(manager.id, topic.message_thread_id)
    await bot.send_message(
        manager.id, "admins may post in closed topics", message_thread_id=topic.message_thread_id
    )
    fake.delete_topic(manager, topic.message_thread_id)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(manager.id, "x", message_thread_id=topic.message_thread_id)
    with pytest.raises(BadRequest, match="(?i)not a forum"):
        await bot.create_forum_topic(fake.add_group("no forum", bot_admin=True).id, "x")


async def test_unknown_kicked_blocked_and_migrated_chats(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(-100999, "x")
    group = fake.add_group("kicks", supergroup=True)
    fake.kick_bot(group)
    with pytest.raises(Forbidden, match="(?i)bot was kicked from the supergroup chat"):
        await bot.send_message(group.id, "x")
    user = fake.add_user("Ann")
    fake.block_bot(user)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(user.id, "x")
    stranger = fake.add_user("Bo")
    fake.add_private(stranger, started=False)
    with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
        await bot.send_message(stranger.id, "x")
    basic = fake.add_group("basic", supergroup=False)
    new = fake.migrate(basic)
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(basic.id, "x")
    assert moved.value.new_chat_id == new.id and new.type == "supergroup"
    await bot.send_message(new.id, "after the move")


async def test_per_group_limit(bot: Bot, fake: FakeBotApi) -> None:
    group = fake.add_group("busy")
    for n in range(20):
        await bot.send_message(group.id, f"m{n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(group.id, "one too many")
    wait = retry_seconds(caught.value)
    assert 0 < wait <= fake.limits.per_chat_period
    other = fake.add_group("quiet")
    await bot.send_message(other.id, "another group is not affected")
    await asyncio.sleep(wait)
    await bot.send_message(group.id, "after retry_after")
    assert fake.too_many_requests == 1


async def test_overall_limit_and_whole_second_retry_after() -> None:
    async with FakeBotApi(
        limits=Limits(per_chat=100, per_chat_period=60, overall=3, overall_period=1.0)
    ) as fake:
        groups = [fake.add_group(f"g{n}") for n in range(4)]
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            for g in groups[:3]:
                await bot.send_message(g.id, "x")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(groups[3].id, "x")
        answer = fake.calls_to("sendMessage")[-1].answer
        assert answer["error_code"] == 429 and answer["parameters"]["retry_after"] == 1
        assert answer["description"] == "Too Many Requests: retry after 1"
        assert retry_seconds(caught.value) == 1


async def test_get_updates_long_polling_offsets_and_conflicts(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("readers", bot_admin=True)
    ann = fake.add_user("Ann")
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert time.monotonic() - started >= 0.25

    async def later() -> None:
        await asyncio.sleep(0.1)
        fake.post(group, ann, "hello")

    task = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=5)
    await task
    assert [u.message.text for u in updates if u.message] == ["hello"]
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]  # not confirmed yet
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()

    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(fake.token, base_url=fake.base_url) as second_instance:
        second = asyncio.create_task(second_instance.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match="(?i)terminated by other getupdates"):
            await first
        assert await second == ()


async def test_privacy_mode_decides_what_a_plain_member_bot_sees(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("privacy on")
    ann = fake.add_user("Ann", username="ann_reads")
    prompt = await bot.send_message(group.id, "prompt")
    fake.post(group, ann, "just chatting")
    fake.post(group, ann, "/brief")
    fake.post(group, ann, "/brief@other_bot")
    fake.post(group, ann, "/brief@atou_test_bot")
    fake.post(group, ann, "my answer", reply_to=prompt.message_id)
    fake.post(group, ann, "hey @atou_test_bot")
    seen = [u.message.text for u in await bot.get_updates(timeout=0) if u.message]
    assert seen == ["/brief", "/brief@atou_test_bot", "my answer", "hey @atou_test_bot"]

    admin_group = fake.add_group("bot is admin", bot_admin=True)
    fake.post(admin_group, ann, "just chatting")
    seen = [u.message.text for u in await bot.get_updates(timeout=0) if u.message]
    assert seen[-1] == "just chatting"


async def test_members_commands_entities_and_topic_messages_reach_ptb(fake: FakeBotApi, bot: Bot) -> None:
    forum = fake.add_group("forum", forum=True, bot_rights=AdminRights(can_manage_topics=True))
    ann = fake.add_user("Ann", username="ann_reads")
    topic = await bot.create_forum_topic(forum.id, "Article")
    fake.post(forum, ann, "/persona Skeptic @ann_reads")
    fake.post(forum, ann, "in the topic", thread_id=topic.message_thread_id)
    fake.post_as_anonymous_admin(forum, "/pause")
    updates = [u for u in await bot.get_updates(timeout=0) if u.message and u.message.text]
    command, in_topic, anonymous = (u.message for u in updates)
    assert (
        command.entities[0].type == MessageEntity.BOT_COMMAND
        and command.entities[1].type == MessageEntity.MENTION
    )
    assert in_topic.is_topic_message and in_topic.message_thread_id == topic.message_thread_id
    assert in_topic.reply_to_message is not None and in_topic.reply_to_message.forum_topic_created is not None
    assert anonymous.from_user.id == 1087968824 and anonymous.sender_chat.id == forum.id


async def test_edits_callbacks_and_answers(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("buttons")
    ann = fake.add_user("Ann")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("▶", callback_data="v1|page|a|bilingual|2|")]])
    page = await bot.send_message(group.id, "page 1", reply_markup=keyboard)
    query_id = fake.press(group, page.message_id, ann)
    (update,) = await bot.get_updates(timeout=0)
    assert update.callback_query is not None and update.callback_query.data == "v1|page|a|bilingual|2|"
    assert (
        update.callback_query.from_user.id == ann.id
        and update.callback_query.message.message_id == page.message_id
    )
    edited = await bot.edit_message_text(
        "page 2", chat_id=group.id, message_id=page.message_id, reply_markup=keyboard
    )
    assert edited.text == "page 2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(
            "page 2", chat_id=group.id, message_id=page.message_id, reply_markup=keyboard
        )
    await bot.edit_message_reply_markup(chat_id=group.id, message_id=page.message_id, reply_markup=None)
    assert "reply_markup" not in fake.sent(group)[0]
    with pytest.raises(BadRequest, match="(?i)url_invalid"):
        await bot.answer_callback_query(query_id, url="https://example.org/")
    await bot.answer_callback_query(query_id, url="https://t.me/atou_test_bot?start=abc_-1")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query_id, text="twice")
    theirs = fake.post(group, ann, "/brief")
    with pytest.raises(BadRequest, match="(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=group.id, message_id=theirs["message_id"])
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=group.id, message_id=9999)
    assert await bot.delete_message(group.id, page.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(group.id, page.message_id)


async def test_chat_members_parse_as_their_ptb_kinds(fake: FakeBotApi, bot: Bot) -> None:
    ann, bo, cy, di = (fake.add_user(n) for n in ("Ann", "Bo", "Cy", "Di"))
    group = fake.add_group("members", members=[bo], admins=[ann], forum=True)
    fake.set_member(group, cy, "restricted")
    fake.set_member(group, di, "kicked")
    owner = fake._owner(group)
    kinds = {
        owner.id: ChatMemberOwner,
        ann.id: ChatMemberAdministrator,
        bo.id: ChatMemberMember,
        cy.id: ChatMemberRestricted,
        di.id: ChatMemberBanned,
        fake.add_user("Ed").id: ChatMemberLeft,
    }
    for user_id, kind in kinds.items():
        assert type(await bot.get_chat_member(group.id, user_id)) is kind
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {owner.id, ann.id}
    with pytest.raises(BadRequest, match="(?i)user not found"):
        await bot.get_chat_member(group.id, 5)
    info = await bot.get_chat(group.id)
    assert isinstance(info, ChatFullInfo) and info.is_forum and info.title == "members"


async def test_commands_per_scope_and_language(fake: FakeBotApi, bot: Bot) -> None:
    members = [BotCommand("brief", "Today's brief")]
    admins = members + [BotCommand("pause", "Pause posting")]
    await bot.set_my_commands(members, scope=BotCommandScopeAllGroupChats(), language_code="en")
    await bot.set_my_commands(admins, scope=BotCommandScopeAllChatAdministrators(), language_code="zh")
    assert fake.commands[("all_group_chats", "en")] == [{"command": "brief", "description": "Today's brief"}]
    assert len(fake.commands[("all_chat_administrators", "zh")]) == 2
    got = await bot.get_my_commands(scope=BotCommandScopeAllChatAdministrators(), language_code="zh")
    assert [c.command for c in got] == ["brief", "pause"]
    with pytest.raises(BadRequest, match="(?i)invalid language code"):
        await bot.set_my_commands(members, language_code="zh-Hans")
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Brief", "x")])


async def test_documents_upload_as_multipart(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("files")
    message = await bot.send_document(
        group.id, InputFile(b"# archive\n", filename="archive.md"), caption="the archive"
    )
    assert message.document is not None and message.document.file_name == "archive.md"
    assert fake.documents[message.document.file_id] == b"# archive\n" and message.caption == "the archive"
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_document(group.id, InputFile(b"x", filename="x.txt"), caption="c" * 1025)


async def test_webhook_delivery_carries_the_secret_and_retries(fake: FakeBotApi, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []
    fail_first = [True]

    async def hook(request: web.Request) -> web.Response:
        if fail_first[0]:
            fail_first[0] = False
            return web.Response(status=500)
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, port = await serve_locally(app)
    try:
        with pytest.raises(BadRequest, match="(?i)127.0.0.1 only"):
            await bot.set_webhook("https://example.org/hook")
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret_-token")
        with pytest.raises(Conflict, match="(?i)webhook is active"):
            await bot.get_updates()
        group = fake.add_group("hooked", bot_admin=True)
        fake.post(group, fake.add_user("Ann"), "via webhook")
        await fake.wait_until(lambda: bool(received))
        secret, payload = received[0]
        assert secret == "s3cret_-token"
        update = Update.de_json(payload, bot)
        assert update.message is not None and update.message.text == "via webhook"
        assert [status for _, status in fake.webhook_deliveries] == [500, 200]
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0 and info.last_error_message
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()


async def test_every_call_is_recorded_with_its_parameters(fake: FakeBotApi, bot: Bot) -> None:
    group = fake.add_group("log")
    await bot.send_message(
        group.id,
        "<b>x</b>",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="d")]]),
    )
    call = fake.calls_to("sendMessage")[-1]
    assert call.params["chat_id"] == str(group.id) and call.params["parse_mode"] == "HTML"
    assert json.loads(call.params["reply_markup"]) == {
        "inline_keyboard": [[{"text": "a", "callback_data": "d"}]]
    }
    assert call.answer["ok"] is True
