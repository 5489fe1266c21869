"""One small client for any OpenAI-compatible Chat Completions endpoint, with structured output.

    model = ModelClient.from_settings(settings)      # None when no model is configured
    answer, usage = await model.ask(system=..., user=..., schema=Brief, name="brief")

`ask` sends one conversation with `response_format` of type `json_schema` (the pydantic model's
schema, in strict form), validates the reply with pydantic, and asks again — telling the model what
was wrong — a bounded number of times when the reply does not validate. Rate limits (429, honouring
Retry-After), server errors and timeouts are retried with exponential backoff; at most
`concurrency` requests are in flight at once. Every call's tokens count, failed attempts included,
because they are paid for.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError

from bot.config import Settings
from bot.llm.schema import strict_schema

T = TypeVar("T", bound=BaseModel)

# Longest wait a Retry-After may impose before the call is given up as failed.
MAX_RETRY_AFTER = 120.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


class ModelError(Exception):
    """A model call failed for good; the message says what went wrong, in a sentence for an editor."""


class ContextOverflow(ModelError):
    """The request or its answer did not fit the model's context (HTTP 400 or `finish_reason: length`)."""


@dataclass(frozen=True)
class Usage:
    """Tokens a call (or a sum of calls) cost, and how many requests it took."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.calls + other.calls,
        )


@dataclass(frozen=True)
class ModelConfig:
    base_url: str
    api_key: str
    model: str
    translation_model: str
    concurrency: int = 8
    timeout: float = 120.0
    retries: int = 4
    reasks: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelConfig | None:
        """The configured endpoint, or None when drafting with a model is off (any of the three unset)."""
        if not (settings.llm_base_url and settings.llm_api_key and settings.llm_model):
            return None
        return cls(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key.get_secret_value(),
            model=settings.llm_model,
            translation_model=settings.llm_translation_model or settings.llm_model,
            concurrency=settings.llm_concurrency,
            timeout=settings.llm_timeout,
            retries=settings.llm_retries,
            reasks=settings.llm_reasks,
        )


def missing_settings(settings: Settings) -> list[str]:
    """The environment variables still needed to draft with a model."""
    names = {
        "llm_base_url": "ATOU_LLM_BASE_URL",
        "llm_api_key": "ATOU_LLM_API_KEY",
        "llm_model": "ATOU_LLM_MODEL",
    }
    return [env for field, env in names.items() if not getattr(settings, field)]


class ModelClient:
    """Structured questions to one endpoint; safe to share between concurrent tasks."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        # Retries are ours (counted, logged, bounded by our settings), so the library makes none.
        self._api = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            timeout=config.timeout,
            max_retries=0,
        )
        self._limit = asyncio.Semaphore(config.concurrency)
        self._sleep = sleep
        self.usage = Usage()
        self.retries = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelClient | None:
        config = ModelConfig.from_settings(settings)
        return None if config is None else cls(config)

    async def aclose(self) -> None:
        await self._api.close()

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def ask(
        self,
        *,
        system: str,
        user: str,
        schema: type[T],
        name: str,
        model: str | None = None,
        check: Callable[[T], str | None] | None = None,
    ) -> tuple[T, Usage]:
        """Ask for one answer shaped like `schema`; `check` may reject a valid one (its reason is re-asked).

        Raises ModelError (ContextOverflow for a context that does not fit) when the endpoint fails
        for good or the replies still do not validate after `reasks` more tries.
        """
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": strict_schema(schema), "strict": True},
        }
        spent = Usage()
        problem = ""
        for _ in range(self.config.reasks + 1):
            completion = await self._complete(model or self.config.model, messages, response_format, name)
            used = _usage_of(completion)
            spent += used
            self.usage += used
            choice = completion.choices[0] if completion.choices else None
            if choice is None:
                raise ModelError(f"the model answered {name} with no choices")
            if choice.finish_reason == "length":
                raise ContextOverflow(
                    f"the model's answer to {name} was cut off at its token limit (finish_reason: length)"
                )
            content = choice.message.content or ""
            try:
                answer = schema.model_validate_json(content)
            except ValidationError as exc:
                problem = _first_error(exc)
            else:
                problem = (check(answer) if check else None) or ""
                if not problem:
                    return answer, spent
            messages += [
                {"role": "assistant", "content": content},
                {
                    "role": "user",
                    "content": f"That reply was not usable: {problem}. "
                    "Answer again with the whole JSON object, matching the schema exactly.",
                },
            ]
        tries = self.config.reasks + 1
        raise ModelError(f"the model's answer to {name} was still unusable after {tries} tries: {problem}")

    async def _complete(
        self,
        model: str,
        messages: list[ChatCompletionMessageParam],
        response_format: dict[str, Any],
        name: str,
    ) -> ChatCompletion:
        attempt = 0
        while True:
            wait: float | None = None
            try:
                async with self._limit:
                    return await self._api.chat.completions.create(
                        model=model,
                        messages=messages,
                        response_format=cast(Any, response_format),
                    )
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise _status_error(exc, name) from exc
                failure: Exception = exc
                wait = _retry_after(exc) if exc.status_code == 429 else None
            except openai.APIConnectionError as exc:  # timeouts included
                failure = exc
            if attempt >= self.config.retries:
                raise self._gave_up(failure, name) from failure
            if wait is None or wait > MAX_RETRY_AFTER:
                wait = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt) * (1 + random.random() / 4)
            attempt += 1
            self.retries += 1
            await self._sleep(wait)

    def _gave_up(self, failure: Exception, name: str) -> ModelError:
        if isinstance(failure, openai.APIStatusError):
            return _status_error(failure, name)
        if isinstance(failure, openai.APITimeoutError):
            return ModelError(f"the model did not answer {name} within {self.config.timeout:g} s")
        return ModelError(f"could not reach the model at {self.config.base_url} for {name}")


def _status_error(exc: openai.APIStatusError, name: str) -> ModelError:
    status = exc.status_code
    if status in (401, 403):
        return ModelError(f"the model endpoint refused the API key (HTTP {status}) when asked for {name}")
    if status == 429:
        return ModelError(f"the model endpoint kept answering 429 Too Many Requests for {name}")
    if status >= 500:
        return ModelError(f"the model endpoint failed with HTTP {status} for {name}")
    detail = exc.message
    if exc.code == "context_length_exceeded" or "context" in detail.lower():
        return ContextOverflow(f"the request for {name} does not fit the model's context: {detail}")
    return ModelError(f"the model endpoint rejected the request for {name} (HTTP {status}): {detail}")


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    for header, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is not None:
            try:
                return max(0.0, float(value) / scale)
            except ValueError:
                continue
    return None


def _usage_of(completion: ChatCompletion) -> Usage:
    if completion.usage is None:
        return Usage(calls=1)
    return Usage(completion.usage.prompt_tokens, completion.usage.completion_tokens, 1)


def _first_error(exc: ValidationError) -> str:
    if exc.errors() and exc.errors()[0]["type"] == "json_invalid":
        return "it was not valid JSON"
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the top level"
    return f"{where}: {first['msg']}"
