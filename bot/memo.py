"""A small cache of results computed from an article (its numbering, its localized copy, its pages).

Hashing an article means hashing every block of it, which costs more than a page lookup should;
entries are keyed by the article's id instead, and a hit needs the very same article (the same
object, or an equal one), so an article replaced under the same id is never served stale.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from bot.model import Article

T = TypeVar("T")


class ArticleMemo(Generic[T]):
    """Results for the `size` most recently used (article, key) pairs."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[object, ...], tuple[Article, T]] = OrderedDict()

    def get(self, article: Article, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The cached result for `article` and `key`, or `compute()` (then cached)."""
        full = (article.id, *key)
        try:
            entry = self._entries.get(full)
        except TypeError:  # an unhashable key part: nothing to cache by
            return compute()
        if entry is not None and (entry[0] is article or entry[0] == article):
            self._entries.move_to_end(full)
            return entry[1]
        value = compute()
        self._entries[full] = (article, value)
        self._entries.move_to_end(full)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()
