"""Discord messages: escaped markdown that pings nobody, within every limit, nothing lost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from adapters.discord.format import DiscordFormatter, DiscordMessage, escape
from bot.render.document import Action, Button, Document, Mention, Para, ParaKind, Span, decode_action
from tests.render.render_checks import consume, discord_problems, discord_unmark, expected_discord_text
from tests.render.render_strategies import documents, long_documents, random_documents

FORMATTER = DiscordFormatter()


def _one(doc: Document) -> DiscordMessage:
    messages = FORMATTER.format(doc)
    assert len(messages) == 1
    return messages[0]


def test_markdown_specials_are_escaped_and_read_back_literally() -> None:
    raw = "*a* _b_ ~~c~~ ||d|| `e` > f # g [h](i) \\ <@123> <#4> <@&5>\n- item\n1. first"
    escaped = escape(raw)
    assert discord_unmark(escaped) == raw
    assert "<@" not in escaped.replace("\\<@", "")
    assert "\n\\- item" in escaped and "\n1\\. first" in escaped


def test_everyone_and_here_cannot_ping() -> None:
    message = _one(Document((Para((Span("hi @everyone and @here", bold=True),)),)))
    assert "@everyone" not in message.content and "@here" not in message.content
    assert discord_unmark(message.content) == "hi @everyone and @here"
    assert message.payload()["allowed_mentions"] == {"parse": [], "users": []}


def test_only_persona_mentions_become_pings() -> None:
    doc = Document(
        (
            Para(
                (
                    Span("ATou", bold=True),
                    Span(" "),
                    Span("@Ann", mention=Mention("1234567", "Ann")),
                    Span(" "),
                    Span("@Bob", mention=Mention("bob", "Bob")),
                    Span(" <@999>"),
                ),
                ParaKind.LIST_ITEM,
            ),
        )
    )
    message = _one(doc)
    assert message.content == "• **ATou** <@1234567> @Bob \\<@999\\>"
    assert discord_problems(message, persona_ids=frozenset({"1234567"})) == []
    assert message.payload()["allowed_mentions"]["users"] == ["1234567"]


def test_styles_links_quotes_and_adjacent_markers() -> None:
    doc = Document(
        (
            Para((Span("Heading"),), ParaKind.HEADING),
            Para(
                (Span("bold", bold=True), Span("italic", italic=True), Span(" text ", link="https://e.com/x"))
            ),
            Para((Span("line one\nline two"),), ParaKind.QUOTE),
        )
    )
    content = _one(doc).content
    assert content == (
        "**Heading**\n\n**bold**\u200b*italic*[ text ](<https://e.com/x>)\n\n> line one\n> line two"
    )


def test_buttons_become_components_of_at_most_five_per_row() -> None:
    actions = [Action("tab", "art", str(i)) for i in range(7)]
    doc = Document((Para((Span("x"),)),), (tuple(Button(f"b{i}", a) for i, a in enumerate(actions)),))
    message = _one(doc)
    assert [len(row) for row in message.components] == [5, 2]
    ids = [b["custom_id"] for row in message.components for b in row]
    assert [decode_action(i) for i in ids] == actions
    assert discord_problems(message) == []


def test_too_many_buttons_or_duplicates_are_refused() -> None:
    many = Document(
        (Para((Span("x"),)),), tuple((Button("b", Action("tab", "a", str(i))),) for i in range(6))
    )
    with pytest.raises(ValueError, match="at most 5 rows"):
        FORMATTER.format(many)
    twice = Document(
        (Para((Span("x"),)),), ((Button("a", Action("tab", "a")), Button("b", Action("tab", "a"))),)
    )
    with pytest.raises(ValueError, match="share the action"):
        FORMATTER.format(twice)


def test_escapes_count_towards_the_2000_limit() -> None:
    # 1500 asterisks are 3000 characters once escaped: two messages.
    messages = FORMATTER.format(Document((Para((Span("*" * 1500),)),)))
    assert len(messages) == 2
    assert all(len(m.content) <= 2000 for m in messages)
    assert "".join(discord_unmark(m.content) for m in messages) == "*" * 1500


def _check_document(doc: Document) -> None:
    parts = FORMATTER.split(doc)
    consume([p.plain for p in doc.paras if p.plain.strip()], [p for part in parts for p in part.paras])
    messages = FORMATTER.format(doc)
    personas = frozenset(
        s.mention.member_id for p in doc.paras for s in p.spans if s.mention and s.mention.member_id.isdigit()
    )
    for part, message in zip(parts, messages, strict=True):
        assert discord_problems(message, persona_ids=personas) == []
        if not any(s.mention or s.link or s.code for p in part.paras for s in p.spans):
            assert discord_unmark(message.content) == expected_discord_text(part)
    assert all(not m.components for m in messages[:-1])


@settings(max_examples=120, deadline=None)
@given(documents)
def test_every_message_is_within_discord_limits_pings_nobody_and_loses_nothing(doc: Document) -> None:
    _check_document(doc)


@settings(max_examples=800, deadline=None)
@given(random_documents)
def test_random_documents_make_discord_messages_within_limits(doc: Document) -> None:
    _check_document(doc)


@settings(max_examples=25, deadline=None)
@given(long_documents)
def test_long_chinese_paragraphs_split_within_discord_limits(doc: Document) -> None:
    _check_document(doc)
