"""Bringing a platform adapter up: try again while the platform cannot be reached, stop when it refuses.

At boot the network may not be up yet, a name may not resolve for a minute, the platform may have an
outage. None of that is the operator's mistake, so `connect` tries again with capped exponential
backoff and says so in one log line per attempt, while the rest of the process (other adapters, the
scheduler, /healthz) runs. A refused token or any other failure to start is not going to change by
waiting: it becomes a `StartupError`, whose message is the one sentence the operator reads before
the process exits with status 2.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.protocol import Adapter, PlatformRefused, PlatformUnreachable

log = logging.getLogger(__name__)

# Exit status of a process that cannot start as configured (a supervisor should not restart it).
EXIT_MISCONFIGURED = 2


class StartupError(Exception):
    """The process cannot start as configured; the message is one sentence that says what to fix."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts: `first`, doubling each time, never more than `cap` seconds."""

    first: float = 1.0
    cap: float = 60.0

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1, 2, …)."""
        return float(min(self.cap, self.first * 2 ** min(attempt - 1, 30)))


def one_line(exc: BaseException) -> str:
    """An exception as one line: its first line of text, else its type."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


async def connect(adapter: Adapter, backoff: Backoff) -> int:
    """Start `adapter`, trying again while its platform cannot be reached; the attempts it took.

    Raises `StartupError` when the platform refuses the credentials or the adapter fails otherwise.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            await adapter.start()
            return attempt
        except PlatformUnreachable as exc:
            delay = backoff.delay(attempt)
            log.warning(
                "%s: connection attempt %d failed: %s; trying again in %.0f s",
                adapter.name,
                attempt,
                one_line(exc),
                delay,
            )
            await asyncio.sleep(delay)
        except PlatformRefused as exc:
            raise StartupError(str(exc)) from exc
        except Exception as exc:
            raise StartupError(f"The {adapter.name} adapter could not start: {one_line(exc)}") from exc
