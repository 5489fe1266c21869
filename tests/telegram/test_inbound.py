"""What members do in Telegram reaches the core as neutral events, through real polling."""

from __future__ import annotations

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.deeplink import start_payload
from bot.protocol import (
    BotAdded,
    BotRemoved,
    ButtonEvent,
    ChatMigrated,
    ChatRef,
    CommandEvent,
    EditEvent,
    MessageEvent,
)
from bot.render.document import Action, text_document
from bot.render.i18n import Lang
from bot.services import catalog
from tests.telegram.conftest import AdapterFactory, Recorder
from tests.telegram.fake_bot_api import AdminRights, FakeBotApi


async def test_start_sets_menus_and_polls(fake: FakeBotApi, make_adapter: AdapterFactory) -> None:
    adapter = await make_adapter(set_menus=True)
    assert adapter.me.username == "atou_test_bot"
    menus = {key: [c["command"] for c in cmds] for key, cmds in fake.commands.items()}
    for language in ("", "zh", "en"):
        assert "brief" in menus[("all_group_chats", language)]
        assert "pause" not in menus[("all_group_chats", language)]
        assert {"brief", "pause", "schedule", "export"} <= set(menus[("all_chat_administrators", language)])
        assert "pause" not in menus[("default", language)]
    zh = {c["command"]: c["description"] for c in fake.commands[("all_group_chats", "zh")]}
    en = {c["command"]: c["description"] for c in fake.commands[("all_group_chats", "en")]}
    assert zh["brief"] and en["brief"]
    await fake.wait_until(lambda: bool(fake.calls_to("getUpdates")))


async def test_menus_are_the_catalog(fake: FakeBotApi, make_adapter: AdapterFactory) -> None:
    """Every menu lists the catalog's commands, in its order, described in the menu's language."""
    await make_adapter(set_menus=True)
    for code, lang in (("", Lang.ZH_HANS), ("zh", Lang.ZH_HANS), ("en", Lang.EN)):
        members = [{"command": c.name, "description": c.describe(lang)} for c in catalog.MEMBER_COMMANDS]
        admins = members + [{"command": c.name, "description": c.describe(lang)} for c in catalog.ADMIN_COMMANDS]
        assert fake.commands[("default", code)] == members
        assert fake.commands[("all_group_chats", code)] == members
        assert fake.commands[("all_chat_administrators", code)] == admins


async def test_replies_to_the_bot_are_attributed_by_message_id(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    ann = fake.add_user("Ann", username="ann_reads")
    (prompt_id,) = await adapter.send(ChatRef("telegram", str(group.id)), text_document("What do you think?"))
    reply = fake.post(group, ann, "I think so", reply_to=int(prompt_id))
    fake.post(group, ann, "chatter the bot never sees")  # privacy mode: not a reply, not a command
    (event,) = await recorder.wait_for(MessageEvent)
    assert event.text == "I think so" and event.reply_to == prompt_id
    assert event.message_id == str(reply["message_id"]) and event.chat == ChatRef("telegram", str(group.id))
    assert (
        event.author.id == str(ann.id)
        and event.author.display_name == "Ann"
        and not event.author.anonymous_admin
    )


async def test_topic_messages_carry_the_topic_and_no_implicit_reply(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    forum = fake.add_group("forum", forum=True, bot_rights=AdminRights(can_manage_topics=True))
    ann = fake.add_user("Ann")
    topic = await adapter.open_thread(ChatRef("telegram", str(forum.id)), "Article of the day", None)
    assert topic is not None and topic.thread_id is not None
    (prompt_id,) = await adapter.send(topic, text_document("Prompt 1"))
    fake.post(forum, ann, "thoughts in the topic", thread_id=int(topic.thread_id))
    fake.post(forum, ann, "answering the prompt", reply_to=int(prompt_id))
    first, second = await recorder.wait_for(MessageEvent, 2)
    assert first.chat == topic and first.reply_to is None
    assert second.chat == topic and second.reply_to == prompt_id


async def test_edits_follow_the_message_they_edit(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers", bot_admin=True)
    ann = fake.add_user("Ann")
    original = fake.post(group, ann, "first thought")
    fake.edit(group, original["message_id"], "second thought")
    await recorder.wait_for(EditEvent)
    kinds = [type(e) for e in recorder.events]
    assert kinds == [MessageEvent, EditEvent]
    (edit,) = recorder.of(EditEvent)
    assert edit.message_id == str(original["message_id"]) and edit.text == "second thought"


async def test_commands_with_arguments_mentions_and_bot_suffix(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    ann = fake.add_user("Ann", username="ann_reads")
    fake.post(group, ann, "/schedule 08:30 Europe/Berlin mon-fri")
    fake.post(group, ann, "/Persona@atou_test_bot Skeptic @ann_reads")
    fake.post(group, ann, "/brief@someone_elses_bot")
    fake.post(group, ann, "/bilingual 2")
    schedule, persona, bilingual = await recorder.wait_for(CommandEvent, 3)
    assert schedule.name == "schedule" and schedule.args == ("08:30", "Europe/Berlin", "mon-fri")
    assert persona.name == "persona" and persona.args == ("Skeptic", "@ann_reads")
    assert [m.id for m in persona.mentions] == ["@ann_reads"]
    assert bilingual.name == "bilingual" and bilingual.args == ("2",)
    assert len(recorder.events) == 3  # the command for another bot is not ours


async def test_anonymous_admins_and_channel_senders(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    group = fake.add_group("readers")
    fake.post_as_anonymous_admin(group, "/pause")
    fake.post_as_channel(group, -1009999, "Some Channel", "/pause")
    anonymous, channel = await recorder.wait_for(CommandEvent, 2)
    assert anonymous.author.anonymous_admin and anonymous.author.id == str(group.id)
    assert not channel.author.anonymous_admin and channel.author.id == "-1009999"
    assert channel.author.display_name == "Some Channel"
    chat = ChatRef("telegram", str(group.id))
    assert await adapter.is_admin(chat, anonymous.author)
    assert not await adapter.is_admin(chat, channel.author)


async def test_bot_added_removed_and_group_migrated(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    owner = fake.add_user("Owner")
    forum = fake.add_group("a forum", forum=True, creator=owner)
    forum.members[fake.bot.id].status = "left"
    fake.set_bot_status(forum, "administrator", by=owner, rights=AdminRights(can_manage_topics=True))
    (added,) = await recorder.wait_for(BotAdded)
    assert (
        added.forum
        and added.title == "a forum"
        and added.added_by is not None
        and added.added_by.id == str(owner.id)
    )
    fake.kick_bot(forum, by=owner)
    (removed,) = await recorder.wait_for(BotRemoved)
    assert removed.chat == ChatRef("telegram", str(forum.id)) and "Owner" in removed.reason

    basic = fake.add_group("basic", supergroup=False, bot_admin=True)
    new = fake.migrate(basic)
    (migrated,) = await recorder.wait_for(ChatMigrated)
    assert migrated.chat == ChatRef("telegram", str(basic.id)) and migrated.new_chat_id == str(new.id)


async def test_start_in_private_brings_a_deep_linked_action(
    fake: FakeBotApi, adapter: TelegramAdapter, recorder: Recorder
) -> None:
    ann = fake.add_user("Ann")
    private = fake.add_private(ann)
    action = Action(kind="tab", article_id="921efcdb88e63008", part="bilingual")
    payload = start_payload(action)
    assert payload is not None
    fake.post(private, ann, f"/start {payload}")
    fake.post(private, ann, "/start")
    (button,) = await recorder.wait_for(ButtonEvent)
    assert (
        button.action == action
        and button.chat == ChatRef("telegram", str(ann.id))
        and button.author.id == str(ann.id)
    )
    group = fake.add_group("readers")
    fake.post(group, ann, "/start")
    private_help, group_help = await recorder.wait_for(CommandEvent, 2)
    assert private_help.name == group_help.name == "help"
    assert group_help.chat == ChatRef("telegram", str(group.id))
