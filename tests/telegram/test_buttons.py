"""Inline keyboards: paging in place, private answers and deep links, stale buttons, admin buttons."""

from __future__ import annotations

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.deeplink import action_of_payload
from bot.protocol import ButtonEvent, ChatRef, InboundEvent
from bot.render.document import Action, Button, Document, Para, Span, text_document
from tests.telegram.conftest import Recorder
from tests.telegram.fake_bot_api import FakeBotApi


def page_doc(n: int, total: int = 3) -> Document:
    buttons = []
    if n > 1:
        buttons.append(Button("◀", Action("page", "a1", "bilingual", n - 1)))
    buttons.append(Button(f"{n}/{total}", Action("page", "a1", "bilingual", n)))
    if n < total:
        buttons.append(Button("▶", Action("page", "a1", "bilingual", n + 1)))
    return Document((Para((Span(f"page {n} of the bilingual text"),)),), buttons=(tuple(buttons),))


async def test_paging_edits_the_message_in_place(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    ann = fake.add_user("Ann")

    async def turn_page(event: InboundEvent) -> None:
        assert isinstance(event, ButtonEvent)
        await event.respond(page_doc(event.action.page), replace=True)

    recorder.react = turn_page
    (message_id,) = await adapter.send(ChatRef("telegram", str(group.id)), page_doc(1))
    query = fake.press(group, int(message_id), ann, "v1|page|a1|bilingual|2|")
    (press,) = await recorder.wait_for(ButtonEvent)
    assert press.author.id == str(ann.id) and press.message_id == message_id
    await fake.wait_until(lambda: any(a["id"] == query for a in fake.callback_answers))
    (message,) = fake.sent(group)
    assert message["text"] == "page 2 of the bilingual text"
    assert [b["text"] for b in message["reply_markup"]["inline_keyboard"][0]] == ["◀", "2/3", "▶"]
    assert [a for a in fake.callback_answers if a["id"] == query] == [
        {"id": query, "text": None, "show_alert": False, "url": None}
    ]


async def test_stale_buttons_are_answered_politely_and_reach_no_one(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    ann = fake.add_user("Ann", language_code="en")
    (message_id,) = await adapter.send(ChatRef("telegram", str(group.id)), page_doc(1))
    query = fake.press_stale(group, int(message_id), ann, "v0|page|a1|bilingual|2")
    await fake.wait_until(lambda: bool(fake.callback_answers))
    (answer,) = fake.callback_answers
    assert answer["id"] == query and answer["text"] and "/help" in answer["text"]
    assert recorder.events == []


async def test_a_short_private_answer_is_an_alert_only_the_presser_sees(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    bo = fake.add_user("Bo")

    async def refuse(event: InboundEvent) -> None:
        await event.respond(text_document("Only admins can do that."), private=True)

    recorder.react = refuse
    doc = Document(
        (Para((Span("queue"),)),), buttons=((Button("post now", Action("admin", arg="postnow")),),)
    )
    (message_id,) = await adapter.send(ChatRef("telegram", str(group.id)), doc)
    fake.press(group, int(message_id), bo)
    await fake.wait_until(lambda: bool(fake.callback_answers))
    (answer,) = fake.callback_answers
    assert answer["text"] == "Only admins can do that." and answer["show_alert"] is True
    assert len(fake.sent(group)) == 1  # nothing posted in the group


async def test_a_tab_goes_to_the_private_chat_of_a_member_who_started_the_bot(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    ann = fake.add_user("Ann")
    fake.add_private(ann)

    async def send_text(event: InboundEvent) -> None:
        await event.respond(page_doc(1), private=True)

    recorder.react = send_text
    tabs = Document(
        (Para((Span("brief"),)),), buttons=((Button("双语对照", Action("tab", "a1", "bilingual")),),)
    )
    (message_id,) = await adapter.send(ChatRef("telegram", str(group.id)), tabs)
    fake.press(group, int(message_id), ann)
    await fake.wait_until(lambda: bool(fake.sent(ann.id)))
    assert fake.sent(ann.id)[0]["text"] == "page 1 of the bilingual text"
    assert len(fake.sent(group)) == 1
    await fake.wait_until(lambda: bool(fake.callback_answers))
    assert fake.callback_answers[0]["url"] is None


async def test_a_member_the_bot_may_not_write_to_gets_a_deep_link_that_brings_the_same_action(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    cy = fake.add_user("Cy")

    async def send_text(event: InboundEvent) -> None:
        await event.respond(page_doc(1), private=True)

    recorder.react = send_text
    tab = Action("tab", "a1", "bilingual")
    tabs = Document((Para((Span("brief"),)),), buttons=((Button("双语对照", tab),),))
    (message_id,) = await adapter.send(ChatRef("telegram", str(group.id)), tabs)
    fake.press(group, int(message_id), cy)
    await fake.wait_until(lambda: bool(fake.callback_answers))
    link = fake.callback_answers[0]["url"]
    assert link is not None and link.startswith("https://t.me/atou_test_bot?start=")
    assert action_of_payload(link.split("start=")[1]) == tab
    assert len(fake.sent(group)) == 1  # the group is not flooded

    # Cy follows the link: Telegram opens the private chat, Start sends the payload.
    private = fake.add_private(cy)
    fake.post(private, cy, "/start " + link.split("start=")[1])
    await fake.wait_until(lambda: bool(fake.sent(private)))
    presses = recorder.of(ButtonEvent)
    assert presses[-1].action == tab and presses[-1].chat == ChatRef("telegram", str(cy.id))
    assert fake.sent(private)[0]["text"] == "page 1 of the bilingual text"


async def test_admin_buttons_are_checked_by_who_pressed(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    ann, bo = fake.add_user("Ann"), fake.add_user("Bo")
    group = fake.add_group("readers", admins=[ann], members=[bo])
    verdicts: list[tuple[str, bool]] = []

    async def check(event: InboundEvent) -> None:
        assert isinstance(event, ButtonEvent)
        verdicts.append((event.author.display_name, await adapter.is_admin(event.chat, event.author)))

    recorder.react = check
    doc = Document((Para((Span("queue"),)),), buttons=((Button("skip", Action("admin", arg="skip")),),))
    (message_id,) = await adapter.send(ChatRef("telegram", str(group.id)), doc)
    fake.press(group, int(message_id), bo)
    fake.press(group, int(message_id), ann)
    await recorder.wait_for(ButtonEvent, 2)
    await fake.wait_until(lambda: len(verdicts) == 2)
    assert sorted(verdicts) == [("Ann", True), ("Bo", False)]


async def test_an_answer_with_a_link_is_never_squeezed_into_an_alert(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    ann = fake.add_user("Ann")
    fake.add_private(ann)

    async def archive_link(event: InboundEvent) -> None:
        doc = Document(
            (Para((Span("The archive: "), Span("open it", link="https://example.org/archive/x"))),)
        )
        await event.respond(doc, private=True)

    recorder.react = archive_link
    tabs = Document(
        (Para((Span("brief"),)),), buttons=((Button("讨论归档", Action("tab", "a1", "archive")),),)
    )
    (message_id,) = await adapter.send(ChatRef("telegram", str(group.id)), tabs)
    fake.press(group, int(message_id), ann)
    await fake.wait_until(lambda: bool(fake.sent(ann.id)))
    assert fake.sent(ann.id)[0]["entities"][0]["url"] == "https://example.org/archive/x"
    await fake.wait_until(lambda: bool(fake.callback_answers))
    assert fake.callback_answers[0]["show_alert"] is False
