"""`atou health`: is the deployment working? Exit 0 if every check passes, 1 if any fails.

It reads the shared database, so it answers for every instance at once, from any machine that can
reach the database: the schema, the instances' heartbeats (which run, which leads, whether their
platform adapters are connected), and each group's last successful post. `--probe` asks one
running process over HTTP instead (its /healthz), which is what a container health check needs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.config import Settings
    from bot.ports import UnitOfWorkFactory
    from storage.instances import InstanceStatus

PROBE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class GroupPost:
    """A group and its last successful post (None: never posted)."""

    group: str
    title: str
    active: bool
    last_post_at: datetime | None
    article_id: str | None
    state: str  # the latest posting's status: done, sending, failed, missed, or none


@dataclass(slots=True)
class HealthReport:
    checks: list[Check] = field(default_factory=list)
    instances: list[InstanceStatus] = field(default_factory=list)
    groups: list[GroupPost] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [asdict(c) for c in self.checks],
            "instances": [asdict(i) for i in self.instances],
            "groups": [asdict(g) for g in self.groups],
        }


def _reason(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def check_deployment(settings: Settings, *, now: datetime | None = None) -> HealthReport:
    """Run every check against the configured database."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from bot.bootstrap import Schema, bootstrap
    from bot.cli.db import shown_url
    from storage.db import current_revisions, head_revisions, sqlite_path

    now = now or datetime.now(UTC)
    report = HealthReport()
    url = shown_url(settings.database_url)
    missing = sqlite_path(settings.database_url)
    if missing is not None and not missing.exists():
        # Opening it would create an empty database there, hiding what happened to the real one.
        report.add("database", False, f"the SQLite file {missing} does not exist (deleted, or moved?)")
        return report
    with bootstrap(settings, schema=Schema.AS_IS) as boot:
        engine = boot.database
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            report.add("database", False, f"cannot reach {url}: {_reason(exc)}")
            return report
        report.add("database", True, f"{url} is reachable")

        head, current = head_revisions(), current_revisions(engine)
        if current != head:
            have = ", ".join(current) or "none"
            report.add("schema", False, f"at revision {have}, this version needs {', '.join(head)}: run `atou db upgrade`")
            return report
        report.add("schema", True, f"at revision {', '.join(head)} (current)")

        _check_instances(engine, report, now)
        _check_posts(engine, report)
    return report


def _check_instances(engine: Engine, report: HealthReport, now: datetime) -> None:
    from storage.instances import ALIVE_WITHIN, live_instances

    report.instances = live_instances(engine, now=now)
    if not report.add(
        "instances",
        bool(report.instances),
        f"{len(report.instances)} running: {', '.join(i.name for i in report.instances)}"
        if report.instances
        else f"no instance has reported in the last {ALIVE_WITHIN.seconds} s: is `atou run` running?",
    ):
        return
    leaders = [i.name for i in report.instances if i.leader]
    report.add(
        "leader",
        len(leaders) >= 1,
        f"{leaders[0]} schedules and sends" if leaders else "no running instance leads: nothing is scheduled or sent",
    )
    down = [f"{p} on {i.name}" for i in report.instances for p, up in i.adapters.items() if not up]
    platforms = sorted({p for i in report.instances for p in i.adapters})
    if down:
        report.add("adapters", False, f"not connected: {', '.join(down)}")
    elif not platforms:
        report.add("adapters", False, "no platform adapter runs: set ATOU_TELEGRAM_TOKEN or ATOU_DISCORD_TOKEN")
    else:
        report.add("adapters", True, f"{', '.join(platforms)} connected")


def _check_posts(engine: Engine, report: HealthReport) -> None:
    from storage.unit_of_work import SqlUnitOfWorkFactory

    report.groups = last_posts(SqlUnitOfWorkFactory(engine))
    failing = [g.group for g in report.groups if g.active and g.state == "failed"]
    if failing:
        report.add("posts", False, f"the last posting failed (being retried) in: {', '.join(failing)}")
    else:
        posted = sum(1 for g in report.groups if g.last_post_at is not None)
        report.add("posts", True, f"{posted} of {len(report.groups)} groups have had a post; none failing")


def last_posts(uow: UnitOfWorkFactory) -> list[GroupPost]:
    """Every group with its last successful post and the status of its latest posting."""
    from bot.services.domain import PostingStatus

    found: list[GroupPost] = []
    with uow() as work:
        for group in work.groups.list():
            postings = work.postings.for_group(group.id)  # oldest first
            done = [p for p in postings if p.status == PostingStatus.DONE]
            last = done[-1] if done else None
            found.append(
                GroupPost(
                    group=group.key,
                    title=group.title,
                    active=group.active,
                    last_post_at=(last.finished_at or last.claimed_at) if last else None,
                    article_id=last.article_id if last else None,
                    state=postings[-1].status.value if postings else "none",
                )
            )
    return found


def probe(url: str) -> tuple[bool, str]:
    """GET a /healthz URL: (answered 200, body or reason)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_SECONDS) as response:
            return response.status == 200, response.read().decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode("utf-8", "replace").strip() or f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"no answer from {url}: {getattr(exc, 'reason', exc)}"


def probe_url(settings: Settings) -> str:
    """This machine's /healthz of `atou run`, from ATOU_HEALTH_LISTEN and ATOU_HEALTH_PORT."""
    host = settings.health_listen
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.health_port}/healthz"


def _show(report: HealthReport) -> None:
    width = max(len(c.name) for c in report.checks)
    for check in report.checks:
        typer.echo(f"{'ok' if check.ok else 'FAIL':4}  {check.name:{width}}  {check.detail}")
    for instance in report.instances:
        adapters = ", ".join(f"{p} {'connected' if up else 'DOWN'}" for p, up in instance.adapters.items()) or "none"
        role = "leader" if instance.leader else "standby"
        typer.echo(f"instance {instance.name} ({role}, atou {instance.version}): adapters {adapters}")
    for group in report.groups:
        when = group.last_post_at.strftime("%Y-%m-%d %H:%M UTC") if group.last_post_at else "never"
        paused = "" if group.active else ", paused"
        typer.echo(f"group {group.group} ({group.title}{paused}): last post {when}, latest posting {group.state}")


def health_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    probe_local: Annotated[
        bool,
        typer.Option(
            "--probe", help="Only ask this machine's `atou run` (ATOU_HEALTH_PORT) for its /healthz; for container health checks."
        ),
    ] = False,
    url: Annotated[str | None, typer.Option("--url", help="Only ask this /healthz URL (e.g. of `atou serve`).")] = None,
) -> None:
    """Check the deployment: database, schema, running instances and their adapters, last posts. Exit 1 if anything fails."""
    from bot.config import Settings

    settings = Settings()
    if probe_local or url:
        ok, body = probe(url or probe_url(settings))
        typer.echo(body)
        raise typer.Exit(0 if ok else 1)

    report = check_deployment(settings)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, default=str, indent=2))
    else:
        _show(report)
    raise typer.Exit(0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("health")(health_command)
