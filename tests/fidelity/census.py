"""Counting what makes an article readable, wherever it shows: footnote numbers and references, list
numbers, emphasised words, bold leads and heading levels — in the imported article, in every chat
rendering, on the web page and in the exports — to compare with what the source page shows.

Two pages are counted: the sample reading page, and `garden.txt` beside this file (our own page,
English and Chinese, with a timeline, a numbered list in one piece and one interrupted by
paragraphs, footnotes, emphasis, run-in leads and an attributed quote).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.model import Article, Block, BlockKind, SpanKind

GARDEN = Path(__file__).with_name("garden.txt")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_RUN = re.compile(f"[{SUPERSCRIPTS}]+")
_EMPHASIS_IN_COPY = re.compile(r"(?<![A-Za-z0-9_])_([^_\n]{1,60}?)_(?![A-Za-z0-9_])")


@dataclass(frozen=True, slots=True)
class Census:
    """What one text shows, in reading order."""

    notes: tuple[int, ...] = ()  # the numbers of its footnotes
    refs: tuple[int, ...] = ()  # the numbers its references show
    lists: tuple[int, ...] = ()  # the numbers of its numbered items
    emphasis: tuple[str, ...] = ()  # its emphasised words
    headings: tuple[tuple[str, int], ...] = ()  # its headings with their levels
    leads: int = 0  # its bold leads

    def __add__(self, other: Census) -> Census:
        return Census(
            self.notes + other.notes,
            self.refs + other.refs,
            self.lists + other.lists,
            self.emphasis + other.emphasis,
            self.headings + other.headings,
            self.leads + other.leads,
        )


def of_blocks(blocks: Iterable[Block | None]) -> Census:
    """The census of blocks in order (None, an empty side of a pair, counts nothing)."""
    total = Census()
    for block in blocks:
        if block is not None:
            total = total + of_block(block)
    return total


def of_block(block: Block) -> Census:
    return Census(
        notes=(block.number,) if block.kind is BlockKind.FOOTNOTE and block.number is not None else (),
        refs=tuple(int(s.text) for s in block.spans if s.kind is SpanKind.FOOTNOTE_REF),
        lists=(block.number,) if block.kind is BlockKind.LIST_ITEM and block.number is not None else (),
        emphasis=tuple(s.text for s in block.spans if s.kind is SpanKind.EMPHASIS),
        headings=((block.text, block.level or 2),) if block.kind is BlockKind.HEADING else (),
        leads=sum(1 for s in block.spans[:1] if s.kind is SpanKind.STRONG),
    )


def bilingual(article: Article) -> Census:
    """The bilingual view's census: each pair's source, then its translation."""
    return of_blocks(side for pair in article.bilingual for side in (pair.source, pair.target))


@dataclass(frozen=True, slots=True)
class Expected:
    """What a source page shows, per language."""

    source: Census
    target: Census


def expected_sample(page_text: str) -> Expected:
    """The sample page as a reader sees it: nine numbered notes in both languages, references to the
    first eight, the three scenarios numbered 1-3, the Chinese text's seven italic words, five
    timeline entries (a label over a title) below six section titles, ten bold leads."""
    emphasis = tuple(dict.fromkeys(_EMPHASIS_IN_COPY.findall(page_text)))  # each shows twice on the page
    assert len(emphasis) == 7
    levels_en = [
        ("2021–2023", 3), ("Building the first Claude", 4), ("2023–2025", 3), ("Chatbots", 4),
        ("2025–2026", 3), ("Coding agents", 4), ("Today", 3), ("Autonomous agents", 4), ("20XX?", 3),
        ("Closing the loop", 4), ("Evidence from the outside world", 2), ("Evidence from within Anthropic", 2),
        ("What might the future of work at Anthropic look like?", 2), ("What if we’re wrong?", 2),
        ("Possible futures", 2), ("What should we do?", 2),
    ]  # fmt: skip
    levels_zh = [
        ("2021–2023", 3), ("构建第一个 Claude", 4), ("2023–2025", 3), ("聊天机器人", 4), ("2025–2026", 3),
        ("编程智能体", 4), ("今天", 3), ("自主智能体", 4), ("20XX?", 3), ("闭环完成", 4),
        ("来自外部世界的证据", 2), ("来自 Anthropic 内部的证据", 2), ("Anthropic 的未来工作方式可能会是什么样?", 2),
        ("如果我们错了呢?", 2), ("可能的未来", 2), ("我们该做什么?", 2),
    ]  # fmt: skip
    for text, _ in levels_en + levels_zh:
        assert re.search(rf"^{re.escape(text)}$", page_text, re.MULTILINE), text
    notes, refs = tuple(range(1, 10)), tuple(range(1, 9))
    return Expected(
        Census(notes, refs, (1, 2, 3), (), tuple(levels_en), 10),
        Census(notes, refs, (1, 2, 3), emphasis, tuple(levels_zh), 10),
    )


def expected_garden(page_text: str) -> Expected:
    """Our own page: three notes referred to in order, the rules list 1-3 and the futures 1-3 (each
    copied as `1.`), two italic words per language, a section title over a three-entry timeline."""
    source_emphasis, target_emphasis = ("slow", "stayed"), ("慢慢", "留了下来")
    shown = Counter(_EMPHASIS_IN_COPY.findall(page_text))
    assert all(shown[word] == 2 for word in source_emphasis + target_emphasis)  # its tab and the pairs
    levels = (2, 3, 4, 3, 4, 3, 4, 2, 2)
    titles_en = (
        "How it began",
        "1998",
        "A vacant lot",
        "2009",
        "The waiting list",
        "2021",
        "A second garden",
    )
    titles_en += ("Why the garden stayed", "What could change")
    titles_zh = ("它是怎么开始的", "1998", "一块空地", "2009", "排队名单", "2021", "第二座菜园")
    titles_zh += ("菜园为什么留了下来", "可能的变化")
    lists = (1, 2, 3, 1, 2, 3)
    return Expected(
        Census((1, 2, 3), (1, 2, 3), lists, source_emphasis, tuple(zip(titles_en, levels, strict=True)), 2),
        Census((1, 2, 3), (1, 2, 3), lists, target_emphasis, tuple(zip(titles_zh, levels, strict=True)), 2),
    )


def interleave(source: Sequence[Block | None], target: Sequence[Block | None]) -> list[Block | None]:
    return [side for pair in zip(source, target, strict=True) for side in pair]


# --- counting in what the views show -----------------------------------------------------------------


def superscript_numbers(text: str) -> tuple[int, ...]:
    """The numbers of the superscript references in `text`, in order."""
    table = str.maketrans(SUPERSCRIPTS, "0123456789")
    return tuple(int(run.translate(table)) for run in _SUPERSCRIPT_RUN.findall(text))


def numbered(paragraphs: Sequence[str], notes_label: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(list numbers, note numbers) of visible paragraphs: those starting `N. `, before and after the
    notes heading."""
    lists: list[int] = []
    notes: list[int] = []
    after = False
    for paragraph in paragraphs:
        if re.sub(r"^#+ ", "", paragraph.strip().strip("*")) == notes_label:  # as a heading shows on any platform
            after = True
            continue
        found = re.match(r"(\d+)\. ", paragraph)
        if found:
            (notes if after else lists).append(int(found[1]))
    return tuple(lists), tuple(notes)


def heading_counts(
    paragraphs: Sequence[str], patterns: dict[int, str], texts: set[str]
) -> Counter[tuple[str, int]]:
    """How many paragraphs show each expected heading text in the style of each level; `patterns`
    maps a level to a format string with `{}` for the (escaped) text."""
    counts: Counter[tuple[str, int]] = Counter()
    for paragraph in paragraphs:
        for level, pattern in patterns.items():
            for text in texts:
                if paragraph == pattern.format(text):
                    counts[text, level] += 1
    return counts
