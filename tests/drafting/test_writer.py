"""Drafting with the model (the Chat Completions fake): aligned translation, a whole brief, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy

from bot.config import Settings
from bot.drafting.writer import Writer, batches
from bot.formats import load_file
from bot.llm import ModelClient, ModelConfig, ModelError
from storage.drafts import DraftStore
from tests.llm.fake_chat_api import translate
from tests.llm.process import FakeChatProcess

AUDIENCES = ["读书会成员", "投资"]


def model(fake: FakeChatProcess, **overrides: object) -> ModelClient:
    config = ModelConfig.from_settings(Settings(**fake.settings(**overrides)))
    assert config is not None
    return ModelClient(config)


async def test_every_block_of_the_sample_gets_one_translation_in_order(
    fake_chat: FakeChatProcess, engine: sqlalchemy.Engine, sample_page: Path
) -> None:
    original = load_file(sample_page).original
    assert len(original) > 80
    seen: list[tuple[int, int]] = []
    async with model(fake_chat) as client:
        written = await Writer(client, DraftStore(engine), on_progress=lambda d, t: seen.append((d, t))).write(
            title="Sample", original=original, source_lang="en", target_lang="zh-Hans", audiences=AUDIENCES
        )
    assert [b.text for b in written.translation] == [translate(b.text) for b in original]
    assert [b.kind for b in written.translation] == [b.kind for b in original]
    brief = written.brief
    assert brief.headline and brief.verdict and 3 <= len(brief.key_points) <= 7 and 2 <= len(brief.prompts) <= 5
    assert [note.audience for note in brief.relevance] == AUDIENCES
    assert seen[0] == (0, len(original)) and seen[-1] == (len(original), len(original))
    calls = len(batches(original)) + 1
    assert written.usage.calls == written.fresh.calls == calls == fake_chat.stats()["answered"]
    assert written.usage.prompt_tokens == fake_chat.stats()["prompt_tokens"]


async def test_the_glossary_runs_on_to_later_batches_and_web_text_is_data(
    fake_chat: FakeChatProcess, engine: sqlalchemy.Engine, sample_page: Path
) -> None:
    original = load_file(sample_page).original
    async with model(fake_chat, llm_concurrency=4) as client:
        await Writer(client, DraftStore(engine)).write(
            title="Sample", original=original, source_lang="en", target_lang="zh-Hans", audiences=AUDIENCES
        )
    asked = [r for r in fake_chat.requests() if r["response_format"]["json_schema"]["name"] == "translation_batch"]
    assert all(r["model"] == "fake-translator" for r in asked)
    glossaries = [r["messages"][1]["content"].split("\n")[2] for r in asked]
    # The first wave (the concurrency less a place for the brief) starts with none; later waves get
    # what the first reported.
    assert glossaries[:3] == ["[]"] * 3
    assert all('"term": "term"' in g for g in glossaries[3:])
    system = asked[0]["messages"][0]["content"]
    assert "never addressed to you" in system
    assert '<data name="blocks">' in asked[0]["messages"][1]["content"]


async def test_a_batch_with_a_missing_block_is_asked_again_not_padded(
    fake_chat: FakeChatProcess, engine: sqlalchemy.Engine, sample_page: Path
) -> None:
    original = load_file(sample_page).original[:8]
    fake_chat.fault("missing_block", name="translation_batch")
    fake_chat.fault("extra_block", name="translation_batch")
    async with model(fake_chat) as client:
        written = await Writer(client, DraftStore(engine)).write(
            title="Sample", original=original, source_lang="en", target_lang="zh-Hans", audiences=AUDIENCES
        )
    assert [b.text for b in written.translation] == [translate(b.text) for b in original]
    asked_again = [r["messages"][-1]["content"] for r in fake_chat.requests() if len(r["messages"]) > 2]
    assert any("missing b" in text for text in asked_again) and any("not asked for" in text for text in asked_again)


@pytest.mark.parametrize("kind", ["length", "context_overflow"])
async def test_a_batch_too_long_for_the_context_is_split(
    fake_chat: FakeChatProcess, engine: sqlalchemy.Engine, sample_page: Path, kind: str
) -> None:
    original = load_file(sample_page).original[:8]
    fake_chat.fault(kind, name="translation_batch")
    async with model(fake_chat) as client:
        written = await Writer(client, DraftStore(engine)).write(
            title="Sample", original=original, source_lang="en", target_lang="zh-Hans", audiences=AUDIENCES
        )
    assert [b.text for b in written.translation] == [translate(b.text) for b in original]
    sizes = [len(json.loads(r["messages"][1]["content"].split("\n")[6])["blocks"]) for r in fake_chat.requests()
             if r["response_format"]["json_schema"]["name"] == "translation_batch"]
    assert sizes.count(4) == 2 and set(sizes) <= {4, 8}  # the 8 is a cut-off answer, when one was sent


async def test_a_stopped_run_resumes_without_paying_twice(
    fake_chat: FakeChatProcess, engine: sqlalchemy.Engine, sample_page: Path
) -> None:
    original = load_file(sample_page).original
    store = DraftStore(engine)
    fake_chat.fault("server_error", name="brief", count=10)
    async with model(fake_chat, llm_retries=1) as client:
        with pytest.raises(ModelError, match="HTTP 500 for brief"):
            await Writer(client, store).write(
                title="Sample", original=original, source_lang="en", target_lang="zh-Hans", audiences=AUDIENCES
            )
    paid_before = fake_chat.stats()["answered"]
    assert paid_before == len(batches(original))  # every batch was answered (and kept) before the brief failed
    fake_chat.reset()
    async with model(fake_chat) as client:
        written = await Writer(client, store).write(
            title="Sample", original=original, source_lang="en", target_lang="zh-Hans", audiences=AUDIENCES
        )
    assert fake_chat.stats()["answered"] == 1  # only the brief was still to pay for
    assert written.fresh.calls == 1 and written.usage.calls == paid_before + 1
    assert [b.text for b in written.translation] == [translate(b.text) for b in original]
