"""`/healthz` and `/metrics` of a running instance, and its heartbeat in the database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.health import Health
from bot.observability import metrics
from storage.db import make_engine, upgrade
from storage.instances import live_instances
from storage.leader import Leadership


@pytest.fixture
async def health(migrated: Engine, unused_tcp_port: int) -> AsyncIterator[Health]:
    settings = Settings(_env_file=None, health_port=unused_tcp_port)  # type: ignore[call-arg]
    running = Health(settings, migrated, leadership=Leadership(), heartbeat_seconds=0.1)
    await running.start()
    yield running
    await running.stop()


async def get(health: Health, path: str, method: str = "GET") -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{health.port}") as client:
        return await client.request(method, path)


async def test_a_healthy_instance_answers_200_with_its_state(health: Health) -> None:
    response = await get(health, "/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["leader"] is False and body["adapters"] == {}

    assert health.leadership is not None
    await health.leadership.wait_until_leader()
    health.set_adapter("telegram", True)
    body = (await get(health, "/healthz")).json()
    assert body["leader"] is True and body["adapters"] == {"telegram": True}


async def test_a_disconnected_adapter_makes_it_unhealthy(health: Health) -> None:
    health.set_adapter("telegram", True)
    health.set_adapter("discord", False)
    response = await get(health, "/healthz")
    assert response.status_code == 503
    assert response.json()["adapters"] == {"discord": False, "telegram": True}
    metrics.set_adapter_connected("discord", True)  # an adapter reports its reconnection itself
    assert (await get(health, "/healthz")).status_code == 200


async def test_metrics_are_prometheus_text(health: Health) -> None:
    metrics.record_post_sent("console")
    metrics.record_post_failure("console", "chat_gone")
    metrics.record_rate_limited("console")
    metrics.record_reply("console")
    metrics.set_queue_length("console:room", 3)
    response = await get(health, "/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    for line in (
        'atou_posts_sent_total{platform="console"}',
        'atou_post_failures_total{platform="console",reason="chat_gone"}',
        'atou_rate_limited_total{platform="console"}',
        'atou_replies_recorded_total{platform="console"}',
        'atou_queue_length{group="console:room"} 3.0',
        "atou_leader 0.0",
    ):
        assert line in text


async def test_other_paths_and_methods_are_refused(health: Health) -> None:
    assert (await get(health, "/")).status_code == 404
    assert (await get(health, "/healthz", "POST")).status_code == 405


async def test_garbage_on_the_socket_gets_400_and_the_server_goes_on(health: Health) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", health.port)
    writer.write(b"\x00\x01 nonsense\r\n" + b"X: y\r\n" * 200)
    await writer.drain()
    assert (await reader.read()).startswith(b"HTTP/1.1 400 ")
    writer.close()
    assert (await get(health, "/healthz")).status_code == 200


async def test_the_heartbeat_row_lives_while_the_instance_runs(health: Health, migrated: Engine) -> None:
    [me] = await asyncio.to_thread(live_instances, migrated)
    assert me.name == health.name
    await health.stop()
    assert await asyncio.to_thread(live_instances, migrated) == []


@pytest.mark.postgres
async def test_a_lost_database_turns_healthz_503(postgres_url: str, unused_tcp_port: int) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    settings = Settings(_env_file=None, health_port=unused_tcp_port)  # type: ignore[call-arg]
    running = Health(settings, engine, heartbeat_seconds=0.1)
    await running.start()
    try:
        assert (await get(running, "/healthz")).status_code == 200
        name = postgres_url.rsplit("/", 1)[1]
        with psycopg.connect("postgresql://127.0.0.1:5432/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        for _ in range(100):
            response = await get(running, "/healthz")
            if response.status_code == 503:
                break
            await asyncio.sleep(0.1)
        body = json.loads(response.text)
        assert response.status_code == 503 and body["database"]["ok"] is False
        assert name in body["database"]["error"]
    finally:
        await running.stop()
        engine.dispose()


async def test_a_change_of_adapter_or_leadership_is_written_within_seconds(migrated: Engine) -> None:
    settings = Settings(_env_file=None, health_port=0)  # type: ignore[call-arg]
    running = Health(settings, migrated, leadership=Leadership(), heartbeat_seconds=600)
    await running.start()
    try:
        assert running.port is None  # port 0: no HTTP server, the heartbeat still runs
        [before] = await asyncio.to_thread(live_instances, migrated)
        assert not before.leader and before.adapters == {}
        assert running.leadership is not None
        await running.leadership.wait_until_leader()
        running.set_adapter("telegram", True)
        for _ in range(50):
            [after] = await asyncio.to_thread(live_instances, migrated)
            if after.leader and after.adapters:
                break
            await asyncio.sleep(0.1)
        assert after.leader and after.adapters == {"telegram": True}
    finally:
        await running.stop()
