"""A gate between the bot processes and the Telegram fake that can hold messages being sent.

A failover test kills the leader in the middle of a fan-out. Telegram gives a bot no way to ask what
it sent, so a message Telegram accepted in the instant before its sender died, before the sender
recorded it, goes out again from the new leader. That window is the one duplicate atou allows (see
`bot.services.posting`). To test that nothing else is ever sent twice or lost, the test closes the
gate (new messages wait at it), lets the messages already on their way complete and be recorded,
and only then kills the leader: the messages it had waiting never reach Telegram, exactly as when
the network drops them with the process.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web

from tests.local_server import serve_locally
from tests.telegram.fake_bot_api import COUNTED_METHODS, FakeBotApi


class SendGate:
    """Forwards every Bot API call to the fake; while closed, calls that send a message wait."""

    def __init__(self, upstream: FakeBotApi) -> None:
        self.upstream = upstream
        self.port = 0
        self.in_flight = 0
        self.held = 0
        self.dropped = 0
        self._open = asyncio.Event()
        self._open.set()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def __aenter__(self) -> SendGate:
        self._client = aiohttp.ClientSession()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._forward)
        self._runner, self.port = await serve_locally(app, access_log=None, handle_signals=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._open.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    async def settled(self, quiet_for: float = 0.5) -> None:
        """Return once no call has been on its way for `quiet_for` seconds (answers are recorded by then)."""
        quiet_since = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(0.05)
            now = asyncio.get_running_loop().time()
            if self.in_flight:
                quiet_since = now
            elif now - quiet_since >= quiet_for:
                return

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        body = await request.read()
        if method in COUNTED_METHODS and not self._open.is_set():
            self.held += 1
            try:
                await self._open.wait()
            finally:
                self.held -= 1
            if request.transport is None or request.transport.is_closing():
                # The sender died while its message waited here: it never reaches Telegram.
                self.dropped += 1
                return web.Response(status=502)
        assert self._client is not None
        self.in_flight += 1
        try:
            headers: dict[str, Any] = {}
            if "Content-Type" in request.headers:
                headers["Content-Type"] = request.headers["Content-Type"]
            url = f"{self.upstream.base_url}{request.match_info['token']}/{method}"
            async with self._client.request(request.method, url, data=body, headers=headers) as answer:
                payload = await answer.read()
                return web.Response(
                    body=payload, status=answer.status, content_type=answer.content_type, charset=answer.charset
                )
        finally:
            self.in_flight -= 1
