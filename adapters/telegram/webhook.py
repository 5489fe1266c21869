"""The webhook receiver: Telegram POSTs each update here, with the secret token in a header.

A small tornado server (the HTTP server python-telegram-bot's `webhooks` extra brings) inside the
shared asyncio loop. The secret is compared in constant time — hashes of both sides, so neither the
content nor the length of the expected secret leaks through timing — and a request without the right
secret is refused with 403 before its body is read as JSON. Accepted updates go to the application's
update queue, like polled ones; the answer is 200 as soon as the update is queued.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]


def secret_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the secret header with the expected secret."""
    if given is None:
        return False
    a = hashlib.sha256(expected.encode("utf-8")).digest()
    b = hashlib.sha256(given.encode("utf-8", "surrogateescape")).digest()
    return hmac.compare_digest(a, b)


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, secret: str, sink: UpdateSink) -> None:
        self.secret = secret
        self.sink = sink

    async def post(self) -> None:
        if not secret_matches(self.secret, self.request.headers.get(SECRET_HEADER)):
            log.warning(
                "refused a webhook request without the right secret token from %s", self.request.remote_ip
            )
            self.set_status(403)
            return
        try:
            data = json.loads(self.request.body)
        except ValueError:
            self.set_status(400)
            return
        if not isinstance(data, dict) or "update_id" not in data:
            self.set_status(400)
            return
        await self.sink(data)
        self.set_status(200)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.error("webhook request failed: %s", value, exc_info=(typ, value, tb))


class _Application(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """One line per update would drown the logs; refusals are logged by the handler."""


class WebhookServer:
    """Serves `path` on `listen:port` (port 0: any free port, see `port` after `start`)."""

    def __init__(self, listen: str, port: int, path: str, secret: str, sink: UpdateSink) -> None:
        self.listen = listen
        self.port = port
        self.path = "/" + path.strip("/") if path.strip("/") else "/"
        app = _Application([(rf"{_route(self.path)}/?", _UpdateHandler, {"secret": secret, "sink": sink})])
        self._server = tornado.httpserver.HTTPServer(app)
        self._sockets: list[socket.socket] = []

    async def start(self) -> None:
        self._sockets = tornado.netutil.bind_sockets(self.port, address=self.listen)
        self._server.add_sockets(self._sockets)
        self.port = self._sockets[0].getsockname()[1]
        log.info("webhook receiver listening on %s:%d%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        self._server.stop()
        await asyncio.wait_for(self._server.close_all_connections(), timeout=5)


def _route(path: str) -> str:
    escaped = "".join("\\" + c if c in ".^$*+?{}[]\\|()" else c for c in path.rstrip("/"))
    return escaped
