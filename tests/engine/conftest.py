"""A core engine on in-memory fakes: no platform, no database."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote
from bot.protocol import ButtonEvent, ChatRef, CommandEvent, InboundEvent, Member, MessageEvent
from bot.render.document import Action, Document
from bot.services.core import Core, EngineConfig
from bot.services.engine import Engine
from tests.engine.fakes import FakeArticles, FakeClock, MemoryStore, RecordingPlatform, utc
from tests.llm.fixtures import fake_chat, fake_chat_process  # noqa: F401  (the model fake, for the synthesis)


def make_article(article_id: str, *, prompts: int = 3, paragraphs: int = 3) -> Article:
    """A small article written for the tests, with prompts and a bilingual text."""
    english = [
        Block(BlockKind.PARAGRAPH, f"Paragraph {i} of {article_id} in English.") for i in range(paragraphs)
    ]
    chinese = [Block(BlockKind.PARAGRAPH, f"{article_id} 的第 {i} 段中文。") for i in range(paragraphs)]
    return Article(
        id=article_id,
        title=f"Title of {article_id}",
        brief=Brief(
            headline=f"Headline of {article_id}",
            verdict="A verdict written for tests.",
            key_points=(KeyPoint("Lead.", "Body."),),
            relevance=(RelevanceNote("Investing", "What it means for investing."),),
            prompts=tuple(f"Prompt {n} of {article_id}?" for n in range(1, prompts + 1)),
        ),
        original=tuple(english),
        translation=tuple(chinese),
        bilingual=tuple(BilingualPair(e, c) for e, c in zip(english, chinese, strict=True)),
    )


@dataclass
class Responses:
    """What the engine answered to events, in order: (document, private, replace)."""

    items: list[tuple[Document, bool, bool]] = field(default_factory=list)

    async def __call__(self, doc: Document, *, private: bool = False, replace: bool = False) -> None:
        self.items.append((doc, private, replace))

    @property
    def last(self) -> str:
        return self.items[-1][0].plain

    def texts(self) -> list[str]:
        return [d.plain for d, _, _ in self.items]


ADMIN = Member("admin", "Ada")


@dataclass
class World:
    engine: Engine
    core: Core
    store: MemoryStore
    clock: FakeClock
    articles: FakeArticles
    platform: RecordingPlatform
    chat: ChatRef
    responses: Responses
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> str:
        return f"m{next(self._ids)}"

    async def send(self, event: InboundEvent) -> None:
        await self.engine.handle(event)

    async def command(
        self, text: str, author: Member = ADMIN, mentions: Sequence[Member] = (), chat: ChatRef | None = None
    ) -> str:
        name, *args = text.lstrip("/").split()
        before = len(self.responses.items)
        await self.engine.handle(
            CommandEvent(
                chat=chat or self.chat,
                at=self.clock.now(),
                respond=self.responses,
                author=author,
                name=name,
                args=tuple(args),
                message_id=self.next_id(),
                mentions=tuple(mentions),
            )
        )
        return "\n".join(self.responses.texts()[before:])

    async def say(
        self,
        author: Member,
        text: str,
        reply_to: str | None = None,
        chat: ChatRef | None = None,
        *,
        quote: str | None = None,
        reply_to_bot_text: str | None = None,
    ) -> str:
        message_id = self.next_id()
        await self.engine.handle(
            MessageEvent(
                chat=chat or self.chat,
                at=self.clock.now(),
                author=author,
                message_id=message_id,
                text=text,
                reply_to=reply_to,
                quote=quote,
                reply_to_bot_text=reply_to_bot_text,
            )
        )
        return message_id

    async def press(self, action: Action, author: Member = ADMIN, message_id: str | None = None) -> None:
        await self.engine.handle(
            ButtonEvent(
                chat=self.chat,
                at=self.clock.now(),
                respond=self.responses,
                author=author,
                action=action,
                message_id=message_id,
            )
        )

    def group(self):  # type: ignore[no-untyped-def]
        with self.store() as uow:
            return uow.groups.list()[0]

    def postings(self):  # type: ignore[no-untyped-def]
        with self.store() as uow:
            return [p for g in uow.groups.list() for p in uow.postings.for_group(g.id)]

    def advance(self, **kwargs: float) -> None:
        self.clock.advance(timedelta(**kwargs))


def build_world(
    *,
    now: datetime,
    articles: Sequence[Article],
    threads: bool = False,
    config: EngineConfig | None = None,
    store: MemoryStore | None = None,
) -> World:
    clock = FakeClock(now)
    source = FakeArticles(articles)
    store = store or MemoryStore()
    core = Core(
        uow=store,
        articles=source,
        clock=clock,
        config=config or EngineConfig(instance_id="one", default_lang="en"),
    )
    engine = Engine(core)
    platform = RecordingPlatform(threads=threads)
    engine.register_platform(platform)
    return World(engine, core, store, clock, source, platform, ChatRef("fake", "c1"), Responses())


@pytest.fixture
def world() -> World:
    return build_world(now=utc(2025, 3, 3, 0, 0), articles=[make_article("a1"), make_article("a2")])
