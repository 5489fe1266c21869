"""`atou groups …`: every group the bot posts to, and the admin actions an operator takes from a shell.

Pause, resume and schedule go through the same services and parsing as /pause, /resume and
/schedule in chat, and answer with the same messages (in English). A running bot picks a change up
at its next sweep (within a minute). Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from bot.render.document import Document
    from bot.services.core import Core
    from bot.services.domain import Group
    from bot.services.overview import GroupOverview

# The operator's shell speaks English; the group keeps its own language for what it stores.
CLI_LANG = "en"

GroupRef = Annotated[
    str, typer.Argument(metavar="ID", help="The group's number (see `atou groups`) or its chat key.")
]

groups_app = typer.Typer(
    name="groups",
    help="The groups the bot posts to: list them, pause, resume, change a schedule.",
    rich_markup_mode=None,
    invoke_without_command=True,
)


@groups_app.callback()
def groups_command(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list (shape in docs/operator-cli.md).")
    ] = False,
) -> None:
    """List every group: platform, chat, title, schedule, language, paused or not, last and next post,
    articles left in its queue."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.cli.db import opened_core
    from bot.config import Settings
    from bot.services.overview import overview

    with opened_core(Settings()) as core:
        rows = overview(core)
    if as_json:
        sys.stdout.write(json.dumps([group_json(row) for row in rows], ensure_ascii=False, indent=2) + "\n")
        return
    _print_table(rows)


def group_json(row: GroupOverview) -> dict[str, Any]:
    """The stable `atou groups --json` shape of one group."""
    g, s = row.group, row.group.schedule
    return {
        "id": g.id,
        "key": g.key,
        "platform": g.platform,
        "chat_id": g.chat_id,
        "thread_id": g.thread_id,
        "title": g.title,
        "language": g.lang,
        "schedule": {
            "time": s.post_time.strftime("%H:%M"),
            "timezone": s.timezone,
            "days": s.days_text(),
            "skip_dates": [d.isoformat() for d in sorted(s.skip_dates)],
        },
        "paused": not g.active,
        "paused_reason": g.paused_reason,
        "last_post": None
        if row.last_post is None
        else {"article_id": row.last_post.article_id, "at": row.last_post.at.isoformat(timespec="seconds")},
        "next_post": row.next_post.astimezone(s.zone).isoformat(timespec="seconds") if row.next_post else None,
        "queued": row.queued,
    }


def _print_table(rows: list[GroupOverview]) -> None:
    from rich.console import Console
    from rich.table import Table

    from bot.cli.terminal import Wrapped

    out = Console(highlight=False)
    if not rows:
        out.print(
            "No groups yet: add the bot to a chat and send it a command there (see `atou run`).", markup=False
        )
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("id", justify="right")
    table.add_column("chat", no_wrap=True)
    for name in ("title", "schedule", "lang", "state", "last post", "next post"):
        table.add_column(name, overflow="fold")
    table.add_column("queued", justify="right")
    for row in rows:
        g, s = row.group, row.group.schedule
        schedule = f"{s.post_time:%H:%M} {s.timezone} {s.days_text()}"
        if s.skip_dates:
            schedule += " · no post on " + ", ".join(d.isoformat() for d in sorted(s.skip_dates))
        last = f"{row.last_post.at.astimezone(s.zone):%Y-%m-%d %H:%M} {row.last_post.article_id}" if row.last_post else "—"
        upcoming = f"{row.next_post.astimezone(s.zone):%Y-%m-%d %H:%M}" if row.next_post else "—"
        state = "active" if g.active else f"paused: {g.paused_reason}"
        table.add_row(
            str(g.id), g.key, Wrapped(g.title), schedule, g.lang, Wrapped(state), last, upcoming, str(row.queued)
        )
    out.print(table)


# --- pause, resume, schedule ----------------------------------------------------------------------


def _found(core: Core, ref: str) -> Group:
    from bot.cli.db import fail
    from bot.services.overview import find_group

    group = find_group(core, ref)
    if group is None:
        fail(f"There is no group {ref!r}; `atou groups` lists them.")
    return group


def _say(group: Group, doc: Document) -> None:
    """What the chat command would answer, headed by the group it was about."""
    from rich.console import Console

    Console(highlight=False, soft_wrap=True).print(f"{group.id} {group.key} ({group.title}): {doc.plain}", markup=False)


@groups_app.command("pause")
def pause_command(
    ref: GroupRef,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (shown by /status in the group).", show_default=False)
    ] = None,
) -> None:
    """Stop posting to a group until `atou groups resume` (or /resume in chat)."""
    from bot.cli.db import opened_core
    from bot.config import Settings
    from bot.services import groups, messages

    with opened_core(Settings()) as core:
        group = _found(core, ref)
        # The reason is stored and shown in the group, so a default one is in the group's language.
        why = (reason or "").strip() or messages.tr(group.lang)(messages.OPERATOR_PAUSE)
        groups.pause(core, group.id, why)
    _say(group, messages.paused_doc(CLI_LANG, why))


@groups_app.command("resume")
def resume_command(ref: GroupRef) -> None:
    """Post to a paused group on its schedule again."""
    from bot.cli.db import opened_core
    from bot.config import Settings
    from bot.services import groups, messages

    with opened_core(Settings()) as core:
        group = _found(core, ref)
        groups.resume(core, group.id)
    _say(group, messages.resumed_doc(CLI_LANG))


@groups_app.command("schedule")
def schedule_command(
    ref: GroupRef,
    time: Annotated[str, typer.Argument(metavar="HH:MM", help="Local post time, 24-hour.")],
    rest: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TZ] [DAYS]",
            help="An IANA timezone (Asia/Shanghai) and days (daily, weekdays, mon-fri, mon,wed,fri); "
            "what is left out stays as it is.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Set when a group posts, as /schedule HH:MM [TZ] [DAYS] does in chat."""
    from bot.cli.db import fail, opened_core
    from bot.config import Settings
    from bot.scheduling.schedule import ScheduleError, schedule_from_args
    from bot.services import groups, messages
    from bot.services.posting import next_post_at

    with opened_core(Settings()) as core:
        group = _found(core, ref)
        try:
            schedule = schedule_from_args([time, *(rest or [])], group.schedule)
        except ScheduleError as error:
            fail(messages.explain(error, CLI_LANG).plain)
        changed = groups.reschedule(core, group.id, schedule)
        assert changed is not None
        _say(changed, messages.schedule_doc(CLI_LANG, changed, next_post_at(changed, core.clock.now())))


def register(app: typer.Typer) -> None:
    app.add_typer(groups_app)
