"""The command menus Telegram shows when a member types `/`: per scope and per language.

The commands and their descriptions come from the core's catalog (`bot.services.catalog`). Members see
the member commands in every chat; chat administrators see the admin commands too (scope
`all_chat_administrators`). Each menu is set for the default language (the bot's default UI
language), for `zh` and for `en` — Telegram picks by the user's app language.
"""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.services import catalog
from bot.services.messages import lang_of

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 256
# Telegram's language_code (two letters) → the UI language we show it in; "" is everyone else.
MENU_LANGUAGES = {"zh": "zh-Hans", "en": "en"}


def commands(listed: tuple[catalog.Command, ...], lang: str) -> list[BotCommand]:
    return [BotCommand(c.name, c.describe(lang_of(lang))[:MAX_DESCRIPTION]) for c in listed]


def menus(default_lang: str) -> list[tuple[BotCommandScope, str, list[BotCommand]]]:
    """(scope, language_code, commands) for every menu the bot sets."""
    out: list[tuple[BotCommandScope, str, list[BotCommand]]] = []
    for code, lang in [("", default_lang), *MENU_LANGUAGES.items()]:
        members = commands(catalog.MEMBER_COMMANDS, lang)
        admins = members + commands(catalog.ADMIN_COMMANDS, lang)
        out.append((BotCommandScopeDefault(), code, members))
        out.append((BotCommandScopeAllGroupChats(), code, members))
        out.append((BotCommandScopeAllChatAdministrators(), code, admins))
    return out


async def set_menus(bot: Bot, default_lang: str) -> None:
    """Set every menu; a failure is logged (the bot works without menus) and does not stop the start."""
    for scope, code, listed in menus(default_lang):
        try:
            await bot.set_my_commands(listed, scope=scope, language_code=code or None)
        except TelegramError as exc:
            log.warning("could not set the %s command menu (%s): %s", scope.type, code or "default", exc)
