"""`atou run`: the bot itself — every configured platform and the scheduler, in one process."""

from __future__ import annotations

import typer


def run_command() -> None:
    """Run the bot: every platform whose token is set (ATOU_TELEGRAM_TOKEN, ATOU_DISCORD_TOKEN) and the
    scheduler, until Ctrl-C or SIGTERM. With no token set, says so (try `atou demo` instead)."""
    import asyncio

    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import run
    from bot.cli.db import fail
    from bot.config import Settings
    from bot.observability.logs import configure_logging
    from storage.db import SchemaError

    settings = Settings()
    configure_logging(settings)
    try:
        status = asyncio.run(run(settings))
    except SchemaError as exc:
        fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        fail(f"The database {settings.database_url.split('@')[-1]} cannot be used: {exc}")
    raise typer.Exit(code=status)


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
