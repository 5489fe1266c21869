"""The whole bot on Discord: the real engine on a SQLite file, the real client under simcord.

An admin sets a channel up and posts the sample article; members discuss in the thread, reply to
prompts, edit and delete, page through the text; a member is refused an admin command; the
archive holds the discussion and `/export` sends it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.archive.export import export_archive
from bot.config import Settings
from bot.model import Article
from storage.discussions import load_archive
from tests.discord.support import make_settings
from tests.web.anchored import assert_beside

# The sample article is stored before the engine is built: every test here posts it.
pytestmark = pytest.mark.usefixtures("article")


@pytest.fixture
def settings(sqlite_url: str, request: pytest.FixtureRequest) -> Settings:
    """Parametrized indirectly with "model": the Chat Completions fake is the bot's model."""
    model = (
        request.getfixturevalue("fake_chat").settings(llm_retries=0)
        if getattr(request, "param", None) == "model"
        else {}
    )
    return make_settings(database_url=sqlite_url, default_lang="zh-Hans", **model)


@pytest.fixture
def adapter(engine_adapter: DiscordAdapter) -> DiscordAdapter:
    return engine_adapter


async def test_a_day_of_discussion_in_a_channel(
    simcord_env, world, adapter, engine, article: Article, database
) -> None:
    guild, channel, admin, mei, rui = world

    # An admin sets the channel up and posts now.
    setup = await admin.slash(channel, "schedule", time="08:00", timezone="Asia/Shanghai")
    assert setup.acknowledged and setup.response is not None
    await admin.slash(channel, "postnow")

    (thread,) = channel.threads
    brief = next(m for m in channel.history() if m.components)
    assert thread.id == brief.id  # the thread is made from the brief
    assert len(brief.components[0].children) == 4  # the four tabs
    prompts = [m for m in thread.history() if m.author.bot]
    assert len(prompts) == len(article.brief.prompts) == 3

    # Members discuss: in the thread, replying to a prompt, editing, deleting.
    first = await mei.send(thread, "第一点说得太满了")
    second = await rui.send(thread, "同意第二个问题", reply_to=prompts[1])
    await mei.edit(first, "第一点说得太满了，不过方向没错")
    oops = await rui.send(thread, "发错了")
    await rui.delete(oops)

    # A member reads privately and pages in place.
    tab = await mei.click(brief, label=brief.components[0].children[0].label)
    (page,) = tab.followups
    assert page.ephemeral
    before = page.content
    next_button = next(c for row in page.message.components for c in row.children if c.label == "▶")
    await mei.click(page, custom_id=next_button.custom_id)
    (turned,) = [m for m in channel.history(viewer=mei) if m.id == page.id]
    assert turned.content != before and turned.flags.ephemeral

    # A member is refused an admin command the server showed them; nothing changes.
    commands = await simcord_env.bot.tree.fetch_commands()
    guild.set_command_permissions(next(c for c in commands if c.name == "pause"), {mei: True})
    refused = await mei.slash(channel, "pause")
    assert refused.ephemeral
    status = await admin.slash(channel, "status")
    assert "/resume" not in (status.response.content if status.response else "")

    # The archive holds the discussion.
    archive = load_archive(database, article.id)
    assert archive is not None
    (discussion,) = archive.discussions
    assert discussion.platform == "discord"
    replies = {r.message_id: r for r in discussion.replies}
    assert replies[str(first.id)].text == "第一点说得太满了，不过方向没错"
    assert replies[str(first.id)].history == ("第一点说得太满了",)
    assert replies[str(second.id)].prompt == 1  # 0-based: the second prompt
    assert str(oops.id) not in replies or replies[str(oops.id)].deleted
    assert {r.author_name for r in replies.values() if not r.deleted} == {"mei", "rui"}

    # /export sends the archive as a file into the channel.
    await admin.slash(channel, "export", format="md")
    exported = channel.last_message
    (attachment,) = exported.attachments
    text = (await attachment.read()).decode("utf-8")
    assert "不过方向没错" in text and "同意第二个问题" in text and "发错了" not in text


async def test_a_channel_that_refuses_the_bot_is_paused_with_the_reason(simcord_env, world, adapter) -> None:
    _, channel, admin, _, _ = world
    await admin.slash(channel, "schedule", time="08:00")
    simcord_env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50013, message="Missing Permissions"
    )

    await admin.slash(channel, "postnow")

    status = await admin.slash(channel, "status")
    assert status.response is not None
    assert "Missing Permissions" in status.response.content and "/resume" in status.response.content
    assert channel.threads == []


async def test_replies_anchored_to_paragraphs_reach_the_page_exports_and_catchup(
    simcord_env, world, adapter, engine, article: Article, database
) -> None:
    guild, channel, admin, mei, rui = world
    await admin.slash(channel, "schedule", time="08:00", timezone="Asia/Shanghai")
    await admin.slash(channel, "postnow")
    (thread,) = channel.threads
    prompts = [m for m in thread.history() if m.author.bot]

    cited = await mei.send(thread, "¶3 这里才是关键", reply_to=prompts[0])
    shown = await rui.slash(thread, "para", number=5)
    assert shown.response is not None and not shown.ephemeral and "¶5 " in shown.response.content
    (paragraph_message,) = [m for m in thread.history() if m.author.bot and "¶5 " in m.content]
    answer = await rui.send(thread, "这一段我不同意", reply_to=paragraph_message)
    await mei.send(thread, "第3段 同意", reply_to=prompts[1])

    archive = load_archive(database, article.id)
    assert archive is not None
    anchored = {r.message_id: r.paragraph for d in archive.discussions for r in d.replies}
    assert anchored[str(cited.id)] == 3 and anchored[str(answer.id)] == 5

    late = guild.add_member(simcord_env.create_user("late"))
    catchup = await late.slash(thread, "catchup")
    assert catchup.ephemeral and catchup.response is not None
    lines = [line for line in catchup.response.content.splitlines() if line]
    prompt_1 = next(line for line in lines if "引子 1" in line)
    prompt_2 = next(line for line in lines if "引子 2" in line)
    assert "mei" in prompt_1 and "mei" in prompt_2 and "rui" not in prompt_1
    assert any("其他" in line and "rui" in line for line in lines)  # the reply to /para answers no prompt
    assert len(catchup.response.content) <= 2000

    data = json.loads(export_archive(archive, "json"))
    assert [p["paragraph"] for p in data["discussions"][0]["paragraphs"]] == [3, 5]
    assert "这里才是关键" in export_archive(archive, "md").decode().split("#### ¶3 · ")[1].split("####")[0]
    assert 'id="d1-p3"' in export_archive(archive, "html").decode()
    group_key = next(d.group_key for d in archive.discussions)
    assert_beside(database, article.id, group_key, 3, "这里才是关键")
    assert_beside(database, article.id, group_key, 5, "这一段我不同意")


async def post_and_reply(world: Any) -> tuple[Any, Any]:
    """The sample posted now in #reading; mei replies to the first prompt citing ¶3. (channel, thread)"""
    _, channel, admin, mei, _ = world
    await admin.slash(channel, "schedule", time="08:00", timezone="Asia/Shanghai")
    await admin.slash(channel, "postnow")
    (thread,) = channel.threads
    prompts = [m for m in thread.history() if m.author.bot]
    await mei.send(thread, "¶3 这里才是关键", reply_to=prompts[0])
    return channel, thread


async def close_with_recap(world: Any) -> list[Any]:
    """An admin's /close; the bot's messages it brought to the channel."""
    _, channel, admin, _, _ = world
    before = {m.id for m in channel.history()}
    await admin.slash(channel, "close")
    return [m for m in channel.history() if m.id not in before and m.author.bot]


@pytest.mark.parametrize("settings", ["model"], indirect=True)
async def test_the_models_synthesis_reaches_the_channel_only_once_an_admin_approves_it(
    simcord_env, world, adapter, engine, article: Article, database, fake_chat
) -> None:
    _, _, admin, mei, rui = world
    channel, thread = await post_and_reply(world)
    prompts = [m for m in thread.history() if m.author.bot]
    await rui.send(thread, "我不同意", reply_to=prompts[0])
    fake_chat.script(
        "discussion_synthesis",
        {
            "summary": "两种看法。",
            "prompts": [
                {
                    "prompt": 1,
                    "positions": [{"member": "mei", "reply_id": 1, "view": "关键在第三段。"}],
                    "agreements": ["都读了第三段。"],
                    "open_questions": ["下一步呢？"],
                }
            ],
        },
    )
    generated = "以下综述由模型生成"

    def in_channel() -> list[Any]:
        return [m for m in channel.history() if m.author.bot and generated in m.content]

    recap = await close_with_recap(world)
    text = "\n".join(m.content for m in recap)
    assert "讨论已结束" in text and generated not in text and "关键在第三段。" not in text
    catchup = await rui.slash(thread, "catchup")
    assert catchup.ephemeral and catchup.response is not None
    assert generated not in catchup.response.content and "两种看法" not in catchup.response.content
    [carrier] = [m for m in recap if m.components]  # the notice after the recap
    assert "等待管理员审阅" in carrier.content
    refused = await mei.click(carrier, label="审阅模型生成的综述")
    [refusal] = refused.followups
    assert refusal.ephemeral and refusal.content == "只有本群管理员可以使用这个按钮；没有做任何更改。"
    shown = await admin.click(carrier, label="审阅模型生成的综述")
    [review] = shown.followups
    assert review.ephemeral and generated in review.content and "关键在第三段。" in review.content
    assert in_channel() == []
    await admin.click(review, label="批准并发布")
    again = await admin.click(review, label="批准并发布")  # a second press posts nothing more
    assert again.followups[0].ephemeral and again.followups[0].content == "生成的综述已被批准并发布过。"
    [posted] = in_channel()
    assert "关键在第三段。" in posted.content and len(posted.content) <= 2000


@pytest.mark.parametrize("settings", ["model"], indirect=True)
async def test_a_failing_model_leaves_the_plain_recap_and_nothing_to_review_on_discord(
    simcord_env, world, adapter, engine, article: Article, database, fake_chat
) -> None:
    await post_and_reply(world)
    fake_chat.fault("server_error", count=5)
    recap = await close_with_recap(world)
    text = "\n".join(m.content for m in recap)
    assert "讨论已结束" in text and "以下综述由模型生成" not in text and "等待管理员审阅" not in text
    assert not any(m.components for m in recap)
