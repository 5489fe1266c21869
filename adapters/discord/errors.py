"""Discord HTTP errors → the neutral platform errors, and retries for Discord's own failures.

discord.py already waits out rate limits (429) and retries a few 5xx answers inside its HTTP
client; what still comes out is retried here once more with a pause, then raised as a
`PlatformError` so the core records the failed send instead of losing it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import discord

from adapters.discord.events import PLATFORM
from bot.observability import metrics
from bot.protocol import ChatGone, ChatRef, PlatformError, PlatformUnreachable, ThreadGone

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_DELAYS: tuple[float, ...] = (2.0, 8.0)

# JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
UNKNOWN_CHANNEL = 10003
THREAD_ARCHIVED = 50083


# discord.py waits out a 429 inside its HTTP client and says so in a warning of this logger, which
# begins with these words (an answer too long to wait for is raised, and logged the same way). The
# warnings are counted as long as the logger lets them through (ATOU_LOG_LEVEL up to WARNING).
HTTP_LOGGER = "discord.http"
RATE_LIMITED_NOTICE = "We are being rate limited."


class _RateLimitCounter(logging.Filter):
    """Counts discord.py's rate-limit notices in `atou_rate_limited`; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(RATE_LIMITED_NOTICE):
            metrics.record_rate_limited(PLATFORM)
        return True


_counter = _RateLimitCounter()


def count_rate_limits() -> None:
    """Count every 429 Discord answers from now on (idempotent)."""
    logging.getLogger(HTTP_LOGGER).addFilter(_counter)


def describe(exc: discord.HTTPException) -> str:
    return f"Discord answered {exc.status} (code {exc.code}): {exc.text or exc.__class__.__name__}"


def neutral_error(exc: discord.HTTPException, chat: ChatRef) -> PlatformError:
    """The neutral error for a failed call in `chat`.

    In a thread, lost access means the thread is gone (archived and locked, deleted, or the
    bot may not post in threads): the core falls back to the channel. In the channel itself,
    missing access or permissions means the group is gone until an admin fixes it.
    """
    reason = describe(exc)
    if exc.status >= 500:  # Discord's own failure, outlasting the retries: worth trying again later
        return PlatformUnreachable(reason)
    lost = isinstance(exc, discord.Forbidden) or exc.code == UNKNOWN_CHANNEL
    if chat.thread_id is not None and (lost or exc.code == THREAD_ARCHIVED):
        return ThreadGone(reason)
    if lost:
        return ChatGone(reason)
    return PlatformError(reason)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    chat: ChatRef,
    *,
    what: str,
    delays: Sequence[float] = RETRY_DELAYS,
) -> T:
    """Run `call`; retry it after each delay while Discord answers 5xx; raise a neutral error."""
    attempt = 0
    while True:
        try:
            return await call()
        except discord.HTTPException as exc:
            if exc.status >= 500 and attempt < len(delays):
                log.warning(
                    "%s in %s failed (%s); retrying in %.1f s", what, chat.key, describe(exc), delays[attempt]
                )
                await asyncio.sleep(delays[attempt])
                attempt += 1
                continue
            error = neutral_error(exc, chat)
            log.error("%s in %s failed: %s", what, chat.key, error)
            raise error from exc
