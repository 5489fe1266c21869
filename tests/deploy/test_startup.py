"""`atou run` as a real process at start-up: Telegram unreachable at boot, refused tokens, unusable databases.

The Bot API fake sits behind a TCP forwarder that starts cut (the network is not up yet): the bot must
keep trying, one log line per attempt, report the adapter as connecting on /healthz, and connect and
answer once the link is restored. What waiting cannot mend ends with one sentence and exit status 2.
"""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.atou_process import ATOU, finished, start_bot
from tests.local_server import free_port
from tests.netfault import Forwarder
from tests.telegram.fake_bot_api import FakeBotApi

WRONG_TOKEN = "123456789:AAF-wrongTOKEN-for-tests-0123456789abc"

pytestmark = pytest.mark.skipif(not ATOU.exists(), reason="the atou command is not installed beside this Python")


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


async def test_a_database_server_not_up_yet_ends_with_one_sentence_and_status_1(tmp_path: Path) -> None:
    nobody_listens = f"postgresql://127.0.0.1:{free_port()}/atou"
    bot = await start_bot(tmp_path, telegram_token=WRONG_TOKEN, database_url=nobody_listens, log_level="WARNING")
    assert await finished(bot) == 1  # the service manager starts it again; a refusal (2) it would not
    lines = bot.lines()
    assert len(lines) == 1 and lines[0].startswith("The database postgresql+psycopg://127.0.0.1:"), lines
    assert "cannot be reached" in lines[0]
