"""Every platform and language shows what the source page shows: the superscript references, the
numbers of list items and footnotes (under 注释 / Notes), the emphasised words and the heading levels,
counted in the messages of every page of every text view, on the sample page and on our own page."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from adapters.console.format import ConsoleFormatter
from adapters.discord.format import DiscordFormatter
from adapters.discord.format import escape as discord_escape
from adapters.telegram.format import TelegramFormatter
from adapters.telegram.format import escape as telegram_escape
from bot.formats import load_file
from bot.model import Article, Block
from bot.render import views
from bot.render.formatter import Formatter
from bot.render.i18n import Lang, translator
from bot.render.views import Part, page_count, text_page
from tests.fidelity.census import GARDEN, Census, heading_counts, numbered, of_blocks, superscript_numbers
from tests.render.render_checks import telegram_visible

FORMATTERS: dict[str, Formatter] = {
    "telegram": TelegramFormatter(),
    "discord": DiscordFormatter(),
    "console": ConsoleFormatter(),
}
# How each platform shows a heading of each level (levels deeper than 4 look like 4), and a quote.
HEADINGS = {
    "telegram": ({2: "<b>{}</b>", 3: "<b><i>{}</i></b>", 4: "<i>{}</i>"}, "<blockquote>{}</blockquote>"),
    "discord": ({2: "**{}**", 3: "***{}***", 4: "*{}*"}, "> {}"),
    "console": ({2: "## {}", 3: "### {}", 4: "#### {}"}, "│ {}"),
}
EMPHASIS = {"telegram": "<i>{}</i>", "discord": "*{}*", "console": "*{}*"}
PARAGRAPH_NUMBER = re.compile(r"¶\d+ ")
ESCAPE = {"telegram": telegram_escape, "discord": discord_escape, "console": lambda t: t}


@cache
def _load(path: Path) -> Article:
    return load_file(path)


@pytest.fixture(params=["sample", "garden"])
def article(request: pytest.FixtureRequest) -> Article:
    path = GARDEN if request.param == "garden" else request.getfixturevalue("sample_page")
    return _load(path)


def _blocks(article: Article, part: Part) -> list[Block | None]:
    if part is Part.BILINGUAL:
        return [side for pair in article.bilingual for side in (pair.source, pair.target)]
    return list(article.original if part is Part.ORIGINAL else article.translation)


def _messages(article: Article, part: Part, lang: Lang, platform: str) -> list[str]:
    formatter = FORMATTERS[platform]
    out = []
    for number in range(1, page_count(article, part, lang=lang, formatter=formatter) + 1):
        for message in formatter.format(text_page(article, part, number, lang=lang, formatter=formatter).doc):
            text = getattr(message, "text", getattr(message, "content", message))
            # The ¶N paragraph numbers in front of blocks are the views' own (tested with the
            # paragraph numbering); what is counted here is what the source page shows.
            out.append(PARAGRAPH_NUMBER.sub("", text))
    return out


def _visible(platform: str, message: str) -> list[str]:
    """The message's paragraphs as a reader sees them (no markup, no quote bars), the page header left out."""
    if platform == "telegram":
        text = telegram_visible(message)[0]
    elif platform == "discord":
        text = re.sub(r"\\(.)", r"\1", re.sub(r"(?m)^> ", "", message))
    else:
        text = re.sub(r"(?m)^│ ", "", message)
    return text.split("\n\n")[1:]


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("part", views.TEXT_PARTS)
@pytest.mark.parametrize("platform", sorted(FORMATTERS))
def test_every_view_shows_every_number_emphasis_and_heading_level(
    article: Article, platform: str, part: Part, lang: Lang
) -> None:
    expected: Census = of_blocks(_blocks(views.localize(article, lang), part))
    assert expected.notes and expected.refs and expected.lists and expected.headings
    messages = _messages(article, part, lang, platform)
    visible = [p for m in messages for p in _visible(platform, m)]

    assert superscript_numbers("\n\n".join(visible)) == expected.refs
    assert numbered(visible, translator(lang)("Notes")) == (expected.lists, expected.notes)

    markup = "\n\n".join(messages)
    mark, escape = EMPHASIS[platform], ESCAPE[platform]
    shown = Counter(
        {
            w: len(re.findall(rf"(?<!\*){re.escape(mark.format(escape(w)))}(?!\*)", markup))
            for w in expected.emphasis
        }
    )
    assert shown == Counter(expected.emphasis)

    levels, quote = HEADINGS[platform]
    patterns = {level: pattern.format(escape("{}").replace("{}", "{}")) for level, pattern in levels.items()}
    paragraphs = [p for m in messages for p in m.split("\n\n")]
    texts = {escape(text) for text, _ in expected.headings}
    counts = heading_counts(paragraphs, patterns, texts) + heading_counts(
        paragraphs, {level: quote.format(p) for level, p in patterns.items()}, texts
    )
    assert counts == Counter((escape(text), min(level, 4)) for text, level in expected.headings)
