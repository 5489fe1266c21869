"""Caps on article sizes: an import over a cap names the field and the cap; a brief at the caps stays a
few messages on every platform."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from adapters.discord.format import DiscordFormatter
from adapters.telegram.format import TelegramFormatter
from bot.demo import demo_article
from bot.formats import ImportProblem, limits, load_text
from bot.formats.jsondoc import article_to_dict
from bot.formats.native import dump_native
from bot.model import Brief, KeyPoint, RelevanceNote
from bot.render.views import brief_document


def json_with(change: Any) -> str:
    data = article_to_dict(demo_article())
    change(data)
    return json.dumps(data, ensure_ascii=False)


def test_a_million_character_key_point_is_refused_naming_the_field_and_the_cap() -> None:
    def huge(data: dict[str, Any]) -> None:
        data["brief"]["key_points"][0]["body"] = "很长" * 500_000

    with pytest.raises(ImportProblem) as refused:
        load_text(json_with(huge), source_name="huge.json")
    assert refused.value.where == "$.brief.key_points[0].body"
    assert refused.value.what == "is 1,000,000 characters long; at most 1,000 are allowed"


def test_the_caps_hold_in_every_format() -> None:
    native = dump_native(demo_article())
    first_prompt = demo_article().brief.prompts[0]
    assert f"1. {first_prompt}" in native
    with pytest.raises(ImportProblem) as refused:
        load_text(native.replace(f"1. {first_prompt}", "1. " + "问" * 501), source_name="digest.md")
    assert refused.value.where == "$.brief.prompts[0]"
    assert refused.value.what == "is 501 characters long; at most 500 are allowed"


def test_too_many_prompts_and_a_brief_too_long_as_a_whole_are_refused() -> None:
    def many(data: dict[str, Any]) -> None:
        data["brief"]["prompts"] = [f"问题 {n}" for n in range(limits.MAX_PROMPTS + 1)]

    with pytest.raises(ImportProblem, match=r"\$\.brief\.prompts: has 11 prompts; at most 10 are allowed"):
        load_text(json_with(many), source_name="many.json")

    def wordy(data: dict[str, Any]) -> None:
        for point in data["brief"]["key_points"]:
            point["body"] = "说" * limits.MAX_BODY

    with pytest.raises(ImportProblem) as refused:
        load_text(json_with(wordy), source_name="wordy.json")
    assert refused.value.where == "$.brief"
    assert f"at most {limits.MAX_BRIEF:,} are allowed" in refused.value.what


def brief_at_the_caps() -> Any:
    """As many items as allowed, as long as allowed, up to the brief's own cap."""
    budget = limits.MAX_BRIEF - limits.MAX_HEADLINE - limits.MAX_TITLE - 100
    points = tuple(KeyPoint("要" * 20, "点" * 100) for _ in range(limits.MAX_KEY_POINTS))
    notes = tuple(RelevanceNote("读者" * 3, "关" * 60) for _ in range(limits.MAX_RELEVANCE))
    used = sum(len(p.lead) + len(p.body) for p in points) + sum(len(n.audience) + len(n.text) for n in notes)
    per_prompt = (budget - used) // limits.MAX_PROMPTS
    prompts = tuple("问" * per_prompt for _ in range(limits.MAX_PROMPTS))
    brief = Brief("标" * limits.MAX_HEADLINE, "判" * 100, points, notes, prompts)
    article = replace(demo_article(), title="题" * limits.MAX_TITLE, brief=brief)
    assert limits.brief_chars(article.title, brief) <= limits.MAX_BRIEF
    return article


def test_a_brief_at_the_caps_imports_and_posts_as_a_few_messages() -> None:
    article = brief_at_the_caps()
    assert load_text(json.dumps(article_to_dict(article), ensure_ascii=False), source_name="full.json") == article
    for lang in ("zh-Hans", "en"):
        doc = brief_document(article, lang=lang, page_url="https://reading.example.org/a/x?sig=abc")
        assert len(TelegramFormatter().format(doc)) <= 2
        assert len(list(DiscordFormatter().format(doc))) <= 4
