"""The console platform: a terminal group chat for trying atou with no account (`atou demo`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.console.adapter import ConsoleAdapter
    from bot.config import Settings
    from bot.protocol import AdapterContext
    from bot.render.formatter import Formatter


def create(settings: Settings, context: AdapterContext, **options: Any) -> ConsoleAdapter:
    """A console chat, on stdout with files put in the current folder unless `options` (those of
    `ConsoleAdapter`) say otherwise."""
    from adapters.console.adapter import ConsoleAdapter

    options.setdefault("out", sys.stdout)
    options.setdefault("files", Path.cwd())
    return ConsoleAdapter(context.handler, **options)


def formatter() -> Formatter:
    """How this platform lays documents out and splits them into messages (`atou render` shows it)."""
    from adapters.console.format import ConsoleFormatter

    return ConsoleFormatter()
