"""Discord: slash commands, persistent buttons, a thread per article, edits and deletions (discord.py 2.7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter
    from bot.config import Settings
    from bot.protocol import AdapterContext
    from bot.render.formatter import Formatter


def create(settings: Settings, context: AdapterContext) -> DiscordAdapter | None:
    """The Discord adapter, or None when `ATOU_DISCORD_TOKEN` is not set."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        return None
    from adapters.discord.adapter import DiscordAdapter

    return DiscordAdapter(settings, context.handler)


def formatter() -> Formatter:
    """How this platform lays documents out and splits them into messages (`atou render` shows it)."""
    from adapters.discord.format import DiscordFormatter

    return DiscordFormatter()
