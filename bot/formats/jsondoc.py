"""JSON for pipelines: one article per document, validated against article.schema.json.

`dump_json` then `parse_json` gives an equal article, and dumping that again gives the same text.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path
from typing import Any

from bot.formats.problem import ImportProblem
from bot.formats.text import check_article, require_in_domain, text_problem
from bot.model import (
    Article,
    BilingualPair,
    Block,
    BlockKind,
    Brief,
    KeyPoint,
    RelevanceNote,
    SpanKind,
    TextSpan,
)

FORMAT = "atou-article/2"
# Version 1 had blocks of kind and text only; it reads as version 2 with plain, unnumbered blocks.
FORMATS = ("atou-article/1", FORMAT)
SCHEMA_PATH = Path(__file__).with_name("article.schema.json")


@functools.cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of the article document."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    # Validating against a copy with the local `$ref`s written out is several times faster: the
    # reference lookups dominate the time spent on a long article.
    return Draft202012Validator(_inline(schema(), schema()["$defs"]))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        return _inline(defs[name], defs) | {k: v for k, v in node.items() if k != "$ref"}
    return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}


def article_to_dict(article: Article) -> dict[str, Any]:
    """The JSON document of `article`, as plain data."""
    brief = article.brief
    return {
        "format": FORMAT,
        "id": article.id,
        "title": article.title,
        "source_url": article.source_url,
        "published": article.published.isoformat() if article.published else None,
        "source_lang": article.source_lang,
        "target_lang": article.target_lang,
        "brief": {
            "headline": brief.headline,
            "verdict": brief.verdict,
            "key_points": [{"lead": p.lead, "body": p.body} for p in brief.key_points],
            "relevance": [{"audience": n.audience, "text": n.text} for n in brief.relevance],
            "prompts": list(brief.prompts),
        },
        "original": [_block_dict(b) for b in article.original],
        "translation": [_block_dict(b) for b in article.translation],
        "bilingual": [
            {
                "source": None if p.source is None else _block_dict(p.source),
                "target": None if p.target is None else _block_dict(p.target),
            }
            for p in article.bilingual
        ],
    }


def _block_dict(block: Block) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": block.kind.value, "text": block.text}
    if block.styled:
        out["spans"] = [_span_dict(s) for s in block.spans]
    for name in ("level", "number", "attribution"):
        value = getattr(block, name)
        if value is not None:
            out[name] = value
    return out


def _span_dict(span: TextSpan) -> dict[str, str]:
    out = {"kind": span.kind.value, "text": span.text}
    if span.target is not None:
        out["target"] = span.target
    return out


def dump_json(article: Article) -> str:
    """The JSON text of `article` (UTF-8 characters kept as they are, two-space indent)."""
    require_in_domain(article)
    return json.dumps(article_to_dict(article), ensure_ascii=False, indent=2) + "\n"


def article_from_dict(data: Any, *, source_name: str = "<json>") -> Article:
    """Validate a JSON document against the schema and build its article."""
    from jsonschema.exceptions import best_match

    try:
        error = best_match(_validator().iter_errors(data))
    except RecursionError:
        raise ImportProblem(source_name, "$", "the JSON is nested too deeply") from None
    if error is not None:
        raise ImportProblem(source_name, error.json_path, _explain(error))
    brief = data["brief"]
    published = data.get("published")
    try:
        day = date.fromisoformat(published) if published else None
    except ValueError:
        raise ImportProblem(source_name, "$.published", f"{published} is not a date") from None
    article = Article(
        id=data["id"],
        title=data["title"],
        brief=Brief(
            headline=brief["headline"],
            verdict=brief["verdict"],
            key_points=tuple(KeyPoint(p["lead"], p["body"]) for p in brief.get("key_points", [])),
            relevance=tuple(RelevanceNote(n["audience"], n["text"]) for n in brief.get("relevance", [])),
            prompts=tuple(brief.get("prompts", [])),
        ),
        source_url=data.get("source_url"),
        published=day,
        source_lang=data.get("source_lang", "en"),
        target_lang=data.get("target_lang", "zh-Hans"),
        original=_blocks(data, "original", source_name),
        translation=_blocks(data, "translation", source_name),
        bilingual=_pairs(data, source_name),
    )
    return check_article(article, source_name)


def _blocks(data: dict[str, Any], section: str, source_name: str) -> tuple[Block, ...]:
    blocks = []
    for i, item in enumerate(data.get(section, [])):
        try:
            blocks.append(_block(item))
        except _Refused as error:
            raise ImportProblem(source_name, f"$.{section}[{i}]", str(error)) from None
    return tuple(blocks)


def _pairs(data: dict[str, Any], source_name: str) -> tuple[BilingualPair, ...]:
    pairs = []
    for i, pair in enumerate(data.get("bilingual", [])):
        halves = []
        for side in ("source", "target"):
            try:
                halves.append(_optional_block(pair[side]))
            except _Refused as error:
                raise ImportProblem(source_name, f"$.bilingual[{i}].{side}", str(error)) from None
        pairs.append(BilingualPair(*halves))
    return tuple(pairs)


def _block(data: dict[str, Any]) -> Block:
    kind = BlockKind(data["kind"])
    spans = tuple(TextSpan(s["text"], SpanKind(s["kind"]), s.get("target")) for s in data.get("spans", ()))
    joined = "".join(s.text for s in spans)
    if spans and joined != data["text"]:
        raise _Refused(f"the spans join to {_short(joined)}, not to the block's text {_short(data['text'])}")
    try:
        return Block(
            kind,
            data["text"],
            spans,
            level=data.get("level"),
            number=data.get("number"),
            attribution=data.get("attribution"),
        )
    except ValueError as error:
        raise _Refused(str(error)) from None


class _Refused(Exception):
    """A block the schema allows but the model does not (spans that do not join to the text, …)."""


def _optional_block(data: dict[str, Any] | None) -> Block | None:
    return None if data is None else _block(data)


def _explain(error: Any) -> str:
    """A short message for a schema error (the default quotes the whole offending value)."""
    instance = error.instance
    if error.json_path == "$.id":
        return f"{_short(str(instance))} is not an id: 1-40 characters of a-z, 0-9 and '-', starting with a letter or digit"
    if error.validator == "pattern" and isinstance(instance, str):
        reason = text_problem(instance)
        return reason or f"{_short(instance)} has the wrong form"
    if error.validator == "not" and error.json_path.startswith("$.bilingual"):
        return "a pair needs a source or a target block"
    if error.validator == "type":
        expected = error.validator_value
        return f"must be {' or '.join(expected) if isinstance(expected, list) else expected}"
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is missing")
    if error.validator == "additionalProperties":
        message = str(error.message)
        return f"not allowed here: {message[message.find('(') + 1 : -1]}"
    if error.validator in ("oneOf", "anyOf") and isinstance(instance, str):
        return text_problem(instance) or f"{_short(instance)} has the wrong form"
    if error.validator == "enum" and error.json_path == "$.format":
        return f"must be {' or '.join(repr(f) for f in FORMATS)}"
    return _short(str(error.message), 200)


def _short(text: str, limit: int = 60) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def parse_json(text: str, *, source_name: str) -> Article:
    """Read one article from JSON text; raise ImportProblem with the line or JSON path that is wrong."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise ImportProblem(
            source_name, f"line {error.lineno}", f"not valid JSON: {error.msg} (column {error.colno})"
        ) from None
    except RecursionError:
        raise ImportProblem(source_name, "$", "the JSON is nested too deeply") from None
    return article_from_dict(data, source_name=source_name)
