"""Rendering speed: every page of every part of the sample article, per platform (target: under 20 ms).

One run renders what a group could ever be sent of the article: the brief, each prompt, and every
page of the bilingual, translation and original views, each formatted into platform messages. Runs
are cold: pagination caches are cleared and a new formatter (with an empty paragraph cache) is made
for each, so the figure is what the first member asking for the article costs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench.harness import Result, best_ms

SAMPLE_PAGE = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_921efcdb88e63008.txt"
TARGET_MS = 20.0


def _formatters() -> dict[str, Callable[[], Any]]:
    from adapters.console.format import ConsoleFormatter
    from adapters.discord.format import DiscordFormatter
    from adapters.telegram.format import TelegramFormatter

    return {"telegram": TelegramFormatter, "discord": DiscordFormatter, "console": ConsoleFormatter}


def render_everything(article: Any, make_formatter: Callable[[], Any], lang: str) -> int:
    """Render and format all of `article` for one platform; return how many messages that makes."""
    from bot.render import views

    views.clear_caches()
    formatter = make_formatter()
    messages = len(formatter.format(views.brief_document(article, lang=lang)))
    for doc in views.prompt_documents(article, lang=lang):
        messages += len(formatter.format(doc))
    for part in views.TEXT_PARTS:
        total = views.page_count(article, part, lang=lang, formatter=formatter)
        for number in range(1, total + 1):
            messages += len(
                formatter.format(views.text_page(article, part, number, lang=lang, formatter=formatter).doc)
            )
    return messages


def bench_render_sample_article() -> list[Result]:
    if not SAMPLE_PAGE.is_file():
        note = {"note": "skipped: the sample page ../shared/seed/000_921efcdb88e63008.txt is absent"}
        return [Result("render sample article", float("nan"), "ms", extra=note)]
    from bot.formats import load_file
    from bot.render.i18n import Lang, convert_article_text

    article = load_file(SAMPLE_PAGE)
    convert_article_text("预热", Lang.ZH_HANT)  # OpenCC's one-time dictionary load is not rendering
    results = []
    for platform, make in _formatters().items():
        for lang in ("zh-Hans", "zh-Hant"):
            best, median = best_ms(
                lambda make=make, lang=lang: render_everything(article, make, lang), repeat=15
            )
            messages = render_everything(article, make, lang)
            results.append(
                Result(
                    f"render all of the sample article: {platform}, {lang}",
                    best,
                    "ms",
                    target=TARGET_MS,
                    extra={"median_ms": median, "messages": messages},
                )
            )
    return results
