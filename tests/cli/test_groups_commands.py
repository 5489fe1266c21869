"""`atou groups`, `atou groups pause|resume|schedule`, `atou link` as an operator uses them,
on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from bot.bootstrap import build_engine
from bot.cli.main import app
from bot.config import Settings
from bot.links import ArchiveLinkError, verify_archive_token
from bot.protocol import ChatRef
from bot.scheduling.schedule import Schedule
from bot.services import groups
from bot.services.engine import Engine
from storage.articles import ArticleStore
from storage.db import make_engine
from tests.engine.conftest import make_article
from tests.engine.fakes import RecordingPlatform

SECRET = "operator-test-secret"
WEB = "https://read.example.org"


@dataclass
class Shell:
    """The `atou` command against one database, and the engine a running bot would have on it."""

    url: str
    engine: Engine

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env={"ATOU_DATABASE_URL": self.url, **(env or {})})

    def listed(self) -> dict[int, dict[str, Any]]:
        result = self("groups", "--json")
        assert result.exit_code == 0, result.output
        return {entry["id"]: entry for entry in json.loads(result.stdout)}


@pytest.fixture
def shell(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shell]:
    """A database with two articles and two groups; group 1 has had its first article."""
    monkeypatch.chdir(tmp_path)
    for name in ("ATOU_AUTO_UPGRADE", "ATOU_WEB_URL", "ATOU_SECRET_KEY", "ATOU_LINK_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "160")
    run = Shell(database_url, None)  # type: ignore[arg-type]
    assert run("db", "upgrade").exit_code == 0
    db = make_engine(database_url)
    store = ArticleStore(db)
    for article_id in ("first-article", "second-article"):
        store.add(make_article(article_id))
    run.engine = build_engine(Settings(database_url=database_url), db)
    try:
        yield run
    finally:
        db.dispose()


async def _post_first_article(engine: Engine) -> None:
    telegram = RecordingPlatform("telegram")
    engine.register_platform(telegram)
    group, _ = groups.register(engine.core, ChatRef("telegram", "-1001"), "Readers 读书会")
    result = await engine.poster.post_now(group.id)
    assert result.article is not None and result.article.id == "first-article"
    assert telegram.sent  # the brief went out


def _register_discord(engine: Engine) -> int:
    group, _ = groups.register(engine.core, ChatRef("discord", "42", "77"), "Book club")
    return group.id


async def test_groups_lists_schedule_state_last_and_next_post_and_queue(shell: Shell) -> None:
    await _post_first_article(shell.engine)
    second = _register_discord(shell.engine)
    skip = date.today() + timedelta(days=30)
    groups.reschedule(
        shell.engine.core, second, Schedule("Europe/London", datetime(2000, 1, 1, 19, 30).time(),
                                            frozenset({0, 2, 4}), frozenset({skip}))
    )
    groups.pause(shell.engine.core, second, "summer break")

    listed = shell.listed()
    assert set(listed) == {1, 2}
    posted, paused = listed[1], listed[2]
    assert posted["platform"] == "telegram" and posted["chat_id"] == "-1001" and posted["thread_id"] is None
    assert posted["key"] == "telegram:-1001" and posted["title"] == "Readers 读书会"
    assert posted["schedule"] == {"time": "08:00", "timezone": "Asia/Shanghai", "days": "daily", "skip_dates": []}
    assert posted["language"] == "zh-Hans"
    assert posted["paused"] is False and posted["paused_reason"] is None
    assert posted["last_post"]["article_id"] == "first-article"
    assert datetime.fromisoformat(posted["last_post"]["at"]) <= datetime.now(UTC)
    next_post = datetime.fromisoformat(posted["next_post"])
    assert next_post.utcoffset() == timedelta(hours=8) and (next_post.hour, next_post.minute) == (8, 0)
    assert datetime.now(UTC) < next_post <= datetime.now(UTC) + timedelta(days=1)
    assert posted["queued"] == 1

    assert paused["key"] == "discord:42/77" and paused["thread_id"] == "77"
    assert paused["schedule"] == {
        "time": "19:30", "timezone": "Europe/London", "days": "mon,wed,fri", "skip_dates": [skip.isoformat()]
    }
    assert paused["paused"] is True and paused["paused_reason"] == "summer break"
    assert paused["last_post"] is None and paused["next_post"] is None
    assert paused["queued"] == 2

    table = shell("groups")
    assert table.exit_code == 0, table.output
    for shown in ("telegram:-1001", "Readers 读书会", "discord:42/77", "paused: summer break", "mon,wed,fri",
                  skip.isoformat(), "first-article"):
        assert shown in table.stdout


def test_no_groups_yet(shell: Shell) -> None:
    assert shell.listed() == {}
    assert "No groups yet" in shell("groups").stdout


def test_pause_and_resume_from_the_shell_answer_as_the_chat_commands(shell: Shell) -> None:
    gid = _register_discord(shell.engine)
    paused = shell("groups", "pause", str(gid), "--reason", "exams")
    assert paused.exit_code == 0, paused.output
    assert "Paused (exams). /resume posts again." in paused.stdout
    assert shell.listed()[gid]["paused_reason"] == "exams"

    resumed = shell("groups", "resume", "discord:42/77")  # the chat key works as well as the number
    assert resumed.exit_code == 0, resumed.output
    assert "Resumed: posting on schedule again." in resumed.stdout
    assert shell.listed()[gid]["paused"] is False

    # Without a reason, the one stored (and shown by /status in the group) is in the group's language.
    assert shell("groups", "pause", str(gid)).exit_code == 0
    assert shell.listed()[gid]["paused_reason"] == "由运营者暂停"


def test_schedule_from_the_shell_takes_what_slash_schedule_takes(shell: Shell) -> None:
    gid = _register_discord(shell.engine)
    done = shell("groups", "schedule", str(gid), "21:15", "weekdays", "America/New_York")
    assert done.exit_code == 0, done.output
    assert "Posting at 21:15 (America/New_York), days: mon-fri." in done.stdout
    assert "Next post:" in done.stdout
    entry = shell.listed()[gid]
    assert entry["schedule"]["time"] == "21:15" and entry["schedule"]["days"] == "mon-fri"
    assert datetime.fromisoformat(entry["next_post"]).hour == 21

    kept = shell("groups", "schedule", str(gid), "7:05")  # timezone and days stay as they were
    assert kept.exit_code == 0, kept.output
    assert shell.listed()[gid]["schedule"] == {
        "time": "07:05", "timezone": "America/New_York", "days": "mon-fri", "skip_dates": []
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["25:00"], "“25:00” is not a time of day: use HH:MM in 24-hour time"),
        (["08:00", "asia/shanghai"], "“asia/shanghai” is not a known timezone; did you mean Asia/Shanghai?"),
        (["08:00", "someday"], "“someday” is neither a timezone nor a list of days."),
    ],
)
def test_a_bad_schedule_is_refused_with_the_chat_message_and_changes_nothing(
    shell: Shell, args: list[str], message: str
) -> None:
    gid = _register_discord(shell.engine)
    before = shell.listed()[gid]
    result = shell("groups", "schedule", str(gid), *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert shell.listed()[gid] == before


def test_an_unknown_group_is_named(shell: Shell) -> None:
    for command in (["pause", "9"], ["resume", "telegram:404"], ["schedule", "9", "08:00"]):
        result = shell("groups", *command)
        assert result.exit_code == 1
        assert "There is no group" in result.stderr and "`atou groups` lists them" in result.stderr


def test_link_is_the_signed_archive_link_the_group_gets(shell: Shell) -> None:
    gid = _register_discord(shell.engine)
    env = {"ATOU_WEB_URL": WEB, "ATOU_SECRET_KEY": SECRET}
    result = shell("link", "first-article", "--group", str(gid), "--days", "3", env=env)
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith(f"{WEB}/a/first-article?")
    query = dict(part.split("=", 1) for part in url.split("?", 1)[1].split("&"))
    now = datetime.now(UTC)
    grant = verify_archive_token(SECRET, "first-article", "discord:42/77", query["exp"], query["sig"], now=now)
    assert timedelta(days=3) - timedelta(minutes=1) < grant.expires - now <= timedelta(days=3)
    # Another key, another article or another group does not verify.
    with pytest.raises(ArchiveLinkError):
        verify_archive_token(SECRET, "second-article", "discord:42/77", query["exp"], query["sig"], now=now)


def test_link_needs_the_web_settings_a_stored_article_and_a_group(shell: Shell) -> None:
    gid = _register_discord(shell.engine)
    missing = shell("link", "first-article", "--group", str(gid))
    assert missing.exit_code == 1
    assert "ATOU_WEB_URL and ATOU_SECRET_KEY" in missing.stderr
    env = {"ATOU_WEB_URL": WEB, "ATOU_SECRET_KEY": SECRET}
    no_article = shell("link", "no-such-article", "--group", str(gid), env=env)
    assert no_article.exit_code == 1 and "No article with id 'no-such-article'" in no_article.stderr
    no_group = shell("link", "first-article", "--group", "77", env=env)
    assert no_group.exit_code == 1 and "There is no group '77'" in no_group.stderr


def test_the_documented_json_shape_is_the_real_one(shell: Shell) -> None:
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "operator-cli.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", page, re.DOTALL)
    assert example is not None
    (documented,) = json.loads(example.group(1))
    _register_discord(shell.engine)
    (real,) = shell.listed().values()
    assert list(documented) == list(real)
    assert list(documented["schedule"]) == list(real["schedule"])
