"""The reader's language for the page's own words (403, 404, the index), from Accept-Language.

The article's text is shown as stored; only the words around it follow the browser.
"""

from __future__ import annotations

from bot.render.i18n import DEFAULT_LANG, Lang, parse_lang


def reader_lang(accept_language: str | None) -> Lang:
    """The first language of the header, by quality, that the catalogs have; zh-Hans otherwise.

    `zh-TW`, `zh-HK` and `zh-Hant-*` read Traditional; a bare `zh` or `zh-CN` Simplified.
    """
    ranked: list[tuple[float, int, Lang]] = []
    for order, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = _supported(tag)
        if lang is not None and quality > 0:
            ranked.append((-quality, order, lang))
    return min(ranked)[2] if ranked else DEFAULT_LANG


def _supported(tag: str) -> Lang | None:
    tag = tag.strip().lower()
    if tag.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return Lang.ZH_HANT
    if tag.startswith("zh"):
        return Lang.ZH_HANS
    return parse_lang(tag)
