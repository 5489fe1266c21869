"""Languages: gettext catalogs for the interface, OpenCC for a zh-Hant group's article text."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from hypothesis import given, settings

from bot.render import catalogs
from bot.render.i18n import Lang, convert_article_text, parse_lang, plural_translator, translator
from tests.render.render_strategies import visible_text


def test_labels_come_in_each_language() -> None:
    assert translator(Lang.ZH_HANS)("Key points") == "核心观点"
    assert translator(Lang.ZH_HANT)("Key points") == "核心觀點"
    assert translator(Lang.EN)("Key points") == "Key points"
    assert translator("zh-Hans")("Discussion archive") == "讨论归档"


def test_placeholders_survive_translation() -> None:
    label = translator(Lang.ZH_HANS)("page {number} of {total}")
    assert label.format(number=2, total=7) == "第 2/7 页"


def test_an_unknown_message_falls_back_to_the_english_text() -> None:
    assert translator(Lang.ZH_HANS)("No such message in any catalog") == "No such message in any catalog"


def test_an_unknown_language_gets_the_default_one() -> None:
    assert translator("klingon")("Key points") == "核心观点"


def test_language_names_are_read_leniently() -> None:
    assert parse_lang("zh_hant") is Lang.ZH_HANT
    assert parse_lang(" zh-TW ") is Lang.ZH_HANT
    assert parse_lang("zh-CN") is Lang.ZH_HANS
    assert parse_lang("en-US") is Lang.EN
    assert parse_lang("fr") is None


def test_article_text_is_converted_to_traditional_only_for_zh_hant() -> None:
    text = "这篇文章说明判断力正在成为稀缺资产"
    assert convert_article_text(text, Lang.ZH_HANT) == "這篇文章說明判斷力正在成為稀缺資產"
    assert convert_article_text(text, Lang.ZH_HANS) == text
    assert convert_article_text(text, Lang.EN) == text
    assert convert_article_text("Plain English, 123.", Lang.ZH_HANT) == "Plain English, 123."


def test_the_catalogs_hold_every_message_of_the_code_translated() -> None:
    # Fails when someone adds a message: run `python -m bot.render.catalogs update` and translate it.
    assert catalogs.problems() == []


def test_update_adds_new_messages_keeps_translations_and_drops_gone_ones(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "labels.py").write_text(
        'from bot.render.i18n import N_\n\nA = N_("Kept label")\nB = N_("New label")\n', encoding="utf-8"
    )
    locale = tmp_path / "locale"
    po = locale / "zh-Hans" / "LC_MESSAGES" / "atou.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Kept label"\nmsgstr "保留的标签"\n\nmsgid "Gone label"\nmsgstr "删掉的标签"\n',
        encoding="utf-8",
    )
    written = catalogs.update(root=tmp_path, locale_dir=locale)
    assert po in written and (locale / "atou.pot") in written
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Kept label"\nmsgstr "保留的标签"' in text
    assert 'msgid "New label"\nmsgstr ""' in text
    assert "Gone label" not in text
    assert "#: bot/labels.py" in text
    found = catalogs.problems(root=tmp_path, locale_dir=locale)
    assert "zh-Hans: untranslated: 'New label'" in found
    assert "zh-Hant: untranslated: 'Kept label'" in found
    assert not any(line.startswith("en: untranslated") for line in found)
    # a second update with no code change writes the same bytes (no timestamps)
    before = po.read_bytes()
    catalogs.update(root=tmp_path, locale_dir=locale)
    assert po.read_bytes() == before


def test_english_counts_take_the_singular_for_one_only() -> None:
    ngettext = plural_translator(Lang.EN)
    shown = [ngettext("{count} reply", "{count} replies", n).format(count=n) for n in (0, 1, 2, 11)]
    assert shown == ["0 replies", "1 reply", "2 replies", "11 replies"]


def test_chinese_counts_have_one_form_in_each_script() -> None:
    for lang, word in ((Lang.ZH_HANS, "条回复"), (Lang.ZH_HANT, "條回覆")):
        ngettext = plural_translator(lang)
        for n in (0, 1, 2, 21):
            assert ngettext("{count} reply", "{count} replies", n).format(count=n) == f"{n} {word}"


def test_an_unknown_plural_message_follows_the_english_rule_in_any_language() -> None:
    ngettext = plural_translator("klingon")
    assert ngettext("{count} unknown thing", "{count} unknown things", 1) == "{count} unknown thing"
    assert ngettext("{count} unknown thing", "{count} unknown things", 3) == "{count} unknown things"


def test_update_extracts_plural_messages_and_check_wants_every_form(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "counts.py").write_text(
        "def show(ngettext, n):\n"
        '    return ngettext("{count} apple", "{count} apples", n), ngettext("{count} pear", "{count} pears", n)\n',
        encoding="utf-8",
    )
    locale = tmp_path / "locale"
    catalogs.update(root=tmp_path, locale_dir=locale)
    hans = locale / "zh-Hans" / "LC_MESSAGES" / "atou.po"
    text = hans.read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert 'msgid "{count} apple"\nmsgid_plural "{count} apples"\nmsgstr[0] ""' in text
    en = (locale / "en" / "LC_MESSAGES" / "atou.po").read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in en
    assert 'msgid_plural "{count} apples"\nmsgstr[0] ""\nmsgstr[1] ""' in en
    hans.write_text(text.replace('"{count} apples"\nmsgstr[0] ""', '"{count} apples"\nmsgstr[0] "{count} 个苹果"'))
    found = catalogs.problems(root=tmp_path, locale_dir=locale)
    assert "zh-Hans: untranslated: '{count} pear'" in found
    assert "zh-Hans: untranslated: '{count} apple'" not in found
    assert "zh-Hant: untranslated: '{count} apple'" in found
    assert not any(line.startswith("en:") for line in found)
    catalogs.update(root=tmp_path, locale_dir=locale)  # an update keeps the translated forms
    assert 'msgstr[0] "{count} 个苹果"' in hans.read_text(encoding="utf-8")


@cache
def _s2tw() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("s2tw").convert


@settings(max_examples=200, deadline=None)
@given(visible_text)
def test_the_two_step_conversion_equals_opencc_s2tw(text: str) -> None:
    assert convert_article_text(text, Lang.ZH_HANT) == _s2tw()(text)
