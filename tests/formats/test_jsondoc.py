"""The JSON format and its published schema."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.demo import demo_article
from bot.formats import ImportProblem
from bot.formats.jsondoc import FORMAT, SCHEMA_PATH, article_to_dict, dump_json, parse_json, schema
from bot.model import Article


def _demo_dict() -> dict[str, Any]:
    return article_to_dict(demo_article())


def test_the_schema_is_a_valid_published_schema() -> None:
    Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert FORMAT in schema()["properties"]["format"]["enum"]


def test_export_then_import_is_identical() -> None:
    text = dump_json(demo_article())
    assert parse_json(text, source_name="demo.json") == demo_article()
    assert dump_json(parse_json(text, source_name="demo.json")) == text
    assert "\\u" not in text and list(json.loads(text)) == list(_demo_dict())
    Draft202012Validator(schema()).validate(json.loads(text))


def test_optional_fields_default() -> None:
    minimal = {"format": FORMAT, "id": "min", "title": "T", "brief": {"headline": "H", "verdict": "V"}}
    article = parse_json(json.dumps(minimal), source_name="min.json")
    assert (article.source_lang, article.target_lang, article.published, article.original) == (
        "en",
        "zh-Hans",
        None,
        (),
    )


def _set(path: list[str | int], value: Any) -> dict[str, Any]:
    data = _demo_dict()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "where", "what"),
    [
        (["brief", "headline"], _DELETE, "$.brief", "'headline' is missing"),
        (["brief", "prompts", 1], "two\nlines", "$.brief.prompts[1]", "line break"),
        (["brief", "key_points", 0, "lead"], " padded", "$.brief.key_points[0].lead", "whitespace"),
        (["original", 2, "kind"], "poem", "$.original[2].kind", "'poem'"),
        (["brief", "prompts"], "one prompt", "$.brief.prompts", "must be array"),
        (["bilingual", 0], {"source": None, "target": None}, "$.bilingual[0]", "a source or a target"),
        (["colour"], "red", "$", "'colour' was unexpected"),
        (["format"], "other/2", "$.format", FORMAT),
        (["id"], "Not An Id", "$.id", "is not an id"),
        (["id"], "trailing-newline\n", "$.id", "is not an id"),
        (["title"], "trailing newline\n", "$.title", "whitespace"),
        (["published"], "2025-02-30", "$.published", "not a date"),
        (["source_url"], "has space", "$.source_url", "wrong form"),
        (["translation", 0, "text"], "\ud800", "$.translation[0].text", "surrogate"),
    ],
)
def test_errors_name_the_json_path(path: list[str | int], value: Any, where: str, what: str) -> None:
    text = json.dumps(_set(path, value))
    with pytest.raises(ImportProblem) as caught:
        parse_json(text, source_name="bad.json")
    assert (caught.value.path, caught.value.where) == ("bad.json", where) and what in caught.value.what, str(
        caught.value
    )


def test_invalid_json_names_the_line() -> None:
    text = dump_json(demo_article()).replace('"title":', '"title"', 1)
    line = next(n for n, row in enumerate(text.split("\n"), 1) if row.lstrip().startswith('"title"'))
    with pytest.raises(ImportProblem) as caught:
        parse_json(text, source_name="bad.json")
    assert caught.value.where == f"line {line}" and "not valid JSON" in caught.value.what


def test_long_values_are_not_quoted_whole_in_messages() -> None:
    data = copy.deepcopy(_demo_dict())
    data["original"][0]["kind"] = "x" * 5000
    with pytest.raises(ImportProblem) as caught:
        parse_json(json.dumps(data), source_name="bad.json")
    assert len(str(caught.value)) < 400


def test_a_version_1_document_still_imports_as_plain_blocks() -> None:
    old = {
        "format": "atou-article/1",
        "id": "2025-03-02-letters",
        "title": "Letters",
        "brief": {"headline": "慢是功能", "verdict": "短而有力。"},
        "original": [
            {"kind": "heading", "text": "The slow channel"},
            {"kind": "list_item", "text": "Write by hand."},
            {"kind": "paragraph", "text": "A letter takes days.1 It waits."},
            {"kind": "footnote", "text": "A saying, not a citation."},
        ],
        "translation": [{"kind": "heading", "text": "慢的渠道"}],
        "bilingual": [
            {
                "source": {"kind": "heading", "text": "The slow channel"},
                "target": {"kind": "heading", "text": "慢的渠道"},
            }
        ],
    }
    article = parse_json(json.dumps(old, ensure_ascii=False), source_name="old.json")
    heading, item, paragraph, note = article.original
    assert (heading.level, item.number, note.number) == (2, None, None)
    assert not any(b.styled for b in article.original)  # plain text stays plain: no guessing in JSON
    assert paragraph.text == "A letter takes days.1 It waits."
    again = dump_json(article)
    assert json.loads(again)["format"] == FORMAT == "atou-article/2"
    assert parse_json(again, source_name="new.json") == article


def test_spans_that_do_not_join_to_the_text_are_refused_with_their_path() -> None:
    doc = json.loads(dump_json(_styled()))
    doc["original"][0]["spans"][0]["text"] = "Other"
    with pytest.raises(ImportProblem) as refused:
        parse_json(json.dumps(doc), source_name="bad.json")
    assert refused.value.where == "$.original[0]" and "join" in refused.value.what


def _styled() -> Article:
    from bot.model import Block, BlockKind, Brief, SpanKind, TextSpan

    spans = (
        TextSpan("Slow", SpanKind.STRONG),
        TextSpan(" is a "),
        TextSpan("feature", SpanKind.EMPHASIS),
        TextSpan("3", SpanKind.FOOTNOTE_REF),
    )
    return Article(
        id="a-1",
        title="T",
        brief=Brief("H", "V"),
        original=(Block.of(BlockKind.PARAGRAPH, spans), Block(BlockKind.FOOTNOTE, "Note.", number=3)),
    )


@pytest.mark.parametrize(
    ("span", "what"),
    [
        ({"kind": "link", "text": "x"}, "a link needs a URL"),
        ({"kind": "footnote_ref", "text": "x"}, "footnote's number"),
        ({"kind": "emphasis", "text": "x", "target": "https://e.org"}, "only a link has a target"),
        ({"kind": "strong", "text": " x"}, "whitespace"),
    ],
)
def test_a_broken_span_is_refused_naming_it(span: dict[str, str], what: str) -> None:
    doc = json.loads(dump_json(_styled()))
    doc["original"][0] = {
        "kind": "paragraph",
        "text": "a" + span["text"],
        "spans": [{"kind": "text", "text": "a"}, span],
    }
    with pytest.raises(ImportProblem) as refused:
        parse_json(json.dumps(doc), source_name="bad.json")
    assert refused.value.where.startswith("$.original[0].spans[1]") and what in refused.value.what
