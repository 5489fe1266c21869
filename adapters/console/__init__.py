"""The console platform: a terminal group chat for trying atou with no account (`atou demo`)."""

from __future__ import annotations

import sys
from pathlib import Path

from adapters.console.adapter import ConsoleAdapter
from bot.config import Settings
from bot.protocol import EventHandler


def create(settings: Settings, handler: EventHandler) -> ConsoleAdapter:
    """A console chat on stdout; exported files go to the current directory."""
    return ConsoleAdapter(handler, out=sys.stdout, files=Path.cwd())


__all__ = ["ConsoleAdapter", "create"]
