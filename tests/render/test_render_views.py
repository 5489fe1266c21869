"""The article as documents: the brief's layout and buttons, prompts, and pages of the text views."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.console.format import ConsoleFormatter
from adapters.discord.format import DiscordFormatter
from adapters.telegram.format import TelegramFormatter
from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote, SpanKind
from bot.paragraphs import numbering
from bot.render import views
from bot.render.document import Action, Document, Mention, ParaKind, decode_action, encode_action
from bot.render.i18n import Lang, convert_article_text, translator
from bot.render.views import Part, brief_document, page_count, pager_buttons, prompt_documents, text_page
from tests.render.render_checks import check_telegram, discord_problems
from tests.render.render_strategies import articles, random_articles

TELEGRAM, DISCORD, CONSOLE = TelegramFormatter(), DiscordFormatter(), ConsoleFormatter()


def _article(**changes: object) -> Article:
    base = dict(
        id="demo-1",
        title="判断：一个标题",
        brief=Brief(
            headline="判断：一个标题",
            verdict="这是结论，说明为什么。",
            key_points=(KeyPoint("要点一", "展开说明一。"), KeyPoint("要点二", "展开说明二。")),
            relevance=(RelevanceNote("ATou", "对产品的意义。"), RelevanceNote("投资", "对投资的意义。")),
            prompts=("第一个问题是什么？", "第二个问题呢？"),
        ),
        source_url="https://example.com/post?a=1",
        published=date(2026, 1, 2),
        original=tuple(Block(BlockKind.PARAGRAPH, f"Paragraph {i}. " * 40) for i in range(30)),
        translation=tuple(Block(BlockKind.PARAGRAPH, f"第{i}段说明。" * 100) for i in range(30)),
        bilingual=tuple(
            BilingualPair(
                Block(BlockKind.PARAGRAPH, f"Source {i}. " * 30),
                Block(BlockKind.PARAGRAPH, f"译文{i}。" * 60),
            )
            for i in range(40)
        ),
    )
    base.update(changes)
    return Article(**base)  # type: ignore[arg-type]


ARTICLE = _article()


def test_the_brief_reads_like_the_reading_page() -> None:
    doc = brief_document(ARTICLE, lang=Lang.ZH_HANS)
    paras = doc.paras
    assert paras[0].kind is ParaKind.HEADING and paras[0].spans[0].bold and paras[0].plain == "判断：一个标题"
    assert paras[1].plain == "这是结论，说明为什么。"
    assert paras[2].plain == "2026-01-02 · 原文链接 ↗"
    assert paras[2].spans[-1].link == "https://example.com/post?a=1"
    headings = [p.plain for p in paras if p.kind is ParaKind.HEADING]
    assert headings == ["判断：一个标题", "核心观点", "跟我们的关联", "讨论引子"]
    point = next(p for p in paras if p.plain.startswith("要点一"))
    assert point.kind is ParaKind.LIST_ITEM and point.spans[0].bold and point.spans[0].text == "要点一"
    notes = [p for p in paras if "意味着什么" in p.plain]
    assert [n.spans[0].text for n in notes] == [
        "对 ATou 意味着什么、下一步怎么用",
        "对投资意味着什么、下一步怎么用",
    ]
    assert all(n.spans[0].bold and n.kind is ParaKind.LIST_ITEM for n in notes)
    assert notes[0].plain.endswith("对产品的意义。")
    prompts = [p.plain for p in paras if p.plain[:2] in ("1.", "2.")]
    assert prompts == ["1. 第一个问题是什么？", "2. 第二个问题呢？"]


def test_the_brief_carries_the_four_tab_buttons_and_an_optional_page_link() -> None:
    doc = brief_document(ARTICLE, lang=Lang.ZH_HANS)
    (tabs,) = doc.buttons
    assert [b.label for b in tabs] == ["双语对照", "完整翻译", "原文", "讨论归档"]
    assert [b.action for b in tabs] == [
        Action("tab", "demo-1", part) for part in ("bilingual", "translation", "original", "archive")
    ]
    assert all(decode_action(encode_action(b.action)) == b.action for b in tabs if b.action)
    with_link = brief_document(ARTICLE, lang=Lang.EN, page_url="https://bot.example/a/demo-1")
    assert [b.label for b in with_link.buttons[0]] == [
        "Bilingual",
        "Translation",
        "Original",
        "Discussion archive",
    ]
    assert with_link.buttons[1][0].url == "https://bot.example/a/demo-1"
    assert with_link.buttons[1][0].label == "Open page"


def test_a_mapped_member_is_mentioned_next_to_their_audience() -> None:
    ann = Mention("4242", "Ann")
    doc = brief_document(ARTICLE, lang=Lang.ZH_HANS, personas={"atou": ann})
    note = next(p for p in doc.paras if "ATou" in p.plain)
    assert [s.mention for s in note.spans if s.mention] == [ann]
    assert "@Ann" in note.plain
    others = [s.mention for p in doc.paras if "ATou" not in p.plain for s in p.spans if s.mention]
    assert others == []
    # a mapping name found as a word inside a longer audience label also matches
    long_label = _article(brief=Brief("h", "v", relevance=(RelevanceNote("对 ATou 意味着什么", "x"),)))
    note = next(
        p for p in brief_document(long_label, lang="en", personas={"ATou": ann}).paras if "ATou" in p.plain
    )
    assert any(s.mention == ann for s in note.spans)
    message = TELEGRAM.format(brief_document(ARTICLE, lang=Lang.ZH_HANS, personas={"ATou": ann}))[0]
    assert '<a href="tg://user?id=4242">@Ann</a>' in message.text
    assert (
        "<@4242>"
        in DISCORD.format(brief_document(ARTICLE, lang=Lang.ZH_HANS, personas={"ATou": ann}))[0].content
    )


def test_a_persona_is_found_whichever_script_names_the_audience() -> None:
    ann = Mention("4242", "Ann")
    for name in ("投资", "投資"):
        doc = brief_document(ARTICLE, lang=Lang.ZH_HANT, personas={name: ann})
        note = next(p for p in doc.paras if p.plain.startswith("對投資"))
        assert any(s.mention == ann for s in note.spans)


def test_a_zh_hant_group_reads_the_brief_and_labels_in_traditional() -> None:
    doc = brief_document(ARTICLE, lang=Lang.ZH_HANT)
    assert doc.paras[1].plain == "這是結論，說明為什麼。"
    assert [p.plain for p in doc.paras if p.kind is ParaKind.HEADING][1:] == [
        "核心觀點",
        "跟我們的關聯",
        "討論引子",
    ]
    assert [b.label for b in doc.buttons[0]] == ["雙語對照", "完整翻譯", "原文", "討論歸檔"]
    page = text_page(ARTICLE, Part.TRANSLATION, 1, lang=Lang.ZH_HANT, formatter=TELEGRAM)
    # This article's translation matches none of its pairs, so its blocks have no paragraph number.
    assert page.body[0].plain.startswith("第0段說明。") and "说明" not in page.doc.plain
    english = text_page(ARTICLE, Part.ORIGINAL, 1, lang=Lang.ZH_HANT, formatter=TELEGRAM)
    assert english.body[0].plain == "¶1 " + ARTICLE.original[0].text


def test_each_prompt_is_its_own_document() -> None:
    docs = prompt_documents(ARTICLE, lang=Lang.ZH_HANS)
    assert [d.paras[1].plain for d in docs] == ["第一个问题是什么？", "第二个问题呢？"]
    assert [d.paras[0].plain for d in docs] == ["讨论引子 1/2", "讨论引子 2/2"]
    assert all(len(TELEGRAM.format(d)) == 1 and len(DISCORD.format(d)) == 1 for d in docs)
    assert prompt_documents(_article(brief=Brief("h", "v")), lang="en") == []


def test_pages_number_themselves_and_carry_paging_buttons() -> None:
    total = page_count(ARTICLE, Part.TRANSLATION, lang=Lang.ZH_HANS, formatter=TELEGRAM)
    assert total > 2
    first = text_page(ARTICLE, Part.TRANSLATION, 1, lang=Lang.ZH_HANS, formatter=TELEGRAM)
    middle = text_page(ARTICLE, "translation", 2, lang="zh-Hans", formatter=TELEGRAM)
    last = text_page(ARTICLE, Part.TRANSLATION, 10_000, lang=Lang.ZH_HANS, formatter=TELEGRAM)
    assert (first.number, first.total, last.number) == (1, total, total)
    assert text_page(ARTICLE, Part.TRANSLATION, -3, lang=Lang.ZH_HANS, formatter=TELEGRAM).number == 1
    assert first.doc.paras[0].plain == f"{ARTICLE.title}\n完整翻译 · 第 1/{total} 页"
    assert [b.label for b in first.doc.buttons[0]] == [f"1/{total}", "▶"]
    assert [b.label for b in middle.doc.buttons[0]] == ["◀", f"2/{total}", "▶"]
    assert [b.label for b in last.doc.buttons[0]] == ["◀", f"{total}/{total}"]
    assert [b.action for b in middle.doc.buttons[0]] == [
        Action("page", "demo-1", "translation", n) for n in (1, 2, 3)
    ]


def test_page_numbering_is_stable_and_depends_on_the_platform() -> None:
    views.clear_caches()
    telegram = [text_page(ARTICLE, Part.BILINGUAL, n, lang="en", formatter=TELEGRAM) for n in (1, 2, 3)]
    views.clear_caches()
    again = [
        text_page(ARTICLE, Part.BILINGUAL, n, lang="en", formatter=TelegramFormatter()) for n in (1, 2, 3)
    ]
    assert telegram == again
    assert page_count(ARTICLE, Part.BILINGUAL, lang="en", formatter=DISCORD) > telegram[0].total


def test_a_single_page_has_no_pager_and_an_empty_view_says_so() -> None:
    short = _article(original=(Block(BlockKind.PARAGRAPH, "Short."),), translation=())
    page = text_page(short, Part.ORIGINAL, 1, lang="en", formatter=TELEGRAM)
    assert (page.total, page.doc.buttons) == (1, ())
    empty = text_page(short, Part.TRANSLATION, 1, lang=Lang.ZH_HANS, formatter=DISCORD)
    assert empty.total == 1 and empty.body[0].plain == "这篇文章没有翻译。"


def test_the_brief_is_not_a_paged_view() -> None:
    with pytest.raises(ValueError, match="not a paged text view"):
        text_page(ARTICLE, Part.BRIEF, 1, lang="en", formatter=TELEGRAM)


def test_a_pair_too_big_for_a_page_is_split_but_its_neighbours_are_not() -> None:
    big = BilingualPair(
        Block(BlockKind.PARAGRAPH, "Long sentence here. " * 150), Block(BlockKind.PARAGRAPH, "长句子。" * 700)
    )
    small = BilingualPair(Block(BlockKind.PARAGRAPH, "Small."), Block(BlockKind.PARAGRAPH, "小。"))
    article = _article(bilingual=(small, big, small))
    total = page_count(article, Part.BILINGUAL, lang="en", formatter=DISCORD)
    bodies = [
        text_page(article, Part.BILINGUAL, n, lang="en", formatter=DISCORD).body for n in range(1, total + 1)
    ]
    texts = [[p.plain for p in body] for body in bodies]
    assert texts[0][:2] == ["Small.", "小。"]
    assert texts[-1][-2:] == ["Small.", "小。"]
    assert total >= 4


# --- properties over generated articles --------------------------------------------------------------


def _expected_units(article: Article, part: Part, lang: Lang) -> list[list[str]]:
    """The texts each view must show, in order, independently of the view code: each unit starts
    with its paragraph number (¶N) when it has one; numbered items and footnotes start with their
    number, references show in superscript, a quote ends with who said it, and the footnotes stand
    under a 注释 / Notes heading."""
    numbers = numbering(article)

    def numbered(texts: list[str], n: int | None) -> list[str]:
        return texts if n is None or not texts else [f"¶{n} {texts[0]}", *texts[1:]]

    def shown(block: Block | None) -> bool:
        return block is not None and bool(block.text.strip())

    def conv(text: str, translated: bool) -> str:
        return convert_article_text(text, lang) if translated else text

    def text(block: Block, ordinal: int, translated: bool) -> str:
        body = "".join(
            s.text.translate(SUPERSCRIPT) if s.kind is SpanKind.FOOTNOTE_REF else conv(s.text, translated)
            for s in block.spans
        )
        number = block.number if block.number is not None or block.kind is not BlockKind.FOOTNOTE else ordinal
        prefix = "" if number is None else f"{number}. "
        said = (
            f"\n— {conv(block.attribution, translated)}"
            if block.kind is BlockKind.QUOTE and block.attribution
            else ""
        )
        return prefix + body + said

    notes = [translator(lang)("Notes")]
    if part is Part.BILINGUAL:
        out = []
        counts = [0, 0]
        headed = False
        for pair, n in zip(article.bilingual, numbers.bilingual, strict=True):
            unit = []
            for side, (block, translated) in enumerate(((pair.source, False), (pair.target, True))):
                if block is not None and shown(block):
                    counts[side] += block.kind is BlockKind.FOOTNOTE
                    unit.append(text(block, counts[side], translated))
            if unit:
                if not headed and any(
                    b is not None and b.kind is BlockKind.FOOTNOTE for b in (pair.source, pair.target)
                ):
                    out.append(notes)
                    headed = True
                out.append(numbered(unit, n))
        return out
    blocks, nums = (
        (article.original, numbers.original) if part is Part.ORIGINAL else (article.translation, numbers.translation)
    )
    out, count = [], 0
    for block, n in zip(blocks, nums, strict=True):
        if shown(block):
            if block.kind is BlockKind.FOOTNOTE:
                count += 1
                if count == 1:
                    out.append(notes)
            out.append(numbered([text(block, count, part is Part.TRANSLATION)], n))
    return out


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


FORMATTERS = {"telegram": TELEGRAM, "discord": DISCORD}


PLATFORMS, LANGS = st.sampled_from(sorted(FORMATTERS)), st.sampled_from(list(Lang))
PARTS = st.sampled_from(views.TEXT_PARTS)


@settings(max_examples=60, deadline=None)
@given(articles, PLATFORMS, LANGS, PARTS)
def test_pages_fit_one_message_keep_pairs_whole_and_give_back_every_block_once(
    article: Article, platform: str, lang: Lang, part: Part
) -> None:
    _check_pages(article, platform, lang, part)


@settings(max_examples=300, deadline=None)
@given(random_articles, PLATFORMS, LANGS, PARTS)
def test_pages_of_random_articles(article: Article, platform: str, lang: Lang, part: Part) -> None:
    _check_pages(article, platform, lang, part)


def _check_pages(article: Article, platform: str, lang: Lang, part: Part) -> None:
    formatter = FORMATTERS[platform]
    total = page_count(article, part, lang=lang, formatter=formatter)
    pages = [text_page(article, part, n, lang=lang, formatter=formatter) for n in range(1, total + 1)]
    for page in pages:
        assert (page.total, formatter.fits(page.doc)) == (total, True)
        (message,) = formatter.format(page.doc)
        if platform == "telegram":
            check_telegram(message)
        else:
            assert discord_problems(message) == []
        for row in page.doc.buttons:
            for button in row:
                assert button.action is not None and button.action.kind == "page"
                assert 1 <= button.action.page <= total
                assert len(encode_action(button.action).encode()) <= 64
    expected = _expected_units(article, part, lang)
    if not expected:
        assert total == 1
        return
    # Walk the pages' text: each expected text is there once, in order, cut only into consecutive pieces,
    # and a unit that fits on a page alone sits on one page.
    pieces = [(i, p.plain) for i, page in enumerate(pages) for p in page.body]
    header = views.page_header(article, part, views.WIDEST_PAGE_NUMBER, views.WIDEST_PAGE_NUMBER, lang=lang)
    groups = views.units(views.localize(article, lang), part, notes_label=translator(lang)(views.NOTES_LABEL))
    assert [[p.plain for p in g] for g in groups] == expected
    k = 0
    for group, texts in zip(groups, expected, strict=True):
        on_pages: set[int] = set()
        whole = True
        for text in texts:
            got = ""
            first = k
            while got != text:
                assert k < len(pieces), f"missing: {text[:40]!r}"
                page_index, piece = pieces[k]
                got += piece
                on_pages.add(page_index)
                k += 1
                assert text.startswith(got)
            whole = whole and k - first == 1
        if formatter.fits(Document((header, *group))):
            assert len(on_pages) == 1 and whole, "a unit that fits on one page was split"
    assert k == len(pieces)


def test_a_very_long_title_is_shortened_in_page_headers() -> None:
    title = "很长的标题👨‍👩‍👧" * 200
    article = _article(title=title)
    header = text_page(article, Part.ORIGINAL, 1, lang="en", formatter=TELEGRAM).doc.paras[0]
    shown = header.spans[0].text
    assert len(shown) <= views.HEADER_TITLE_LENGTH + 1 and shown.endswith("…")
    assert title.startswith(shown[:-1])
    assert shown[:-1].endswith(("题", "👨‍👩‍👧"))  # never half an emoji sequence


def test_the_pager_marks_the_button_of_the_page_shown() -> None:
    """Adapters learn which button stands for the page shown from the document, not from its label."""
    row = pager_buttons("a1", Part.BILINGUAL, 2, 3)
    assert [(b.label, b.current) for b in row] == [("◀", False), ("2/3", True), ("▶", False)]
    assert [b.action.page for b in row if b.action is not None] == [1, 2, 3]
