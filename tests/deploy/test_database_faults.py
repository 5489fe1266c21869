"""The database goes away under a running bot: /healthz says so, and nothing is written to a lost file.

Real faults: the SQLite file is deleted (or replaced) under `atou run`; PostgreSQL's server terminates
the bot's connections and refuses new ones for a while, or the TCP link to it is cut.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.health import Health
from storage.db import make_engine, upgrade
from storage.leader import Leadership
from storage.sqlite_file import DatabaseFileGone
from tests.deploy.atou_process import ATOU, finished, start_bot
from tests.local_server import free_port
from tests.netfault import Forwarder
from tests.postgres import PG_ADMIN_URL
from tests.telegram.fake_bot_api import FakeBotApi


async def test_the_sqlite_file_deleted_under_a_running_bot_fails_health_and_stops_writes(tmp_path: Path) -> None:
    if not ATOU.exists():
        pytest.skip("the atou command is not installed beside this Python")
    database = tmp_path / "atou.db"
    async with FakeBotApi() as telegram:
        group = telegram.add_group("readers")
        ann = telegram.add_user("Ann")
        bot = await start_bot(tmp_path, telegram_token=telegram.token, telegram_api_url=telegram.base_url)
        try:
            await bot.wait_health(lambda status, h: status == 200, "healthy")
            telegram.post(group, ann, "/help")
            await bot.wait_until(lambda: len(telegram.sent(group)) >= 1, "an answer to /help")

            database.unlink()
            status, health = await bot.wait_health(lambda status, h: status == 503, "the file's loss")
            assert health["database"]["ok"] is False
            assert f"The database file {database} was deleted" in health["database"]["error"]

            answered = len(telegram.sent(group))
            telegram.post(group, ann, "/status")  # needs the database
            await bot.wait_until(lambda: any("was deleted" in line for line in bot.lines()[-20:]), "an error")
            assert len(telegram.sent(group)) == answered  # no answer that pretends all is well
            assert not database.exists()  # no new, empty database quietly created in its place
        finally:
            bot.process.send_signal(signal.SIGTERM)
        await finished(bot)


def test_a_replaced_sqlite_file_stops_every_transaction(tmp_path: Path) -> None:
    path = tmp_path / "atou.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    shutil.copy(path, tmp_path / "copy.db")
    (tmp_path / "copy.db").replace(path)  # a restore from a backup: same name, another file
    with pytest.raises(DatabaseFileGone, match="was replaced by another file"), engine.begin() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()


@pytest.fixture
async def pg_health(postgres_url: str) -> AsyncIterator[tuple[Health, Engine]]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    settings = Settings(_env_file=None, health_port=free_port())  # type: ignore[call-arg]
    health = Health(settings, engine, leadership=Leadership(), heartbeat_seconds=0.1)
    await health.start()
    yield health, engine
    await health.stop()
    engine.dispose()


async def healthz(health: Health) -> tuple[int, dict[str, object]]:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{health.port}/healthz")
        return answer.status_code, answer.json()


async def wait_status(health: Health, expected: int) -> dict[str, object]:
    for _ in range(300):
        status, body = await healthz(health)
        if status == expected:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz never answered {expected}: {body}")


@pytest.mark.postgres
async def test_postgresql_terminating_the_connections_fails_health_until_reconnected(
    pg_health: tuple[Health, Engine], postgres_url: str
) -> None:
    health, _ = pg_health
    await wait_status(health, 200)
    name = make_url(postgres_url).database
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            body = await wait_status(health, 503)
            assert body["database"]["ok"] is False and body["database"]["error"]  # type: ignore[index]
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    body = await wait_status(health, 200)
    assert body["database"] == {**body["database"], "ok": True, "error": None}  # type: ignore[dict-item]


@pytest.mark.postgres
async def test_postgresql_behind_a_cut_link_fails_health_until_the_link_is_back(postgres_url: str) -> None:
    direct = make_engine(postgres_url)
    upgrade(direct)
    direct.dispose()
    async with Forwarder(5432) as link:
        # The health check talks to the database from a thread; the forwarder runs in this loop.
        url = make_url(postgres_url).set(port=link.port).render_as_string(hide_password=False)
        engine = make_engine(url)
        settings = Settings(_env_file=None, health_port=free_port())  # type: ignore[call-arg]
        health = Health(settings, engine, leadership=Leadership(), heartbeat_seconds=0.1)
        await health.start()
        try:
            await wait_status(health, 200)
            await link.cut()
            await wait_status(health, 503)
            await link.restore()
            await wait_status(health, 200)
        finally:
            await health.stop()
            engine.dispose()
