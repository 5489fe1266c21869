"""The model client against the strict Chat Completions fake: answers, retries, re-asks, limits."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from bot.config import Settings
from bot.llm import ContextOverflow, ModelClient, ModelConfig, ModelError, missing_settings
from tests.llm.fake_chat_api import translate
from tests.llm.process import FakeChatProcess
from tests.loopback import NetworkCallBlocked


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead: str
    body: str


class Brief(BaseModel):
    model_config = ConfigDict(extra="forbid")
    headline: str
    points: list[Point] = Field(min_length=3, max_length=7)


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    blocks: list[Block]


BLOCKS = '<data name="blocks">\n{"blocks": [{"id": "p1", "text": "One."}, {"id": "p2", "text": "Two."}, {"id": "p3", "text": "Three."}]}\n</data>'


def client(fake: FakeChatProcess, sleeps: list[float] | None = None, **overrides: Any) -> ModelClient:
    config = ModelConfig.from_settings(Settings(**fake.settings(**overrides)))
    assert config is not None

    async def record(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return ModelClient(config, sleep=record) if sleeps is not None else ModelClient(config)


def all_ids(batch: Batch) -> str | None:
    ids = [b.id for b in batch.blocks]
    return None if ids == ["p1", "p2", "p3"] else f"expected ids p1, p2, p3, got {', '.join(ids)}"


def test_off_until_all_three_settings_are_given() -> None:
    assert ModelClient.from_settings(Settings(llm_base_url="http://127.0.0.1:1/v1", llm_model="m")) is None
    assert missing_settings(Settings(llm_model="m")) == ["ATOU_LLM_BASE_URL", "ATOU_LLM_API_KEY"]


async def test_a_structured_answer_with_its_usage(fake_chat: FakeChatProcess) -> None:
    async with client(fake_chat) as model:
        brief, usage = await model.ask(system="You brief.", user="Brief this.", schema=Brief, name="brief")
    assert len(brief.points) == 3 and brief.headline
    assert usage.calls == 1 and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    sent = fake_chat.requests()[0]
    assert sent["model"] == "fake-model"
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


async def test_translation_batches_echo_every_block_id(fake_chat: FakeChatProcess) -> None:
    async with client(fake_chat) as model:
        batch, _ = await model.ask(
            system="Translate.",
            user=BLOCKS,
            schema=Batch,
            name="batch",
            model="fake-translator",
            check=all_ids,
        )
    assert [(b.id, b.text) for b in batch.blocks] == [
        ("p1", translate("One.")),
        ("p2", translate("Two.")),
        ("p3", translate("Three.")),
    ]


async def test_a_rate_limit_waits_as_long_as_retry_after_says(fake_chat: FakeChatProcess) -> None:
    fake_chat.fault("rate_limit", retry_after=7)
    sleeps: list[float] = []
    async with client(fake_chat, sleeps) as model:
        await model.ask(system="s", user="u", schema=Brief, name="brief")
    assert sleeps == [7.0]
    assert fake_chat.stats()["faults_served"] == {"rate_limit": 1}


async def test_server_errors_and_timeouts_are_retried_with_growing_waits(fake_chat: FakeChatProcess) -> None:
    fake_chat.fault("server_error", count=2)
    fake_chat.fault("slow", seconds=3)
    sleeps: list[float] = []
    async with client(fake_chat, sleeps, llm_timeout=0.5) as model:
        await model.ask(system="s", user="u", schema=Brief, name="brief")
        assert model.retries == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]


async def test_an_endpoint_that_keeps_failing_gives_a_clear_error(fake_chat: FakeChatProcess) -> None:
    fake_chat.fault("server_error", count=10)
    async with client(fake_chat, [], llm_retries=2) as model:
        with pytest.raises(ModelError, match="failed with HTTP 500 for brief"):
            await model.ask(system="s", user="u", schema=Brief, name="brief")
    assert fake_chat.stats()["faults_served"] == {"server_error": 3}


async def test_a_refused_key_is_not_retried(fake_chat: FakeChatProcess) -> None:
    async with client(fake_chat, [], llm_api_key="sk-wrong") as model:
        with pytest.raises(ModelError, match=r"refused the API key \(HTTP 401\)"):
            await model.ask(system="s", user="u", schema=Brief, name="brief")
    assert fake_chat.stats()["refused"] == 1


async def test_invalid_json_is_asked_again_with_the_reason(fake_chat: FakeChatProcess) -> None:
    fake_chat.fault("invalid_json")
    async with client(fake_chat) as model:
        brief, usage = await model.ask(system="s", user="u", schema=Brief, name="brief")
    assert len(brief.points) == 3
    assert usage.calls == 2
    again = fake_chat.requests()[1]["messages"]
    assert [m["role"] for m in again] == ["system", "user", "assistant", "user"]
    assert "not valid JSON" in again[-1]["content"]


async def test_replies_that_never_validate_end_after_the_bounded_re_asks(fake_chat: FakeChatProcess) -> None:
    fake_chat.fault("off_schema", count=3)
    async with client(fake_chat, llm_reasks=2) as model:
        with pytest.raises(ModelError, match="still unusable after 3 tries"):
            await model.ask(system="s", user="u", schema=Brief, name="brief")
        assert model.usage.calls == 3  # every try was paid for, and counted


async def test_a_batch_with_a_block_missing_is_asked_again(fake_chat: FakeChatProcess) -> None:
    fake_chat.fault("missing_block")
    async with client(fake_chat) as model:
        batch, usage = await model.ask(
            system="s", user=BLOCKS, schema=Batch, name="batch", model="fake-translator", check=all_ids
        )
    assert [b.id for b in batch.blocks] == ["p1", "p2", "p3"] and usage.calls == 2
    assert "expected ids p1, p2, p3, got p1, p3" in fake_chat.requests()[1]["messages"][-1]["content"]


@pytest.mark.parametrize("kind", ["length", "context_overflow"])
async def test_context_overflow_is_its_own_error(fake_chat: FakeChatProcess, kind: str) -> None:
    fake_chat.fault(kind)
    async with client(fake_chat) as model:
        with pytest.raises(ContextOverflow, match="brief"):
            await model.ask(system="s", user="u", schema=Brief, name="brief")


async def test_no_more_requests_in_flight_than_the_limit(fake_chat: FakeChatProcess) -> None:
    fake_chat.delay(0.1)
    async with client(fake_chat, llm_concurrency=3) as model:
        await asyncio.gather(*(model.ask(system="s", user="u", schema=Brief, name="brief") for _ in range(9)))
        assert model.usage.calls == 9
    assert fake_chat.stats()["most_in_flight"] == 3


def test_tests_cannot_reach_beyond_loopback() -> None:
    with pytest.raises(NetworkCallBlocked):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
