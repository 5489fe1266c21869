"""The composition root: the one place that builds storage, the engine and the platform adapters.

Every entry point starts here — `atou run` and `atou demo` (`bot.app` runs what this builds), the
reading pages (`atou serve`), health, and each command of `bot.cli`:

    with bootstrap(settings) as boot:       # nothing is opened yet
        boot.database                        # the database, checked to be at this version's schema
        boot.articles                        # the article store on it
        boot.engine                          # the core on it
        boot.adapters()                      # every platform whose token is configured
        boot.health(leaders)                 # /healthz, /metrics and the heartbeat (`atou run`)

A platform is added by a folder under `adapters/` whose `__init__.py` has
`create(settings, context) -> Adapter | None`, and one line in `ADAPTER_MODULES`. Adapters get what
they need from the `AdapterContext` built here (the engine's handler, the update claim shared by
instances), never by opening storage themselves.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.ports import Clock, Liveness, SystemClock
from bot.protocol import Adapter, AdapterContext, EventHandler, InboundEvent
from bot.services.core import Core, EngineConfig
from bot.services.engine import Engine

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database

    from bot.health import Health
    from bot.render.formatter import Formatter
    from storage.articles import ArticleStore
    from storage.leader import Leaders

# The platforms `atou run` starts when their token is set: one registration line per platform.
ADAPTER_MODULES: tuple[str, ...] = ("adapters.telegram", "adapters.discord")
# The terminal chat `atou demo` runs instead, and the platform name its chats are stored under.
CONSOLE_MODULE = "adapters.console"
CONSOLE_PLATFORM = "console"


class Schema(StrEnum):
    """What opening the database does about its schema."""

    CURRENT = "current"  # refuse a schema that is behind (unless ATOU_AUTO_UPGRADE) or ahead
    UPGRADE = "upgrade"  # bring it up to date (`atou db upgrade`, the demo's own file)
    FILL = "fill"  # give a new, empty SQLite file the schema, else as CURRENT (`atou import`, `atou draft`)
    AS_IS = "as-is"  # open it as it is, for commands that report on it (`atou health`, `atou db status`)


@dataclass
class Bootstrapped:
    """What entry points need, built on first use and closed together.

    The database opens when first asked for, so that `atou run` on a machine with no platform
    configured says so without touching it.
    """

    settings: Settings
    schema: Schema = Schema.CURRENT
    clock: Clock = field(default_factory=SystemClock)
    instance_id: str | None = None

    @functools.cached_property
    def database(self) -> Database:
        from storage.db import make_engine, open_database

        if self.schema is Schema.AS_IS:
            return make_engine(self.settings.database_url)
        return open_database(
            self.settings, migrate=self.schema is Schema.UPGRADE, create_new=self.schema is Schema.FILL
        )

    @functools.cached_property
    def articles(self) -> ArticleStore:
        from storage.articles import ArticleStore

        return ArticleStore(self.database)

    @functools.cached_property
    def engine(self) -> Engine:
        return build_engine(
            self.settings, self.database, clock=self.clock, instance_id=self.instance_id, articles=self.articles
        )

    def adapter_context(self, handler: EventHandler | None = None) -> AdapterContext:
        """What adapters get: `handler` (default: the engine's) and the update claim on this database."""
        return AdapterContext(handler=handler or self._handle, claim_update=self._claim_update)

    def adapters(
        self, modules: Sequence[str] = ADAPTER_MODULES, *, handler: EventHandler | None = None
    ) -> list[Adapter]:
        """The adapters of every platform module whose `create` returns one (its token is configured)."""
        return load_adapters(self.settings, self.adapter_context(handler), modules)

    def health(self, leadership: Leaders | None = None) -> Health:
        """This process's health: /healthz and /metrics, and its heartbeat in the database."""
        from bot.health import Health

        return Health(self.settings, self.database, leadership=leadership)

    def console(self, **options: Any) -> Adapter:
        """The terminal chat of `atou demo` (`options`: see `adapters.console.adapter.ConsoleAdapter`)."""
        adapter: Adapter = importlib.import_module(CONSOLE_MODULE).create(
            self.settings, self.adapter_context(), **options
        )
        return adapter

    async def _handle(self, event: InboundEvent) -> None:
        # Looked up per event: adapters are made before the engine (and its database) exist.
        await self.engine.handle(event)

    def _claim_update(self, update_id: int) -> bool:
        from storage.updates import claim_update

        return claim_update(self.database, update_id)

    def close(self) -> None:
        """Release the database's connections (if it was opened)."""
        if "database" in self.__dict__:
            self.database.dispose()

    def __enter__(self) -> Bootstrapped:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def bootstrap(
    settings: Settings,
    *,
    schema: Schema = Schema.CURRENT,
    clock: Clock | None = None,
    instance_id: str | None = None,
) -> Bootstrapped:
    """Everything an entry point needs, on `settings`.

    `instance_id`: the name this process reports its heartbeat under (`storage.instances`). With
    it, the engine takes over at once a posting whose sender no longer reports; without it (a
    process that reports no heartbeat), a dead sender's posting waits for its lease to end.
    """
    return Bootstrapped(settings, schema, clock or SystemClock(), instance_id)


def platform_formatter(platform: str) -> Formatter:
    """The formatter of the platform in `adapters/<platform>` (what one message there holds)."""
    made: Formatter = importlib.import_module(f"adapters.{platform}").formatter()
    return made


def build_engine(
    settings: Settings,
    db: Database,
    *,
    clock: Clock | None = None,
    instance_id: str | None = None,
    articles: ArticleStore | None = None,
) -> Engine:
    """The engine on the database `db`: SQL repositories, the article store, the settings it reads."""
    from bot.drafting.review import Review
    from bot.llm import ModelClient
    from storage.articles import ArticleStore
    from storage.private_chats import PrivateChatStore
    from storage.unit_of_work import SqlUnitOfWorkFactory

    core = Core(
        uow=SqlUnitOfWorkFactory(db),
        articles=articles or ArticleStore(db),
        config=EngineConfig.from_settings(settings, instance_id=instance_id),
        clock=clock or SystemClock(),
        liveness=heartbeats(db) if instance_id is not None else None,
        drafts=Review(settings, db),
        private_chats=PrivateChatStore(db),
        model=ModelClient.from_settings(settings),
    )
    return Engine(core)


def heartbeats(db: Database) -> Liveness:
    """Liveness read from the instances' heartbeat rows."""
    from storage.instances import ALIVE_WITHIN, live_instances

    def alive(now: datetime) -> dict[str, datetime]:
        return {s.name: s.seen_at + ALIVE_WITHIN for s in live_instances(db, now=now)}

    return alive


def load_adapters(
    settings: Settings, context: AdapterContext, modules: Sequence[str] = ADAPTER_MODULES
) -> list[Adapter]:
    """The adapters of every platform module whose `create` returns one (its token is configured)."""
    adapters: list[Adapter] = []
    for name in modules:
        adapter = importlib.import_module(name).create(settings, context)
        if adapter is not None:
            adapters.append(adapter)
    return adapters
