"""Every answer of every command, in Simplified and Traditional Chinese, has no English in it.

A group speaking zh-Hans or zh-Hant goes through every command of the catalog — as a member and as
an admin, with good and bad arguments, before and after a post, through a closed discussion and its
recap — and every message the bot sends there is read. Latin words may stand only where they are not
the bot's own words: commands and what they take (code spans, `/name`), names (of the article,
members, the group, timezones, article ids), quoted user text (“…”), and article text itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest

from bot.formats import load_file
from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote
from bot.protocol import BotAdded, Member
from bot.render.document import Action, ActionKind, Document
from bot.services import catalog
from bot.services.core import EngineConfig
from tests.engine.conftest import ADMIN, World, build_world
from tests.engine.fakes import utc
from tests.engine.test_file_import import DEMO, Upload, _import

ALICE = Member("alice", "Alice")
BOB = Member("bob", "Bob")
GROUP_TITLE = "Readers"


def chinese_article(article_id: str) -> Article:
    """An article whose interface-facing parts (title, brief) are Chinese and whose original is English."""
    english = tuple(Block(BlockKind.PARAGRAPH, f"English paragraph {i} of the original.") for i in range(3))
    chinese = tuple(Block(BlockKind.PARAGRAPH, f"原文第 {i} 段的译文。") for i in range(3))
    return Article(
        id=article_id,
        title=f"读书会的第 {article_id[-1]} 篇文章",
        brief=Brief(
            headline="一个判断",
            verdict="一段结论。",
            key_points=(KeyPoint("要点。", "展开说明。"),),
            relevance=(RelevanceNote("投资", "对投资意味着什么。"),),
            prompts=("第一个问题？", "第二个问题？", "第三个问题？"),
        ),
        original=english,
        translation=chinese,
        bilingual=tuple(BilingualPair(e, c) for e, c in zip(english, chinese, strict=True)),
    )


ARTICLES = [chinese_article("art-1"), chinese_article("art-2"), chinese_article("art-3")]
# Words that are someone's name, or what a command takes, typed as is.
NAMES = {
    "Ada", "Alice", "Bob", GROUP_TITLE, "UTC", *(a.id for a in ARTICLES),
    "Telegram", "Discord", "commonplace-books.md", load_file(DEMO).id, load_file(DEMO).title,
}
COMMAND_WORDS = {
    word
    for command in catalog.COMMANDS
    for arg in command.args
    for word in arg.choices
}
# A Latin word: two or more letters (a lone letter can be a list marker or a unit).
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
TIMEZONE = re.compile(r"\b[A-Z][A-Za-z]+(?:/[A-Z][A-Za-z_]+)+")
QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』")
COMMAND = re.compile(r"/[a-z]+(?:\s+(?:" + "|".join(map(re.escape, sorted(COMMAND_WORDS, key=len, reverse=True))) + r"))?")


def article_texts() -> list[str]:
    texts: list[str] = []
    for a in ARTICLES:
        texts += [b.text for b in (*a.original, *a.translation)]
    return sorted(texts, key=len, reverse=True)


def interface_text(doc: Document) -> Iterable[str]:
    """What the bot itself wrote: spans that are not code, and button labels."""
    for para in doc.paras:
        yield "".join(s.text for s in para.spans if not s.code)
    for row in doc.buttons:
        for button in row:
            yield button.label


def leaks(text: str) -> list[str]:
    for known in article_texts():
        text = text.replace(known, " ")
    text = QUOTED.sub(" ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = TIMEZONE.sub(" ", text)
    for name in sorted(NAMES, key=len, reverse=True):
        text = text.replace(name, " ")
    text = COMMAND.sub(" ", text)
    return [w for w in LATIN_WORD.findall(text) if w not in COMMAND_WORDS]


async def walk(w: World) -> set[str]:
    """Every command, as the group meets it; returns the commands used."""
    used: set[str] = set()

    async def run(text: str, author: Member = ADMIN) -> None:
        used.add(text.split()[0].lstrip("/"))
        await w.command(text, author=author)

    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title=GROUP_TITLE))
    for text in ("/help", "/status", "/brief", "/archive", "/translation", "/nosuchcommand"):
        await run(text, author=BOB)
    for text in ("/schedule", "/schedule 25:00", "/schedule 08:00 Mars/Base", "/schedule 08:00 UTC someday"):
        await run(text)
    await run("/schedule 08:00 Asia/Shanghai mon-fri")
    await run("/schedule 09:30 Europe/Berlin mon,wed,fri")
    await run("/schedule 08:00 Asia/Shanghai")
    await run("/status", author=BOB)
    await run("/pause", author=BOB)  # refused: not an admin
    await run("/pause")
    await run("/status")
    await run("/resume")
    await run("/pause 假期")
    await run("/resume")
    await run("/queue")
    await run("/drafts")
    await run("/move art-3 1")
    await run("/move nothing 1")
    await run("/move art-3")
    await run("/skip 2025-12-25")
    await run("/skip 2025-13-45")
    await run("/skip art-2")
    await run("/persona")
    await run("/persona 投资 @bob")
    await run("/persona 投资")
    await _import(w, None)
    await _import(w, Upload("commonplace-books.md", DEMO.read_bytes()), "again")
    await _import(w, Upload("commonplace-books.md", DEMO.read_bytes()))
    await _import(w, Upload("commonplace-books.md", DEMO.read_bytes()))  # already stored
    await _import(w, Upload("commonplace-books.md", DEMO.read_bytes()), "replace")
    await _import(w, Upload("commonplace-books.md", DEMO.read_bytes()), author=BOB)
    used.add("import")
    await run("/postnow")
    for brief in [s for s in w.platform.sent if s.doc.buttons]:
        for row in brief.doc.buttons:
            for button in row:
                if button.action is not None and button.action.kind is ActionKind.TAB:
                    await w.press(button.action, author=BOB)
    prompts = [s.ids[0] for s in w.platform.sent[-3:]]
    await w.say(ALICE, "执行层确实在被自动化。", reply_to=prompts[0])
    await w.say(BOB, "I agree, mostly.", reply_to=prompts[1])
    await w.say(ALICE, "还有一点。", reply_to=prompts[1])
    await w.say(ALICE, "¶2 这一段是关键。", reply_to=prompts[2])
    for text in ("/para 2", "/para 9", "/para x", "/catchup"):
        await run(text, author=BOB)
    for text in ("/status", "/archive", "/brief", "/bilingual", "/bilingual 2", "/bilingual 999", "/original"):
        await run(text, author=BOB)
    await run("/optout", author=BOB)
    await run("/optout off", author=BOB)
    await run("/forget", author=BOB)
    await w.press(Action(ActionKind.FORGET, arg="bob"), author=ALICE)  # someone else's button
    await w.press(Action(ActionKind.FORGET, arg="bob"), author=BOB)
    await run("/export")
    await run("/export pdf")
    await run("/export md nothing")
    await run("/close")
    await run("/close")
    await run("/archive", author=BOB)
    await w.press(Action(ActionKind.ADMIN, arg=catalog.AdminAction.SKIP), author=BOB)  # refused
    await run("/queue")
    for row in w.responses.items[-1][0].buttons:
        for button in row:
            if button.action is not None:
                await w.press(button.action)
    await run("/postnow")
    await run("/lang klingon")
    lang = w.group().lang
    await run(f"/lang {lang}")
    return used


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
async def test_every_chinese_answer_is_chinese(lang: str) -> None:
    config = EngineConfig(instance_id="one", default_lang=lang)
    w = build_world(now=utc(2025, 3, 3, 0, 0), articles=ARTICLES, config=config)
    used = await walk(w)
    assert used >= {c.name for c in catalog.COMMANDS}, "walk every command"
    docs = [d for d, _, _ in w.responses.items] + [s.doc for s in w.platform.sent]
    captions = [caption for *_, caption in w.platform.files]
    assert len(docs) > 60 and captions
    found = {
        line: words
        for line in [*(t for d in docs for t in interface_text(d)), *captions]
        if (words := leaks(line))
    }
    assert found == {}, "\n".join(f"{words}: {line}" for line, words in found.items())


async def test_chinese_answers_name_languages_days_and_counts_the_chinese_way() -> None:
    config = EngineConfig(instance_id="one", default_lang="zh-Hans")
    w = build_world(now=utc(2025, 3, 3, 0, 0), articles=ARTICLES, config=config)
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title=GROUP_TITLE))
    assert "從現在起，我在這裡使用繁體中文。" in await w.command("/lang zh-Hant")
    assert "星期：週一至週五" in await w.command("/schedule 08:00 Asia/Taipei 週一至週五")
    assert "下次傳送：2025-03-04 08:00（UTC+8）" in await w.command("/status")
    await w.command("/lang zh-Hans")
    assert "星期：周一、周三、周五" in await w.command("/schedule 08:00 Asia/Taipei 周一、周三、周五")
    assert "星期：每天" in await w.command("/schedule 08:00 Asia/Taipei 每天")
    assert "已暂停：管理员已暂停。" in (await w.command("/pause") + await w.command("/status"))
    await w.command("/resume")
    await w.command("/postnow")
    prompts = [s.ids[0] for s in w.platform.sent[-3:]]
    await w.say(ALICE, "第一条。", reply_to=prompts[0])
    await w.say(BOB, "第二条。", reply_to=prompts[0])
    await w.say(ALICE, "第三条。", reply_to=prompts[1])
    await w.command("/close")
    recap = w.platform.sent[-1].doc.plain
    assert "参与者：Alice、Bob" in recap
    assert "— 2 条回复" in recap and "— 1 条回复" in recap and "— 0 条回复" in recap
