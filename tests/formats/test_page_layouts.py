"""Page copies other than the sample: the parser relies on the app's labels and the page's shape only."""

from __future__ import annotations

from datetime import date

import pytest

from bot.demo import demo_article
from bot.formats import ImportProblem, load_text
from bot.formats.pagecopy import parse_page
from bot.model import Article, BilingualPair, Block, BlockKind
from tests.formats.pages import build_page, simple_page


def _parse(text: str) -> Article:
    return parse_page(text, source_name="page.txt")


def _pairs(article: Article) -> list[tuple[str | None, str | None]]:
    return [
        (p.source.text if p.source else None, p.target.text if p.target else None) for p in article.bilingual
    ]


def test_a_page_of_our_own() -> None:
    article = _parse(simple_page())
    assert article.published == date(2024, 2, 3) and article.id.startswith("2024-02-03-")
    assert [(k.lead, k.body) for k in article.brief.key_points] == [
        ("灯是起点", "油灯决定了灯塔的样子。"),
        ("AI 也会看灯塔", "拉丁词出现在导语里。"),
    ]
    assert [(n.audience, n.text) for n in article.brief.relevance] == [
        ("Alex", "可以读一读。"),
        ("投资", "没有直接关系。"),
    ]
    assert article.brief.prompts == ("你见过 2.5 米高的灯塔吗?", "灯塔还有用吗?")
    assert _pairs(article) == [
        ("The story of the lighthouse starts with an oil lamp.", "灯塔的故事从一盏油灯开始。"),
        ("1850–1900", "1850–1900"),
        ("Early years", "早期"),
        ("Image 1: A lighthouse at dusk.", None),
        ("The keeper lit the lamp every night.", "守塔人每晚都要点灯。"),
        ("The first note.", "第一条注释。"),
        ("The second note.", "第二条注释。"),
    ]
    assert [b.kind for b in article.original] == [
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.HEADING,
        BlockKind.IMAGE_CAPTION,
        BlockKind.PARAGRAPH,
        BlockKind.FOOTNOTE,
        BlockKind.FOOTNOTE,
    ]
    assert [b.kind for b in article.translation] == [b.kind for b in article.original]


def test_italics_markers_of_the_copy_are_dropped_and_snake_case_is_kept() -> None:
    page = simple_page().replace("一盏油灯", "一盏_油灯_").replace("an oil lamp", "an oil_lamp_v2 lamp")
    article = _parse(page)
    first = article.bilingual[0]
    assert first.target is not None and first.target.text == "灯塔的故事从一盏油灯开始。"
    assert article.translation[0].text == "灯塔的故事从一盏油灯开始。"
    assert first.source is not None and "oil_lamp_v2" in first.source.text
    assert article.original[0] == first.source


def test_an_untranslated_caption_at_the_very_end() -> None:
    caption = "Image 2: The lamp room."
    page = simple_page(
        translation=["灯塔的故事从一盏油灯开始。", caption],
        bilingual=[
            "The story of the lighthouse starts with an oil lamp.",
            "灯塔的故事从一盏油灯开始。",
            caption,
        ],
        original=["The story of the lighthouse starts with an oil lamp.", caption],
    )
    assert _pairs(_parse(page)) == [
        ("The story of the lighthouse starts with an oil lamp.", "灯塔的故事从一盏油灯开始。"),
        (caption, None),
    ]


def test_a_label_shown_twice_at_the_very_end() -> None:
    page = simple_page(
        translation=["开头一段。", "2030"],
        bilingual=["An opening paragraph.", "开头一段。", "2030", "2030"],
        original=["An opening paragraph.", "2030"],
    )
    article = _parse(page)
    assert _pairs(article) == [("An opening paragraph.", "开头一段。"), ("2030", "2030")]
    assert [b.text for b in article.translation] == ["开头一段。", "2030"]


def test_an_article_that_opens_with_a_caption() -> None:
    caption = "Image 1: A map of the coast."
    page = simple_page(
        translation=[caption, "海岸很长。"],
        bilingual=[caption, "The coast is long.", "海岸很长。"],
        original=[caption, "The coast is long."],
    )
    article = _parse(page)
    assert _pairs(article) == [(caption, None), ("The coast is long.", "海岸很长。")]
    assert [b.text for b in article.translation] == [caption, "海岸很长。"]


def test_list_items_compared_without_markers_and_bulleted_notes() -> None:
    page = simple_page(
        translation=["正文。", "  1. 注一。", "  2. 注二。", "  3. 注三。"],
        bilingual=[
            "Body text.",
            "正文。",
            "  1. Note one.\n  2. Note two.\n  1. 注一。\n  2. 注二。\n  • Note three.\n  • 注三。",
        ],
        original=["Body text.", "  1. Note one.\n  2. Note two.", "  3. Note three."],
    )
    article = _parse(page)
    assert _pairs(article)[1:] == [
        ("Note one.", "注一。"),
        ("Note two.", "注二。"),
        ("Note three.", "注三。"),
    ]
    assert [b.kind for b in article.original[1:]] == [BlockKind.FOOTNOTE] * 3


def test_a_translation_in_two_blocks_keeps_the_second_as_translation_only() -> None:
    page = simple_page(
        translation=["第一句。", "第二句。"],
        bilingual=["One long paragraph.", "第一句。", "第二句。"],
        original=["One long paragraph."],
    )
    assert _parse(page).bilingual == (
        BilingualPair(
            Block(BlockKind.PARAGRAPH, "One long paragraph."), Block(BlockKind.PARAGRAPH, "第一句。")
        ),
        BilingualPair(None, Block(BlockKind.PARAGRAPH, "第二句。")),
    )


def test_prompts_on_separate_lines_and_no_archive_tab() -> None:
    page = simple_page().replace(
        "1. 你见过 2.5 米高的灯塔吗? 2. 灯塔还有用吗?", "1. 第一问?\n\n2. 第二问?\n3. 第三问?"
    )
    page = page[: page.index("📋")]
    article = _parse(page)
    assert article.brief.prompts == ("第一问?", "第二问?", "第三问?")
    assert article.original[0].text == "The story of the lighthouse starts with an oil lamp."


def test_a_url_on_the_link_line_becomes_the_source_url() -> None:
    page = simple_page().replace("打开原文 ↗", "打开原文 ↗ https://example.org/lighthouse")
    assert _parse(page).source_url == "https://example.org/lighthouse"


def test_the_demo_article_copied_as_a_page() -> None:
    demo = demo_article()
    original = [("  • " if b.kind is BlockKind.LIST_ITEM else "") + b.text for b in demo.original[:-1]]
    translation, bilingual = [], []
    for pair in demo.bilingual[:-1]:
        assert pair.source is not None and pair.target is not None
        prefix = "  • " if pair.source.kind is BlockKind.LIST_ITEM else ""
        if pair.source.kind is BlockKind.IMAGE_CAPTION:  # the page shows captions in English only
            translation.append(pair.source.text)
            bilingual.append(pair.source.text)
        else:
            translation.append(prefix + pair.target.text)
            bilingual += [prefix + pair.source.text, prefix + pair.target.text]
    page = build_page(
        headline=demo.brief.headline,
        verdict=demo.brief.verdict,
        day="2025-01-15",
        key_points=[(k.lead, k.body) for k in demo.brief.key_points],
        notes=[(n.audience, n.text) for n in demo.brief.relevance],
        prompts=list(demo.brief.prompts),
        translation=translation,
        bilingual=bilingual,
        original=original,
    )
    article = load_text(page, source_name="demo-page.txt")
    assert article.brief == demo.brief
    assert [(b.kind, b.text) for b in article.original] == [(b.kind, b.text) for b in demo.original[:-1]]
    assert [p.source for p in article.bilingual] == list(article.original)


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        (lambda p: p.replace("跟我们的关联", "关联"), "跟我们的关联 (relevance notes)", "missing"),
        (lambda p: p.replace("核心观点\n", "要点\n"), "核心观点 (key points)", "missing"),
        (lambda p: p.replace("1. 你见过", "你见过"), "line", "numbered prompts"),
        (lambda p: p.replace("下一步怎么用 可以", "可以"), "line", "对 X 意味着什么"),
        (lambda p: p.replace("2024-02-03", "2024-02-30"), "line 9", "not a date"),
        (
            lambda p: p.replace("The keeper lit the lamp every night.\n", "The keeper lit a lamp.\n", 1),
            "line",
            "双语对照",
        ),
    ],
    ids=["relevance", "key-points", "prompts", "relevance-label", "date", "bilingual-mismatch"],
)
def test_problems_name_the_section_or_line(change: object, where: str, what: str) -> None:
    assert callable(change)
    with pytest.raises(ImportProblem) as caught:
        _parse(change(simple_page()))
    assert (
        caught.value.path == "page.txt" and caught.value.where.startswith(where) and what in caught.value.what
    )
    assert str(caught.value).startswith(f"page.txt: {caught.value.where}: ")
