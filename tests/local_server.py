"""Serving an aiohttp app on 127.0.0.1 at a free port, for the platform fakes and the tests' own endpoints
(in the test's event loop, or in a thread of its own for synchronous tests)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web


async def serve_locally(app: web.Application, **runner_options: Any) -> tuple[web.AppRunner, int]:
    """Start `app` on 127.0.0.1 at a port the system picks: its runner (`cleanup()` stops it) and the port."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (for a server a test starts in another process)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving_in_thread(app: web.Application) -> Iterator[int]:
    """Serve `app` on 127.0.0.1 from a thread with its own event loop, for synchronous tests (the CLI):
    yields the port, and stops the server on leaving."""
    loop = asyncio.new_event_loop()
    started: concurrent.futures.Future[tuple[web.AppRunner, int]] = concurrent.futures.Future()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            started.set_result(loop.run_until_complete(serve_locally(app, access_log=None)))
        except BaseException as exc:  # reported to the test below
            started.set_exception(exc)
            return
        loop.run_forever()

    thread = threading.Thread(target=run, name="local-server", daemon=True)
    thread.start()
    runner, port = started.result(timeout=10)
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
