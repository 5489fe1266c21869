"""The `atou` command line. Each command group lives in its own module and registers itself here.

Command modules import heavy libraries inside the command bodies, so `atou --help` stays fast.
"""

from __future__ import annotations

import importlib

import typer

# One line per command module; each exposes `register(app: typer.Typer) -> None`.
COMMAND_MODULES: tuple[str, ...] = (
    "articles",
    "db",
    "demo",
    "drafts",
    "export",
    "groups",
    "health",
    "link",
    "render",
    "run",
    "serve",
    "sources",
)

app = typer.Typer(
    name="atou",
    help="A chat bot that posts one article a day to a reading group and keeps its discussion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: typer's rich help formatting imports rich's markdown and traceback modules, which
    # alone take longer than the 300 ms `atou --help` may.
    rich_markup_mode=None,
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"bot.cli.{_name}").register(app)


def main() -> None:
    """Console entry point."""
    app()
