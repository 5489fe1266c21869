"""The TCP forwarder that tests cut and restore: it forwards, refuses, stalls and comes back on its port."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.netfault import Forwarder, ForwarderProcess
from tests.telegram.fake_bot_api import FakeBotApi


class Echo:
    """An upstream that echoes each line in capitals and counts the connections it got."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def _on(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while line := await reader.readline():
                writer.write(line.upper())
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


@pytest.fixture
async def echo() -> AsyncIterator[Echo]:
    upstream = Echo()
    upstream.server = await asyncio.start_server(upstream._on, "127.0.0.1", 0)
    upstream.port = upstream.server.sockets[0].getsockname()[1]
    yield upstream
    upstream.server.close()


async def ask(port: int, text: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(text.encode() + b"\n")
        await writer.drain()
        return (await reader.readline()).decode().strip()
    finally:
        writer.close()


async def was_reset(reader: asyncio.StreamReader) -> bool:
    """Whether the connection ends (reset, or closed) instead of answering."""
    try:
        return await reader.read() == b""
    except ConnectionResetError:
        return True


async def test_it_forwards_both_ways(echo: Echo) -> None:
    async with Forwarder(echo.port) as link:
        assert link.port != echo.port
        assert await ask(link.port, "hello") == "HELLO"
        assert await ask(link.port, "again") == "AGAIN"
    assert echo.connections == 2


async def test_a_refusing_cut_resets_open_connections_and_refuses_new_ones(echo: Echo) -> None:
    async with Forwarder(echo.port) as link:
        reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
        writer.write(b"before\n")
        assert await reader.readline() == b"BEFORE\n"

        await link.cut()
        assert await was_reset(reader)
        writer.close()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", link.port)

        await link.restore()
        assert await ask(link.port, "back") == "BACK"


async def test_a_hanging_cut_accepts_but_never_answers_nor_forwards(echo: Echo) -> None:
    async with Forwarder(echo.port) as link:
        await link.cut("hang")
        reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
        writer.write(b"anyone?\n")
        await writer.drain()
        await link.wait_accepted(1)
        read = asyncio.ensure_future(was_reset(reader))
        await asyncio.sleep(0.1)
        assert not read.done()  # no answer while the link hangs
        assert echo.connections == 0

        await link.restore()
        # The stalled connection is reset by the restore: the client sees it end, not an answer.
        assert await read
        writer.close()
        assert await ask(link.port, "back") == "BACK"


async def test_it_can_start_cut_for_a_service_unreachable_at_boot(echo: Echo) -> None:
    async with Forwarder(echo.port, cut="refuse") as link:
        assert link.port > 0
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", link.port)
        await link.restore()
        assert await ask(link.port, "up") == "UP"


async def test_an_unreachable_upstream_resets_the_client() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with Forwarder(closed_port) as link:
        reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
        assert await was_reset(reader)
        writer.close()


async def test_the_bot_api_fake_behind_it_goes_away_and_comes_back() -> None:
    async with FakeBotApi() as fake, Forwarder(fake.port) as link, aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{link.port}/bot{fake.token}/getMe"
        async with http.get(url) as answer:
            assert (await answer.json())["ok"]
        await link.cut()
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(url) as answer:
                await answer.read()
        await link.restore()
        async with http.get(url) as answer:
            assert (await answer.json())["result"]["is_bot"]


async def test_it_runs_in_a_process_of_its_own(echo: Echo) -> None:
    with ForwarderProcess(echo.port) as link:
        assert await ask(link.port, "there") == "THERE"
        link.cut()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", link.port)
        link.restore()
        assert await ask(link.port, "again") == "AGAIN"
