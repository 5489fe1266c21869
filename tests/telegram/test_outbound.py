"""What the core sends arrives in Telegram within every limit, and Telegram's refusals come back neutral."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.format import TelegramMessage
from adapters.telegram.pacing import Limits as PacingLimits
from bot.protocol import ChatGone, ChatMoved, ChatRef, Member, PlatformError, ThreadGone
from bot.render.document import Action, Button, Document, Mention, Para, ParaKind, Span, text_document
from tests.telegram.conftest import AdapterFactory
from tests.telegram.fake_bot_api import AdminRights, FakeBotApi, Limits


def ref(chat_id: int, thread: int | None = None) -> ChatRef:
    return ChatRef("telegram", str(chat_id), None if thread is None else str(thread))


def styled_doc() -> Document:
    return Document(
        (
            Para((Span("Headline <with> brackets & ampersands", bold=True),), ParaKind.HEADING),
            Para(
                (
                    Span("Read "),
                    Span("the source", link="https://example.org/a?b=1&c=2"),
                    Span(", run "),
                    Span("x < y", code=True),
                    Span(", ask "),
                    Span("Ann", mention=Mention("42", "Ann")),
                )
            ),
            Para((Span("a quoted line", italic=True),), ParaKind.QUOTE),
            Para((Span("an item"),), ParaKind.LIST_ITEM),
        ),
        buttons=(
            (
                Button("双语对照", Action(kind="tab", article_id="a1", part="bilingual")),
                Button("web", url="https://example.org/"),
            ),
        ),
    )


async def test_a_styled_document_arrives_as_valid_html_with_its_keyboard(
    fake: FakeBotApi, adapter: TelegramAdapter
) -> None:
    group = fake.add_group("readers")
    ids = await adapter.send(ref(group.id), styled_doc())
    (message,) = fake.sent(group)
    assert ids == [str(message["message_id"])]
    assert "Headline <with> brackets & ampersands" in message["text"] and "x < y" in message["text"]
    types = {e["type"] for e in message["entities"]}
    assert {"bold", "text_link", "code", "text_mention"} <= types
    buttons = message["reply_markup"]["inline_keyboard"][0]
    assert buttons[0] == {"text": "双语对照", "callback_data": "v1|tab|a1|bilingual|0|"}
    assert buttons[1]["url"] == "https://example.org/"
    assert fake.calls_to("sendMessage")[-1].params["parse_mode"] == "HTML"


async def test_a_long_document_is_split_and_every_part_accepted(
    fake: FakeBotApi, adapter: TelegramAdapter
) -> None:
    group = fake.add_group("readers")
    paragraphs = [f"第{n}段：" + "讨论" * 300 + " 😀 <&>" for n in range(20)]
    doc = Document(
        tuple(Para((Span(p, bold=n % 3 == 0),)) for n, p in enumerate(paragraphs)),
        buttons=((Button("▶", Action("page", "a1", "bilingual", 2)),),),
    )
    ids = await adapter.send(ref(group.id), doc)
    sent = fake.sent(group)
    assert len(ids) == len(sent) > 1
    assert "".join(m["text"] for m in sent).replace("\n", "") == "".join(paragraphs)
    assert all("reply_markup" not in m for m in sent[:-1]) and "reply_markup" in sent[-1]
    assert all(c.status == 200 for c in fake.calls_to("sendMessage"))


async def test_replies_and_topics(fake: FakeBotApi, adapter: TelegramAdapter) -> None:
    forum = fake.add_group("forum", forum=True, bot_rights=AdminRights(can_manage_topics=True))
    topic = fake.create_topic(forum, "Configured topic")
    (first,) = await adapter.send(ref(forum.id, topic.thread_id), text_document("brief"))
    (second,) = await adapter.send(ref(forum.id, topic.thread_id), text_document("reply"), reply_to=first)
    messages = fake.sent(forum, thread_id=topic.thread_id)
    assert [m["text"] for m in messages] == ["brief", "reply"]
    assert messages[1]["reply_to_message"]["message_id"] == int(first)
    # A reply target deleted meanwhile does not stop the message.
    await adapter.send(ref(forum.id), text_document("still sent"), reply_to="99999")
    assert fake.sent(forum)[-1]["text"] == "still sent"


async def test_telegrams_refusals_become_neutral_errors(fake: FakeBotApi, adapter: TelegramAdapter) -> None:
    with pytest.raises(ChatGone):
        await adapter.send(ref(-100777), text_document("nobody there"))
    kicked = fake.add_group("kicked")
    fake.kick_bot(kicked)
    with pytest.raises(ChatGone, match="(?i)kicked"):
        await adapter.send(ref(kicked.id), text_document("x"))
    basic = fake.add_group("basic", supergroup=False)
    new = fake.migrate(basic)
    with pytest.raises(ChatMoved) as moved:
        await adapter.send(ref(basic.id), text_document("x"))
    assert moved.value.new_chat_id == str(new.id)
    forum = fake.add_group("forum", forum=True)
    topic = fake.create_topic(forum, "t")
    fake.close_topic(forum, topic.thread_id)
    with pytest.raises(ThreadGone):
        await adapter.send(ref(forum.id, topic.thread_id), text_document("x"))
    fake.delete_topic(forum, topic.thread_id)
    with pytest.raises(ThreadGone):
        await adapter.send(ref(forum.id, topic.thread_id), text_document("x"))
    assert not isinstance(ThreadGone("x"), ChatGone)


async def test_refused_markup_is_resent_as_plain_text_and_logged(
    fake: FakeBotApi,
    adapter: TelegramAdapter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    group = fake.add_group("readers")
    broken = [
        TelegramMessage(
            "<b>unclosed &amp; " + "x" * 5000, "HTML", [[{"text": "▶", "callback_data": "v1|page|a|b|2|"}]]
        )
    ]
    monkeypatch.setattr(adapter.formatter, "format", lambda doc: broken)
    with caplog.at_level(logging.ERROR, logger="adapters.telegram"):
        ids = await adapter.send(ref(group.id), text_document("whatever"))
    sent = fake.sent(group)
    assert len(ids) == len(sent) == 2 and sent[0]["text"].startswith("unclosed & xxx")
    assert "reply_markup" in sent[-1] and "parse_mode" not in fake.calls_to("sendMessage")[-1].params
    assert any("plain text" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


async def test_pacing_keeps_a_burst_within_the_limits(fake: FakeBotApi, adapter: TelegramAdapter) -> None:
    groups = [fake.add_group(f"g{n}") for n in range(4)]
    jobs = [adapter.send(ref(g.id), text_document(f"message {k}")) for g in groups for k in range(22)]
    await asyncio.gather(*jobs)
    assert fake.too_many_requests == 0
    for g in groups:
        assert sorted(m["text"] for m in fake.sent(g)) == sorted(f"message {k}" for k in range(22))


async def test_429_is_waited_out_and_nothing_is_lost(make_adapter: AdapterFactory, fake: FakeBotApi) -> None:
    # The adapter believes the limits are twice as generous as they are: Telegram answers 429.
    adapter = await make_adapter(limits=PacingLimits.telegram(scale=200))
    group = fake.add_group("busy")
    await asyncio.gather(*(adapter.send(ref(group.id), text_document(f"m{k}")) for k in range(45)))
    assert fake.too_many_requests > 0 and adapter.pacer.too_many_requests == fake.too_many_requests
    assert sorted(m["text"] for m in fake.sent(group)) == sorted(f"m{k}" for k in range(45))


async def test_whole_second_retry_after_like_telegram() -> None:
    async with FakeBotApi(
        limits=Limits(per_chat=2, per_chat_period=1.0, overall=100, overall_period=1.0)
    ) as fake:
        group = fake.add_group("strict")

        async def ignore(event: object) -> None:
            return None

        adapter = TelegramAdapter(
            fake.token,
            ignore,
            api_url=fake.base_url,
            limits=PacingLimits(per_chat=10, per_chat_period=1.0),
            set_menus=False,
            poll_timeout=1,
        )
        await adapter.start()
        try:
            await asyncio.gather(*(adapter.send(ref(group.id), text_document(f"m{k}")) for k in range(3)))
        finally:
            await adapter.stop()
        assert fake.too_many_requests >= 1 and len(fake.sent(group)) == 3


async def test_network_errors_are_retried_with_backoff(fake: FakeBotApi, adapter: TelegramAdapter) -> None:
    group = fake.add_group("readers")
    fake.fail_next("sendMessage", 3)
    (message_id,) = await adapter.send(ref(group.id), text_document("after three failures"))
    assert [c.status for c in fake.calls_to("sendMessage")] == [502, 502, 502, 200]
    assert fake.sent(group)[0]["message_id"] == int(message_id)
    fake.fail_next("sendMessage", 10)
    with pytest.raises(PlatformError, match="could not be reached"):
        await adapter.send(ref(group.id), text_document("Telegram stays down"))


async def test_edit_in_place_and_not_modified_is_fine(fake: FakeBotApi, adapter: TelegramAdapter) -> None:
    group = fake.add_group("readers")
    doc = Document(
        (Para((Span("page 1"),)),), buttons=((Button("▶", Action("page", "a1", "bilingual", 2)),),)
    )
    (message_id,) = await adapter.send(ref(group.id), doc)
    page2 = Document(
        (Para((Span("page 2"),)),), buttons=((Button("◀", Action("page", "a1", "bilingual", 1)),),)
    )
    await adapter.edit(ref(group.id), message_id, page2)
    await adapter.edit(ref(group.id), message_id, page2)
    (message,) = fake.sent(group)
    assert message["text"] == "page 2" and message["reply_markup"]["inline_keyboard"][0][0]["text"] == "◀"
    with pytest.raises(PlatformError):
        await adapter.edit(ref(group.id), "4242", page2)


async def test_topics_per_article_only_where_the_bot_may_open_them(
    fake: FakeBotApi, adapter: TelegramAdapter
) -> None:
    managed = fake.add_group("managed forum", forum=True, bot_rights=AdminRights(can_manage_topics=True))
    member_only = fake.add_group("forum, bot a member", forum=True)
    admin_without_right = fake.add_group("forum, bot admin without topics", forum=True, bot_admin=True)
    plain = fake.add_group("no forum", bot_admin=True)
    opened = await adapter.open_thread(ref(managed.id), "An article title " * 12, None)
    assert opened is not None and opened.chat_id == str(managed.id)
    assert managed.topics[int(opened.thread_id or 0)].name == ("An article title " * 12).strip()[:128]
    for chat in (member_only, admin_without_right, plain):
        assert await adapter.open_thread(ref(chat.id), "x", None) is None
    topic = fake.create_topic(managed, "configured")
    assert await adapter.open_thread(ref(managed.id, topic.thread_id), "x", None) is None


async def test_files_and_captions(fake: FakeBotApi, adapter: TelegramAdapter) -> None:
    group = fake.add_group("readers")
    message_id = await adapter.send_file(ref(group.id), "archive.md", "# 讨论\n".encode(), "c" * 2000)
    (message,) = fake.sent(group)
    assert message["message_id"] == int(message_id) and message["document"]["file_name"] == "archive.md"
    assert fake.documents[message["document"]["file_id"]] == "# 讨论\n".encode()
    assert len(message["caption"]) == 1024


async def test_admin_checks_use_telegram_and_a_short_cache(
    fake: FakeBotApi, adapter: TelegramAdapter
) -> None:
    ann, bo = fake.add_user("Ann"), fake.add_user("Bo")
    group = fake.add_group("readers", admins=[ann], members=[bo])
    chat = ref(group.id)
    assert await adapter.is_admin(chat, Member(str(ann.id), "Ann"))
    assert not await adapter.is_admin(chat, Member(str(bo.id), "Bo"))
    calls = len(fake.calls_to("getChatMember"))
    assert await adapter.is_admin(chat, Member(str(ann.id), "Ann"))
    assert len(fake.calls_to("getChatMember")) == calls  # cached
    assert not await adapter.is_admin(chat, Member("@ann", "@ann"))
    assert await adapter.is_admin(ref(bo.id), Member(str(bo.id), "Bo"))  # one's own private chat


async def test_admin_cache_expires(fake: FakeBotApi, make_adapter: AdapterFactory) -> None:
    adapter = await make_adapter(admin_ttl=0.05)
    ann = fake.add_user("Ann")
    group = fake.add_group("readers", admins=[ann])
    assert await adapter.is_admin(ref(group.id), Member(str(ann.id), "Ann"))
    fake.set_member(group, ann, "member")
    await asyncio.sleep(0.06)
    assert not await adapter.is_admin(ref(group.id), Member(str(ann.id), "Ann"))


async def test_chat_access_tells_what_the_bot_sees(fake: FakeBotApi, make_adapter: AdapterFactory) -> None:
    adapter = await make_adapter()
    member = fake.add_group("bot is a member")
    admin = fake.add_group("bot is admin", forum=True, bot_rights=AdminRights(can_manage_topics=True))
    plain = await adapter.chat_access(ref(member.id))
    assert not plain.sees_all_messages and not plain.bot_is_admin and not plain.can_open_threads
    full = await adapter.chat_access(ref(admin.id))
    assert full.sees_all_messages and full.bot_is_admin and full.can_open_threads
    fake.can_read_all_group_messages = True
    reader = await make_adapter()
    assert (await reader.chat_access(ref(member.id))).sees_all_messages
