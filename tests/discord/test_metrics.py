"""What the Discord adapter reports to Prometheus: whether it is connected, and Discord's 429s."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import discord
import pytest
import simcord
from aiohttp import web

from adapters.discord.adapter import DiscordAdapter
from bot.observability import metrics
from bot.observability.metrics import REGISTRY
from tests.local_server import serve_locally


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(what)


async def test_connected_while_the_gateway_is_up_and_not_while_it_reconnects(
    simcord_env: simcord.Env, adapter: DiscordAdapter
) -> None:
    await until(lambda: metrics.adapter_states().get("discord") is True, "connected after READY")
    adapter.bot.dispatch("disconnect")  # as discord.py does when the gateway connection drops
    await until(lambda: metrics.adapter_states()["discord"] is False, "disconnected")
    assert REGISTRY.get_sample_value("atou_adapter_connected", {"platform": "discord"}) == 0
    adapter.bot.dispatch("resumed")  # the session resumed
    await until(lambda: metrics.adapter_states()["discord"] is True, "connected again")
    assert REGISTRY.get_sample_value("atou_adapter_connected", {"platform": "discord"}) == 1


async def test_each_429_discord_answers_is_counted(
    monkeypatch: pytest.MonkeyPatch, adapter: DiscordAdapter
) -> None:
    """discord.py's own HTTP client against a local server that answers 429 twice, then the user."""
    answers = [429, 429, 200]

    async def users_me(request: web.Request) -> web.Response:
        status = answers.pop(0)
        if status == 429:
            body: dict[str, object] = {
                "message": "You are being rate limited.",
                "retry_after": 0.01,
                "global": False,
            }
        else:
            body = {"id": "1", "username": "atou", "discriminator": "0", "avatar": None}
        # Exactly as Discord sends them: discord.py reads JSON only under this content type.
        headers = {"Content-Type": "application/json", "Via": "1.1 google"}
        return web.Response(body=json.dumps(body).encode(), status=status, headers=headers)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", users_me)
    runner, port = await serve_locally(app, access_log=None)
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    before = REGISTRY.get_sample_value("atou_rate_limited_total", {"platform": "discord"}) or 0
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        me = await http.static_login("test-token")
    finally:
        await http.close()
        await runner.cleanup()
    assert me["username"] == "atou" and answers == []
    assert REGISTRY.get_sample_value("atou_rate_limited_total", {"platform": "discord"}) == before + 2
