"""Helpers for the Discord tests: a recording stand-in for the core, settings, neutral members."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import simcord

from bot.config import Settings
from bot.protocol import ButtonEvent, CommandEvent, InboundEvent, Member
from bot.render.document import text_document

Answer = Callable[[InboundEvent], Awaitable[None]]


@dataclass
class Recorder:
    """A stand-in core: keeps every event; `answer` decides how commands and buttons are answered."""

    events: list[InboundEvent] = field(default_factory=list)
    answer: Answer | None = None

    async def __call__(self, event: InboundEvent) -> None:
        self.events.append(event)
        if self.answer is not None:
            await self.answer(event)
        elif isinstance(event, CommandEvent):
            await event.respond(text_document(f"{event.name} {' '.join(event.args)}".strip()), private=True)
        elif isinstance(event, ButtonEvent):
            await event.respond(
                text_document(f"{event.action.part} {event.action.page}"),
                private=True,
                replace=event.action.kind == "page",
            )

    def of(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"discord_token": "test-token", "default_lang": "en"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def as_member(actor: Any) -> Member:
    """The neutral member for a simcord user or member handle."""
    return Member(id=str(actor.id), display_name=actor.name)


class SimulatedClock:
    """The engine reads the same (virtual) time as the simulated Discord."""

    def __init__(self) -> None:
        self.env: simcord.Env | None = None

    def now(self) -> datetime:
        assert self.env is not None
        return self.env.now()
