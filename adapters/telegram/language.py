"""The interface language for a Telegram user, from the app language Telegram reports."""

from __future__ import annotations

from bot.render.i18n import Lang


def ui_lang(language_code: str | None, default: str) -> Lang:
    """The UI language for a Telegram user's app language (`zh-hant`, `zh-tw`, `en-gb`, …)."""
    code = (language_code or "").lower()
    if code.startswith("zh"):
        return Lang.ZH_HANT if any(t in code for t in ("hant", "tw", "hk", "mo")) else Lang.ZH_HANS
    if code.startswith("en"):
        return Lang.EN
    try:
        return Lang(default)
    except ValueError:
        return Lang.ZH_HANS
