"""A TCP forwarder on 127.0.0.1 that a test can cut and restore: a network outage at the TCP level.

Put it between the bot and a fake (the Bot API fake, a database, any server) and point the bot at the
forwarder's port instead of the fake's:

    async with Forwarder(fake.port) as link:
        adapter = TelegramAdapter(token, handler, api_url=f"http://127.0.0.1:{link.port}/bot")
        await link.cut()              # existing connections reset, new ones refused
        await link.cut("hang")        # existing connections reset, new ones accepted and never answered
        await link.restore()          # forwarding again, on the same port

`cut("refuse")` stops listening, so a connection attempt fails at once (ECONNREFUSED), as with a host
whose service is down. `cut("hang")` keeps accepting but forwards nothing and answers nothing, as with a
path that drops packets: the client waits until its own timeout. Either way the connections that were
open are reset (RST) on both sides. A forwarder can start already cut (`Forwarder(port, cut="refuse")`)
for a platform that is unreachable at boot.

When the test's own event loop is not the right place (a synchronous test, or a bot running in the
test's loop that must not share it), `ForwarderProcess` runs the same forwarder in a process of its own
with the same `cut`/`restore` calls, synchronous. `python -m tests.netfault TARGET_PORT` runs one from a
shell: it prints its port, then reads `cut`, `cut hang`, `restore` and `quit` lines on stdin.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import socket
import struct
import sys
from multiprocessing.connection import Connection
from typing import Literal

Mode = Literal["refuse", "hang"]
_CHUNK = 64 * 1024


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, as a dropped link looks to the peer, instead of an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Forwarder:
    """Forwards every connection on 127.0.0.1:`port` to `target_host`:`target_port`, until cut."""

    def __init__(
        self, target_port: int, target_host: str = "127.0.0.1", *, port: int = 0, cut: Mode | None = None
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = port
        self.mode: Mode | None = cut
        # Connections accepted (forwarded or held), for tests that wait until the client tried.
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._accepted = asyncio.Condition()

    @property
    def cut_now(self) -> bool:
        return self.mode is not None

    async def __aenter__(self) -> Forwarder:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Reserve the port; listen unless the forwarder starts cut in "refuse" mode."""
        if self.port == 0:
            # Bind once to learn a free port, so that a forwarder that starts refused still has one.
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        if self.mode != "refuse":
            await self._listen()

    async def cut(self, mode: Mode = "refuse") -> None:
        """Reset every open connection; refuse new ones ("refuse") or accept and stall them ("hang")."""
        self.mode = mode
        self._drop_all()
        if mode == "refuse":
            await self._stop_listening()
        elif self._server is None:
            await self._listen()

    async def restore(self) -> None:
        """Forward again on the same port. Connections stalled by a "hang" cut are reset first."""
        self.mode = None
        self._drop_all()
        if self._server is None:
            await self._listen()

    async def close(self) -> None:
        self._drop_all()
        await self._stop_listening()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_accepted(self, count: int, within: float = 10.0) -> None:
        """Wait until `count` connections in all have been accepted (forwarded or stalled)."""
        async with asyncio.timeout(within), self._accepted:
            await self._accepted.wait_for(lambda: self.accepted >= count)

    async def _listen(self) -> None:
        # The port was ours a moment ago; after a "refuse" cut another socket may briefly hold it.
        for _ in range(50):
            try:
                self._server = await asyncio.start_server(
                    self._on_connection, "127.0.0.1", self.port, reuse_address=True
                )
                return
            except OSError:
                await asyncio.sleep(0.02)
        raise OSError(f"port {self.port} could not be listened on again")

    async def _stop_listening(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            server.close()
            await server.wait_closed()

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            _reset(writer)
        self._writers.clear()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            async with self._accepted:
                self.accepted += 1
                self._accepted.notify_all()
            if self.mode == "hang":
                await self._swallow(reader)
            else:
                await self._forward(reader, writer)
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.close()

    async def _swallow(self, reader: asyncio.StreamReader) -> None:
        """Read and drop whatever the client sends, answer nothing, until the client or a restore resets."""
        with contextlib.suppress(OSError):
            while await reader.read(_CHUNK):
                pass

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            _reset(writer)
            return
        if writer.transport.is_closing():  # cut while the upstream connection was being made
            _reset(up_writer)
            return
        self._writers.add(up_writer)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._writers.discard(up_writer)
            for w in (writer, up_writer):
                if not w.transport.is_closing():
                    w.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(_CHUNK):
                writer.write(data)
                await writer.drain()
            if not writer.transport.is_closing() and writer.can_write_eof():
                writer.write_eof()


def _run(conn: Connection, target_port: int, target_host: str, port: int, cut: Mode | None) -> None:
    asyncio.run(_serve(conn, Forwarder(target_port, target_host, port=port, cut=cut)))


async def _serve(conn: Connection, forwarder: Forwarder) -> None:
    async with forwarder:
        conn.send(forwarder.port)
        loop = asyncio.get_running_loop()
        while True:
            command, *args = await loop.run_in_executor(None, conn.recv)
            if command == "quit":
                conn.send("ok")
                return
            if command == "cut":
                await forwarder.cut(*args)
            elif command == "restore":
                await forwarder.restore()
            conn.send("ok")


class ForwarderProcess:
    """The same forwarder in a process of its own, driven synchronously."""

    def __init__(
        self, target_port: int, target_host: str = "127.0.0.1", *, port: int = 0, cut: Mode | None = None
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_run, args=(child, target_port, target_host, port, cut), daemon=True
        )
        self.port = port

    def __enter__(self) -> ForwarderProcess:
        self._process.start()
        self.port = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError, EOFError):
            self._call("quit")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()

    def cut(self, mode: Mode = "refuse") -> None:
        self._call("cut", mode)

    def restore(self) -> None:
        self._call("restore")

    def _call(self, *command: str) -> None:
        self._conn.send(command)
        self._conn.recv()


def main() -> None:
    parser = argparse.ArgumentParser(description="Forward 127.0.0.1:PORT to a target; cut and restore it.")
    parser.add_argument("target_port", type=int)
    parser.add_argument("--target-host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    with ForwarderProcess(options.target_port, options.target_host, port=options.port) as link:
        print(link.port, flush=True)
        for line in sys.stdin:
            words = line.split()
            if words[:1] == ["cut"]:
                link.cut("hang" if words[1:] == ["hang"] else "refuse")
            elif words == ["restore"]:
                link.restore()
            elif words == ["quit"]:
                break


if __name__ == "__main__":
    main()
