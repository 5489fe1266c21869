"""Caps on the size of an article: each text, the number of items, and the brief as a whole.

Without them a 1,000,000-character key point imports and posts as hundreds of messages. The caps are
far above what a reading page holds (its longest paragraph is about 1,500 characters, its whole brief
about 1,300), and they are checked on every import, whatever the format.
"""

from __future__ import annotations

from bot.model import Brief

# Characters per text, by the kind of field.
MAX_TITLE = 200
MAX_HEADLINE = 200
MAX_VERDICT = 1000
MAX_LEAD = 200
MAX_BODY = 1000
MAX_AUDIENCE = 60
MAX_NOTE = 1000
MAX_PROMPT = 500
MAX_BLOCK = 20_000
MAX_ATTRIBUTION = 500
MAX_SOURCE_URL = 2000

# Items per list.
MAX_KEY_POINTS = 12
MAX_RELEVANCE = 12
MAX_PROMPTS = 10
MAX_BLOCKS = 5000  # per section: original, translation, bilingual pairs

# Characters of the brief's texts together (headline, title, verdict, key points, relevance notes,
# prompts): with its labels it then posts as at most two Telegram messages or four Discord messages.
MAX_BRIEF = 3500


def brief_chars(title: str, brief: Brief) -> int:
    """The characters of the brief's own texts (the title too, which it shows under the headline)."""
    return (
        len(title)
        + len(brief.headline)
        + len(brief.verdict)
        + sum(len(p.lead) + len(p.body) for p in brief.key_points)
        + sum(len(n.audience) + len(n.text) for n in brief.relevance)
        + sum(len(p) for p in brief.prompts)
    )


def too_long(length: int, cap: int) -> str | None:
    """What to say about a text of `length` characters where `cap` is allowed; None when it fits."""
    if length <= cap:
        return None
    return f"is {length:,} characters long; at most {cap:,} are allowed"


def too_many(count: int, cap: int, what: str) -> str | None:
    if count <= cap:
        return None
    return f"has {count:,} {what}; at most {cap:,} are allowed"
