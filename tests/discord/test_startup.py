"""Starting the Discord adapter for real over TCP: Discord unreachable, or refusing the token.

discord.py's REST base address is pointed at 127.0.0.1 (a cut TCP forwarder, or a server answering as
Discord does to a bad token); the adapter must tell the two apart for the start-up retry.
"""

from __future__ import annotations

import discord
import pytest
from aiohttp import web

from adapters.discord.adapter import DiscordAdapter
from bot.protocol import PlatformRefused, PlatformUnreachable
from tests.discord.support import Recorder, make_settings
from tests.local_server import free_port, serve_locally
from tests.netfault import Forwarder


async def test_discord_unreachable_at_start_is_unreachable_each_time_it_is_tried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with Forwarder(free_port(), cut="refuse") as link:
        monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{link.port}/api/v10")
        adapter = DiscordAdapter(make_settings(), Recorder(), retry_delays=(0.0,))
        for _ in range(2):  # a second attempt builds a fresh client: a closed one does not start again
            with pytest.raises(PlatformUnreachable, match="Discord cannot be reached"):
                await adapter.start()
        await adapter.stop()


async def test_a_refused_discord_token_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    async def unauthorized(request: web.Request) -> web.Response:
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", unauthorized)
    runner, port = await serve_locally(app)
    try:
        monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
        adapter = DiscordAdapter(make_settings(), Recorder(), retry_delays=(0.0,))
        with pytest.raises(PlatformRefused) as refused:
            await adapter.start()
        assert str(refused.value) == (
            "Discord refused the bot token (ATOU_DISCORD_TOKEN); check it in the Developer Portal"
        )
        await adapter.stop()
    finally:
        await runner.cleanup()
