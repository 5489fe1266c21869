"""The composition root: builds storage, the engine, the platform adapters and the scheduler, and
runs them in one asyncio loop.

    engine = build_engine(settings, db)                 # the core on the database
    adapters = load_adapters(settings, engine.handle)   # every platform whose token is configured
    await run(settings)                                 # `atou run`: all of it until SIGINT/SIGTERM

A platform is added by a folder under `adapters/` whose `__init__.py` has
`create(settings, handler) -> Adapter | None`, and one line in `ADAPTER_MODULES`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import logging
import signal
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.ports import Clock, Liveness, SystemClock
from bot.protocol import Adapter, EventHandler, InboundEvent
from bot.scheduling.runner import Scheduler
from bot.services.core import Core, EngineConfig
from bot.services.engine import Engine

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database

    from bot.health import Health
    from storage.leader import Leaders, Leadership

log = logging.getLogger(__name__)

ADAPTER_MODULES: tuple[str, ...] = ("adapters.telegram", "adapters.discord")

NO_ADAPTERS = (
    "No platform is configured: set ATOU_TELEGRAM_TOKEN and/or ATOU_DISCORD_TOKEN (environment or .env).\n"
    "To try atou without an account, run `atou demo`: a group chat in this terminal."
)


def build_engine(
    settings: Settings, db: Database, *, clock: Clock | None = None, instance_id: str | None = None
) -> Engine:
    """The engine on the database `db`: SQL repositories, the article store, the settings it reads.

    `instance_id`: the name this process reports its heartbeat under (`storage.instances`). With
    it, the engine takes over at once a posting whose sender no longer reports; without it (a
    process that reports no heartbeat), a dead sender's posting waits for its lease to end.
    """
    from storage.articles import ArticleStore
    from storage.unit_of_work import SqlUnitOfWorkFactory

    core = Core(
        uow=SqlUnitOfWorkFactory(db),
        articles=ArticleStore(db),
        config=EngineConfig.from_settings(settings, instance_id=instance_id),
        clock=clock or SystemClock(),
        liveness=heartbeats(db) if instance_id is not None else None,
    )
    return Engine(core)


def heartbeats(db: Database) -> Liveness:
    """Liveness read from the instances' heartbeat rows."""
    from storage.instances import ALIVE_WITHIN, live_instances

    def alive(now: datetime) -> dict[str, datetime]:
        return {s.name: s.seen_at + ALIVE_WITHIN for s in live_instances(db, now=now)}

    return alive


def load_adapters(
    settings: Settings, handler: EventHandler, modules: Sequence[str] = ADAPTER_MODULES
) -> list[Adapter]:
    """The adapters of every platform module whose `create` returns one (its token is configured)."""
    adapters: list[Adapter] = []
    for name in modules:
        adapter = importlib.import_module(name).create(settings, handler)
        if adapter is not None:
            adapters.append(adapter)
    return adapters


def build_scheduler(engine: Engine, platform: str | None = None) -> Scheduler:
    """The scheduler of the groups of `platform` (None: of every platform this process runs)."""
    return Scheduler(
        schedules=functools.partial(engine.schedules, platform),
        wake=engine.wake,
        sweep=functools.partial(engine.sweep, platform),
        grace=engine.core.config.grace,
    )


async def lead(engine: Engine, leadership: Leadership, platform: str | None = None) -> None:
    """Run the scheduler of `platform` while this process leads it (always, on SQLite); stop it when
    leadership is lost."""
    what = platform or "every platform"
    while True:
        await leadership.wait_until_leader()
        scheduler = build_scheduler(engine, platform)
        engine.core.schedule_listeners.append(scheduler.rebuild)
        scheduler.start()
        log.info("leading %s: scheduling and sending postings", what)
        try:
            await leadership.wait_until_lost()
        finally:
            scheduler.shutdown()
            engine.core.schedule_listeners.remove(scheduler.rebuild)
        log.warning("leadership of %s lost: its scheduling stopped until it is won back", what)


async def run(
    settings: Settings, *, stop: asyncio.Event | None = None, modules: Sequence[str] = ADAPTER_MODULES
) -> int:
    """`atou run`: every configured adapter and the scheduler in this loop, until `stop` or a signal.

    Returns the process exit status: 2 when no platform is configured.
    """
    from bot.health import Health
    from storage.db import open_database
    from storage.leader import Leaders, instance_name, leadership_for

    # Adapters are created before the database is opened, so that a machine with no platform
    # configured hears that first; they deliver events only once started, after the engine exists.
    built: list[Engine] = []

    async def handle(event: InboundEvent) -> None:
        await built[0].handle(event)

    adapters = load_adapters(settings, handle, modules)
    if not adapters:
        print(NO_ADAPTERS)
        return 2
    db = open_database(settings)
    engine = build_engine(settings, db, instance_id=instance_name())
    engine.warm_up()
    built.append(engine)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    # Each platform is led by one of the instances that run it: an instance contends only for its own.
    leaders = Leaders({a.name: leadership_for(settings.database_url, scope=a.name) for a in adapters})
    health = Health(settings, db, leadership=leaders)
    started: list[Adapter] = []
    leader_tasks: list[asyncio.Task[None]] = []
    try:
        await health.start()
        for adapter in adapters:
            engine.register_platform(adapter)
            await adapter.start()
            started.append(adapter)
            health.set_adapter(adapter.name, True)
            log.info("%s adapter started", adapter.name)
        leader_tasks = [
            asyncio.create_task(lead(engine, leadership, name), name=f"atou-leader-{name}")
            for name, leadership in leaders.by_scope.items()
        ]
        await stop.wait()
    finally:
        await _shut_down(engine, started, health, leaders, leader_tasks)
        db.dispose()
    return 0


async def _shut_down(
    engine: Engine,
    adapters: list[Adapter],
    health: Health,
    leaders: Leaders,
    leader_tasks: list[asyncio.Task[None]],
) -> None:
    for task in leader_tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for adapter in reversed(adapters):
        try:
            await adapter.stop()
        except Exception:
            log.exception("%s adapter did not stop cleanly", adapter.name)
        health.set_adapter(adapter.name, False)
    await engine.close()
    await leaders.release()
    await health.stop()
