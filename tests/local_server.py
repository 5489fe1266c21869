"""Serving an aiohttp app on 127.0.0.1 at a free port, for the platform fakes and the tests' own endpoints."""

from __future__ import annotations

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
