"""The engine's scenarios end to end through the console adapter, on a SQLite file, with a
controlled clock: scheduled posts, the next article closing the discussion, a crash mid-posting,
edits, deletions, /forget and /optout."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from adapters.console.adapter import PLATFORM, ConsoleAdapter
from bot.bootstrap import build_engine
from bot.config import Settings
from bot.observability import metrics
from bot.protocol import ChatRef
from bot.render.document import Document
from bot.services.engine import Engine as EngineCore
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from storage.discussions import highest_message_number, load_archive
from tests.engine.conftest import make_article
from tests.engine.fakes import Crash, FakeClock, utc


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'console.db'}")
    upgrade(engine)
    ArticleStore(engine).add_all([make_article("a1"), make_article("a2")])
    yield engine
    engine.dispose()


@dataclass
class Chat:
    engine: EngineCore
    console: ConsoleAdapter
    out: io.StringIO

    async def lines(self, *lines: str) -> str:
        start = self.out.tell()
        for line in lines:
            await self.console.feed(line)
        return self.out.getvalue()[start:]


class CrashingConsole(ConsoleAdapter):
    """A console whose process dies when it is about to print a given prompt."""

    crash_before: str | None = None

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        if self.crash_before and doc.plain.startswith(self.crash_before):
            raise Crash()
        return await super().send(chat, doc, reply_to=reply_to)


async def open_chat(
    db: Engine, clock: FakeClock, tmp_path: Path, *, cls: type[ConsoleAdapter] = ConsoleAdapter
) -> Chat:
    settings = Settings(default_lang="en", _env_file=None)  # type: ignore[call-arg]
    engine = build_engine(settings, db, clock=clock)
    out = io.StringIO()
    console = cls(
        engine.handle,
        out=out,
        files=tmp_path,
        admin="ada",
        first_id=highest_message_number(db, PLATFORM) + 1,
        clock=clock.now,
    )
    engine.register_platform(console)
    await console.start()
    return Chat(engine, console, out)


def numbered(text: str, starts: str) -> list[int]:
    return [int(n) for n in re.findall(rf"^\[#(\d+)\] {re.escape(starts)}", text, re.M)]


async def test_scheduled_posts_through_the_console(db: Engine, tmp_path: Path) -> None:
    clock = FakeClock(utc(2025, 3, 3, 6, 0))
    chat = await open_chat(db, clock, tmp_path)
    said = await chat.lines("ada: /schedule 09:00 UTC")
    assert "Next post: 2025-03-03 09:00 (UTC)." in said
    clock.current = utc(2025, 3, 3, 9, 0)
    await chat.engine.sweep()
    await chat.engine.sweep()
    first_day = chat.out.getvalue()
    assert len(numbered(first_day, "Headline of a1")) == 1
    prompts = numbered(first_day, "Discussion prompt")
    assert len(prompts) == 3
    await chat.lines(f"bob ^{prompts[0]}: first!", f"cy ^{prompts[2]}: third!")
    clock.current = utc(2025, 3, 4, 9, 5)
    start = chat.out.tell()
    await chat.engine.sweep()
    second_day = chat.out.getvalue()[start:]
    assert second_day.index("Discussion closed: Title of a1") < second_day.index("Headline of a2")
    assert "Participants: bob, cy" in second_day
    archive = load_archive(db, "a1", group_key="console:demo")
    assert archive is not None
    assert [(r.author_key, r.prompt) for r in archive.discussions[0].replies] == [
        ("console:bob", 0),
        ("console:cy", 2),
    ]


async def test_a_crash_mid_posting_resumes_in_the_next_process(db: Engine, tmp_path: Path) -> None:
    clock = FakeClock(utc(2025, 3, 3, 6, 0))
    chat = await open_chat(db, clock, tmp_path, cls=CrashingConsole)
    assert isinstance(chat.console, CrashingConsole)
    chat.console.crash_before = "Discussion prompt 2"
    with pytest.raises(Crash):
        await chat.lines("ada: /postnow")
    assert len(numbered(chat.out.getvalue(), "Discussion prompt")) == 1
    clock.advance(timedelta(minutes=5))
    restarted = await open_chat(db, clock, tmp_path)
    await restarted.engine.sweep()
    printed = restarted.out.getvalue()
    assert "Hello!" not in printed
    assert [
        re.sub(r"\n.*", "", m, flags=re.S) for m in re.findall(r"Discussion prompt \d of 3", printed)
    ] == [
        "Discussion prompt 2 of 3",
        "Discussion prompt 3 of 3",
    ]
    assert "Headline of" not in printed


async def test_edits_deletions_forget_and_optout_through_the_console(db: Engine, tmp_path: Path) -> None:
    clock = FakeClock(utc(2025, 3, 3, 6, 0))
    chat = await open_chat(db, clock, tmp_path)
    posted = await chat.lines("ada: /postnow")
    p1 = numbered(posted, "Discussion prompt 1")[0]
    said = await chat.lines(f"bob ^{p1}: draft", f"cy ^{p1}: keep me", f"dee ^{p1}: private view")
    bob, cy = numbered(said, "bob")[0], numbered(said, "cy")[0]
    await chat.lines(f"bob ~{bob}: final", f"cy -{cy}", f"dee ~{bob}: not mine")
    assert f"(?) #{bob} is not a message of dee" in chat.out.getvalue()
    await chat.lines("dee: /optout")
    archive = load_archive(db, "a1")
    assert archive is not None
    replies = {r.author_name: r for r in archive.discussions[0].replies}
    assert replies["bob"].text == "final" and replies["bob"].history == ("draft",)
    assert replies["cy"].deleted
    assert archive.opted_out == frozenset({"console:dee"})

    asked = await chat.lines("bob: /forget")
    [confirm] = numbered(asked, "(to bob) Remove all your replies")
    refused = await chat.lines(f"cy: !{confirm} 1")
    assert "belongs to someone else" in refused
    done = await chat.lines(f"bob: !{confirm} 1")
    assert "Done: 1 of your replies was removed." in done
    archive = load_archive(db, "a1")
    assert archive is not None and "bob" not in {r.author_name for r in archive.discussions[0].replies}


def scraped() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The samples of the /metrics text, by name and labels."""
    text = metrics.render().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_the_metrics_text_counts_a_console_discussion(db: Engine, tmp_path: Path) -> None:
    clock = FakeClock(utc(2025, 3, 3, 6, 0))
    chat = await open_chat(db, clock, tmp_path)
    console = (("platform", PLATFORM),)
    before = scraped()
    said = await chat.lines("ada: /postnow")
    prompts = numbered(said, "Discussion prompt")
    await chat.lines(
        f"bob ^{prompts[0]}: yes", f"cy ^{prompts[1]}: no", f"bob ^{prompts[1]}: maybe", "dee: hi"
    )
    await chat.engine.sweep()
    after = scraped()

    def grew(name: str) -> float:
        return after[(name, console)] - before.get((name, console), 0.0)

    assert grew("atou_posts_sent_total") == 1
    assert grew("atou_messages_sent_total") == 1 + len(prompts) == 4
    assert grew("atou_replies_recorded_total") == 3  # dee's line answers nothing
    assert after[("atou_queue_length", (("group", "console:demo"),))] == 1
