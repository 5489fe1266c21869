"""Keep the gettext catalogs in step with the code: `python -m bot.render.catalogs update|check`.

`update` extracts every `_("…")`, `gettext("…")`, `N_("…")` and plural `ngettext("…", "…", n)` from
the Python files under `bot/` and `adapters/` (Babel's extractor, as `pybabel extract` does), writes the template
`bot/locale/atou.pot`, and merges it into each language's `atou.po`: new messages are added
untranslated, translations of unchanged messages are kept, messages gone from the code are
dropped. Translate the new entries (msgstr) in `zh-Hans` and `zh-Hant` (a plural entry has one
`msgstr[i]` per form of the language's `Plural-Forms` header: just `msgstr[0]` in Chinese); `en`
needs none, its msgids are the English text. `check` exits with status 1 and lists what is missing or
untranslated, changing nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from bot.render.i18n import DOMAIN, LOCALE_DIR, Lang, catalog_path

ROOT = LOCALE_DIR.parent.parent
SOURCE_DIRS = ("bot", "adapters")
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
# Languages whose catalogs must translate every message (English msgids are already English).
TRANSLATED = (Lang.ZH_HANS, Lang.ZH_HANT)
# The marking functions and which arguments hold message ids (`ngettext`: singular, plural).
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
_FIXED_DATE = datetime(2025, 1, 1)
_HEADER = "# Msgids are the English text. Update from the code: python -m bot.render.catalogs update"  # catalogs carry no timestamps, so an update without changes is no diff


def extract(root: Path = ROOT, dirs: Sequence[str] = SOURCE_DIRS) -> Any:
    """A template catalog of every marked message in the Python files under `dirs`."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="atou", domain=DOMAIN, creation_date=_FIXED_DATE, fuzzy=False)
    for dirname in dirs:
        folder = root / dirname
        if not folder.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        ):
            location = (f"{dirname}/{filename}", lineno)
            template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def _read(path: Path, lang: Lang) -> Any:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    if not path.is_file():
        return Catalog(locale=_babel_locale(lang), domain=DOMAIN, creation_date=_FIXED_DATE, fuzzy=False)
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=_babel_locale(lang), domain=DOMAIN)


def _babel_locale(lang: Lang) -> str:
    return lang.value.replace("-", "_")


def _po_bytes(catalog: Any) -> bytes:
    from babel.messages.pofile import write_po

    catalog.creation_date = _FIXED_DATE
    catalog.revision_date = _FIXED_DATE
    catalog.project, catalog.version = "atou", "1"
    catalog.msgid_bugs_address = catalog.last_translator = catalog.language_team = ""
    catalog.header_comment = (
        f"# atou interface messages{f' ({catalog.locale})' if catalog.locale else ''}.\n{_HEADER}"
    )
    out = BytesIO()
    # Line numbers change with every edit of the code; file names are enough to find a message.
    write_po(out, catalog, width=100, include_lineno=False, ignore_obsolete=True, sort_output=True)
    return out.getvalue()


def update(root: Path = ROOT, locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Re-extract and merge into every catalog under `locale_dir`; return the files written."""
    template = extract(root)
    written = []
    template_path = locale_dir / TEMPLATE.name
    template_path.parent.mkdir(parents=True, exist_ok=True)
    template_path.write_bytes(_po_bytes(template))
    written.append(template_path)
    for lang in Lang:
        path = locale_dir / catalog_path(lang).relative_to(LOCALE_DIR)
        catalog = _read(path, lang)
        catalog.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_po_bytes(catalog))
        written.append(path)
    return written


def problems(root: Path = ROOT, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """What the catalogs lack: messages in the code but not in a catalog, and untranslated messages."""
    wanted = {m.id for m in extract(root) if m.id}
    found: list[str] = []
    for lang in Lang:
        path = locale_dir / catalog_path(lang).relative_to(LOCALE_DIR)
        catalog = _read(path, lang)
        have = {m.id: m for m in catalog if m.id}
        found += [f"{lang}: not in the catalog: {_show(i)}" for i in _sorted(wanted - have.keys())]
        if lang in TRANSLATED:
            found += [
                f"{lang}: untranslated: {_show(i)}"
                for i in _sorted(wanted & have.keys())
                if have[i].fuzzy or not _translated(have[i].string, catalog.num_plurals)
            ]
    return found


def _translated(string: Any, forms: int) -> bool:
    """Whether a msgstr is filled in: every plural form of the language for a plural message."""
    if isinstance(string, str):
        return bool(string)
    return len(string) == forms and all(string)


def _sorted(ids: Iterable[Any]) -> list[Any]:
    return sorted(ids, key=str)


def _show(msgid: Any) -> str:
    return repr(msgid if isinstance(msgid, str) else msgid[0])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.render.catalogs", description="Keep the gettext catalogs in step with the code."
    )
    parser.add_argument("command", choices=("update", "check"))
    args = parser.parse_args(argv)
    if args.command == "update":
        for path in update():
            print(f"wrote {path.relative_to(ROOT)}")
    found = problems()
    for line in found:
        print(line)
    if args.command == "check":
        print(
            "catalogs are complete"
            if not found
            else f"{len(found)} problems: translate them, then check again"
        )
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
