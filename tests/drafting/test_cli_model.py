"""`atou draft` with a model configured (the Chat Completions fake): a whole draft, or a clear error."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Atou, atou, db_url  # noqa: F401
from tests.drafting.site import CHINESE, ENGLISH, Site
from tests.drafting.test_cli_draft import drafts
from tests.llm.fake_chat_api import translate
from tests.llm.process import FakeChatProcess


@pytest.fixture
def cli(atou: Atou, monkeypatch: pytest.MonkeyPatch, fake_chat: FakeChatProcess) -> Atou:  # noqa: F811
    monkeypatch.setenv("ATOU_AUTO_UPGRADE", "true")
    monkeypatch.setenv("ATOU_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("ATOU_LLM_RETRIES", "1")
    for name, value in fake_chat.env().items():
        monkeypatch.setenv(name, value)
    return atou


def test_a_link_is_drafted_with_brief_and_aligned_translation(cli: Atou, site: Site, fake_chat: FakeChatProcess) -> None:
    result = cli("draft", site.url(ENGLISH))
    assert result.exit_code == 0, result.output
    assert "written by fake-model" in result.stdout and "tokens" in result.stdout
    [draft] = drafts(cli)
    assert draft["missing"] is None and draft["model"] == "fake-model"
    stats = fake_chat.stats()
    assert draft["calls"] == stats["answered"]
    assert draft["tokens"] == {"prompt": stats["prompt_tokens"], "completion": stats["completion_tokens"]}
    document = json.loads(cli("show", str(draft["id"]), "--json").stdout)
    assert document["target_lang"] == "zh-Hans"
    assert [b["text"] for b in document["translation"]] == [translate(b["text"]) for b in document["original"]]
    assert [(p["source"]["text"], p["target"]["text"]) for p in document["bilingual"]] == [
        (b["text"], translate(b["text"])) for b in document["original"]
    ]
    brief = document["brief"]
    assert brief["headline"] and brief["verdict"] and len(brief["key_points"]) >= 3 and len(brief["prompts"]) >= 2
    assert [n["audience"] for n in brief["relevance"]] == ["读书会成员"]


def test_a_chinese_article_is_translated_into_english(cli: Atou, site: Site, fake_chat: FakeChatProcess) -> None:
    made = json.loads(cli("draft", site.url(CHINESE), "--json").stdout)
    document = json.loads(cli("show", made["id"], "--json").stdout)
    assert (document["source_lang"], document["target_lang"]) == ("zh-Hans", "en")
    assert [n["audience"] for n in document["brief"]["relevance"]] == ["the reading group"]
    translating = [r for r in fake_chat.requests() if r["response_format"]["json_schema"]["name"] != "brief"]
    assert all("from Simplified Chinese into English" in r["messages"][0]["content"] for r in translating)


@pytest.mark.parametrize(
    ("kind", "count", "says"),
    [
        ("unauthorized", 1, "refused the API key (HTTP 401)"),
        ("server_error", 20, "failed with HTTP 500"),
        ("rate_limit", 20, "kept answering 429 Too Many Requests"),
        ("invalid_json", 20, "still unusable after 3 tries: it was not valid JSON"),
        ("missing_block", 20, "still unusable after 3 tries: expected the ids"),
    ],
)
def test_a_failing_model_gives_a_clear_error_and_stores_nothing(
    cli: Atou, site: Site, fake_chat: FakeChatProcess, kind: str, count: int, says: str
) -> None:
    name = "translation_batch" if kind == "missing_block" else None
    fake_chat.fault(kind, count=count, name=name, retry_after=0.05)
    result = cli("draft", site.url(ENGLISH))
    assert result.exit_code == 1
    assert f"Could not draft {site.url(ENGLISH)}: drafting with the model failed:" in result.stderr
    assert says in result.stderr
    assert drafts(cli, "--all") == []


def test_one_rate_limit_or_bad_answer_is_retried(cli: Atou, site: Site, fake_chat: FakeChatProcess) -> None:
    fake_chat.fault("rate_limit", retry_after=0.05)
    fake_chat.fault("invalid_json")
    fake_chat.fault("missing_block", name="translation_batch")
    result = cli("draft", site.url(ENGLISH))
    assert result.exit_code == 0, result.output
    assert fake_chat.stats()["faults_served"] == {"rate_limit": 1, "invalid_json": 1, "missing_block": 1}
    [draft] = drafts(cli)
    assert draft["missing"] is None
