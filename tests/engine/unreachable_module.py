"""A platform module for `atou run` tests whose platform cannot be reached until a test lets it.

Its adapter's `start` fails as a real adapter's does while the network is down (`PlatformUnreachable`),
counting the attempts, until `reachable` is set; with `refuse` set it refuses the token instead.
"""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.protocol import AdapterContext, PlatformRefused, PlatformUnreachable
from tests.engine.fakes import RecordingPlatform

reachable = asyncio.Event()
refuse = False
attempts: list[int] = []


class FarAdapter(RecordingPlatform):
    def __init__(self) -> None:
        super().__init__(name="far")
        self.running = False

    async def start(self) -> None:
        attempts.append(len(attempts) + 1)
        if refuse:
            raise PlatformRefused("Far refused the bot token (ATOU_FAR_TOKEN)")
        if not reachable.is_set():
            raise PlatformUnreachable("far.example cannot be reached: connection refused")
        self.running = True

    async def stop(self) -> None:
        self.running = False


def create(settings: Settings, context: AdapterContext) -> FarAdapter | None:
    return FarAdapter() if settings.telegram_token is not None else None
