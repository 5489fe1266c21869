"""Leadership: one instance leads on PostgreSQL, a standby takes over when it goes; SQLite always leads."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import psycopg
import pytest

from storage.leader import Leadership, PostgresLeadership, leadership_for
from tests.waiting import eventually

CONTENDER = Path(__file__).with_name("leader_contender.py")
REPO = Path(__file__).resolve().parents[2]
# Generous bounds for "within seconds" on a loaded 2-core machine; the standby retries every 0.2 s.
TAKEOVER_BOUND = 10.0


def fast(url: str) -> PostgresLeadership:
    leadership = leadership_for(url, retry_seconds=0.2, check_seconds=0.2)
    assert isinstance(leadership, PostgresLeadership)
    return leadership


async def test_sqlite_instance_always_leads(sqlite_url: str) -> None:
    leadership = leadership_for(sqlite_url)
    assert type(leadership) is Leadership
    await asyncio.wait_for(leadership.wait_until_leader(), 1)
    assert leadership.is_leader
    await leadership.release()
    assert not leadership.is_leader
    await asyncio.wait_for(leadership.wait_until_lost(), 1)


@pytest.mark.postgres
async def test_only_one_of_two_contenders_leads_until_it_releases(postgres_url: str) -> None:
    first, second = fast(postgres_url), fast(postgres_url)
    try:
        await asyncio.wait_for(first.wait_until_leader(), TAKEOVER_BOUND)
        standby = asyncio.create_task(second.wait_until_leader())
        await eventually(lambda: second.tries >= 5)  # five retries of the standby
        assert first.is_leader and not second.is_leader and not standby.done()

        await first.release()
        await asyncio.wait_for(standby, TAKEOVER_BOUND)
        assert second.is_leader and not first.is_leader
    finally:
        await first.release()
        await second.release()


@pytest.mark.postgres
async def test_a_leader_whose_connection_is_killed_steps_down_and_the_standby_leads(postgres_url: str) -> None:
    first, second = fast(postgres_url), fast(postgres_url)
    try:
        await asyncio.wait_for(first.wait_until_leader(), TAKEOVER_BOUND)
        standby = asyncio.create_task(second.wait_until_leader())
        with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first.backend_pid,))

        await asyncio.wait_for(first.wait_until_lost(), TAKEOVER_BOUND)
        assert not first.is_leader
        await asyncio.wait_for(standby, TAKEOVER_BOUND)
        assert second.is_leader

        # The old leader contends again and now stands by.
        tried = first.tries
        again = asyncio.create_task(first.wait_until_leader())
        await eventually(lambda: first.tries >= tried + 5)
        assert not again.done() and not first.is_leader
        again.cancel()
    finally:
        await first.release()
        await second.release()


@pytest.mark.postgres
async def test_a_standby_takes_over_within_seconds_when_the_leader_process_is_killed(postgres_url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(CONTENDER), postgres_url, cwd=REPO, stdout=asyncio.subprocess.PIPE
    )
    standby = fast(postgres_url)
    try:
        assert process.stdout is not None
        assert (await process.stdout.readline()).strip() == b"contending"
        assert (await asyncio.wait_for(process.stdout.readline(), TAKEOVER_BOUND)).strip() == b"leading"
        waiting = asyncio.create_task(standby.wait_until_leader())
        await eventually(lambda: standby.tries >= 2)
        assert not waiting.done()

        process.kill()  # SIGKILL: no clean release, PostgreSQL must notice the dead session
        await asyncio.wait_for(waiting, TAKEOVER_BOUND)
        assert standby.is_leader
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        await standby.release()


async def test_an_unreachable_database_is_retried_not_fatal(unused_tcp_port: int) -> None:
    leadership = PostgresLeadership(
        f"postgresql+psycopg://127.0.0.1:{unused_tcp_port}/atou", retry_seconds=0.1, check_seconds=0.1
    )
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(leadership.wait_until_leader(), 0.5)
    assert not leadership.is_leader
    await leadership.release()
