"""Pacing of outgoing messages to Telegram's flood limits, and patience when Telegram says 429.

Telegram allows about 20 messages a minute in one group and about 30 a second overall, and answers
more with 429 and `retry_after`. We pace up front with sliding windows — at most N messages in any
`period` — so a burst to many groups goes out as fast as the limits allow without tripping them, and
a message that still gets a 429 waits `retry_after` and is sent again, however often that takes: a
message is never dropped for flood control.

This is python-telegram-bot's rate-limiter hook (`BaseRateLimiter`), so every message the bot sends
passes through it, whoever sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.observability import metrics

log = logging.getLogger(__name__)

# Methods that post a message: these are what Telegram's flood limits count.
PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendSticker",
        "sendPoll",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    """`per_chat` messages per `per_chat_period` seconds in one group; `overall` per `overall_period`."""

    per_chat: int = 20
    per_chat_period: float = 60.0
    overall: int = 30
    overall_period: float = 1.0

    @classmethod
    def telegram(cls, scale: float = 1.0) -> Limits:
        """Telegram's limits, `scale` times faster (the periods divided by `scale`)."""
        return cls(per_chat_period=60.0 / scale, overall_period=1.0 / scale)


class SlidingWindow:
    """At most `limit` messages in any `period` seconds, as Telegram will count them.

    Telegram counts a message when it arrives, which is some time after we let it go (it may wait
    for a connection, then travel). So a message holds its place in the window from the moment it
    is let go until `period` after its answer came back — the answer comes after the arrival, so
    Telegram never sees more than `limit` in a period, whatever the delays on the way. Waiters are
    served in the order they came (the caller holds `lock` while waiting).
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.lock = asyncio.Lock()
        self._done: deque[float] = deque()  # when the answers of recent messages came back, oldest first
        self._in_flight = 0
        self._finished = asyncio.Event()
        self._blocked_until = 0.0

    def _wait(self, now: float) -> float | None:
        """0 when one more message may go now; else seconds to wait, or None until an answer comes."""
        done = self._done
        while done and done[0] <= now - self.period:
            done.popleft()
        if self._blocked_until > now:
            return self._blocked_until - now
        if len(done) + self._in_flight < self.limit:
            return 0.0
        return done[0] + self.period - now if done else None

    def idle(self, now: float) -> bool:
        return not self.lock.locked() and self._in_flight == 0 and self._wait(now) == 0.0 and not self._done

    async def until_free(self) -> None:
        """Wait until one more message fits; the caller holds `lock`."""
        loop = asyncio.get_running_loop()
        while True:
            wait = self._wait(loop.time())
            if wait == 0.0:
                return
            self._finished.clear()
            if wait is None:
                await self._finished.wait()
            else:
                # Until the oldest message leaves the window, or an answer comes back.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finished.wait(), wait)

    def take(self) -> None:
        self._in_flight += 1

    def release(self) -> None:
        """The answer to a message came back: it counts from now on for `period`."""
        self._in_flight -= 1
        self._done.append(asyncio.get_running_loop().time())
        self._finished.set()

    def block(self, seconds: float) -> None:
        """Let nothing go for `seconds` (Telegram told us to wait)."""
        self._blocked_until = max(self._blocked_until, asyncio.get_running_loop().time() + seconds)


def retry_seconds(exc: RetryAfter) -> float:
    # `RetryAfter.retry_after` is an int or a timedelta depending on PTB_TIMEDELTA; read the timedelta.
    value: timedelta = exc._retry_after
    return value.total_seconds()


class Pacer(BaseRateLimiter[None]):
    """Sliding-window pacing per group and overall; retries a 429 after `retry_after`, without end."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._overall = SlidingWindow(self.limits.overall, self.limits.overall_period)
        self._chats: dict[int | str, SlidingWindow] = {}
        self.too_many_requests = 0  # 429 answers received (rare: we pace up front)

    async def initialize(self) -> None:
        """Nothing to set up: windows are made as chats appear."""

    async def shutdown(self) -> None:
        self._chats.clear()

    def _chat_window(self, chat_id: int | str) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            if len(self._chats) > 4096:
                now = asyncio.get_running_loop().time()
                for key in [k for k, w in self._chats.items() if w.idle(now)]:
                    del self._chats[key]
            window = self._chats[chat_id] = SlidingWindow(self.limits.per_chat, self.limits.per_chat_period)
        return window

    async def _take(self, chat: SlidingWindow | None) -> None:
        overall = self._overall
        if chat is None:
            async with overall.lock:
                await overall.until_free()
                overall.take()
            return
        # Hold the group's window while waiting for the overall one, so no other message of the group
        # slips in between; both places are taken at the moment the message goes.
        async with chat.lock:
            await chat.until_free()
            async with overall.lock:
                await overall.until_free()
                overall.take()
            chat.take()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in PACED_METHODS:
            return await callback(*args, **kwargs)
        key = _group_key(data.get("chat_id"))
        while True:
            chat = None if key is None else self._chat_window(key)
            await self._take(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.too_many_requests += 1
                metrics.record_rate_limited("telegram")
                wait = retry_seconds(exc)
                # Telegram does not say which limit it was, and another instance on the same token may
                # be sending too: hold everything back for the time asked, as Telegram expects.
                if chat is not None:
                    chat.block(wait)
                self._overall.block(wait)
                log.warning("Telegram asked to wait %.3f s before %s; sending it again then", wait, endpoint)
            finally:
                if chat is not None:
                    chat.release()
                self._overall.release()


def _group_key(chat_id: object) -> int | str | None:
    """The key of a group's window; None for private chats, which only the overall limit counts."""
    if chat_id is None:
        return None
    try:
        number = int(str(chat_id))
    except ValueError:
        return str(chat_id)  # @channelusername
    return number if number < 0 else None
