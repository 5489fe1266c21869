"""The Discord adapter under simcord: the real discord.py client against simcord's simulated Discord.

`simcord_env` (from simcord's pytest plugin) attaches `simcord_bot`, the adapter's own client.
The core is replaced by `support.Recorder`, a handler that records every event and answers as told;
the end-to-end tests use the real engine instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
import sqlalchemy

from adapters.discord.adapter import DiscordAdapter
from bot.bootstrap import build_engine
from bot.config import Settings
from bot.formats import load_file
from bot.model import Article
from bot.observability import metrics
from bot.services.engine import Engine
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from tests.discord.support import Recorder, SimulatedClock, make_settings
from tests.llm.fixtures import fake_chat, fake_chat_process  # noqa: F401  (the model fake, for the synthesis)
from tests.loopback import only_loopback  # noqa: F401  (no connection beyond 127.0.0.1)


@pytest.fixture(autouse=True)
def no_adapters_known() -> Iterator[None]:
    """The client reports its connection to the process's metrics: no test leaves a state behind."""
    metrics.forget_adapters()
    yield
    metrics.forget_adapters()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def adapter(settings: Settings, recorder: Recorder) -> DiscordAdapter:
    # No pause between retries: simcord answers at once, and the tests should not wait.
    return DiscordAdapter(settings, recorder, retry_delays=(0.0, 0.0))


@pytest.fixture
def simcord_bot(adapter: DiscordAdapter) -> discord.Client:
    return adapter.bot


@pytest.fixture
def database(sqlite_url: str) -> Iterator[sqlalchemy.Engine]:
    """A migrated SQLite file, for the tests that run the real engine."""
    db = make_engine(sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def article(sample_page: Path, database: sqlalchemy.Engine) -> Article:
    """The sample article, stored in `database`."""
    article = load_file(sample_page)
    ArticleStore(database).add(article)
    return article




@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
async def engine(settings: Settings, database: sqlalchemy.Engine, clock: SimulatedClock) -> AsyncIterator[Engine]:
    """The real engine on `database`, on simcord's clock (a module that needs the sample article
    stored first asks for `article` too). Closed while the test's loop runs, so that the model
    client's connections are not left for a closed loop to finish."""
    engine = build_engine(settings, database, clock=clock)
    yield engine
    await engine.close()


@pytest.fixture
def engine_adapter(settings: Settings, engine: Engine) -> DiscordAdapter:
    """The adapter wired to the real engine instead of the recorder."""
    adapter = DiscordAdapter(settings, engine.handle, retry_delays=(0.0, 0.0))
    engine.register_platform(adapter)
    return adapter


@pytest.fixture
def world(simcord_env: simcord.Env, clock: SimulatedClock) -> tuple[Any, Any, Any, Any, Any]:
    """A server with a #reading channel: (guild, channel, ada the admin, mei, rui), on the engine's clock."""
    clock.env = simcord_env
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("ada"), roles=[mods])
    mei = guild.add_member(simcord_env.create_user("mei"))
    rui = guild.add_member(simcord_env.create_user("rui"))
    return guild, channel, admin, mei, rui
