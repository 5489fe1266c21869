"""Anchoring a reply to a paragraph of its article when it is recorded, and again when it is edited.

The forms a member can use are described in `bot.anchors`; the rules, in order:
1. a citation at the start of the reply (¶12, 第12段, p12) of a paragraph the article has;
2. a quote (Telegram's reply quote) whose text is found in exactly one paragraph, in the original
   or the translation (in either Chinese script);
3. a reply to a message of the bot that shows exactly one paragraph (/para N).
"""

from __future__ import annotations

from bot.anchors import cited_paragraph, shown_paragraph
from bot.model import Article
from bot.paragraphs import numbering, paragraph_of_quote
from bot.ports import Reanchor
from bot.render.i18n import Lang
from bot.render.views import localize


def _valid(article: Article, number: int | None) -> int | None:
    return number if number is not None and 1 <= number <= numbering(article).count else None


def may_anchor(text: str, quote: str | None, reply_to_bot_text: str | None) -> bool:
    """Whether a reply could be anchored at all (cheap: no article needed), so most replies skip
    loading their article."""
    return bool(quote or reply_to_bot_text) or cited_paragraph(text) is not None


def paragraph_of_reply(
    article: Article, text: str, *, quote: str | None = None, reply_to_bot_text: str | None = None
) -> int | None:
    """The paragraph a new reply is anchored to, or None."""
    cited = _valid(article, cited_paragraph(text))
    if cited is not None:
        return cited
    if quote:
        found = paragraph_of_quote(article, quote) or paragraph_of_quote(
            localize(article, Lang.ZH_HANT), quote
        )
        if found is not None:
            return found
    if reply_to_bot_text:
        return _valid(article, shown_paragraph(reply_to_bot_text))
    return None


def after_edit(article: Article, new_text: str) -> Reanchor:
    """How an edit moves a reply's anchor: a citation in the new text wins; removing the citation
    the reply was anchored by removes the anchor; otherwise (a quote, a reply to a paragraph) it stays."""

    def reanchor(old_text: str, old: int | None) -> int | None:
        cited = _valid(article, cited_paragraph(new_text))
        if cited is not None:
            return cited
        if old is not None and cited_paragraph(old_text) == old:
            return None
        return old

    return reanchor
