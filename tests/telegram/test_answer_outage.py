"""Answers survive an outage of the Bot API and a SIGKILL (the issue: an `/export json` answer waiting
in the group's pacing window was lost when the Bot API went away for about 20 s).

The bot runs for real — python-telegram-bot, unmodified, against the Bot API fake — with a TCP
forwarder between them that the test cuts and restores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine as Database

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.pacing import Limits as PacingLimits
from bot.bootstrap import build_engine
from bot.config import Settings
from bot.demo import demo_article
from bot.services.domain import Answer
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from tests.netfault import Forwarder
from tests.telegram.conftest import api_url_through
from tests.telegram.fake_bot_api import FakeBotApi, FakeChat

FORMATS = ("md", "json", "csv", "html", "json")
EXPORTS = len(FORMATS)
OUTAGE_SECONDS = 20.0
ATOU = Path(sys.executable).parent / "atou"


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-6000:]


async def eventually(check: Callable[[], Any], within: float, what: str, log: Path | None = None) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while not (result := check()):
        if asyncio.get_running_loop().time() > deadline:
            shown = f":\n{tail(log)}" if log is not None else ""
            raise AssertionError(f"{what} not within {within} s{shown}")
        await asyncio.sleep(0.05)
    return result


def documents(fake: FakeBotApi, chat: FakeChat) -> list[dict[str, Any]]:
    return [m for m in fake.sent(chat) if "document" in m]


@pytest.mark.slow
async def test_exports_waiting_in_the_pacing_window_all_arrive_after_a_20_s_outage(
    fake: FakeBotApi, link: Forwarder, sqlite_url: str
) -> None:
    db = make_engine(sqlite_url)
    upgrade(db)
    article = demo_article()
    ArticleStore(db).add(article)
    engine = build_engine(Settings(_env_file=None, database_url=sqlite_url, default_lang="en"), db)  # type: ignore[call-arg]
    adapter = TelegramAdapter(
        fake.token,
        engine.handle,
        api_url=api_url_through(link),
        # Two messages per group every 2 s: the exports queue up in the group's pacing window. Each
        # message is tried 3 times over a few seconds, far less than the outage lasts.
        limits=PacingLimits(per_chat=2, per_chat_period=2.0),
        poll_timeout=1,
        network_attempts=3,
        network_backoff=0.2,
        set_menus=False,
    )
    engine.register_platform(adapter)
    await adapter.start()
    owed = asyncio.create_task(engine.answers.run())
    try:
        ada = fake.add_user("Ada")
        group = fake.add_group("Readers", admins=[ada])
        for fmt in FORMATS:
            fake.post(group, ada, f"/export {fmt} {article.id}")
        # The first window's answers go out; the rest wait for the next windows when the link is cut.
        await eventually(lambda: len(fake.sent(group)) >= 2, 20, "the first answers")
        await link.cut()
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: nothing to wait for but time
        assert len(documents(fake, group)) < EXPORTS
        await link.restore()

        def owed_now() -> list[Answer]:
            with engine.core.uow() as uow:
                return uow.answers.owed(["telegram"])

        await eventually(
            lambda: len(documents(fake, group)) >= EXPORTS and not owed_now(), 60, "every export"
        )
        names = Counter(d["document"]["file_name"] for d in documents(fake, group))
        # Every export arrived; one the fake took just as the link was cut may come twice (at least once).
        assert names.keys() == {f"{article.id}-archive.{f}" for f in FORMATS}
        assert all(names[f"{article.id}-archive.{f}"] >= FORMATS.count(f) for f in FORMATS)
        assert any("set up" in m.get("text", "") for m in fake.sent(group))  # the text answer too
    finally:
        owed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await owed
        await adapter.stop()
        await engine.close()
        db.dispose()


def owed(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM answers").scalar() or 0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
async def test_answers_owed_when_the_process_is_killed_are_sent_after_the_restart(
    fake: FakeBotApi, sqlite_url: str, tmp_path: Path
) -> None:
    if not ATOU.exists():
        pytest.skip("the atou command is not installed beside this Python")
    db = make_engine(sqlite_url)
    upgrade(db)
    article = demo_article()
    ArticleStore(db).add(article)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATOU_")} | {
        "ATOU_DATABASE_URL": sqlite_url,
        "ATOU_TELEGRAM_TOKEN": fake.token,
        "ATOU_TELEGRAM_API_URL": fake.base_url,
        "ATOU_HEALTH_PORT": str(free_port()),
    }
    log = tmp_path / "atou.log"

    async def start() -> asyncio.subprocess.Process:
        with log.open("ab") as out:
            return await asyncio.create_subprocess_exec(
                str(ATOU), "run", cwd=tmp_path, env=env, stdout=out, stderr=out
            )

    ada = fake.add_user("Ada")
    group = fake.add_group("Readers", admins=[ada])
    # Telegram lets a bot send 20 messages a minute into one group: of 25 exports asked for at once,
    # 5 wait for the next minute when the process is killed.
    asked = 25
    process = await start()
    try:
        for _ in range(asked):
            fake.post(group, ada, f"/export json {article.id}")
        await eventually(lambda: len(documents(fake, group)) >= 15, 60, "the first exports", log)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert len(documents(fake, group)) < asked
        assert owed(db) > 0
        process = await start()
        # The answers the killed process owed are taken over once it no longer counts as alive, and
        # sent; an export it sent just before it died may come twice (answers are at least once).
        await eventually(
            lambda: owed(db) == 0 and len(documents(fake, group)) >= asked,
            90,
            "every export after the restart",
            log,
        )
        assert "was dropped" not in tail(log)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        db.dispose()
