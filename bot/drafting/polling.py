"""Polling the feeds from the running bot, by one instance: the leader of the `sources` scope.

Like posting, polling is led (an advisory lock on PostgreSQL, the sole instance on SQLite), so two
instances never draft the same entry at once, and a standby takes over when the leader goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import Engine

from bot.config import Settings
from bot.drafting.feeds import poll_due
from bot.llm import ModelClient
from storage.leader import Leadership

log = logging.getLogger(__name__)

SCOPE = "sources"
POLL_CHECK_SECONDS = 60.0  # how often the leader looks for sources that are due


async def poll_while_leading(
    settings: Settings, database: Engine, leadership: Leadership, *, every: float = POLL_CHECK_SECONDS
) -> None:
    """Poll due sources every `every` seconds while this instance leads them; runs until cancelled."""
    while True:
        await leadership.wait_until_leader()
        log.info("leading sources: polling feeds that are due")
        lost = asyncio.create_task(leadership.wait_until_lost())
        model = ModelClient.from_settings(settings)
        try:
            while not lost.done():
                try:
                    for poll in await poll_due(settings=settings, engine=database, model=model):
                        if poll.drafted or poll.errors:
                            log.info(
                                "source %s polled: %d new drafts, %d errors",
                                poll.source.id, len(poll.drafted), len(poll.errors),
                            )
                except Exception:
                    log.exception("polling the sources failed; trying again at the next check")
                await asyncio.wait([lost], timeout=every)
        finally:
            lost.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lost
            if model is not None:
                await model.aclose()
        log.warning("leadership of the sources lost: polling stopped until it is won back")
