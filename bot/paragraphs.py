"""Paragraph numbers: ¶N, the same N for a block in every view and language.

N counts the blocks of the original, from 1, in their order (for an article without an original
tab, the source blocks of its bilingual pairs). A bilingual pair takes the number of
its source block; a block of the translation takes the number of the pair whose translation it is.
A block that exists only in the translation (a pair without a source, or a translated block no
pair holds) has no number: it cannot be cited, and replies are never anchored to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from bot.memo import ArticleMemo
from bot.model import Article, Block

MARK = "¶"
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True, slots=True)
class Numbering:
    """The paragraph number of every block of each text, by position (None: not numbered)."""

    original: tuple[int | None, ...]
    bilingual: tuple[int | None, ...]
    translation: tuple[int | None, ...]
    count: int  # how many paragraphs can be cited: ¶1 … ¶count


_NUMBERINGS: ArticleMemo[Numbering] = ArticleMemo(16)


def numbering(article: Article) -> Numbering:
    """The paragraph numbers of `article`'s original, bilingual pairs and translation."""
    return _NUMBERINGS.get(article, (), lambda: _number(article))


def label(number: int) -> str:
    """How a paragraph number is shown: `¶12`."""
    return f"{MARK}{number}"


def _original(article: Article) -> tuple[Block, ...]:
    """The blocks that are counted: the original, or the pairs' sources for an article without one."""
    return article.original or tuple(p.source for p in article.bilingual if p.source is not None)


def original_block(article: Article, number: int) -> Block | None:
    """The block of the original that is ¶`number`, or None when the article has no such paragraph."""
    blocks = _original(article)
    return blocks[number - 1] if 1 <= number <= len(blocks) else None


def excerpt_of(text: str, length: int) -> str:
    """`text` on one line, cut to about `length` characters at a grapheme boundary, with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = 0
    for grapheme in _GRAPHEME.findall(flat):
        if cut + len(grapheme) >= length:
            break
        cut += len(grapheme)
    return flat[:cut].rstrip() + "…"


def _number(article: Article) -> Numbering:
    counted = _original(article)
    original = tuple(range(1, len(article.original) + 1))
    bilingual = _follow(counted, [p.source for p in article.bilingual], tuple(range(1, len(counted) + 1)))
    if article.bilingual:
        targets = [p.target for p in article.bilingual]
        translation = _follow(targets, list(article.translation), bilingual)
    elif len(article.translation) == len(article.original):
        translation = original  # aligned texts without pairs: block i translates block i
    else:
        translation = (None,) * len(article.translation)
    return Numbering(original, bilingual, translation, len(counted))


def _follow(
    reference: Sequence[Block | None],
    blocks: Sequence[Block | None],
    numbers: Sequence[int | None],
) -> tuple[int | None, ...]:
    """For each of `blocks`, the number of the next block of `reference` with the same text.

    Both lists run in the article's order, so a match is looked for only after the previous one;
    a block with no match later on is not numbered and does not move the position. Texts are
    compared, not blocks, so a pair whose kind an import guessed differently still matches.
    """

    def key(block: Block | None) -> str | None:
        return None if block is None else _plain(block.text)

    keys = [key(b) for b in reference]
    out: list[int | None] = []
    at = 0
    for block in blocks:
        wanted = key(block)
        found = None
        if wanted is not None:
            found = next((i for i in range(at, len(keys)) if keys[i] == wanted), None)
        if found is None:
            out.append(None)
            continue
        out.append(numbers[found])
        at = found + 1
    return tuple(out)


def _plain(text: str) -> str:
    return " ".join(text.split())


# --- matching a quoted piece of text to its paragraph --------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
MIN_QUOTE = 4  # a quote shorter than this (after folding) matches too much to say which paragraph


def _fold(text: str) -> str:
    """Text reduced to what a quote keeps of it: letters and digits, case-folded, in NFKC."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def paragraph_of_quote(article: Article, quote: str) -> int | None:
    """The paragraph whose text (original or translation) holds `quote`, if exactly one does.

    Spaces, punctuation and case do not count, so a quote that a platform trimmed or re-spaced
    still matches; a quote found in several paragraphs, or too short to tell, matches none.
    """
    wanted = _fold(quote)
    if len(wanted) < MIN_QUOTE:
        return None
    found = {n for text, n in _folded(article) if wanted in text}
    return found.pop() if len(found) == 1 else None


_FOLDED: ArticleMemo[tuple[tuple[str, int], ...]] = ArticleMemo(16)


def _folded(article: Article) -> tuple[tuple[str, int], ...]:
    """Every numbered block's folded text with its number (original, translation, both sides of pairs)."""

    def fold_all() -> tuple[tuple[str, int], ...]:
        numbers = numbering(article)
        texts: list[tuple[Block | None, int | None]] = [
            *zip(article.original, numbers.original, strict=True),
            *zip(article.translation, numbers.translation, strict=True),
        ]
        for pair, number in zip(article.bilingual, numbers.bilingual, strict=True):
            texts += [(pair.source, number), (pair.target, number)]
        return tuple((_fold(b.text), n) for b, n in texts if b is not None and n is not None)

    return _FOLDED.get(article, (), fold_all)
