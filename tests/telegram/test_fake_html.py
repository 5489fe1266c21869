"""Telegram's HTML rules as the fake applies them: what parses, and what Telegram would refuse."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from tests.telegram.fake_html import EntityParseError, parse_html, strip_text, utf16_len


def test_nested_styles_pre_with_language_and_links() -> None:
    parsed = parse_html(
        '<b>a <i>b <u>c</u></i></b><pre><code class="language-python">x = 1</code></pre><a href="tg://user?id=42">me</a>'
    )
    assert parsed.text == "a b cx = 1me"
    assert [e["type"] for e in parsed.entities] == ["bold", "italic", "underline", "pre", "text_mention"]
    assert parsed.entities[3]["language"] == "python"
    assert parsed.entities[4]["user"]["id"] == 42


def test_entities_and_attribute_forms() -> None:
    assert parse_html("&lt;&gt;&amp;&quot;&#20013;&#x1F600;").text == '<>&"中😀'
    assert parse_html("<blockquote expandable>q</blockquote>").entities[0]["type"] == "expandable_blockquote"
    assert (
        parse_html("<a href='https://e.org/?a=1&amp;b=2'>x</a>").entities[0]["url"]
        == "https://e.org/?a=1&b=2"
    )
    assert (
        parse_html('<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>').entities[1]["type"]
        == "spoiler"
    )


def test_empty_entities_are_dropped_and_whitespace_trimmed() -> None:
    parsed = strip_text(parse_html("  <b></b>\n<i> x </i> "))
    assert parsed.text == "x" and parsed.entities == [{"type": "italic", "offset": 0, "length": 1}]


@given(st.text())
def test_escaped_text_always_parses_back_to_itself(text: str) -> None:
    parsed = parse_html(html.escape(text, quote=False))
    assert parsed.text == text and parsed.entities == []


@given(st.text(alphabet=st.sampled_from("ab<>&/; \"'=ib")))
def test_any_markup_either_parses_or_fails_with_a_parse_error(markup: str) -> None:
    try:
        parsed = parse_html(markup)
    except EntityParseError as e:
        assert str(e)
    else:
        for e in parsed.entities:
            assert 0 <= e["offset"] and e["offset"] + e["length"] <= utf16_len(parsed.text)
