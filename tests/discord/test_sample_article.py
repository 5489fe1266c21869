"""The sample article through the real client: every message within Discord's limits, paging to the end."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.formats import load_file
from bot.model import Article
from bot.protocol import ButtonEvent, ChatRef, InboundEvent
from bot.render.document import Mention
from bot.render.i18n import Lang
from bot.render.views import Part, brief_document, page_count, prompt_documents, text_page
from tests.discord.support import Recorder

TEXT_PARTS = (Part.BILINGUAL, Part.TRANSLATION, Part.ORIGINAL)
EMBED_TOTAL = 6000


@pytest.fixture
def article(sample_page: Path) -> Article:
    return load_file(sample_page)


def within_limits(message: discord.Message) -> None:
    assert 0 < len(message.content) <= 2000 or message.embeds
    assert len(message.content.encode("utf-16-le")) // 2 <= 2000
    total = 0
    for embed in message.embeds:
        assert len(embed.description or "") <= 4096
        total += len(embed.title or "") + len(embed.description or "")
        total += sum(len(f.name) + len(f.value) for f in embed.fields)
    assert total <= EMBED_TOTAL
    assert len(message.components) <= 5
    for row in message.components:
        assert len(row.children) <= 5
        for button in row.children:
            assert button.url or len(button.custom_id) <= 100


@pytest.mark.parametrize("lang", list(Lang))
async def test_brief_prompts_and_every_page_fit(simcord_env, adapter, article: Article, lang: Lang) -> None:
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    neta = guild.add_member(simcord_env.create_user("neta"))
    chat = ChatRef("discord", str(channel.id))
    audience = article.brief.relevance[0].audience
    brief = brief_document(article, lang=lang, personas={audience: Mention(str(neta.id), "neta")})

    brief_ids = await adapter.send(chat, brief)
    thread = await adapter.open_thread(chat, article.brief.headline or article.title, brief_ids[0])
    assert thread is not None
    prompt_ids = [await adapter.send(thread, d) for d in prompt_documents(article, lang=lang)]
    page_ids = [
        await adapter.send(chat, text_page(article, part, n, lang=lang, formatter=adapter.formatter).doc)
        for part in TEXT_PARTS
        for n in range(1, page_count(article, part, lang=lang, formatter=adapter.formatter) + 1)
    ]
    await simcord_env.settle()

    assert len(prompt_ids) == len(article.brief.prompts) and all(len(ids) == 1 for ids in prompt_ids)
    assert all(len(ids) == 1 for ids in page_ids), "a page is one message"
    sent = channel.history() + channel.threads[0].history()
    assert len(sent) == len(brief_ids) + len(prompt_ids) + len(page_ids) + 1  # + Discord's thread notice
    for message in sent:
        if message.type is not discord.MessageType.thread_created:
            within_limits(message)
    brief_messages = [m for m in sent if str(m.id) in brief_ids]
    assert [u.id for m in brief_messages for u in m.mentions] == [neta.id]
    tabs = [c.label for m in brief_messages for row in m.components for c in row.children]
    assert len(tabs) == 4


async def test_a_member_pages_through_the_bilingual_text_to_the_end(
    simcord_env, adapter, recorder: Recorder, article: Article
) -> None:
    formatter = adapter.formatter

    async def core(event: InboundEvent) -> None:
        if isinstance(event, ButtonEvent):
            page = text_page(
                article, event.action.part, event.action.page or 1, lang=Lang.ZH_HANS, formatter=formatter
            )
            await event.respond(page.doc, private=True, replace=event.action.kind == "page")

    recorder.answer = core
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    mei = guild.add_member(simcord_env.create_user("mei"))
    await adapter.send(ChatRef("discord", str(channel.id)), brief_document(article, lang=Lang.ZH_HANS))
    await simcord_env.settle()

    (first,) = (
        await mei.click(channel.last_message, custom_id=f"v1|tab|{article.id}|bilingual|0|")
    ).followups
    total = page_count(article, Part.BILINGUAL, lang=Lang.ZH_HANS, formatter=formatter)
    seen = [first.content]
    for number in range(2, total + 1):
        await mei.click(first, custom_id=f"v1|page|{article.id}|bilingual|{number}|")
        (current,) = [m for m in channel.history(viewer=mei) if m.id == first.id]
        within_limits(current)
        seen.append(current.content)
    assert len(set(seen)) == total > 1
    assert all(m.flags.ephemeral for m in channel.history(viewer=mei) if m.id == first.id)
    assert [m.id for m in channel.history(viewer=guild.owner)] == [channel.last_message.id]
