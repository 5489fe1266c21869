"""`atou run`: the bot itself — every configured platform and the scheduler, in one process."""

from __future__ import annotations

import typer


def run_command() -> None:
    """Run the bot: every platform whose token is set (ATOU_TELEGRAM_TOKEN, ATOU_DISCORD_TOKEN) and the
    scheduler, until Ctrl-C or SIGTERM. With no token set, says so (try `atou demo` instead).

    A platform that cannot be reached is tried again meanwhile. What waiting will not mend (a refused
    token, a database that cannot be used, a missing driver) ends the process with one sentence on
    stderr and exit status 2 (the traceback too with ATOU_LOG_LEVEL=DEBUG)."""
    import asyncio

    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import run
    from bot.cli.db import shown_url
    from bot.config import Settings
    from bot.observability.logs import configure_logging, report_fatal
    from bot.startup import EXIT_MISCONFIGURED, StartupError, one_line
    from storage.db import DatabaseUrlError, SchemaError

    settings = Settings()
    configure_logging(settings)
    try:
        status = asyncio.run(run(settings))
    except (StartupError, DatabaseUrlError, SchemaError) as exc:
        report_fatal(str(exc), exc)
        raise typer.Exit(code=EXIT_MISCONFIGURED) from None
    except (SQLAlchemyError, OSError) as exc:
        reason = one_line(getattr(exc, "orig", None) or exc)
        report_fatal(f"The database {shown_url(settings.database_url)} cannot be used: {reason}", exc)
        raise typer.Exit(code=EXIT_MISCONFIGURED) from None
    raise typer.Exit(code=status)


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
