"""The article as documents: the brief with its tab buttons, one document per prompt, and the pages
of the bilingual, translation and original views.

Pages are cut with the one splitting algorithm (`bot.render.split.pack`), each page being what one
message of the given platform holds, so "page N of M" is the same for a given article, platform
and language every time it is asked for. A bilingual pair (a source paragraph and its
translation) stays on one page unless the pair alone is more than a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from bot.memo import ArticleMemo
from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote, SpanKind
from bot.paragraphs import excerpt_of, numbering
from bot.paragraphs import label as paragraph_label
from bot.render.document import (
    Action,
    ActionKind,
    Button,
    Document,
    Mention,
    Para,
    ParaKind,
    Span,
    heading_style,
    superscript,
)
from bot.render.formatter import Formatter
from bot.render.i18n import N_, Lang, clear_conversions, convert_article_text, parse_lang, translator
from bot.render.split import pack


class Part(StrEnum):
    BRIEF = "brief"
    PROMPTS = "prompts"
    BILINGUAL = "bilingual"
    TRANSLATION = "translation"
    ORIGINAL = "original"


TEXT_PARTS = (Part.BILINGUAL, Part.TRANSLATION, Part.ORIGINAL)
ARCHIVE_TAB = "archive"  # the tab button's `part` for the discussion archive

# The tab labels of the reading page, in its order (双语对照 · 完整翻译 · 原文 · 讨论归档).
TAB_LABELS: tuple[tuple[str, str], ...] = (
    (Part.BILINGUAL.value, N_("Bilingual")),
    (Part.TRANSLATION.value, N_("Translation")),
    (Part.ORIGINAL.value, N_("Original")),
    (ARCHIVE_TAB, N_("Discussion archive")),
)
PART_LABELS: Mapping[Part, str] = {
    Part.BRIEF: N_("Brief"),
    Part.PROMPTS: N_("Discussion prompts"),
    Part.BILINGUAL: N_("Bilingual"),
    Part.TRANSLATION: N_("Translation"),
    Part.ORIGINAL: N_("Original"),
}
_EMPTY_PART: Mapping[Part, str] = {
    Part.BILINGUAL: N_("This article has no bilingual text."),
    Part.TRANSLATION: N_("This article has no translation."),
    Part.ORIGINAL: N_("This article has no original text."),
}

NOTES_LABEL = N_("Notes")  # the heading over an article's footnotes
PREVIOUS = "◀"
NEXT = "▶"
HEADER_PARAS = 1  # every text page starts with one header paragraph (title, view, page n/m)
HEADER_TITLE_LENGTH = 120  # a page's header shows at most this much of the title
# Pages are cut with the widest header they can have, so the real (shorter) one always fits.
WIDEST_PAGE_NUMBER = 9999

NO_PERSONAS: Mapping[str, Mention] = MappingProxyType({})
# Chinese labels put spaces around a Latin name ("对 ATou 意味着") but none inside Chinese ("对投资意味着").
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


@dataclass(frozen=True, slots=True)
class Page:
    """Page `number` of `total` of a text view, as a document with its paging buttons."""

    doc: Document
    number: int
    total: int

    @property
    def body(self) -> tuple[Para, ...]:
        """The page's text without its header."""
        return self.doc.paras[HEADER_PARAS:]


def _lang(lang: Lang | str) -> Lang:
    return parse_lang(lang) or Lang.ZH_HANS


# --- the article in the group's script ------------------------------------------------------------


_LOCALIZED: ArticleMemo[Article] = ArticleMemo(8)
_PAGES: ArticleMemo[tuple[tuple[Para, ...], ...]] = ArticleMemo(64)


def localize(article: Article, lang: Lang) -> Article:
    """`article` with its Chinese (brief, title, translation) in the script `lang` reads."""
    if lang is not Lang.ZH_HANT or not article.target_lang.lower().startswith("zh"):
        return article
    return _LOCALIZED.get(article, (lang,), lambda: _to_script(article, lang))


def _to_script(article: Article, lang: Lang) -> Article:
    def conv(text: str) -> str:
        return convert_article_text(text, lang)

    def conv_block(block: Block | None) -> Block | None:
        if block is None:
            return None
        # Run by run, so emphasis and references stay on the words they were on.
        spans = tuple(
            replace(s, text=conv(s.text)) if s.kind is not SpanKind.FOOTNOTE_REF else s for s in block.spans
        )
        attribution = None if block.attribution is None else conv(block.attribution)
        return Block.of(block.kind, spans, level=block.level, number=block.number, attribution=attribution)

    brief = article.brief
    return replace(
        article,
        title=conv(article.title),
        brief=Brief(
            headline=conv(brief.headline),
            verdict=conv(brief.verdict),
            key_points=tuple(KeyPoint(conv(k.lead), conv(k.body)) for k in brief.key_points),
            relevance=tuple(RelevanceNote(conv(n.audience), conv(n.text)) for n in brief.relevance),
            prompts=tuple(conv(p) for p in brief.prompts),
        ),
        translation=tuple(b for b in map(conv_block, article.translation) if b is not None),
        bilingual=tuple(BilingualPair(p.source, conv_block(p.target)) for p in article.bilingual),
    )


# --- the brief ------------------------------------------------------------------------------------


def _persona(audience: str, personas: Mapping[str, Mention]) -> Mention | None:
    """The member mapped to an audience: by exact name, then case-insensitively, then by a mapped
    name that appears as a whole word in the audience label ("ATou" in "对 ATou 意味着什么")."""
    if audience in personas:
        return personas[audience]
    folded = audience.casefold()
    for name, mention in personas.items():
        if name.casefold() == folded:
            return mention
    for name, mention in personas.items():
        if name.strip() and re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", folded):
            return mention
    return None


def _heading(text: str) -> Para:
    return Para((Span(text, bold=True),), ParaKind.HEADING)


def tab_buttons(article_id: str, gettext: Callable[[str], str]) -> tuple[Button, ...]:
    """The tab row: 双语对照 · 完整翻译 · 原文 · 讨论归档."""
    return tuple(Button(gettext(label), Action(ActionKind.TAB, article_id, part)) for part, label in TAB_LABELS)


def brief_document(
    article: Article,
    *,
    lang: Lang | str,
    personas: Mapping[str, Mention] = NO_PERSONAS,
    page_url: str | None = None,
) -> Document:
    """The brief: bold headline, verdict, date and source link, key points with bold leads, relevance
    notes with their audience (and the member mapped to it), numbered prompts; the tab buttons, and
    an "open page" link when `page_url` is given."""
    lang = _lang(lang)
    _ = translator(lang)
    a = localize(article, lang)
    brief = a.brief
    paras: list[Para] = [_heading(brief.headline or a.title)]
    if a.title and brief.headline and a.title != brief.headline:
        paras.append(Para((Span(a.title, italic=True),)))
    if brief.verdict:
        paras.append(Para((Span(brief.verdict),)))
    meta: list[Span] = []
    if a.published is not None:
        meta.append(Span(a.published.isoformat()))
    if a.source_url:
        if meta:
            meta.append(Span(" · "))
        meta.append(Span(_("Original article ↗"), link=a.source_url))
    if meta:
        paras.append(Para(tuple(meta)))
    if brief.key_points:
        paras.append(_heading(_("Key points")))
        for point in brief.key_points:
            paras.append(Para((Span(point.lead, bold=True), Span(" "), Span(point.body)), ParaKind.LIST_ITEM))
    if brief.relevance:
        paras.append(_heading(_("Why it matters to us")))
        for note, as_written in zip(brief.relevance, article.brief.relevance, strict=True):
            label = _("What it means for {audience}, and what to do next").format(audience=note.audience)
            spans = [Span(_CJK_SPACE.sub("", label), bold=True)]
            # a zh-Hant admin may name the audience in either script
            mention = _persona(note.audience, personas) or _persona(as_written.audience, personas)
            if mention is not None:
                spans += [Span(" "), Span(f"@{mention.display_name}", mention=mention)]
            spans += [Span(" "), Span(note.text)]
            paras.append(Para(tuple(spans), ParaKind.LIST_ITEM))
    if brief.prompts:
        paras.append(_heading(_("Discussion prompts")))
        for number, prompt in enumerate(brief.prompts, start=1):
            paras.append(Para((Span(f"{number}. ", bold=True), Span(prompt))))
    rows: list[tuple[Button, ...]] = [tab_buttons(a.id, _)]
    if page_url:
        rows.append((Button(_("Open page"), url=page_url),))
    return Document(tuple(paras), tuple(rows))


def prompt_documents(article: Article, *, lang: Lang | str) -> list[Document]:
    """One document per discussion prompt, numbered as in the brief, so members can reply to each."""
    lang = _lang(lang)
    _ = translator(lang)
    prompts = localize(article, lang).brief.prompts
    label = _("Discussion prompt {number} of {total}")
    return [
        Document(
            (
                Para((Span(label.format(number=number, total=len(prompts)), bold=True),), ParaKind.HEADING),
                Para((Span(prompt),)),
            )
        )
        for number, prompt in enumerate(prompts, start=1)
    ]


# --- text pages -----------------------------------------------------------------------------------


def _inline(block: Block, *, bold: bool = False, italic: bool = False) -> list[Span]:
    """A block's runs as spans: emphasis italic, strong bold, links, references in superscript."""
    spans = []
    for run in block.spans:
        match run.kind:
            case SpanKind.EMPHASIS:
                spans.append(Span(run.text, bold=bold, italic=True))
            case SpanKind.STRONG:
                spans.append(Span(run.text, bold=True, italic=italic))
            case SpanKind.LINK:
                spans.append(Span(run.text, bold=bold, italic=italic, link=run.target))
            case SpanKind.FOOTNOTE_REF:
                spans.append(Span(superscript(run.text), note=True))
            case _:
                spans.append(Span(run.text, bold=bold, italic=italic))
    return spans


def _block_para(block: Block, *, quoted: bool = False, note_number: int | None = None) -> Para:
    """A block as a paragraph; `quoted` sets a translation apart from its source in the bilingual view.

    Numbered items and footnotes start with their number ("3. "), headings keep their level, a quote
    ends with its attribution. `note_number` numbers a footnote that carries no number of its own."""
    bold = italic = False
    if block.kind is BlockKind.HEADING and quoted:
        bold, italic = heading_style(block.level or 2)  # a blockquote shows the heading's own style
    italic = italic or block.kind is BlockKind.IMAGE_CAPTION
    spans = _inline(block, bold=bold, italic=italic)
    number = note_number if block.kind is BlockKind.FOOTNOTE and block.number is None else block.number
    if number is not None:
        spans.insert(0, Span(f"{number}. "))
    if block.kind is BlockKind.QUOTE and block.attribution:
        spans.append(Span(f"\n— {block.attribution}"))
    if quoted:  # a quoted heading keeps its level, for platforms that show it by a mark (the console)
        return Para(tuple(spans), ParaKind.QUOTE, block.level or 0)
    kind = {
        BlockKind.HEADING: ParaKind.HEADING,
        BlockKind.LIST_ITEM: ParaKind.PARAGRAPH if number is not None else ParaKind.LIST_ITEM,
        BlockKind.QUOTE: ParaKind.QUOTE,
    }.get(block.kind, ParaKind.PARAGRAPH)
    return Para(tuple(spans), kind, block.level or 0)


def _shown(block: Block) -> bool:
    return bool(block.text.strip())


def _notes_heading(label: str) -> tuple[Para, ...]:
    return (Para((Span(label, bold=True),), ParaKind.HEADING, 2),)


def _numbered(para: Para, number: int | None) -> Para:
    """`para` with its paragraph number (¶N) in front; unnumbered blocks are left as they are."""
    if number is None:
        return para
    return replace(para, spans=(Span(paragraph_label(number) + " "), *para.spans))


def _pair_group(
    pair: BilingualPair, number: int | None, *, source_note: int | None = None, target_note: int | None = None
) -> tuple[Para, ...]:
    """A bilingual pair as paragraphs: its source, numbered ¶N, then its translation set apart."""
    group = []
    if pair.source is not None and _shown(pair.source):
        group.append(_numbered(_block_para(pair.source, note_number=source_note), number))
    if pair.target is not None and _shown(pair.target):
        target = _block_para(pair.target, quoted=True, note_number=target_note)
        group.append(target if group else _numbered(target, number))
    return tuple(group)


def paragraph_document(article: Article, number: int, *, lang: Lang | str) -> Document | None:
    """Paragraph ¶`number` alone, in both languages, under the article's title (None: no such paragraph).

    A member replies to it to discuss that paragraph: the reply is anchored to it."""
    lang = _lang(lang)
    _ = translator(lang)
    a = localize(article, lang)
    numbers = numbering(a)
    if not 1 <= number <= numbers.count:
        return None
    paras = [
        p
        for pair, n in zip(a.bilingual, numbers.bilingual, strict=True)
        if n == number
        for p in _pair_group(pair, n)
    ]
    if not paras:  # an article without pairs: its original block, then the translation's
        texts = ((a.original, numbers.original, False), (a.translation, numbers.translation, True))
        for blocks, numbered, quoted in texts:
            paras += [
                _numbered(_block_para(b, quoted=quoted), None if paras else n)
                for b, n in zip(blocks, numbered, strict=True)
                if n == number and _shown(b)
            ]
    header = Para(
        (
            Span(excerpt_of(a.title, HEADER_TITLE_LENGTH), bold=True),
            Span(
                "\n" + _("Paragraph {number} of {total}").format(number=number, total=numbers.count),
                italic=True,
            ),
        )
    )
    return Document((header, *paras))


def units(article: Article, part: Part, *, notes_label: str = "Notes") -> list[tuple[Para, ...]]:
    """The view's text as groups to paginate: a pair per group for bilingual, a block otherwise.

    Each group starts with its paragraph number, ¶N (see `bot.paragraphs`); a bilingual pair shows it
    once, on its source. The footnotes stand under a `notes_label` heading (注释 / Notes), numbered as
    in the text. `article` is already localized (see `localize`); blank blocks are left out."""
    numbers = numbering(article)
    groups: list[tuple[Para, ...]] = []
    if part is Part.BILINGUAL:
        source_notes = target_notes = 0
        headed = False
        for pair, number in zip(article.bilingual, numbers.bilingual, strict=True):
            if pair.source is not None and _shown(pair.source):
                source_notes += pair.source.kind is BlockKind.FOOTNOTE
            if pair.target is not None and _shown(pair.target):
                target_notes += pair.target.kind is BlockKind.FOOTNOTE
            group = _pair_group(pair, number, source_note=source_notes, target_note=target_notes)
            if group:
                if not headed and _is_note(pair):
                    groups.append(_notes_heading(notes_label))
                    headed = True
                groups.append(group)
        return groups
    blocks, numbered = (
        (article.translation, numbers.translation)
        if part is Part.TRANSLATION
        else (article.original, numbers.original)
    )
    notes = 0
    for block, number in zip(blocks, numbered, strict=True):
        if not _shown(block):
            continue
        if block.kind is BlockKind.FOOTNOTE:
            notes += 1
            if notes == 1:
                groups.append(_notes_heading(notes_label))
        groups.append((_numbered(_block_para(block, note_number=notes), number),))
    return groups


def _is_note(pair: BilingualPair) -> bool:
    return any(b is not None and b.kind is BlockKind.FOOTNOTE for b in (pair.source, pair.target))



def page_header(article: Article, part: Part, number: int, total: int, *, lang: Lang) -> Para:
    """The first paragraph of a text page: the title, then the view and "page n of m"."""
    _ = translator(lang)
    where = _("page {number} of {total}").format(number=number, total=total)
    return Para(
        (
            Span(excerpt_of(localize(article, lang).title, HEADER_TITLE_LENGTH), bold=True),
            Span(f"\n{_(PART_LABELS[part])} · {where}", italic=True),
        )
    )


def _text_part(part: Part | str) -> Part:
    part = Part(part)
    if part not in TEXT_PARTS:
        raise ValueError(
            f"{part.value!r} is not a paged text view; use one of bilingual, translation, original"
        )
    return part


def _paginate(article: Article, part: Part, lang: Lang, formatter: Formatter) -> tuple[tuple[Para, ...], ...]:
    _ = translator(lang)
    a = localize(article, lang)
    groups = units(a, part, notes_label=_(NOTES_LABEL))
    if not groups:
        return ((Para((Span(_(_EMPTY_PART[part]), italic=True),)),),)
    header = page_header(article, part, WIDEST_PAGE_NUMBER, WIDEST_PAGE_NUMBER, lang=lang)

    def fits(paras: Sequence[Para]) -> bool:
        return formatter.fits(Document((header, *paras)))

    return tuple(pack(groups, fits))


def _pages(article: Article, part: Part, lang: Lang, formatter: Formatter) -> tuple[tuple[Para, ...], ...]:
    # Members page through one article in turn: cut it once per platform and language.
    return _PAGES.get(article, (part, lang, formatter), lambda: _paginate(article, part, lang, formatter))


def clear_caches() -> None:
    """Forget cached pages and converted text (for measuring cold rendering)."""
    _PAGES.clear()
    _LOCALIZED.clear()
    clear_conversions()


def page_count(article: Article, part: Part | str, *, lang: Lang | str, formatter: Formatter) -> int:
    """How many pages the view has on the formatter's platform in `lang`."""
    return len(_pages(article, _text_part(part), _lang(lang), formatter))


def pager_buttons(article_id: str, part: Part, number: int, total: int) -> tuple[Button, ...]:
    """◀ n/m ▶ (◀ and ▶ only where there is a page to go to); none for a single page."""
    if total <= 1:
        return ()

    def to(page: int, label: str) -> Button:
        return Button(label, Action(ActionKind.PAGE, article_id, part.value, page), current=page == number)

    row = [to(number - 1, PREVIOUS)] if number > 1 else []
    row.append(to(number, f"{number}/{total}"))
    if number < total:
        row.append(to(number + 1, NEXT))
    return tuple(row)


def text_page(
    article: Article, part: Part | str, number: int, *, lang: Lang | str, formatter: Formatter
) -> Page:
    """Page `number` (clamped to 1..total) of a text view, sized to one message of the formatter."""
    part, lang = _text_part(part), _lang(lang)
    pages = _pages(article, part, lang, formatter)
    total = len(pages)
    number = min(max(number, 1), total)
    header = page_header(article, part, number, total, lang=lang)
    pager = pager_buttons(article.id, part, number, total)
    return Page(Document((header, *pages[number - 1]), (pager,) if pager else ()), number, total)
