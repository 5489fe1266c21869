"""A platform module for `atou run` tests: the same `create(settings, context)` as adapters/<platform>."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import Settings
from bot.protocol import AdapterContext, BotAdded, ChatRef, EventHandler
from tests.engine.fakes import RecordingPlatform

started: list[RecordingAdapter] = []
contexts: list[AdapterContext] = []  # what each `create` was given


class RecordingAdapter(RecordingPlatform):
    def __init__(self, handler: EventHandler) -> None:
        super().__init__(name="recording")
        self.handler = handler
        self.running = False

    async def start(self) -> None:
        self.running = True
        started.append(self)
        await self.handler(BotAdded(chat=ChatRef("recording", "r1"), at=datetime.now(UTC), title="Run test"))

    async def stop(self) -> None:
        self.running = False


def create(settings: Settings, context: AdapterContext) -> RecordingAdapter | None:
    contexts.append(context)
    return RecordingAdapter(context.handler) if settings.telegram_token is not None else None
