"""The slash commands: one per engine command, with typed options, delivered as `CommandEvent`s.

Admin commands carry `default_permissions(manage_guild=True)` so Discord hides them from
members; that is only a hint a server can override, so the core checks `is_admin` again on
every call. Descriptions are English gettext msgids, localized for zh-CN and zh-TW by
`CatalogTranslator` when the commands are synced.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import discord
from discord import app_commands

from bot.render.i18n import N_, Lang, translator

CommandRunner = Callable[
    [discord.Interaction, str, Sequence[str], Sequence[discord.abc.User]], Awaitable[None]
]

Page = app_commands.Range[int, 1, 100_000]
Position = app_commands.Range[int, 1, 100_000]
ExportFormat = Literal["md", "json", "csv", "html"]
Language = Literal["zh-Hans", "zh-Hant", "en"]

MEMBER_COMMANDS = (
    "brief",
    "bilingual",
    "translation",
    "original",
    "archive",
    "help",
    "forget",
    "optout",
    "status",
)
ADMIN_COMMANDS = (
    "schedule",
    "pause",
    "resume",
    "skip",
    "postnow",
    "queue",
    "move",
    "close",
    "export",
    "persona",
    "lang",
)

# Text pages asked for by command are answered only to the asker, so paging never floods the channel.
PAGED_COMMANDS = frozenset({"bilingual", "translation", "original"})

_admin = app_commands.default_permissions(manage_guild=True)
_LOCALES = {discord.Locale.chinese: Lang.ZH_HANS, discord.Locale.taiwan_chinese: Lang.ZH_HANT}
_TRANSLATED = (
    app_commands.TranslationContextLocation.command_description,
    app_commands.TranslationContextLocation.parameter_description,
)


class CatalogTranslator(app_commands.Translator):
    """Command and option descriptions from the bot's gettext catalogs (names stay as they are)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = _LOCALES.get(locale)
        if lang is None or context.location not in _TRANSLATED:
            return None
        text = translator(lang)(string.message)
        return text if text != string.message else None


@functools.cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


async def _timezone_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower()
    found = [name for name in _timezones() if needle in name.lower()]
    return [app_commands.Choice(name=name, value=name) for name in found[:25]]


def _page(page: int | None) -> list[str]:
    return [] if page is None else [str(page)]


def register_commands(tree: app_commands.CommandTree[discord.Client], run: CommandRunner) -> None:
    """Add every command to `tree`; each one hands its name, arguments and mentions to `run`."""

    # Members ---------------------------------------------------------------------------
    @app_commands.command(name="brief", description=N_("Show the current article's brief"))
    async def brief(interaction: discord.Interaction) -> None:
        await run(interaction, "brief", [], [])

    @app_commands.command(
        name="bilingual", description=N_("Read the article paragraph by paragraph, English and Chinese")
    )
    @app_commands.describe(page=N_("Page number"))
    async def bilingual(interaction: discord.Interaction, page: Page | None = None) -> None:
        await run(interaction, "bilingual", _page(page), [])

    @app_commands.command(name="translation", description=N_("Read the full Chinese translation"))
    @app_commands.describe(page=N_("Page number"))
    async def translation(interaction: discord.Interaction, page: Page | None = None) -> None:
        await run(interaction, "translation", _page(page), [])

    @app_commands.command(name="original", description=N_("Read the original article"))
    @app_commands.describe(page=N_("Page number"))
    async def original(interaction: discord.Interaction, page: Page | None = None) -> None:
        await run(interaction, "original", _page(page), [])

    @app_commands.command(name="archive", description=N_("Get a link to this group's discussion archive"))
    async def archive(interaction: discord.Interaction) -> None:
        await run(interaction, "archive", [], [])

    @app_commands.command(name="help", description=N_("What the bot does, and its commands"))
    async def help_(interaction: discord.Interaction) -> None:
        await run(interaction, "help", [], [])

    @app_commands.command(name="forget", description=N_("Remove your replies from every archive"))
    async def forget(interaction: discord.Interaction) -> None:
        await run(interaction, "forget", [], [])

    @app_commands.command(name="optout", description=N_("Keep your replies out of exports"))
    async def optout(interaction: discord.Interaction) -> None:
        await run(interaction, "optout", [], [])

    @app_commands.command(name="status", description=N_("This channel's schedule and the bot's state"))
    async def status(interaction: discord.Interaction) -> None:
        await run(interaction, "status", [], [])

    # Admins ----------------------------------------------------------------------------
    @app_commands.command(name="schedule", description=N_("Set the daily post time, timezone and days"))
    @app_commands.describe(
        time=N_("Local time, HH:MM (e.g. 08:00)"),
        timezone=N_("IANA timezone (e.g. Asia/Shanghai)"),
        days=N_("Days of the week (e.g. mon-fri or mon,wed,fri)"),
    )
    @app_commands.autocomplete(timezone=_timezone_choices)
    @_admin
    async def schedule(
        interaction: discord.Interaction, time: str, timezone: str | None = None, days: str | None = None
    ) -> None:
        await run(interaction, "schedule", [a for a in (time, timezone, days) if a], [])

    @app_commands.command(name="pause", description=N_("Pause the daily posts in this channel"))
    @_admin
    async def pause(interaction: discord.Interaction) -> None:
        await run(interaction, "pause", [], [])

    @app_commands.command(name="resume", description=N_("Resume the daily posts in this channel"))
    @_admin
    async def resume(interaction: discord.Interaction) -> None:
        await run(interaction, "resume", [], [])

    @app_commands.command(name="skip", description=N_("Skip the next article"))
    @_admin
    async def skip(interaction: discord.Interaction) -> None:
        await run(interaction, "skip", [], [])

    @app_commands.command(name="postnow", description=N_("Post the next article now"))
    @_admin
    async def postnow(interaction: discord.Interaction) -> None:
        await run(interaction, "postnow", [], [])

    @app_commands.command(name="queue", description=N_("Show the article queue"))
    @_admin
    async def queue(interaction: discord.Interaction) -> None:
        await run(interaction, "queue", [], [])

    @app_commands.command(name="move", description=N_("Move an article to another place in the queue"))
    @app_commands.describe(article=N_("Article id"), position=N_("New place in the queue (1 = next)"))
    @_admin
    async def move(interaction: discord.Interaction, article: str, position: Position) -> None:
        await run(interaction, "move", [article, str(position)], [])

    @app_commands.command(name="close", description=N_("Close the current discussion"))
    @_admin
    async def close(interaction: discord.Interaction) -> None:
        await run(interaction, "close", [], [])

    @app_commands.command(name="export", description=N_("Export the discussion archive as a file"))
    @app_commands.describe(format=N_("File format"), article=N_("Article id (default: the current one)"))
    @_admin
    async def export(
        interaction: discord.Interaction, format: ExportFormat | None = None, article: str | None = None
    ) -> None:
        # The article id is the second argument, so it needs the format before it.
        args = [format or "md", article] if article else [format] if format else []
        await run(interaction, "export", args, [])

    @app_commands.command(name="persona", description=N_("Map a relevance audience of the brief to a member"))
    @app_commands.describe(name=N_("Audience name as the brief shows it"), member=N_("The member to mention"))
    @_admin
    async def persona(interaction: discord.Interaction, name: str, member: discord.Member) -> None:
        await run(interaction, "persona", [name, f"@{member.display_name}"], [member])

    @app_commands.command(name="lang", description=N_("Set the bot's language in this channel"))
    @app_commands.describe(language=N_("Language"))
    @_admin
    async def lang(interaction: discord.Interaction, language: Language) -> None:
        await run(interaction, "lang", [language], [])

    every: tuple[app_commands.Command[Any, ..., None], ...] = (
        brief,
        bilingual,
        translation,
        original,
        archive,
        help_,
        forget,
        optout,
        status,
        schedule,
        pause,
        resume,
        skip,
        postnow,
        queue,
        move,
        close,
        export,
        persona,
        lang,
    )
    for command in every:
        tree.add_command(app_commands.guild_only(command))
