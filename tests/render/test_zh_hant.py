"""Traditional Chinese for readers in Taiwan: OpenCC (s2tw) plus the project's phrase fixes, checked on
every text the project ships (the catalogs, the demo article)."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from bot.formats import load_file
from bot.model import Article
from bot.render.catalogs import _read
from bot.render.i18n import Lang, catalog_path, convert_article_text, taiwan_phrases

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "commonplace-books.md"


def catalog_strings(lang: Lang) -> list[str]:
    strings: list[str] = []
    for message in _read(catalog_path(lang), lang):
        if message.id:
            strings += [message.string] if isinstance(message.string, str) else list(message.string)
    return [s for s in strings if s]


def article_chinese(article: Article) -> list[str]:
    brief = article.brief
    texts = [article.title, brief.headline, brief.verdict, *brief.prompts]
    texts += [p.lead + p.body for p in brief.key_points] + [n.audience + n.text for n in brief.relevance]
    texts += [b.text for b in article.translation]
    return [t for t in texts if t]


def to_hant(text: str) -> str:
    return convert_article_text(text, Lang.ZH_HANT)


@pytest.mark.parametrize(
    ("simplified", "taiwan"),
    [
        ("一个例子克制了我们的冲动。", "一個例子克制了我們的衝動。"),
        ("在组织里，判断力最稀缺。", "在組織裡，判斷力最稀缺。"),
        ("组织里面的人", "組織裡面的人"),
        ("五行相克", "五行相剋"),  # OpenCC's 剋 is right here: the fix is for 克制 only
    ],
)
def test_the_phrases_readers_in_taiwan_noticed_are_put_right(simplified: str, taiwan: str) -> None:
    assert to_hant(simplified) == taiwan


def test_every_phrase_fix_is_a_real_fix() -> None:
    # Each pair turns something into something else, and no right-hand side is itself a mistake.
    pairs = taiwan_phrases()
    wrong = {w for w, _ in pairs}
    assert pairs and all(w != r for w, r in pairs)
    assert not any(w in r for w in wrong for _, r in pairs)


def shipped_simplified() -> list[str]:
    return catalog_strings(Lang.ZH_HANS) + article_chinese(load_file(DEMO))


def test_no_shipped_text_converts_to_a_known_mistake() -> None:
    texts = shipped_simplified()
    assert len(texts) > 150
    wrong = [w for w, _ in taiwan_phrases()]
    found = {(t, w) for t in texts for w in wrong if w in to_hant(t)}
    assert found == set()


def test_the_traditional_catalog_has_no_simplified_characters_left() -> None:
    # Hand-written for Taiwan (傳送, 檔案, 連結); OpenCC would find nothing to change in it. 台 and 臺
    # are both in use in Taiwan, so either is fine.
    s2tw = opencc.OpenCC("s2tw").convert
    strings = catalog_strings(Lang.ZH_HANT)
    assert len(strings) > 100
    left = [s for s in strings if s2tw(s).replace("臺", "台") != s.replace("臺", "台")]
    assert left == []
    wrong = [w for w, _ in taiwan_phrases()]
    assert [s for s in strings if any(w in s for w in wrong)] == []
