"""The health of a running `atou run` process: `/healthz`, `/metrics`, and a heartbeat in the database.

The composition root creates one `Health`, starts it with the process, tells it when adapters
connect and disconnect, and hands it the `Leadership`. It then:

- answers `GET /healthz` on ATOU_HEALTH_LISTEN:ATOU_HEALTH_PORT with a JSON report, status 200 when
  the database took the last heartbeat (and a SQLite file is still the one opened) and every adapter
  is connected, else 503 (a standby that does
  not lead is healthy: it is ready to take over; an adapter whose platform cannot be reached yet is
  listed under "connecting");
- answers `GET /metrics` with the Prometheus text of `bot.observability.metrics`;
- writes a heartbeat row (`storage.instances`) every few seconds, which `atou health` reads to tell
  which instances run, which leads and which adapters are connected.

The server is a few lines over asyncio streams rather than a web framework, because it runs inside
the bot's own event loop next to the platform clients and must not take over signals or the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

from bot.observability import metrics

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.config import Settings
    from storage.leader import Leaders, Leadership

log = logging.getLogger(__name__)

READ_TIMEOUT_SECONDS = 5.0
CHANGE_CHECK_SECONDS = 1.0
MAX_HEADER_LINES = 100


def atou_version() -> str:
    try:
        return metadata.version("atou")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    content_type: str
    body: bytes


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


class Health:
    """Health state of this process, its HTTP endpoint and its heartbeat."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        leadership: Leaders | Leadership | None = None,
        heartbeat_seconds: float | None = None,
    ) -> None:
        from storage.instances import HEARTBEAT_SECONDS
        from storage.leader import instance_name

        self.settings = settings
        self.engine = engine
        self.leadership = leadership
        self.name = instance_name()
        self.version = atou_version()
        self.started_at = datetime.now(UTC)
        self._heartbeat_seconds = heartbeat_seconds or HEARTBEAT_SECONDS
        self._db_ok: bool | None = None  # None until the first heartbeat
        self._db_error: str | None = None
        self._db_checked_at: datetime | None = None
        self._server: asyncio.Server | None = None
        self._beat_task: asyncio.Task[None] | None = None

    def set_adapter(self, platform: str, connected: bool) -> None:
        """An adapter started (connected) or stopped (not connected).

        Adapters that notice a lost or regained connection report it through
        `bot.observability.metrics.set_adapter_connected`, which is where this reads from too.
        """
        metrics.set_adapter_connected(platform, connected)

    def set_adapter_connecting(self, platform: str) -> None:
        """An adapter is trying to connect: /healthz lists it under "connecting" (and fails) until it does."""
        metrics.set_adapter_connecting(platform)

    @property
    def port(self) -> int | None:
        """The port the server listens on, None when it does not (ATOU_HEALTH_PORT=0)."""
        if self._server is None or not self._server.sockets:
            return None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def is_leader(self) -> bool:
        return self.leadership is not None and self.leadership.is_leader

    @property
    def leads(self) -> list[str]:
        """The platforms this process leads (on one embedded database: all it runs, once it leads)."""
        from storage.leader import Leaders

        return self.leadership.led if isinstance(self.leadership, Leaders) else []

    def report(self) -> dict[str, Any]:
        """The /healthz body; `status` is "ok" when the process can do its work."""
        from storage.sqlite_file import file_problem

        # Checked on every request: a SQLite file deleted or replaced shows at once, not at the next beat.
        file_gone = file_problem(self.engine)
        database_ok = self._db_ok is True and file_gone is None
        adapters = metrics.adapter_states()
        adapters_ok = all(adapters.values())
        return {
            "status": "ok" if database_ok and adapters_ok else "fail",
            "instance": self.name,
            "version": self.version,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "leader": self.is_leader,
            "leads": self.leads,
            "database": {
                "ok": database_ok,
                "checked_at": self._db_checked_at.isoformat(timespec="seconds") if self._db_checked_at else None,
                "error": file_gone or self._db_error,
            },
            "adapters": adapters,
            # Adapters whose platform could not be reached yet at start: tried again with backoff.
            "connecting": metrics.adapters_connecting(),
        }

    # Lifecycle.
    async def start(self) -> None:
        """Write the first heartbeat, then serve /healthz and /metrics and keep beating."""
        await self._beat()
        self._beat_task = asyncio.create_task(self._beat_forever(), name="atou-heartbeat")
        if self.settings.health_port:
            self._server = await asyncio.start_server(
                self._handle, self.settings.health_listen, self.settings.health_port
            )
            log.info("health at http://%s:%s/healthz, metrics at /metrics", self.settings.health_listen, self.port)

    async def stop(self) -> None:
        """Stop serving and beating, and remove this instance's heartbeat row."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._beat_task is not None:
            self._beat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat_task
            self._beat_task = None
        metrics.forget_adapters()
        from storage.instances import forget

        try:
            await asyncio.to_thread(forget, self.engine, self.name)
        except Exception as exc:
            log.warning("could not remove this instance's heartbeat row: %s", _one_line(exc))

    # The heartbeat, which doubles as the database check.
    async def _beat_forever(self) -> None:
        # A change of leadership or of an adapter is written within a second, so `atou health` sees
        # it at once; otherwise the row is refreshed every heartbeat interval.
        last_written = self._state()
        waited = 0.0
        while True:
            step = min(CHANGE_CHECK_SECONDS, self._heartbeat_seconds)
            await asyncio.sleep(step)
            waited += step
            if waited >= self._heartbeat_seconds or self._state() != last_written:
                last_written = self._state()
                waited = 0.0
                await self._beat()

    def _state(self) -> tuple[bool, dict[str, bool]]:
        return self.is_leader, metrics.adapter_states()

    async def _beat(self) -> None:
        metrics.set_leader(self.is_leader)
        from storage.instances import InstanceStatus, report

        now = datetime.now(UTC)
        status = InstanceStatus(
            name=self.name,
            version=self.version,
            started_at=self.started_at,
            seen_at=now,
            leader=self.is_leader,
            adapters=metrics.adapter_states(),
        )
        try:
            await asyncio.to_thread(report, self.engine, status)
        except Exception as exc:
            if self._db_ok is not False:
                log.error("the database did not take this instance's heartbeat: %s", _one_line(exc))
            self._db_ok, self._db_error = False, _one_line(exc)
        else:
            if self._db_ok is False:
                log.info("the database takes heartbeats again")
            self._db_ok, self._db_error = True, None
        self._db_checked_at = now

    # HTTP.
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            response = await asyncio.wait_for(self._respond(reader), READ_TIMEOUT_SECONDS)
        except (TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError):
            response = _Response(400, "text/plain; charset=utf-8", b"bad request\n")
        head = (
            f"HTTP/1.1 {response.status} {_REASONS[response.status]}\r\n"
            f"Content-Type: {response.content_type}\r\n"
            f"Content-Length: {len(response.body)}\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode("ascii") + response.body)
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    async def _respond(self, reader: asyncio.StreamReader) -> _Response:
        request_line = (await reader.readline()).decode("latin-1").strip()
        for _ in range(MAX_HEADER_LINES):
            if (await reader.readline()) in (b"\r\n", b"\n", b""):
                break
        else:
            raise ValueError("too many header lines")
        method, target, *_ = request_line.split(" ") + ["", ""]
        path = target.split("?", 1)[0]
        if path not in ("/healthz", "/metrics"):
            return _Response(404, "text/plain; charset=utf-8", b"not found: try /healthz or /metrics\n")
        if method != "GET":
            return _Response(405, "text/plain; charset=utf-8", b"only GET\n")
        if path == "/metrics":
            metrics.set_leader(self.is_leader)
            return _Response(200, metrics.CONTENT_TYPE, metrics.render())
        report = self.report()
        body = json.dumps(report, ensure_ascii=False).encode("utf-8") + b"\n"
        return _Response(200 if report["status"] == "ok" else 503, "application/json", body)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
