"""Telegram messages: valid under Telegram's HTML rules, within every limit, nothing lost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from adapters.telegram.format import TelegramFormatter, TelegramMessage
from bot.render.document import Action, Button, Document, Mention, Para, ParaKind, Span, decode_action
from tests.render.render_checks import check_telegram, consume, expected_visible, telegram_visible
from tests.render.render_strategies import documents, entity_heavy, long_documents, random_documents

FORMATTER = TelegramFormatter()


def _one(doc: Document) -> TelegramMessage:
    messages = FORMATTER.format(doc)
    assert len(messages) == 1
    return messages[0]


def test_text_is_escaped_and_styles_become_tags() -> None:
    doc = Document(
        (
            Para((Span("Title <b> & co", bold=True),), ParaKind.HEADING),
            Para((Span('a "quoted" <i>not italic</i> ', italic=True), Span("x&y", code=True))),
            Para((Span("item"),), ParaKind.LIST_ITEM),
        )
    )
    message = _one(doc)
    assert message.text == (
        "<b>Title &lt;b&gt; &amp; co</b>\n\n"
        '<i>a "quoted" &lt;i&gt;not italic&lt;/i&gt; </i><code>x&amp;y</code>\n\n'
        "• item"
    )
    assert message.parse_mode == "HTML"
    assert check_telegram(message) == expected_visible(doc)


def test_links_and_mentions() -> None:
    doc = Document(
        (
            Para(
                (
                    Span("source", link='https://e.com/?a=1&b="2"'),
                    Span(" "),
                    Span("@Ann", mention=Mention("42", "Ann")),
                    Span(" "),
                    Span("@Bob", mention=Mention("bob-handle", "Bob")),
                    Span(" "),
                    Span("bad", link="javascript:alert(1)"),
                )
            ),
        )
    )
    text = _one(doc).text
    assert '<a href="https://e.com/?a=1&amp;b=&quot;2&quot;">source</a>' in text
    assert '<a href="tg://user?id=42">@Ann</a>' in text
    assert "@Bob" in text and "bob-handle" not in text
    assert "javascript" not in text and "bad" in text


def test_a_quote_holds_no_link_or_code_entity() -> None:
    doc = Document(
        (
            Para(
                (Span("q", link="https://e.com"), Span(" c", code=True), Span(" b", bold=True)),
                ParaKind.QUOTE,
            ),
        )
    )
    message = _one(doc)
    assert message.text == "<blockquote>q c<b> b</b></blockquote>"
    check_telegram(message)


def test_buttons_become_an_inline_keyboard_on_the_last_message() -> None:
    action = Action("page", "some-article", "translation", 12)
    doc = Document(
        tuple(Para((Span("字" * 1500),)) for _ in range(5)),
        ((Button("◀", action), Button("open", url="https://e.com/x")),),
    )
    messages = FORMATTER.format(doc)
    assert len(messages) == 3  # two 1500-character paragraphs per message
    assert messages[0].reply_markup is None and messages[1].reply_markup is None
    row = messages[-1].reply_markup[0]
    assert decode_action(row[0]["callback_data"]) == action
    assert row[1] == {"text": "open", "url": "https://e.com/x"}
    assert messages[-1].payload()["reply_markup"] == {"inline_keyboard": messages[-1].reply_markup}


def test_an_over_long_payload_or_bad_url_is_refused_clearly() -> None:
    too_long = Document(
        (Para((Span("x"),)),), ((Button("b", Action("page", "a" * 40, "translation", 100)),),)
    )
    assert not FORMATTER.fits(too_long)
    with pytest.raises(ValueError, match="64 bytes"):
        FORMATTER.format(too_long)
    bad_url = Document((Para((Span("x"),)),), ((Button("b", url="javascript:x"),),))
    with pytest.raises(ValueError, match="not an http"):
        FORMATTER.format(bad_url)


def test_limits_are_counted_in_utf16_units() -> None:
    # 2100 astral characters are 4200 UTF-16 units: over the limit though only 2100 code points.
    doc = Document((Para((Span("😀" * 2100),)),))
    messages = FORMATTER.format(doc)
    assert len(messages) == 2
    for m in messages:
        check_telegram(m)


def test_bold_spanning_a_cut_is_closed_and_reopened() -> None:
    doc = Document((Para((Span("很长的加粗文字。" * 1000, bold=True),)),))
    messages = FORMATTER.format(doc)
    assert len(messages) == 2
    for m in messages:
        assert m.text.startswith("<b>") and m.text.endswith("</b>") and m.text.count("<b>") == 1
        check_telegram(m)


def test_the_entity_budget_splits_a_short_but_busy_message() -> None:
    doc = Document(tuple(Para((Span("a", bold=True), Span(" "), Span("b", italic=True))) for _ in range(120)))
    assert len(doc.plain) < 4096
    messages = FORMATTER.format(doc)
    assert len(messages) == 3
    assert all(telegram_visible(m.text)[1] <= 100 for m in messages)


def test_a_blank_document_is_refused() -> None:
    with pytest.raises(ValueError, match="visible text"):
        FORMATTER.format(Document((Para((Span("  \n "),)),)))


def _check_document(doc: Document) -> None:
    parts = FORMATTER.split(doc)
    consume([p.plain for p in doc.paras if p.plain.strip()], [p for part in parts for p in part.paras])
    messages = FORMATTER.format(doc)
    assert len(messages) == len(parts)
    for part, message in zip(parts, messages, strict=True):
        assert check_telegram(message) == expected_visible(part)
        assert FORMATTER.fits(part)
    assert all(m.reply_markup is None for m in messages[:-1])


@settings(max_examples=150, deadline=None)
@given(documents)
def test_every_message_is_valid_telegram_html_within_limits_and_loses_nothing(doc: Document) -> None:
    _check_document(doc)


@settings(max_examples=1000, deadline=None)
@given(random_documents)
def test_a_thousand_random_documents_make_valid_telegram_messages(doc: Document) -> None:
    _check_document(doc)


@settings(max_examples=30, deadline=None)
@given(long_documents)
def test_long_chinese_paragraphs_without_spaces_split_into_valid_messages(doc: Document) -> None:
    _check_document(doc)


@settings(max_examples=40, deadline=None)
@given(entity_heavy)
def test_entity_heavy_documents_stay_within_100_entities(doc: Document) -> None:
    for message in FORMATTER.format(doc):
        _, entities = telegram_visible(message.text)
        assert entities <= 100
