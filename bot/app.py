"""Running the bot: the adapters, the engine and the scheduler that `bot.bootstrap` builds, in one
asyncio loop until stopped.

    await run(settings)                              # `atou run`: every configured platform, until SIGINT/SIGTERM
    await run_adapters(boot, [console], stop=done)   # `atou demo`: the same with the terminal chat
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.bootstrap import ADAPTER_MODULES, Bootstrapped, bootstrap
from bot.config import Settings
from bot.protocol import Adapter
from bot.scheduling.runner import Scheduler
from bot.services.engine import Engine
from bot.startup import Backoff, StartupError, connect

if TYPE_CHECKING:
    from bot.health import Health
    from storage.leader import Leaders, Leadership

log = logging.getLogger(__name__)

NO_ADAPTERS = (
    "No platform is configured: set ATOU_TELEGRAM_TOKEN and/or ATOU_DISCORD_TOKEN (environment or .env).\n"
    "To try atou without an account, run `atou demo`: a group chat in this terminal."
)


def build_scheduler(engine: Engine, platform: str | None = None) -> Scheduler:
    """The scheduler of the groups of `platform` (None: of every platform this process runs)."""
    return Scheduler(
        schedules=functools.partial(engine.schedules, platform),
        wake=engine.wake,
        sweep=functools.partial(engine.sweep, platform),
        grace=engine.core.config.grace,
        schedule_of=functools.partial(engine.schedule_of, platform=platform),
        swept=functools.partial(engine.poster.swept.get, platform),
    )


async def lead(engine: Engine, leadership: Leadership, platform: str | None = None) -> None:
    """Run the scheduler of `platform` while this process leads it (always, on SQLite); stop it when
    leadership is lost."""
    what = platform or "every platform"
    while True:
        await leadership.wait_until_leader()
        scheduler = build_scheduler(engine, platform)
        engine.core.schedule_listeners.append(scheduler.refresh)
        scheduler.start()
        log.info("leading %s: scheduling and sending postings", what)
        try:
            await leadership.wait_until_lost()
        finally:
            scheduler.shutdown()
            engine.core.schedule_listeners.remove(scheduler.refresh)
        log.warning("leadership of %s lost: its scheduling stopped until it is won back", what)


async def run(
    settings: Settings, *, stop: asyncio.Event | None = None, modules: Sequence[str] = ADAPTER_MODULES
) -> int:
    """`atou run`: every configured adapter and the scheduler in this loop, until `stop` or a signal.

    Returns the process exit status: 2 when no platform is configured. Raises `StartupError` when a
    platform refuses the credentials or an adapter cannot start (a platform that cannot be reached is
    tried again meanwhile, with backoff).
    """
    from storage.leader import instance_name

    # Adapters are created before the database is opened, so that a machine with no platform
    # configured hears that first; they deliver events only once started, after the engine exists.
    with bootstrap(settings, instance_id=instance_name()) as boot:
        adapters = boot.adapters(modules)
        if not adapters:
            print(NO_ADAPTERS)
            return 2
        await run_adapters(boot, adapters, stop=stop)
    return 0


async def run_adapters(
    boot: Bootstrapped,
    adapters: Sequence[Adapter],
    *,
    stop: asyncio.Event | None = None,
    schedule: bool = True,
    report_health: bool = True,
) -> None:
    """Start `adapters` on the engine of `boot` and run until `stop` is set (or SIGINT/SIGTERM).

    `schedule`: lead the scheduling of the adapters' platforms (post on schedule); `report_health`:
    serve /healthz and write this instance's heartbeat.
    """
    from storage.leader import Leaders, leadership_for

    settings = boot.settings
    engine = boot.engine
    engine.warm_up()
    stopping = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stopping.set)

    # Each platform is led by one of the instances that run it: an instance contends only for its own.
    scopes = [a.name for a in adapters] if schedule else []
    leaders = Leaders({name: leadership_for(settings.database_url, scope=name) for name in scopes})
    health = boot.health(leaders) if report_health else None
    started: list[Adapter] = []
    leader_tasks: list[asyncio.Task[None]] = []
    failures: list[StartupError] = []
    backoff = Backoff(first=settings.connect_retry_first_seconds, cap=settings.connect_retry_max_seconds)

    async def bring_up(adapter: Adapter) -> None:
        # Tried again while the platform cannot be reached; the other platforms run meanwhile. Only
        # once connected does this instance contend to lead the platform: it could not post there before.
        if health is not None:
            health.set_adapter_connecting(adapter.name)
        engine.register_platform(adapter)  # events may arrive before `start` returns
        try:
            await connect(adapter, backoff)
        except StartupError as exc:
            failures.append(exc)
            stopping.set()
            return
        started.append(adapter)
        if health is not None:
            health.set_adapter(adapter.name, True)
        log.info("%s adapter started", adapter.name)
        leadership = leaders.by_scope.get(adapter.name)
        if leadership is not None:
            leader_tasks.append(
                asyncio.create_task(lead(engine, leadership, adapter.name), name=f"atou-leader-{adapter.name}")
            )

    # Feeds are polled by one instance among all, whatever platforms it runs. (The model client it
    # may use is slow to import: a run that does not schedule, like a scripted demo, does without.)
    sources_lead = None
    if schedule:
        from bot.drafting.polling import SCOPE as POLLING_SCOPE
        from bot.drafting.polling import poll_while_leading

        sources_lead = leadership_for(settings.database_url, scope=POLLING_SCOPE)
        leader_tasks.append(
            asyncio.create_task(
                poll_while_leading(settings, boot.database, sources_lead), name="atou-leader-sources"
            )
        )

    # Answers owed (an outage, or a previous run that died) go out from every instance that runs
    # their platform, leading or not.
    leader_tasks.append(asyncio.create_task(engine.answers.run(), name="atou-answers"))

    connecting: list[asyncio.Task[None]] = []
    try:
        if health is not None:
            await health.start()
        connecting = [asyncio.create_task(bring_up(a), name=f"atou-connect-{a.name}") for a in adapters]
        await stopping.wait()
    finally:
        for task in connecting:
            task.cancel()
        await asyncio.gather(*connecting, return_exceptions=True)
        await _shut_down(engine, started, health, leaders, leader_tasks)
        if sources_lead is not None:
            await sources_lead.release()
    if failures:
        raise failures[0]


async def _shut_down(
    engine: Engine,
    adapters: list[Adapter],
    health: Health | None,
    leaders: Leaders,
    background: list[asyncio.Task[None]],
) -> None:
    for task in background:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for adapter in reversed(adapters):
        try:
            await adapter.stop()
        except Exception:
            log.exception("%s adapter did not stop cleanly", adapter.name)
        if health is not None:
            health.set_adapter(adapter.name, False)
    await engine.close()
    await leaders.release()
    if health is not None:
        await health.stop()
