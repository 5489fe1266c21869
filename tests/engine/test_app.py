"""`atou run` and the composition root: adapters by configuration, one loop, clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import NO_ADAPTERS, run
from bot.bootstrap import ADAPTER_MODULES
from bot.config import Settings
from bot.observability import metrics
from bot.startup import StartupError
from storage.db import make_engine, upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.engine import adapter_module, unreachable_module
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


@pytest.fixture
def far() -> Iterator[Any]:
    unreachable_module.reachable = asyncio.Event()
    unreachable_module.refuse = False
    unreachable_module.attempts.clear()
    adapter_module.started.clear()
    yield unreachable_module


async def test_an_unreachable_platform_is_tried_again_while_the_others_run(
    tmp_path: Path, far: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(
        tmp_path, telegram_token="x", connect_retry_first_seconds=0.01, connect_retry_max_seconds=0.05
    )
    upgrade(make_engine(settings.database_url))
    stop = asyncio.Event()
    running = asyncio.create_task(run(settings, stop=stop, modules=(*MODULES, "tests.engine.unreachable_module")))
    await eventually(lambda: len(far.attempts) >= 4)
    [other] = adapter_module.started  # started meanwhile, and running
    assert other.running
    assert metrics.adapters_connecting() == ["far"]
    assert metrics.adapter_states() == {"far": False, "recording": True}
    tries = [r for r in caplog.records if "connection attempt" in r.getMessage()]
    assert tries and all(r.exc_info is None and "\n" not in r.getMessage() for r in tries)
    assert "far: connection attempt 1 failed: far.example cannot be reached" in tries[0].getMessage()

    far.reachable.set()
    await eventually(lambda: metrics.adapter_states().get("far") is True)
    assert metrics.adapters_connecting() == []
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0


async def test_a_refused_token_stops_everything_with_its_sentence(tmp_path: Path, far: Any) -> None:
    far.refuse = True
    settings = settings_for(tmp_path, telegram_token="x")
    upgrade(make_engine(settings.database_url))
    with pytest.raises(StartupError, match=r"^Far refused the bot token \(ATOU_FAR_TOKEN\)$"):
        await asyncio.wait_for(run(settings, modules=(*MODULES, "tests.engine.unreachable_module")), 10)
    assert not any(a.running for a in adapter_module.started)  # the other platform was stopped too
