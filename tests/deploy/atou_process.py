"""`atou run` as a real process for tests: its own environment and SQLite file, its log, its /healthz."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.local_server import free_port

ATOU = Path(sys.executable).parent / "atou"
BOUND = 30.0  # seconds for anything the bot should do "soon"


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The process environment: nothing of the caller's ATOU_ settings, a new SQLite file, fast retries."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATOU_")}
    return env | {
        "ATOU_DATABASE_URL": f"sqlite:///{tmp_path / 'atou.db'}",
        "ATOU_AUTO_UPGRADE": "true",
        "ATOU_CONNECT_RETRY_FIRST_SECONDS": "0.2",
        "ATOU_CONNECT_RETRY_MAX_SECONDS": "0.5",
        "ATOU_HEALTH_PORT": "0",
    } | {f"ATOU_{k.upper()}": v for k, v in settings.items()}


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    log: Path
    health_port: int

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    async def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + BOUND
        while not condition():
            if self.process.returncode is not None:
                pytest.fail(f"atou run exited with {self.process.returncode} before {what}:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"not within {BOUND} s: {what}\n{self.log.read_text()[-4000:]}")
            await asyncio.sleep(0.05)

    async def healthz(self) -> tuple[int, dict[str, Any]] | None:
        with contextlib.suppress(httpx.TransportError, ValueError):
            async with httpx.AsyncClient(timeout=2) as client:
                answer = await client.get(f"http://127.0.0.1:{self.health_port}/healthz")
                return answer.status_code, dict(answer.json())
        return None

    async def wait_health(
        self, condition: Callable[[int, dict[str, Any]], bool], what: str
    ) -> tuple[int, dict[str, Any]]:
        deadline = time.monotonic() + BOUND
        while True:
            health = await self.healthz()
            if health is not None and condition(*health):
                return health
            if self.process.returncode is not None or time.monotonic() > deadline:
                pytest.fail(f"/healthz never showed {what}:\n{self.log.read_text()[-4000:]}")
            await asyncio.sleep(0.05)


async def start_bot(tmp_path: Path, **settings: str) -> Bot:
    log = tmp_path / "atou.log"
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(ATOU),
        "run",
        cwd=tmp_path,
        env=environment(tmp_path, health_port=str(port), **settings),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    return Bot(process, log, port)


async def finished(bot: Bot) -> int:
    return await asyncio.wait_for(bot.process.wait(), BOUND)


