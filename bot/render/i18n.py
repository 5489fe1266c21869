"""Interface languages and the article's Chinese script.

UI labels go through gettext catalogs (`bot/locale/<lang>/LC_MESSAGES/atou.po`, msgids in
English), read with Babel at first use and kept in memory. A zh-Hant group also gets the
article's Chinese text converted from Simplified to Traditional with OpenCC.

Code that shows text to members binds `_ = translator(lang)` and calls `_("English text")`, or
marks a string for later translation with `N_("English text")`. Text with a count binds
`ngettext = plural_translator(lang)` and calls `ngettext("{count} reply", "{count} replies", n)`:
the catalog entry holds one form per plural form of the language (its `Plural-Forms` header; one
for Chinese, two for English). Those are the names the catalog extractor
(`python -m bot.render.catalogs update`) looks for.
"""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "atou"

# Taiwan-standard characters (OpenCC `s2tw`), without rewriting vocabulary (软件 stays 軟件, not
# 軟體): the translation is the author's wording, only its script changes. Run as its two steps,
# Simplified → Traditional then Taiwan variants, which gives the same text at a third of the time.
OPENCC_CHAIN = ("s2t", "t2tw")
# What OpenCC gets wrong for readers in Taiwan, put right after it (see the file's header).
PHRASES_FILE = Path(__file__).resolve().parent / "zh_hant_phrases.txt"


class Lang(StrEnum):
    """A group's interface language; zh-Hans is the default."""

    ZH_HANS = "zh-Hans"
    ZH_HANT = "zh-Hant"
    EN = "en"


DEFAULT_LANG = Lang.ZH_HANS

_ALIASES = {
    "zh": Lang.ZH_HANS,
    "zh-cn": Lang.ZH_HANS,
    "zh-sg": Lang.ZH_HANS,
    "zh-hans": Lang.ZH_HANS,
    "zh-tw": Lang.ZH_HANT,
    "zh-hk": Lang.ZH_HANT,
    "zh-mo": Lang.ZH_HANT,
    "zh-hant": Lang.ZH_HANT,
    "en": Lang.EN,
}


def parse_lang(text: str) -> Lang | None:
    """The language `text` names (`zh-Hans`, `zh_hant`, `zh-TW`, `en-US`, …), or None."""
    key = text.strip().replace("_", "-").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("en-"):
        return Lang.EN
    return None


# Each language named as its readers name it: what /lang answers with.
LANGUAGE_NAMES = {Lang.ZH_HANS: "简体中文", Lang.ZH_HANT: "繁體中文", Lang.EN: "English"}


def language_name(lang: Lang) -> str:
    return LANGUAGE_NAMES[lang]


def join_list(items: Iterable[str], lang: Lang) -> str:
    """Items of a list in a sentence: 甲、乙、丙 in Chinese, `a, b, c` in English."""
    return (", " if lang is Lang.EN else "、").join(items)


def N_(msgid: str) -> str:
    """Mark `msgid` for the catalogs without translating it now (translate it later with `translator`)."""
    return msgid


def catalog_path(lang: Lang) -> Path:
    return LOCALE_DIR / lang.value / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True, slots=True)
class _Catalog:
    """The translated, non-fuzzy entries of one language's catalog."""

    messages: Mapping[str, str]  # msgid → translation
    plurals: Mapping[str, tuple[str, ...]]  # singular msgid → the language's plural forms
    plural: Callable[[int], int]  # n → index of the form to use (the catalog's `Plural-Forms`)


def _english_plural(n: int) -> int:
    return 0 if n == 1 else 1


@cache
def _catalog(lang: Lang) -> _Catalog:
    from babel.messages.pofile import read_po

    path = catalog_path(lang)
    if not path.is_file():
        return _Catalog({}, {}, _english_plural)
    with path.open("rb") as fileobj:
        catalog = read_po(fileobj, locale=lang.value.replace("-", "_"), domain=DOMAIN)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if message.fuzzy or not message.id:
            continue
        if isinstance(message.id, str) and isinstance(message.string, str) and message.string:
            messages[message.id] = message.string
        elif isinstance(message.id, tuple) and isinstance(message.string, tuple):
            forms = tuple(message.string)
            # Only a complete entry is used: a half-translated one would mix languages by count.
            if len(forms) == catalog.num_plurals and all(forms):
                plurals[message.id[0]] = forms
    return _Catalog(messages, plurals, gettext_module.c2py(catalog.plural_expr))


def translator(lang: Lang | str) -> Callable[[str], str]:
    """A gettext function for `lang`: English msgid in, the language's text out (the msgid when untranslated)."""
    messages = _catalog(parse_lang(lang) or DEFAULT_LANG).messages

    def gettext(msgid: str) -> str:
        return messages.get(msgid, msgid)

    return gettext


def plural_translator(lang: Lang | str) -> Callable[[str, str, int], str]:
    """An ngettext function for `lang`: the English singular and plural msgids and a count in, the
    language's form for that count out (English rules, `n == 1` singular, when untranslated).

    Bind it as `ngettext = plural_translator(lang)` and call `ngettext("{count} reply", "{count} replies", n)`
    so the extractor finds the pair; fill the count in afterwards with `.format(count=n)`.
    """
    catalog = _catalog(parse_lang(lang) or DEFAULT_LANG)

    def ngettext(singular: str, plural: str, n: int) -> str:
        forms = catalog.plurals.get(singular)
        if forms is None:
            return singular if n == 1 else plural
        index = catalog.plural(n)
        return forms[index] if 0 <= index < len(forms) else forms[-1]

    return ngettext


@cache
def taiwan_phrases() -> tuple[tuple[str, str], ...]:
    """The project's phrase fixes (OpenCC output, Taiwan usage), longest first."""
    pairs = []
    for line in PHRASES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            wrong, right = line.split("\t")
            pairs.append((wrong.strip(), right.strip()))
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


@cache
def _converter() -> Callable[[str], str]:
    import opencc
    import regex

    to_traditional, to_taiwan = (opencc.OpenCC(config).convert for config in OPENCC_CHAIN)
    fixes = dict(taiwan_phrases())
    # One pass over the text, longest phrase first: a fix never rewrites another fix's result.
    pattern = regex.compile("|".join(regex.escape(wrong) for wrong in fixes)) if fixes else None

    def convert(text: str) -> str:
        result: str = to_taiwan(to_traditional(text))
        if pattern is not None:
            result = pattern.sub(lambda m: fixes[m.group()], result)
        return result

    return convert


@lru_cache(maxsize=16384)
def _to_traditional(text: str) -> str:
    return _converter()(text)


def clear_conversions() -> None:
    """Forget converted texts (the converter itself, slow to load, stays)."""
    _to_traditional.cache_clear()


def convert_article_text(text: str, lang: Lang) -> str:
    """The article's Chinese text in the script `lang` reads: Traditional for zh-Hant, unchanged otherwise."""
    if lang is not Lang.ZH_HANT or not text:
        return text
    return _to_traditional(text)
