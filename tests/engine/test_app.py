"""`atou run` and the composition root: adapters by configuration, one loop, clean stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import NO_ADAPTERS, run
from bot.bootstrap import ADAPTER_MODULES
from bot.config import Settings
from storage.db import make_engine, upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.engine import adapter_module
from tests.waiting import eventually

MODULES = ("tests.engine.adapter_module",)


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'run.db'}", health_port=0, _env_file=None, **values)  # type: ignore[call-arg]


async def test_with_no_platform_configured_it_says_so_and_points_to_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(settings_for(tmp_path), modules=MODULES) == 2
    assert capsys.readouterr().out.strip() == NO_ADAPTERS
    assert "atou demo" in NO_ADAPTERS
    assert not (tmp_path / "run.db").exists()  # nothing touched


async def test_configured_adapters_start_in_one_loop_with_the_scheduler_and_stop_cleanly(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, telegram_token="x")
    db = make_engine(settings.database_url)
    upgrade(db)
    stop = asyncio.Event()
    adapter_module.started.clear()
    running = asyncio.create_task(run(settings, stop=stop, modules=MODULES))
    await eventually(lambda: adapter_module.started)
    [adapter] = adapter_module.started
    await eventually(adapter.texts)  # the greeting of the new group
    assert adapter.running
    with SqlUnitOfWorkFactory(db)() as uow:
        [group] = uow.groups.list()
    assert group.key == "recording:r1"
    assert len(adapter.texts()) == 1  # the greeting of a new group
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0
    assert not adapter.running
    db.dispose()


def test_the_platform_modules_are_telegram_and_discord() -> None:
    assert ADAPTER_MODULES == ("adapters.telegram", "adapters.discord")
