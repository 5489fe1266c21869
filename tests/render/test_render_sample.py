"""The sample reading page, rendered for Telegram and Discord in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.discord.format import DiscordFormatter
from adapters.telegram.format import TelegramFormatter
from bot.model import Article
from bot.render import views
from bot.render.document import Document, Mention
from bot.render.i18n import Lang, convert_article_text, taiwan_phrases, translator
from bot.render.views import Part, brief_document, page_count, prompt_documents, text_page
from tests.render.render_checks import check_telegram, discord_problems

FORMATTERS = {"telegram": TelegramFormatter(), "discord": DiscordFormatter()}


_LOADED: dict[Path, Article] = {}


@pytest.fixture
def article(sample_page: Path) -> Article:
    try:
        from bot.formats import load_file
    except ImportError as exc:
        pytest.skip(f"the page-copy parser (bot.formats.load_file) is not available: {exc}")
    if sample_page not in _LOADED:  # parse once for all the tests here
        _LOADED[sample_page] = load_file(sample_page)
    return _LOADED[sample_page]


def _check(platform: str, message: object) -> None:
    if platform == "telegram":
        check_telegram(message)
    else:
        assert discord_problems(message, persona_ids=frozenset({"4242"})) == []


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("platform", sorted(FORMATTERS))
def test_every_page_of_every_part_is_one_message_within_limits(
    article: Article, platform: str, lang: Lang
) -> None:
    formatter = FORMATTERS[platform]
    for part in views.TEXT_PARTS:
        total = page_count(article, part, lang=lang, formatter=formatter)
        header = views.page_header(
            article, part, views.WIDEST_PAGE_NUMBER, views.WIDEST_PAGE_NUMBER, lang=lang
        )
        bodies: list[list[str]] = []
        for number in range(1, total + 1):
            page = text_page(article, part, number, lang=lang, formatter=formatter)
            (message,) = formatter.format(page.doc)
            _check(platform, message)
            bodies.append([p.plain for p in page.body])
        groups = views.units(
            views.localize(article, lang), part, notes_label=translator(lang)(views.NOTES_LABEL)
        )
        # every block comes back exactly once, in order
        assert "".join(t for body in bodies for t in body) == "".join(p.plain for g in groups for p in g)
        # no pair (or block) that fits on a page is cut or spread over two pages
        for group in groups:
            if formatter.fits(Document((header, *group))):
                texts = [p.plain for p in group]
                assert any(body[i : i + len(texts)] == texts for body in bodies for i in range(len(body))), (
                    f"{platform} {lang} {part}: a unit that fits on a page was split"
                )


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("platform", sorted(FORMATTERS))
def test_the_brief_and_the_prompts_are_within_limits(article: Article, platform: str, lang: Lang) -> None:
    formatter = FORMATTERS[platform]
    audience = article.brief.relevance[0].audience
    doc = brief_document(
        article, lang=lang, personas={audience: Mention("4242", "Ann")}, page_url="https://e.com/p"
    )
    messages = formatter.format(doc)
    for message in messages:
        _check(platform, message)
    if platform == "telegram":
        assert len(messages) <= 2
    prompts = prompt_documents(article, lang=lang)
    assert len(prompts) == len(article.brief.prompts) > 1
    for prompt, doc in zip(views.localize(article, lang).brief.prompts, prompts, strict=True):
        (message,) = formatter.format(doc)  # each prompt is a message of its own
        _check(platform, message)
        assert doc.paras[-1].plain == prompt


def test_a_zh_hant_group_reads_the_sample_in_traditional_script(article: Article) -> None:
    simplified = text_page(article, Part.TRANSLATION, 1, lang=Lang.ZH_HANS, formatter=FORMATTERS["telegram"])
    traditional = text_page(article, Part.TRANSLATION, 1, lang=Lang.ZH_HANT, formatter=FORMATTERS["telegram"])
    assert simplified.body[0].plain != traditional.body[0].plain
    assert len(simplified.body[0].plain) == len(traditional.body[0].plain)


def test_the_sample_converts_as_opencc_s2tw_would_with_the_projects_phrase_fixes(article: Article) -> None:
    import opencc

    s2tw = opencc.OpenCC("s2tw").convert

    def expected(text: str) -> str:
        converted = s2tw(text)
        for wrong, right in taiwan_phrases():
            converted = converted.replace(wrong, right)
        return converted

    texts = [b.text for b in article.translation] + [article.brief.verdict, article.title]
    assert [convert_article_text(t, Lang.ZH_HANT) for t in texts] == [expected(t) for t in texts]
    # The sample has one phrase OpenCC gets wrong for Taiwan: 组织里 (in the organisation).
    assert any("組織裡" in convert_article_text(t, Lang.ZH_HANT) for t in texts)
