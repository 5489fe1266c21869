"""The slash commands: one per command of the core's catalog, with typed options, delivered as
`CommandEvent`s.

Each command, its options (type, choices, range, required or not) and its descriptions come from
`bot.services.catalog`; nothing about a command is written here. Admin commands carry
`default_permissions(manage_guild=True)` so Discord hides them from members; that is only a hint a
server can override, so the core checks `is_admin` again on every call. Descriptions are English
gettext msgids, localized for zh-CN and zh-TW by `CatalogTranslator` when the commands are synced.
"""

from __future__ import annotations

import functools
import inspect
import zoneinfo
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.render.i18n import N_, Lang, translator
from bot.services import catalog
from bot.services.catalog import ArgKind

CommandRunner = Callable[
    [discord.Interaction, str, Sequence[str], Sequence[discord.abc.User], discord.Attachment | None],
    Awaitable[None],
]

ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)
_LOCALES = {discord.Locale.chinese: Lang.ZH_HANS, discord.Locale.taiwan_chinese: Lang.ZH_HANT}
_TRANSLATED = (
    app_commands.TranslationContextLocation.command_description,
    app_commands.TranslationContextLocation.parameter_description,
)


class CatalogTranslator(app_commands.Translator):
    """Command and option descriptions from the bot's gettext catalogs; names stay as they are, except
    a message menu entry's, which is words rather than a command."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = _LOCALES.get(locale)
        menu = isinstance(context.data, app_commands.ContextMenu)
        if lang is None or (context.location not in _TRANSLATED and not menu):
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


def _annotation(arg: catalog.Arg) -> Any:
    if arg.kind is ArgKind.INTEGER:
        low = arg.minimum if arg.minimum is not None else -(2**53)
        high = arg.maximum if arg.maximum is not None else 2**53
        return app_commands.Range[int, low, high]
    if arg.kind is ArgKind.MEMBER:
        return discord.Member
    if arg.kind is ArgKind.FILE:
        return discord.Attachment
    return str


def _signature(command: catalog.Command) -> inspect.Signature:
    """The callback signature discord.py reads the command's options from."""
    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    for arg in command.args:
        annotation = _annotation(arg)
        params.append(
            inspect.Parameter(
                arg.name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=annotation if arg.required else annotation | None,
                default=inspect.Parameter.empty if arg.required else None,
            )
        )
    return inspect.Signature(params, return_annotation=None)


def slash_command(command: catalog.Command, run: CommandRunner) -> app_commands.Command[Any, ..., None]:
    """The slash command for a catalog entry: its options typed, described and checked as the catalog
    says; a call hands the name, the arguments in the core's order and the mentioned members to `run`."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        given: dict[str, str] = {}
        mentions: list[discord.abc.User] = []
        attachment: discord.Attachment | None = None
        for arg in command.args:
            value = options.get(arg.name)
            if value is None:
                continue
            if isinstance(value, discord.Attachment):
                attachment = value  # a file is the event's attachment, never an argument
            elif isinstance(value, discord.abc.User):
                given[arg.name] = f"@{value.display_name}"
                mentions.append(value)
            else:
                given[arg.name] = str(value)
        await run(interaction, command.name, catalog.positional(command, given), mentions, attachment)

    callback.__signature__ = _signature(command)  # type: ignore[attr-defined]
    described = app_commands.describe(**{arg.name: arg.help for arg in command.args})(callback)
    choices = {
        arg.name: [app_commands.Choice(name=c, value=c) for c in arg.choices]
        for arg in command.args
        if arg.kind is ArgKind.CHOICE
    }
    if choices:
        described = app_commands.choices(**choices)(described)
    completed = {arg.name: _timezone_choices for arg in command.args if arg.kind is ArgKind.TIMEZONE}
    if completed:
        described = app_commands.autocomplete(**completed)(described)
    slash: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=command.name, description=command.help, callback=described
    )
    if command.admin:
        slash.default_permissions = ADMIN_PERMISSIONS
    return slash


# Discord's form of "/import in reply to a file": a slash command cannot reply to a message, so a
# message's Apps menu offers it instead. It runs the catalog's /import with that message's first file.
IMPORT_MENU = N_("Import article")


def import_menu(run: CommandRunner) -> app_commands.ContextMenu:
    """The message menu entry that imports the file attached to a message (admins only, as /import)."""

    async def callback(interaction: discord.Interaction, message: discord.Message) -> None:
        await run(interaction, "import", [], [], message.attachments[0] if message.attachments else None)

    menu = app_commands.ContextMenu(name=IMPORT_MENU, callback=callback)
    menu.default_permissions = ADMIN_PERMISSIONS
    return menu


def register_commands(tree: app_commands.CommandTree[Any], run: CommandRunner) -> None:
    """Add every command of the catalog to `tree`, and the message menu entry for /import, usable in
    servers only."""
    for command in catalog.COMMANDS:
        tree.add_command(app_commands.guild_only(slash_command(command, run)))
    tree.add_command(app_commands.guild_only(import_menu(run)))
