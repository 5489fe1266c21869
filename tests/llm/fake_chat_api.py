"""A strict local fake of the OpenAI Chat Completions API, run in a process of its own on 127.0.0.1.

    python -m tests.llm.fake_chat_api --key KEY --models m1,m2     # prints "port N" when it listens

`POST /v1/chat/completions` checks the request as a strict endpoint would (bearer key, known model,
message shape, no streaming, `response_format` of type `json_schema` with a well-formed schema in
strict form) and answers deterministically with JSON that validates against the schema it was given:

- a schema whose top level is an object with an array of `{id, text}` items (a translation batch)
  echoes every id found in the last user message's `<data name="blocks">` block, in order, with
  `text` turned into a deterministic "translation" (see `translate`);
- a scripted answer queued for the schema's name is returned as it is;
- anything else gets a value built from the schema itself (strings from the property name,
  arrays at their minimum length, at least one item).

Control endpoints, for tests (see tests/llm/process.py):
`POST /control/faults` queues faults `[{"kind", "count", "name", "retry_after", "seconds"}]`
(kinds: rate_limit, server_error, unauthorized, slow, invalid_json, missing_block, extra_block,
length, context_overflow, off_schema); `POST /control/script` queues `{"name", "answer"}`;
`POST /control/delay` sets `{"seconds"}` before every answer; `GET /control/requests` lists the
accepted request bodies; `GET /control/stats`; `POST /control/reset`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import math
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaViolation

ALLOWED_FIELDS = {
    "model",
    "messages",
    "response_format",
    "temperature",
    "top_p",
    "seed",
    "n",
    "stream",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "user",
    "presence_penalty",
    "frequency_penalty",
}
ROLES = {"system", "developer", "user", "assistant"}
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DATA = re.compile(r'<data name="blocks">\n(.*?)\n</data>', re.S)
FAULT_KINDS = {
    "rate_limit",
    "server_error",
    "unauthorized",
    "slow",
    "invalid_json",
    "missing_block",
    "extra_block",
    "length",
    "context_overflow",
    "off_schema",
}


def translate(text: str) -> str:
    """The fake's deterministic "translation" of a block."""
    return f"〔译〕{text}"


def tokens(text: str) -> int:
    """A deterministic token count: one per four bytes of UTF-8, at least one."""
    return max(1, math.ceil(len(text.encode()) / 4))


class Refusal(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        kind: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
        self.headers = headers or {}


@dataclass
class Fault:
    kind: str
    count: int = 1
    name: str | None = None  # only requests for this schema name
    retry_after: float = 1.0
    seconds: float = 0.0


@dataclass
class FakeChatApi:
    key: str
    models: set[str]
    faults: list[Fault] = field(default_factory=list)
    scripts: dict[str, list[Any]] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    answered: int = 0
    faults_served: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    generation: int = 0  # a reset forgets requests still running (a slow answer a client gave up on)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self.completions)
        app.router.add_post("/control/faults", self.add_faults)
        app.router.add_post("/control/script", self.add_script)
        app.router.add_post("/control/delay", self.set_delay)
        app.router.add_post("/control/reset", self.reset)
        app.router.add_get("/control/requests", self.list_requests)
        app.router.add_get("/control/stats", self.stats)
        return app

    # --- the API -------------------------------------------------------------------------------

    async def completions(self, request: web.Request) -> web.Response:
        generation = self.generation
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            body, schema, name = await self._checked(request)
            fault = self._take_fault(name)
            if self.delay:
                await asyncio.sleep(self.delay)
            if fault is not None:
                self.faults_served[fault.kind] = self.faults_served.get(fault.kind, 0) + 1
                refusal = _refusal_for(fault)
                if refusal is not None:
                    raise refusal
                if fault.kind == "slow":
                    await asyncio.sleep(fault.seconds)
            self.requests.append(body)
            answer = self._answer(body, schema, name)
            content = json.dumps(answer, ensure_ascii=False)
            finish = "stop"
            if fault is not None:
                content, finish = _spoil(fault.kind, answer, content)
            return web.json_response(self._completion(body, content, finish))
        except Refusal as exc:
            self.refused += 1
            return web.json_response(exc.body, status=exc.status, headers=exc.headers)
        finally:
            if generation == self.generation:
                self.in_flight -= 1

    async def _checked(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any], str]:
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            raise Refusal(
                401, "Incorrect API key provided.", code="invalid_api_key", kind="authentication_error"
            )
        if request.content_type != "application/json":
            raise Refusal(400, f"expected application/json, got {request.content_type}")
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise Refusal(400, f"the body is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise Refusal(400, "the body must be a JSON object")
        unknown = set(body) - ALLOWED_FIELDS
        if unknown:
            raise Refusal(400, f"Unrecognized request argument supplied: {', '.join(sorted(unknown))}")
        if body.get("model") not in self.models:
            raise Refusal(404, f"The model `{body.get('model')}` does not exist.", code="model_not_found")
        if body.get("stream"):
            raise Refusal(400, "this fake does not stream")
        if body.get("n", 1) != 1:
            raise Refusal(400, "n must be 1")
        _check_messages(body.get("messages"))
        schema, name = _check_response_format(body.get("response_format"))
        return body, schema, name

    def _take_fault(self, name: str) -> Fault | None:
        for fault in self.faults:
            if fault.name in (None, name):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _answer(self, body: dict[str, Any], schema: dict[str, Any], name: str) -> Any:
        queued = self.scripts.get(name)
        if queued:
            answer = queued.pop(0)
        else:
            blocks = _blocks_in(body["messages"])
            answer = _derive(schema, schema, name, blocks)
        try:
            Draft202012Validator(schema).validate(answer)
        except SchemaViolation as exc:  # a wrong script is the test's bug: say so loudly
            raise Refusal(
                500, f"the fake's answer for {name} breaks its schema: {exc.message}", kind="server_error"
            ) from exc
        return answer

    def _completion(self, body: dict[str, Any], content: str, finish: str) -> dict[str, Any]:
        prompt = sum(tokens(m["content"]) for m in body["messages"])
        completion = tokens(content)
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.answered += 1
        return {
            "id": f"chatcmpl-fake-{self.answered}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": finish,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }

    # --- control -------------------------------------------------------------------------------

    async def add_faults(self, request: web.Request) -> web.Response:
        items = await request.json()
        for item in items:
            fault = Fault(**item)
            if fault.kind not in FAULT_KINDS:
                return web.json_response({"error": f"unknown fault {fault.kind}"}, status=400)
            self.faults.append(fault)
        return web.json_response({"queued": len(self.faults)})

    async def add_script(self, request: web.Request) -> web.Response:
        item = await request.json()
        self.scripts.setdefault(item["name"], []).append(item["answer"])
        return web.json_response({"ok": True})

    async def set_delay(self, request: web.Request) -> web.Response:
        self.delay = float((await request.json())["seconds"])
        return web.json_response({"ok": True})

    async def reset(self, request: web.Request) -> web.Response:
        self.faults.clear()
        self.scripts.clear()
        self.requests.clear()
        self.faults_served.clear()
        self.delay = 0.0
        self.refused = self.answered = self.prompt_tokens = self.completion_tokens = 0
        self.most_in_flight = self.in_flight = 0
        self.generation += 1
        return web.json_response({"ok": True})

    async def list_requests(self, request: web.Request) -> web.Response:
        return web.json_response(self.requests)

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "answered": self.answered,
                "refused": self.refused,
                "faults_served": self.faults_served,
                "faults_pending": len(self.faults),
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "most_in_flight": self.most_in_flight,
            }
        )


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise Refusal(400, "messages must be a non-empty array")
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise Refusal(400, f"messages[{n}].role must be one of {sorted(ROLES)}")
        if not isinstance(message.get("content"), str) or not message["content"].strip():
            raise Refusal(400, f"messages[{n}].content must be a non-empty string")
        if set(message) - {"role", "content", "name"}:
            raise Refusal(400, f"messages[{n}] has unknown fields")
    if messages[-1]["role"] != "user":
        raise Refusal(400, "the last message must be the user's")


def _check_response_format(fmt: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        raise Refusal(400, "response_format must be {'type': 'json_schema', ...} for this fake")
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not NAME.match(spec["name"]):
        raise Refusal(400, "response_format.json_schema.name must match ^[A-Za-z0-9_-]{1,64}$")
    schema = spec.get("schema")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise Refusal(400, "response_format.json_schema.schema must be an object schema")
    problem = _schema_problem(json.dumps(schema, sort_keys=True), bool(spec.get("strict")))
    if problem:
        raise Refusal(400, problem)
    return schema, spec["name"]


@functools.lru_cache(maxsize=256)
def _schema_problem(schema_json: str, strict: bool) -> str | None:
    """What is wrong with a schema (checked once per distinct schema: clients send the same few)."""
    schema = json.loads(schema_json)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"invalid JSON schema: {exc.message}"
    if strict:
        try:
            _check_strict(schema, "schema")
        except Refusal as refusal:
            return str(refusal)
    return None


def _check_strict(node: Any, where: str) -> None:
    """OpenAI's strict mode: every object closed, every property required."""
    if isinstance(node, dict):
        if node.get("type") == "object":
            if node.get("additionalProperties") is not False:
                raise Refusal(400, f"strict schema: {where} must set additionalProperties to false")
            if sorted(node.get("required", [])) != sorted(node.get("properties", {})):
                raise Refusal(400, f"strict schema: {where} must list every property in required")
        for key, value in node.items():
            _check_strict(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, item in enumerate(node):
            _check_strict(item, f"{where}[{n}]")


def _blocks_in(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    user = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    first_user = next(m["content"] for m in messages if m["role"] == "user")
    for text in (user, first_user):  # a re-ask quotes no data; the blocks are in the first question
        found = DATA.search(text)
        if found:
            payload = json.loads(found.group(1))
            items = payload.get("blocks", payload) if isinstance(payload, dict) else payload
            return [b for b in items if isinstance(b, dict) and "id" in b]
    return []


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return _resolve(root, target)


def _is_id_text_list(root: dict[str, Any], node: dict[str, Any]) -> bool:
    if node.get("type") != "array":
        return False
    items = _resolve(root, node.get("items", {}))
    return {"id", "text"} <= set(items.get("properties", {}))


def _derive(root: dict[str, Any], node: dict[str, Any], name: str, blocks: list[dict[str, Any]], index: int = 0) -> Any:
    """A value for `node`; the n-th item of an array takes the n-th value of any enum inside it."""
    node = _resolve(root, node)
    if "enum" in node:
        return node["enum"][index % len(node["enum"])]
    if "const" in node:
        return node["const"]
    if "anyOf" in node:
        return _derive(root, node["anyOf"][0], name, blocks, index)
    kind = node.get("type")
    if kind == "object":
        out: dict[str, Any] = {}
        for prop, sub in node.get("properties", {}).items():
            if blocks and _is_id_text_list(root, sub):
                out[prop] = [{"id": b["id"], "text": translate(str(b.get("text", "")))} for b in blocks]
            else:
                out[prop] = _derive(root, sub, prop, blocks, index)
        return out
    if kind == "array":
        count = max(node.get("minItems", 1), 1)
        count = min(count, node.get("maxItems", count))
        return [_derive(root, node.get("items", {}), f"{name} {n + 1}", blocks, n) for n in range(count)]
    if kind == "string":
        text = f"{name}"
        return text.ljust(node.get("minLength", 0), ".")[: node.get("maxLength", len(text) + 1000)]
    if kind == "integer":
        return int(node.get("minimum", 1))
    if kind == "number":
        return float(node.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return name


def _refusal_for(fault: Fault) -> Refusal | None:
    if fault.kind == "rate_limit":
        seconds = fault.retry_after
        headers = {"Retry-After": str(math.ceil(seconds)), "retry-after-ms": str(int(seconds * 1000))}
        return Refusal(
            429, "Rate limit reached.", code="rate_limit_exceeded", kind="requests", headers=headers
        )
    if fault.kind == "server_error":
        return Refusal(500, "The server had an error while processing your request.", kind="server_error")
    if fault.kind == "unauthorized":
        return Refusal(
            401, "Incorrect API key provided.", code="invalid_api_key", kind="authentication_error"
        )
    if fault.kind == "context_overflow":
        return Refusal(
            400, "This model's maximum context length is 8192 tokens.", code="context_length_exceeded"
        )
    return None


def _spoil(kind: str, answer: Any, content: str) -> tuple[str, str]:
    """Break a good answer the way a model does."""
    if kind == "invalid_json":
        return content[: max(1, len(content) // 2)], "stop"
    if kind == "length":
        return content[: max(1, len(content) // 2)], "length"
    if kind == "off_schema":
        return json.dumps({"unexpected": True}), "stop"
    if kind in ("missing_block", "extra_block") and isinstance(answer, dict):
        for value in answer.values():
            if isinstance(value, list) and value and isinstance(value[0], dict) and "id" in value[0]:
                if kind == "missing_block":
                    value.pop(len(value) // 2)
                else:
                    value.append({**value[-1], "id": f"{value[-1]['id']}-extra"})
                return json.dumps(answer, ensure_ascii=False), "stop"
    return content, "stop"


def _exit_with_parent() -> None:
    """End this process when its standard input closes: the test run that started it has gone, even
    if it was killed before it could stop the fake."""
    sys.stdin.read()
    os._exit(0)


async def _main(key: str, models: set[str], exit_with_parent: bool) -> None:
    if exit_with_parent:
        threading.Thread(target=_exit_with_parent, daemon=True).start()
    api = FakeChatApi(key=key, models=models)
    runner = web.AppRunner(api.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"port {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", required=True)
    parser.add_argument("--models", default="fake-model")
    parser.add_argument("--exit-with-parent", action="store_true", help="end when standard input closes")
    args = parser.parse_args()
    asyncio.run(_main(args.key, set(args.models.split(",")), args.exit_with_parent))
