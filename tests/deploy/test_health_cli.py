"""`atou health`: every check of the deployment, its exit status, and its JSON report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from bot.cli.health import check_deployment
from bot.cli.main import app
from bot.config import Settings
from bot.scheduling.schedule import Schedule
from bot.services.domain import Discussion, Group, Posting, PostingStatus
from storage.db import make_engine
from storage.instances import InstanceStatus, report
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime.now(UTC).replace(microsecond=0)


def settings_for(engine: Engine) -> Settings:
    return Settings(_env_file=None, database_url=engine.url.render_as_string(hide_password=False))  # type: ignore[call-arg]


def add_group(engine: Engine, chat_id: str, *postings: tuple[date, PostingStatus]) -> None:
    with SqlUnitOfWork(engine) as uow:
        group = uow.groups.add(
            Group(
                id=0,
                platform="telegram",
                chat_id=chat_id,
                thread_id=None,
                title=f"Group {chat_id}",
                schedule=Schedule(timezone="UTC", post_time=time(8, 0)),
                schedule_since=NOW - timedelta(days=30),
                lang="en",
                created_at=NOW - timedelta(days=30),
            )
        )
        for n, (day, status) in enumerate(postings):
            claimed = uow.postings.claim(
                Posting(
                    id=0,
                    group_id=group.id,
                    slot=day.isoformat(),
                    local_date=day,
                    article_id=f"article-{n}",
                    status=PostingStatus.SENDING,
                    claimed_at=datetime.combine(day, time(8, 0), UTC),
                    owner="test",
                    lease_until=NOW,
                ),
                Discussion(id=0, article_id=f"article-{n}", group_id=group.id, posting_id=None, opened_at=NOW),
            )
            assert claimed is not None
            posting, _ = claimed
            posting.status = status
            posting.finished_at = datetime.combine(day, time(8, 1), UTC) if status is PostingStatus.DONE else None
            uow.postings.save(posting)
        uow.commit()


def running(engine: Engine, name: str, *, leader: bool, **adapters: bool) -> None:
    report(engine, InstanceStatus(name, "1.0", NOW - timedelta(hours=1), datetime.now(UTC), leader, adapters))


def checks(engine: Engine) -> dict[str, tuple[bool, str]]:
    return {c.name: (c.ok, c.detail) for c in check_deployment(settings_for(engine)).checks}


def test_a_working_deployment_passes_and_lists_last_posts(migrated: Engine) -> None:
    running(migrated, "host-a:1", leader=True, telegram=True)
    running(migrated, "host-b:2", leader=False, telegram=True)
    day = NOW.date()
    add_group(migrated, "-1001", (day - timedelta(days=1), PostingStatus.DONE), (day, PostingStatus.DONE))
    add_group(migrated, "-1002")
    result = check_deployment(settings_for(migrated))
    assert result.ok, result.checks
    assert {c.name for c in result.checks} == {"database", "schema", "instances", "leader", "adapters", "posts"}
    posts = {g.group: g for g in result.groups}
    assert posts["telegram:-1001"].last_post_at == datetime.combine(day, time(8, 1), UTC)
    assert posts["telegram:-1001"].article_id == "article-1"
    assert posts["telegram:-1002"].last_post_at is None and posts["telegram:-1002"].state == "none"


def test_a_failed_latest_posting_fails_the_check_but_shows_the_last_good_post(migrated: Engine) -> None:
    running(migrated, "host-a:1", leader=True, telegram=True)
    day = NOW.date()
    add_group(migrated, "-1001", (day - timedelta(days=1), PostingStatus.DONE), (day, PostingStatus.FAILED))
    result = check_deployment(settings_for(migrated))
    ok, detail = {c.name: (c.ok, c.detail) for c in result.checks}["posts"]
    assert not ok and "telegram:-1001" in detail
    [group] = result.groups
    assert group.state == "failed" and group.last_post_at is not None


def test_no_running_instance_fails(migrated: Engine) -> None:
    ok, detail = checks(migrated)["instances"]
    assert not ok and "is `atou run` running?" in detail


def test_no_leader_or_a_disconnected_adapter_fails(migrated: Engine) -> None:
    running(migrated, "host-a:1", leader=False, telegram=True, discord=False)
    found = checks(migrated)
    assert found["leader"][0] is False
    assert found["adapters"] == (False, "not connected: discord on host-a:1")


def test_a_schema_behind_names_the_upgrade_command(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect():  # an empty database file, with no schema yet
        pass
    found = checks(engine)
    engine.dispose()
    assert found["database"][0] is True
    assert found["schema"][0] is False and "atou db upgrade" in found["schema"][1]
    assert "instances" not in found


def test_an_unreachable_database_fails_first(unused_tcp_port: int) -> None:
    settings = Settings(_env_file=None, database_url=f"postgresql://atou:pw@127.0.0.1:{unused_tcp_port}/atou")  # type: ignore[call-arg]
    result = check_deployment(settings)
    [database] = result.checks
    assert not database.ok and "cannot reach" in database.detail and "pw" not in database.detail


def test_the_command_exits_1_on_failure_and_prints_json(migrated: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOU_DATABASE_URL", migrated.url.render_as_string(hide_password=False))
    runner = CliRunner()
    failing = runner.invoke(app, ["health"])
    assert failing.exit_code == 1 and "FAIL  instances" in failing.output

    running(migrated, "host-a:1", leader=True, telegram=True)
    passing = runner.invoke(app, ["health", "--json"])
    assert passing.exit_code == 0, passing.output
    body = json.loads(passing.output)
    assert body["ok"] is True and body["instances"][0]["name"] == "host-a:1"


def test_probe_reports_an_instance_that_does_not_answer(unused_tcp_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOU_HEALTH_PORT", str(unused_tcp_port))
    result = CliRunner().invoke(app, ["health", "--probe"])
    assert result.exit_code == 1 and f"127.0.0.1:{unused_tcp_port}/healthz" in result.output


def test_a_missing_sqlite_file_is_reported_and_not_created(tmp_path: Path) -> None:
    gone = tmp_path / "atou.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{gone}")  # type: ignore[call-arg]
    found = {c.name: (c.ok, c.detail) for c in check_deployment(settings).checks}
    assert found == {"database": (False, f"the SQLite file {gone} does not exist (deleted, or moved?)")}
    assert not gone.exists()
