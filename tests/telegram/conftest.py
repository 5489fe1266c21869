"""Telegram test fixtures: the local Bot API fake, and a guard that fails any connection beyond 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.pacing import Limits as PacingLimits
from bot.protocol import InboundEvent
from tests.llm.fixtures import fake_chat, fake_chat_process  # noqa: F401  (the model fake, for the synthesis)
from tests.loopback import only_loopback  # noqa: F401
from tests.netfault import Forwarder
from tests.telegram.fake_bot_api import FakeBotApi, Limits

E = TypeVar("E", bound=InboundEvent)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """The strict Bot API fake, with Telegram's limits 100 times faster."""
    async with FakeBotApi(limits=Limits.telegram(scale=100)) as api:
        yield api


@pytest.fixture
async def link(fake: FakeBotApi) -> AsyncIterator[Forwarder]:
    """A TCP forwarder in front of the fake, to cut and restore: the bot uses `api_url_through(link)`."""
    async with Forwarder(fake.port) as forwarder:
        yield forwarder


def api_url_through(link: Forwarder) -> str:
    """The Bot API base URL by way of the forwarder, for `TelegramAdapter(api_url=...)`."""
    return f"http://127.0.0.1:{link.port}/bot"


class Recorder:
    """A stand-in for the core's `handle`: records the neutral events, and lets a test react to them."""

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []
        self.react: Callable[[InboundEvent], Awaitable[None]] | None = None

    async def __call__(self, event: InboundEvent) -> None:
        self.events.append(event)
        if self.react is not None:
            await self.react(event)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_for(self, kind: type[E], count: int = 1, within: float = 5.0) -> list[E]:
        deadline = asyncio.get_running_loop().time() + within
        while len(self.of(kind)) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} {kind.__name__}, got {self.events!r}")
            await asyncio.sleep(0.005)
        return self.of(kind)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


AdapterFactory = Callable[..., Awaitable[TelegramAdapter]]


@pytest.fixture
async def make_adapter(fake: FakeBotApi, recorder: Recorder) -> AsyncIterator[AdapterFactory]:
    """Start Telegram adapters on the fake (polling, limits as the fake's); all are stopped after the test."""
    started: list[TelegramAdapter] = []

    async def make(**kwargs: Any) -> TelegramAdapter:
        options: dict[str, Any] = {
            "api_url": fake.base_url,
            "limits": PacingLimits.telegram(scale=100),
            "poll_timeout": 1,
            "network_backoff": 0.01,
            "set_menus": False,
        } | kwargs
        handler = options.pop("handler", recorder)
        adapter = TelegramAdapter(fake.token, handler, **options)
        await adapter.start()
        started.append(adapter)
        return adapter

    yield make
    for adapter in reversed(started):
        await adapter.stop()


@pytest.fixture
async def adapter(make_adapter: AdapterFactory) -> TelegramAdapter:
    return await make_adapter()
