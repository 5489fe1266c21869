"""`atou run` as a real process at start-up: Telegram unreachable at boot, refused tokens, unusable databases.

The Bot API fake sits behind a TCP forwarder that starts cut (the network is not up yet): the bot must
keep trying, one log line per attempt, report the adapter as connecting on /healthz, and connect and
answer once the link is restored. What waiting cannot mend ends with one sentence and exit status 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.local_server import free_port
from tests.netfault import Forwarder
from tests.telegram.fake_bot_api import FakeBotApi

ATOU = Path(sys.executable).parent / "atou"
BOUND = 30.0  # seconds for anything the bot should do "soon"
WRONG_TOKEN = "123456789:AAF-wrongTOKEN-for-tests-0123456789abc"

pytestmark = pytest.mark.skipif(not ATOU.exists(), reason="the atou command is not installed beside this Python")


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


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def assert_json_lines(lines: list[str]) -> list[dict[str, Any]]:
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a log line is not JSON: {line!r}")
    return records


@pytest.mark.parametrize("json_logs", [False, True], ids=["plain", "json"])
async def test_telegram_unreachable_at_boot_is_tried_again_until_it_connects_and_answers(
    tmp_path: Path, telegram: FakeBotApi, json_logs: bool
) -> None:
    group = telegram.add_group("readers")
    ann = telegram.add_user("Ann")
    async with Forwarder(telegram.port, cut="refuse") as link:
        bot = await start_bot(
            tmp_path,
            telegram_token=telegram.token,
            telegram_api_url=f"http://127.0.0.1:{link.port}/bot",
            log_json=str(json_logs).lower(),
        )
        try:
            # Several attempts, one line each; meanwhile the rest of the process runs.
            await bot.wait_until(lambda: sum("connection attempt" in line for line in bot.lines()) >= 3, "retries")
            status, health = await bot.wait_health(lambda s, h: h["connecting"] == ["telegram"], "connecting")
            assert status == 503 and health["adapters"] == {"telegram": False} and health["database"]["ok"]
            # It leads Telegram (and posts there) only once it reaches Telegram.
            assert not any("leading telegram" in line for line in bot.lines())

            await link.restore()
            await bot.wait_health(lambda s, h: s == 200 and h["adapters"] == {"telegram": True}, "connected")
            assert (await bot.healthz() or (0, {}))[1]["connecting"] == []
            await bot.wait_until(lambda: any("leading telegram" in line for line in bot.lines()), "leading")
            telegram.post(group, ann, "/help")
            await bot.wait_until(lambda: bool(telegram.sent(group)), "an answer to /help")
        finally:
            bot.process.send_signal(signal.SIGTERM)
        assert await finished(bot) == 0

    lines = bot.lines()
    assert not any("Traceback" in line for line in lines)
    attempts = [line for line in lines if "connection attempt" in line]
    assert len(attempts) >= 3
    if json_logs:
        records = assert_json_lines(lines)
        tries = [r for r in records if "connection attempt" in r["msg"]]
        assert all(r["level"] == "WARNING" and "exc" not in r for r in tries)
        assert "trying again in" in tries[0]["msg"] and "telegram" in tries[0]["msg"]


@pytest.mark.parametrize("json_logs", [False, True], ids=["plain", "json"])
async def test_a_refused_token_ends_with_one_sentence_and_status_2(
    tmp_path: Path, telegram: FakeBotApi, json_logs: bool
) -> None:
    bot = await start_bot(
        tmp_path,
        telegram_token=WRONG_TOKEN,
        telegram_api_url=telegram.base_url,
        log_json=str(json_logs).lower(),
        log_level="WARNING",
    )
    assert await finished(bot) == 2
    lines = bot.lines()
    assert lines, "no sentence at all"
    if json_logs:
        last = assert_json_lines(lines)[-1]
        assert last["level"] == "CRITICAL" and "exc" not in last
        sentence = last["msg"]
    else:
        assert len(lines) == 1, lines
        sentence = lines[0]
    assert sentence.startswith("Telegram refused the bot token (ATOU_TELEGRAM_TOKEN)")
    assert "Traceback" not in bot.log.read_text()
    assert "wrongTOKEN" not in bot.log.read_text()


async def test_at_debug_level_the_traceback_comes_too_and_stays_json(tmp_path: Path, telegram: FakeBotApi) -> None:
    bot = await start_bot(
        tmp_path, telegram_token=WRONG_TOKEN, telegram_api_url=telegram.base_url, log_json="true", log_level="DEBUG"
    )
    assert await finished(bot) == 2
    records = assert_json_lines(bot.lines())
    assert any("Traceback" in r.get("exc", "") and "PlatformRefused" in r["exc"] for r in records)
    assert records[-1]["msg"].startswith("Telegram refused the bot token")
    assert "wrongTOKEN" not in bot.log.read_text()


async def test_an_unsupported_database_url_ends_with_one_sentence_and_status_2(tmp_path: Path) -> None:
    bot = await start_bot(
        tmp_path, telegram_token=WRONG_TOKEN, database_url="mysql://reader@127.0.0.1/atou", log_level="WARNING"
    )
    assert await finished(bot) == 2
    lines = bot.lines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("ATOU_DATABASE_URL is for mysql, which atou does not support: use a SQLite file")


@pytest.mark.postgres
async def test_a_database_that_refuses_us_ends_with_one_sentence_and_status_2(
    tmp_path: Path, postgres_url: str
) -> None:
    refused = postgres_url.replace("://", "://no_such_role@", 1) if "@" not in postgres_url else postgres_url
    refused = refused.rsplit("/", 1)[0] + "/no_such_database_here"
    bot = await start_bot(tmp_path, telegram_token=WRONG_TOKEN, database_url=refused, log_level="WARNING")
    assert await finished(bot) == 2
    lines = bot.lines()
    assert len(lines) == 1 and lines[0].startswith("The database ") and "cannot be used" in lines[0], lines
