"""The demo article: a short piece written for atou, with its own translation and brief.

It ships with the package in the native digest format, so `atou demo` has something to post
without any import, and it doubles as a worked example of the format.
"""

from __future__ import annotations

from pathlib import Path

from bot.model import Article

DEMO_ARTICLE_PATH: Path = Path(__file__).with_name("commonplace-books.md")


def demo_article() -> Article:
    """The demo article, read from its native digest file."""
    from bot.formats.native import parse_native

    return parse_native(DEMO_ARTICLE_PATH.read_text(encoding="utf-8"), source_name=str(DEMO_ARTICLE_PATH))
