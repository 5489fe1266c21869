"""Which instance schedules and sends for a platform: one PostgreSQL advisory lock per platform.

Several `atou run` processes may share one PostgreSQL database, each running some of the platforms
(one may have the Discord token, all of them the Telegram one). For every platform, exactly one of
the instances that run it — that platform's leader — schedules and sends its postings and recaps;
the others answer members (commands, buttons, webhook updates) and wait. An instance contends only
for the platforms it runs, so every platform that runs somewhere is led, whatever the mix of
instances (see docs/architecture.md). A leader holds a session-level advisory lock, keyed by the
platform's name, on a connection of its own for as long as it lives. When its process dies, PostgreSQL ends the session and frees the lock; a
standby retrying every `retry_seconds` takes it within that time. The leader checks its connection
every `check_seconds`: a connection it can no longer use is leadership lost, and it must stop
sending at once (`wait_until_lost` returns) and contend again.

Two instances may briefly both believe they lead (the old leader has not noticed its connection is
gone yet). That is safe because every posting is claimed by a database row in a transaction, so a
group's brief for a day is sent once whichever instance sends it.

A SQLite database serves one process, which always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

# The scope of the leadership of platform-neutral work and of tools that contend on their own.
DEFAULT_SCOPE = "scheduler"

RETRY_SECONDS = 2.0
CHECK_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 5


class Leadership:
    """Leadership of this process; the base class is the sole instance of an embedded database."""

    def __init__(self) -> None:
        self._leading = False
        self._lost = asyncio.Event()

    @property
    def is_leader(self) -> bool:
        return self._leading

    async def wait_until_leader(self) -> None:
        """Return once this instance leads (at once for an embedded database)."""
        self._won()

    async def wait_until_lost(self) -> None:
        """Return when leadership is lost (never while an embedded database is used and not released)."""
        await self._lost.wait()

    async def release(self) -> None:
        """Give leadership up (on shutdown), so a standby takes over without waiting for a timeout."""
        self._lose()

    def _won(self) -> None:
        self._leading = True
        self._lost.clear()

    def _lose(self) -> None:
        self._leading = False
        self._lost.set()


def lock_key(scope: str) -> int:
    """The advisory lock's key for a scope (a platform's name): a fixed 64-bit number derived from
    the name, so it cannot collide with keys another application on the database picks by counting from 1."""
    return int.from_bytes(hashlib.sha256(f"atou:leader:{scope}".encode()).digest()[:8], "big", signed=True)


def instance_name() -> str:
    """How this process names itself in logs, health reports and pg_stat_activity: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


class PostgresLeadership(Leadership):
    """Leadership of `scope` while holding `pg_try_advisory_lock(lock_key(scope))` on a dedicated connection."""

    def __init__(
        self,
        database_url: str,
        *,
        scope: str = DEFAULT_SCOPE,
        retry_seconds: float = RETRY_SECONDS,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        super().__init__()
        url = make_url(database_url).set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._display = url.render_as_string(hide_password=True)
        self.scope = scope
        self._key = lock_key(scope)
        self._retry = retry_seconds
        self._check = check_seconds
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._waiting_logged = False
        self.tries = 0  # attempts at the lock that found it taken or the database away, for health and tests

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend holding (or trying for) the lock, for operators and tests."""
        return None if self._conn is None or self._conn.closed else self._conn.info.backend_pid

    async def wait_until_leader(self) -> None:
        while not self._leading:
            if await self._try_lock():
                self._won()
                self._watch = asyncio.create_task(self._watch_connection(), name="atou-leader-watch")
                log.info(
                    "this instance (%s) now leads %s: it schedules and sends its postings", instance_name(), self.scope
                )
                return
            self.tries += 1
            await asyncio.sleep(self._retry)

    async def release(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        was_leading = self._leading
        await self._close()
        self._lose()
        if was_leading:
            log.info("this instance (%s) gave up leading %s", instance_name(), self.scope)

    async def _try_lock(self) -> bool:
        import psycopg

        try:
            conn = await self._connection()
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))
            row = await cursor.fetchone()
        except (psycopg.Error, OSError) as exc:
            log.warning("leader election: cannot reach %s (%s); retrying every %.0f s", self._display, exc, self._retry)
            await self._close()
            return False
        if row is not None and row[0] is True:
            self._waiting_logged = False
            return True
        if not self._waiting_logged:
            log.info(
                "another instance leads %s; this one (%s) stands by and retries every %.0f s",
                self.scope,
                instance_name(),
                self._retry,
            )
            self._waiting_logged = True
        return False

    async def _connection(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                application_name=f"atou leader {instance_name()}"[:63],
                # A leader whose host vanishes keeps its session (and the lock) until the server
                # notices; keepalives bound that to about 20 s instead of the kernel's two hours.
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=3,
                keepalives_count=3,
            )
        return self._conn

    async def _watch_connection(self) -> None:
        import psycopg

        while True:
            await asyncio.sleep(self._check)
            conn = self._conn
            try:
                if conn is None or conn.closed:
                    raise psycopg.OperationalError("the leader connection is closed")
                await asyncio.wait_for(conn.execute("SELECT 1"), timeout=max(self._check, 1.0) * 2)
            except (psycopg.Error, OSError, TimeoutError) as exc:
                log.error(
                    "this instance (%s) lost leadership of %s: its database connection failed (%s); "
                    "it stops sending and contends again",
                    instance_name(),
                    self.scope,
                    exc or type(exc).__name__,
                )
                await self._close()
                self._lose()
                self._watch = None
                return

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):
                await conn.close()


def leadership_for(
    database_url: str,
    *,
    scope: str = DEFAULT_SCOPE,
    retry_seconds: float = RETRY_SECONDS,
    check_seconds: float = CHECK_SECONDS,
) -> Leadership:
    """The leadership of `scope` (a platform) on a database: an advisory lock on PostgreSQL,
    always-leader on SQLite.

    The timings apply to PostgreSQL only: how often a standby tries for the lock, and how often the
    leader checks the connection that holds it.
    """
    from storage.db import normalize_url

    url = normalize_url(database_url)
    if make_url(url).get_backend_name() == "postgresql":
        return PostgresLeadership(url, scope=scope, retry_seconds=retry_seconds, check_seconds=check_seconds)
    return Leadership()


class Leaders:
    """This process's leaderships, one per platform it runs: what health reports and heartbeats say."""

    def __init__(self, by_scope: dict[str, Leadership]) -> None:
        self.by_scope = by_scope

    @property
    def is_leader(self) -> bool:
        """Whether this process leads any platform."""
        return any(leadership.is_leader for leadership in self.by_scope.values())

    @property
    def led(self) -> list[str]:
        """The platforms this process leads, by name."""
        return sorted(scope for scope, leadership in self.by_scope.items() if leadership.is_leader)

    async def release(self) -> None:
        for leadership in self.by_scope.values():
            await leadership.release()
