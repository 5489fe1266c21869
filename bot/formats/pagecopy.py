"""The page copy: the text a reader gets by copying an article's reading page in the app.

Layout, top to bottom (only the app's fixed labels are relied on, never an article's content):

    返回列表                                  navigation (ignored)
    <app and category line>                   (ignored)
    <headline>
    <verdict>
    打开原文 ↗                                 link line (a URL on it is kept)
    YYYY-MM-DD 原文链接 ↗                      the date
    阅读简报 双语对照 完整翻译 原文 讨论归档      the five tab labels, one a line
    核心观点          • <lead> <body>            key points
    跟我们的关联      • 对 X 意味着什么、下一步怎么用 <text>
    讨论引子          1. … 2. … 3. …             prompts, often all on one line
    <translation> <bilingual section> <original>   without headers (see alignment.py)
    📋 讨论归档 …                              the archive tab (not imported)
"""

from __future__ import annotations

import re
from datetime import date

from bot.formats.alignment import Line, split_texts
from bot.formats.pagemarks import structure
from bot.formats.problem import ImportProblem
from bot.formats.text import check_article, derive_id, source_lines
from bot.model import Article, Brief, KeyPoint, RelevanceNote

NAV_LABEL = "返回列表"
OPEN_LABEL = "打开原文"
TAB_LABELS = frozenset({"阅读简报", "双语对照", "完整翻译", "原文", "讨论归档"})
KEY_POINTS = "核心观点"
RELEVANCE = "跟我们的关联"
PROMPTS = "讨论引子"
ARCHIVE = "讨论归档"
ARCHIVE_ICON = "📋"
SECTION_LABELS = (KEY_POINTS, RELEVANCE, PROMPTS)
_SECTION_NAMES = {KEY_POINTS: "key points", RELEVANCE: "relevance notes", PROMPTS: "discussion prompts"}

_DATE_RE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s|$)")
_URL_RE = re.compile(r"https?://[^\s<>()（）\"']+")
_BULLET_RE = re.compile(r"^[•●▪‣◦·*-]\s*")
_RELEVANCE_RE = re.compile(r"^对\s*(?P<audience>.+?)\s*意味着什么\s*[、,，]?\s*下一步怎么用\s*(?P<text>.*)$")
# The bold lead of a key point ends at the first space after a non-ASCII character, so a lead
# may hold Latin words ("AI 吞掉执行层") but stops where the (unbolded) body begins.
_LEAD_END_RE = re.compile(r"[^\x00-\x7f\s]\s+")


def looks_like_page(text: str) -> bool:
    """Whether `text` carries the fixed labels of a copied reading page."""
    return any(re.search(rf"^\s*{label}\s*$", text, re.MULTILINE) for label in SECTION_LABELS)


def parse_page(text: str, *, source_name: str) -> Article:
    """Read a copied reading page into an article; raise ImportProblem naming the line or section."""
    lines = [Line.of(number, line.strip()) for number, line in enumerate(source_lines(text, source_name), 1)]
    at = {}
    after = 0
    for label in SECTION_LABELS:
        index = next((i for i in range(after, len(lines)) if lines[i].text == label), None)
        if index is None:
            where = f"{label} ({_SECTION_NAMES[label]})"
            what = f"section missing: no line reads {label}" + (f" after line {after}" if after else "")
            raise ImportProblem(source_name, where, what)
        at[label] = index
        after = index + 1
    headline, verdict, published, url = _header(lines[: at[KEY_POINTS]], source_name)
    key_points = _key_points(_content(lines[at[KEY_POINTS] + 1 : at[RELEVANCE]]), source_name)
    relevance = _relevance(_content(lines[at[RELEVANCE] + 1 : at[PROMPTS]]), source_name)
    prompts, body_start = _prompts(lines, at[PROMPTS], source_name)
    end = _archive_index(lines, body_start)
    split = split_texts(
        _content(lines[body_start:end]),
        end_line=lines[end].number if end < len(lines) else len(lines),
        source_name=source_name,
    )
    texts = structure(split.original, split.translation, split.bilingual)
    article = Article(
        id=derive_id(headline, published),
        title=headline,
        brief=Brief(headline, verdict, key_points, relevance, prompts),
        source_url=url,
        published=published,
        source_lang="en",
        target_lang="zh-Hans",
        original=texts.original,
        translation=texts.translation,
        bilingual=texts.bilingual,
    )
    return check_article(article, source_name)


def _content(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line.text]


def _header(lines: list[Line], source_name: str) -> tuple[str, str, date | None, str | None]:
    texts: list[Line] = []
    published: date | None = None
    url: str | None = None
    closed = False  # the link, date or tab lines close the headline and verdict
    for line in _content(lines):
        if line.text == NAV_LABEL or line.text in TAB_LABELS:
            closed = closed or line.text in TAB_LABELS
            continue
        found = _DATE_RE.match(line.text)
        if found or line.text.startswith(OPEN_LABEL):
            closed = True
            link = _URL_RE.search(line.text)
            url = url or (link.group(0) if link else None)
            if found:
                try:
                    published = date.fromisoformat(_zero_pad(found.group(1)))
                except ValueError:
                    raise ImportProblem(
                        source_name, f"line {line.number}", f"{found.group(1)} is not a date"
                    ) from None
            continue
        if not closed:
            texts.append(line)
    if len(texts) < 2:
        where = f"line {texts[0].number}" if texts else "headline"
        raise ImportProblem(
            source_name, where, f"the page needs a headline line and a verdict line above {KEY_POINTS}"
        )
    # Anything above the headline is the app's own navigation and category line.
    return texts[-2].text, texts[-1].text, published, url


def _zero_pad(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _key_points(lines: list[Line], source_name: str) -> tuple[KeyPoint, ...]:
    if not lines:
        raise ImportProblem(source_name, f"{KEY_POINTS} (key points)", "the section has no key points")
    points = []
    for line in lines:
        text = _BULLET_RE.sub("", line.text)
        if not text:
            raise ImportProblem(source_name, f"line {line.number}", "an empty key point")
        split = _LEAD_END_RE.search(text)
        if split is None:
            points.append(KeyPoint(text, ""))
        else:
            points.append(KeyPoint(text[: split.start() + 1], text[split.end() :]))
    return tuple(points)


def _relevance(lines: list[Line], source_name: str) -> tuple[RelevanceNote, ...]:
    if not lines:
        raise ImportProblem(source_name, f"{RELEVANCE} (relevance notes)", "the section has no notes")
    notes = []
    for line in lines:
        found = _RELEVANCE_RE.match(_BULLET_RE.sub("", line.text))
        if found is None:
            raise ImportProblem(
                source_name,
                f"line {line.number}",
                "a relevance note should start 对 X 意味着什么、下一步怎么用",
            )
        if not found["text"]:
            raise ImportProblem(
                source_name, f"line {line.number}", f"the note for {found['audience']} has no text"
            )
        notes.append(RelevanceNote(found["audience"], found["text"]))
    return tuple(notes)


def _prompts(lines: list[Line], header: int, source_name: str) -> tuple[tuple[str, ...], int]:
    """The numbered prompts after 讨论引子 (one line or several) and the index after them."""
    prompts: list[str] = []
    index = header + 1
    while True:
        while index < len(lines) and not lines[index].text:
            index += 1
        if index >= len(lines) or not re.match(rf"{len(prompts) + 1}\s*[.、](?!\d)", lines[index].text):
            break
        for prompt in _numbered(lines[index].text, len(prompts) + 1):
            if not prompt:
                raise ImportProblem(source_name, f"line {lines[index].number}", "an empty discussion prompt")
            prompts.append(prompt)
        index += 1
    if not prompts:
        where = f"line {lines[index].number}" if index < len(lines) else f"{PROMPTS} (discussion prompts)"
        raise ImportProblem(
            source_name, where, f"{PROMPTS} should be followed by numbered prompts: 1. … 2. …"
        )
    return tuple(prompts), index


def _numbered(text: str, first: int) -> list[str]:
    """Split `1. a 2. b 3. c` on its sequential numbers only (a `2.5` inside a prompt is no number)."""
    opening = re.match(rf"{first}\s*[.、](?!\d)\s*", text)
    assert opening is not None
    items = []
    start, number = opening.end(), first + 1
    while (following := re.compile(rf"\s{number}\s*[.、](?!\d)\s*").search(text, start)) is not None:
        items.append(text[start : following.start()].strip())
        start, number = following.end(), number + 1
    items.append(text[start:].strip())
    return items


def _archive_index(lines: list[Line], start: int) -> int:
    """Where the archive tab begins (its marker line), or the end of the page when it is absent."""
    for index in range(len(lines) - 1, start - 1, -1):
        if lines[index].text.removeprefix(ARCHIVE_ICON).strip() == ARCHIVE:
            return index
    return len(lines)
