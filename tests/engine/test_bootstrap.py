"""The composition root: built lazily, one database for everything, adapters given what they need."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import Schema, bootstrap
from bot.config import Settings
from storage.db import SchemaBehind
from tests.engine import adapter_module
from tests.engine.adapter_module import RecordingAdapter

MODULES = ("tests.engine.adapter_module",)


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'boot.db'}", _env_file=None, **values)  # type: ignore[call-arg]


def test_nothing_is_opened_until_asked(tmp_path: Path) -> None:
    with bootstrap(settings_for(tmp_path)) as boot:
        assert boot.adapters(MODULES) == []  # no token: no adapter
    assert not (tmp_path / "boot.db").exists()


def test_one_database_serves_the_engine_the_articles_and_the_adapters(tmp_path: Path) -> None:
    with bootstrap(settings_for(tmp_path, telegram_token="x"), schema=Schema.UPGRADE) as boot:
        [adapter] = boot.adapters(MODULES)
        assert isinstance(adapter, RecordingAdapter)
        assert boot.engine.core.articles is boot.articles
        claim = adapter_module.contexts[-1].claim_update
        assert claim(7001) is True and claim(7001) is False  # an update is handled once
        assert (tmp_path / "boot.db").exists()


def test_a_new_database_is_refused_unless_upgrading_is_asked_for(tmp_path: Path) -> None:
    boot = bootstrap(settings_for(tmp_path))
    with pytest.raises(SchemaBehind):
        boot.database  # noqa: B018
    with bootstrap(settings_for(tmp_path), schema=Schema.UPGRADE) as upgraded:
        assert upgraded.articles.queue_ids() == []
