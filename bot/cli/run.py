"""`atou run`: the bot itself — every configured platform and the scheduler, in one process."""

from __future__ import annotations

import typer


def run_command() -> None:
    """Run the bot: every platform whose token is set (ATOU_TELEGRAM_TOKEN, ATOU_DISCORD_TOKEN) and the
    scheduler, until Ctrl-C or SIGTERM. With no token set, says so (try `atou demo` instead).

    A platform that cannot be reached is tried again meanwhile. What waiting will not mend (a refused
    token, a database that refuses us, an unsupported database URL or missing driver) ends the process
    with one sentence on stderr and exit status 2; a database server that cannot be reached, with one
    sentence and status 1 (start again). The traceback comes too only with ATOU_LOG_LEVEL=DEBUG."""
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
        cause = getattr(exc, "orig", None) or exc
        database = shown_url(settings.database_url)
        if _unreachable(cause):
            # Not a setting to fix: the server is down or the network is not up yet. Exit 1, so that
            # the service manager starts the bot again (a refusal, exit 2, it should not).
            report_fatal(f"The database {database} cannot be reached: {one_line(cause)}", exc)
            raise typer.Exit(code=1) from None
        report_fatal(f"The database {database} cannot be used: {one_line(cause)}", exc)
        raise typer.Exit(code=EXIT_MISCONFIGURED) from None
    raise typer.Exit(code=status)


# What PostgreSQL says while it cannot take a connection yet: worth starting again, unlike a refusal.
_PASSING = ("starting up", "shutting down", "in recovery mode", "too many clients")


def _unreachable(cause: BaseException) -> bool:
    """Whether a database error means the server could not be reached or could not take us yet, rather
    than that it refused us (a FATAL answer: unknown role or database, wrong password) or that the
    file cannot be opened."""
    import psycopg

    if not isinstance(cause, psycopg.OperationalError):
        return False
    text = str(cause)
    return "FATAL:" not in text or any(passing in text for passing in _PASSING)


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
